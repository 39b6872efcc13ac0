import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  computeSignature,
  formatSdkDate,
  hashPayload,
  parseAuthorizationHeader,
  parseSdkDate,
  signRequest,
  stringToSign,
  verifySignedRequest,
  type ReceivedRequest,
} from "../provider/signer";

const AK = "AccessKey";
const SK = "SecretKey";
const CREDS = { accessKey: AK, secretKey: SK };

const signatureOf = (authorization: string | undefined) => parseAuthorizationHeader(authorization ?? "")?.signature;

/** Signs with an explicit header list, for vectors whose signer left `host` out (Go SDK). */
function signWithList(opts: { method: string; url: string; sdkDate: string; body?: string; signedHeaders: string[]; headers: Record<string, string> }) {
  const url = new URL(opts.url);
  const canonical = canonicalRequest({
    method: opts.method,
    path: url.pathname,
    query: url.search,
    headers: opts.headers,
    signedHeaders: opts.signedHeaders,
    payloadHash: hashPayload(opts.body),
  });
  return computeSignature(SK, stringToSign(opts.sdkDate, canonical));
}

describe("fixed vectors (shared/signing-vectors.md)", () => {
  const vpcUrl =
    "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0";
  const guideDate = new Date("2019-11-15T03:36:55Z");

  it("1: the signing guide's example, canonical request and hash exactly", () => {
    const url = new URL(vpcUrl);
    const canonical = canonicalRequest({
      method: "GET",
      path: url.pathname,
      query: url.search,
      headers: { "content-type": "application/json", host: "service.region.example.com", "x-sdk-date": "20191115T033655Z" },
      signedHeaders: ["content-type", "host", "x-sdk-date"],
      payloadHash: hashPayload(undefined),
    });
    expect(canonical).toBe(
      [
        "GET",
        "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/",
        "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        "content-type:application/json",
        "host:service.region.example.com",
        "x-sdk-date:20191115T033655Z",
        "",
        "content-type;host;x-sdk-date",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      ].join("\n"),
    );
    expect(createHash("sha256").update(canonical).digest("hex")).toBe("b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
    expect(stringToSign("20191115T033655Z", canonical)).toBe(
      "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
    );

    const headers = signRequest(
      { method: "GET", url: vpcUrl, headers: { "Content-Type": "application/json" } },
      { accessKey: "QTWAOYTTINDUT2QVKYUC", secretKey: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc" },
      guideDate,
    );
    expect(headers["X-Sdk-Date"]).toBe("20191115T033655Z");
    expect(headers["host"]).toBe("service.region.example.com");
    expect(headers["Authorization"]).toBe(
      "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, " +
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    );
  });

  it.each([
    { n: 2, method: "GET", url: vpcUrl, date: guideDate, sig: "fd95e7da6f695cfb4cabbb9d6b0968aec155bc576b064835282473539ae9ea1d" },
    {
      n: 3,
      method: "POST",
      url: "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpc/123",
      body: '{"key":"value"}',
      date: guideDate,
      sig: "b5649aa774f6cac7437631662f08815fc65c70e40e486df6db2436ce68902771",
    },
    {
      n: 4,
      method: "GET",
      url: "https://service.region.example.com",
      headers: { Host: "example.com" },
      date: guideDate,
      sig: "919ad8b75d4ad49da0d377e63ee21c4a7a54b752f6bf2878b4adbe9c19927da6",
    },
    {
      n: 5,
      method: "GET",
      url: "https://service.endpoint.myhuaweicloud.com/resources?size=1",
      date: new Date("2020-06-08T02:39:00Z"),
      sig: "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842",
    },
    {
      n: 6,
      method: "POST",
      url: "https://service.endpoint.myhuaweicloud.com/resources?size=1",
      body: '{"name":"test","id":1}',
      date: new Date("2020-06-08T02:39:00Z"),
      sig: "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f",
    },
  ])("$n: SDK test vector with host;x-sdk-date", ({ method, url, body, headers, date, sig }) => {
    const out = signRequest({ method, url, body, headers }, CREDS, date);
    expect(out["Authorization"]).toBe(`SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=${sig}`);
  });

  it.each([
    { n: 7, method: "GET", url: "https://example.huaweicloud.com/path?limit=1", sig: "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624" },
    {
      n: 8,
      method: "POST",
      url: "https://example.huaweicloud.com/path?key=value",
      body: '{"Name":"test","Id":1}\n',
      sig: "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
    },
  ])("$n: Go SDK vector that signs x-sdk-date only, and the verifier accepts it", ({ method, url, body, sig }) => {
    const sdkDate = "20060102T150405Z";
    expect(signWithList({ method, url, body, sdkDate, signedHeaders: ["x-sdk-date"], headers: { "x-sdk-date": sdkDate } })).toBe(sig);

    // The gateway recomputes over the list the request names, even one without host.
    const u = new URL(url);
    const received: ReceivedRequest = {
      method,
      url: u.pathname + u.search,
      headers: { host: u.host, "x-sdk-date": sdkDate, authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${sig}` },
      body,
    };
    expect(verifySignedRequest(received, (ak) => (ak === AK ? SK : undefined), new Date("2006-01-02T15:04:05Z"))).toEqual({
      ok: true,
      accessKey: AK,
    });
  });

  describe("DCS-shaped requests (vendor Node signer 3.1.211)", () => {
    const projectId = "0123456789abcdef0123456789abcdef";
    const base = "https://dcs.ap-southeast-1.myhuaweicloud.com";
    const headers = { "content-type": "application/json", "X-Project-Id": projectId };
    const date = new Date("2024-01-01T00:00:00Z");

    it("GET a job", () => {
      const out = signRequest({ method: "GET", url: `${base}/v2/${projectId}/jobs/ff8080818822bbf70188235afc24141a`, headers }, CREDS, date);
      expect(out["Authorization"]).toBe(
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, " +
          "Signature=c1563cd6591e807dabfe71a27f68878e58fea1cf0b682bbc79a230baf811bb2b",
      );
    });

    it("PUT client IP pass-through with a JSON body", () => {
      const out = signRequest(
        {
          method: "PUT",
          url: `${base}/v2/${projectId}/5560df16-cebf-4473-95c4-d1b573c16e79/client-ip-transparent-transmission`,
          headers,
          body: '{"transparent_client_ip_enable":true}',
        },
        CREDS,
        date,
      );
      expect(signatureOf(out["Authorization"])).toBe("817e845f094f3042f661797c052c6e7db1472160d4b20e7ee374c552848bd19b");
    });
  });
});

describe("signRequest headers", () => {
  const date = new Date("2024-01-01T00:00:00Z");

  it("keeps the caller's headers, adds host with a non-default port, the date and the token, all signed", () => {
    const out = signRequest(
      { method: "GET", url: "http://127.0.0.1:8443/v2/p/jobs/j", headers: { "Content-Type": "application/json", "X-Project-Id": "p" } },
      { ...CREDS, securityToken: "tok" },
      date,
    );
    expect(out).toMatchObject({
      "Content-Type": "application/json",
      "X-Project-Id": "p",
      host: "127.0.0.1:8443",
      "X-Sdk-Date": "20240101T000000Z",
      "X-Security-Token": "tok",
    });
    expect(parseAuthorizationHeader(out["Authorization"]!)?.signedHeaders).toEqual([
      "content-type",
      "host",
      "x-project-id",
      "x-sdk-date",
      "x-security-token",
    ]);
  });

  it("leaves the default port out of host", () => {
    expect(signRequest({ method: "GET", url: "https://h.example.com:443/x" }, CREDS, date)["host"]).toBe("h.example.com");
  });

  it("replaces a caller's stale X-Sdk-Date and Authorization instead of sending two", () => {
    const out = signRequest(
      { method: "GET", url: "https://h.example.com/x", headers: { "x-sdk-date": "20000101T000000Z", authorization: "old" } },
      CREDS,
      date,
    );
    expect(Object.keys(out).filter((k) => /^(x-sdk-date|authorization)$/i.test(k))).toEqual(["X-Sdk-Date", "Authorization"]);
    expect(out["X-Sdk-Date"]).toBe("20240101T000000Z");
  });

  it("uses X-Sdk-Content-Sha256 as the payload hash, like the vendor signers", () => {
    const a = signRequest({ method: "PUT", url: "https://h.example.com/x", headers: { "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD" }, body: "a" }, CREDS, date);
    const b = signRequest({ method: "PUT", url: "https://h.example.com/x", headers: { "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD" }, body: "b" }, CREDS, date);
    expect(a["Authorization"]).toBe(b["Authorization"]);
  });

  it("refuses header names that differ only in case, naming the header but no value", () => {
    expect(() => signRequest({ method: "GET", url: "https://h.example.com/", headers: { "X-A": "secret-ish", "x-a": "v" } }, CREDS, date)).toThrow(
      /header "x-a" is given twice/,
    );
  });

  it("never puts a secret key or token in a thrown error", () => {
    const secretKey = "S3cr3t-Key-Value-Do-Not-Print";
    const securityToken = "T0ken-Value-Do-Not-Print";
    const attempts = [
      () => signRequest({ method: "GET", url: "https://h.example.com/", headers: { A: "1", a: "2" } }, { accessKey: AK, secretKey, securityToken }, date),
      () => signRequest({ method: "GET", url: "https://h.example.com/" }, { accessKey: "", secretKey, securityToken }, date),
      () => signRequest({ method: "GET", url: "https://h.example.com/" }, { accessKey: AK, secretKey, securityToken }, new Date(NaN)),
      () => signRequest({ method: "GET", url: "not a url" }, { accessKey: AK, secretKey, securityToken }, date),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Error);
      const dump = JSON.stringify(caught, Object.getOwnPropertyNames(caught)) + String(caught);
      expect(dump).not.toContain(secretKey);
      expect(dump).not.toContain(securityToken);
    }
  });
});

describe("canonical pieces", () => {
  it("canonical URI: trailing slash always, reserved characters encoded once, root is /", () => {
    expect(canonicalUri("")).toBe("/");
    expect(canonicalUri("/")).toBe("/");
    expect(canonicalUri("/v2/p/jobs/")).toBe("/v2/p/jobs/");
    expect(canonicalUri("/v2/a:b@c!$&'()*+,;=/x")).toBe("/v2/a%3Ab%40c%21%24%26%27%28%29%2A%2B%2C%3B%3D/x/");
    expect(canonicalUri("/a//b")).toBe("/a//b/");
  });

  it("canonical URI: a space or non-ASCII segment is decoded then encoded once, whether or not it arrived encoded", () => {
    expect(canonicalUri("/v1/a%20b/%C3%A9")).toBe("/v1/a%20b/%C3%A9/");
    expect(canonicalUri("/v1/a b/é")).toBe("/v1/a%20b/%C3%A9/");
    // Lower-case hex on the wire still gives upper-case hex in the canonical form.
    expect(canonicalUri("/v1/%c3%a9")).toBe("/v1/%C3%A9/");
    // A % that starts no escape stays a literal % (encoded as %25), like the reference signer's unquote.
    expect(canonicalUri("/v1/100%")).toBe("/v1/100%25/");
  });

  it("canonical query: sorted by key then value, repeated keys and empty values kept", () => {
    expect(canonicalQueryString("?b=2&a=2&a=1&c&d=")).toBe("a=1&a=2&b=2&c=&d=");
    expect(canonicalQueryString("")).toBe("");
    expect(canonicalQueryString("a=1&&b=2")).toBe("a=1&b=2");
  });

  it("canonical query: values decoded then encoded with RFC 3986 rules (space as %20, + kept as %2B)", () => {
    expect(canonicalQueryString("name=a%20b&q=x+y&u=%E2%9C%93&r=!*'()")).toBe("name=a%20b&q=x%2By&r=%21%2A%27%28%29&u=%E2%9C%93");
  });

  it("canonical query: upper-case keys sort before lower-case (code order, not locale)", () => {
    expect(canonicalQueryString("b=1&B=2&a=3")).toBe("B=2&a=3&b=1");
  });

  it("canonical headers: values trimmed", () => {
    const canonical = canonicalRequest({
      method: "get",
      path: "/",
      headers: { "x-sdk-date": "  20240101T000000Z  " },
      signedHeaders: ["x-sdk-date"],
      payloadHash: hashPayload(""),
    });
    expect(canonical.split("\n").slice(0, 4)).toEqual(["GET", "/", "", "x-sdk-date:20240101T000000Z"]);
  });

  it("formats and parses X-Sdk-Date in UTC", () => {
    expect(formatSdkDate(new Date("2019-11-15T03:36:55.789Z"))).toBe("20191115T033655Z");
    expect(parseSdkDate("20191115T033655Z")?.toISOString()).toBe("2019-11-15T03:36:55.000Z");
    expect(parseSdkDate("20191315T033655Z")).toBeUndefined();
    expect(parseSdkDate("2019-11-15T03:36:55Z")).toBeUndefined();
  });

  it("parses the Authorization header and refuses malformed ones", () => {
    const sig = "a".repeat(64);
    expect(parseAuthorizationHeader(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${sig}`)).toEqual({
      accessKey: "AK1",
      signedHeaders: ["host", "x-sdk-date"],
      signature: sig,
    });
    expect(parseAuthorizationHeader(`AWS4-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=${sig}`)).toBeUndefined();
    expect(parseAuthorizationHeader(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host`)).toBeUndefined();
    expect(parseAuthorizationHeader(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=xyz`)).toBeUndefined();
    expect(parseAuthorizationHeader(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=Host, Signature=${sig}`)).toBeUndefined();
  });
});

describe("verifySignedRequest", () => {
  const secrets: Record<string, string> = { [AK]: SK, other: "OtherSecret" };
  const lookup = (ak: string) => secrets[ak];
  const signedAt = new Date("2024-05-01T12:00:00Z");
  const projectId = "0123456789abcdef0123456789abcdef";
  const url = `http://127.0.0.1:7777/v2/${projectId}/instances/5560df16-cebf-4473-95c4-d1b573c16e79/swap?force=true&tag=a%20b`;
  const body = '{"transparent_client_ip_enable":true}';

  /** What a server receives for a request signed with `creds`: lower-case header names, path + query. */
  function received(creds: { accessKey: string; secretKey: string; securityToken?: string } = CREDS): ReceivedRequest {
    const out = signRequest({ method: "PUT", url, headers: { "Content-Type": "application/json", "X-Project-Id": projectId }, body }, creds, signedAt);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(out)) headers[k.toLowerCase()] = v;
    const u = new URL(url);
    return { method: "PUT", url: u.pathname + u.search, headers, body };
  }

  it("accepts what signRequest produces, with or without a security token", () => {
    expect(verifySignedRequest(received(), lookup, signedAt)).toEqual({ ok: true, accessKey: AK });
    expect(verifySignedRequest(received({ ...CREDS, securityToken: "tok" }), lookup, signedAt)).toEqual({ ok: true, accessKey: AK });
    expect(verifySignedRequest({ ...received(), body: Buffer.from(body) }, lookup, new Date(signedAt.getTime() + 14 * 60_000))).toEqual({
      ok: true,
      accessKey: AK,
    });
  });

  it("refuses a request signed with the wrong secret key", () => {
    expect(verifySignedRequest(received({ accessKey: AK, secretKey: "WrongSecret" }), lookup, signedAt)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a tampered path, query, body, method or signed header", () => {
    const r = received();
    const tampered: ReceivedRequest[] = [
      { ...r, url: r.url.replace("/swap", "/swop") },
      { ...r, url: r.url.replace(projectId, projectId.replace("0", "1")) },
      { ...r, url: r.url.replace("force=true", "force=false") },
      { ...r, url: r.url + "&extra=1" },
      { ...r, url: r.url.split("?")[0]! },
      { ...r, body: body.replace("true", "false") },
      { ...r, body: "" },
      { ...r, method: "POST" },
      { ...r, headers: { ...r.headers, "x-project-id": "ffffffffffffffffffffffffffffffff" } },
      { ...r, headers: { ...r.headers, host: "127.0.0.1:7778" } },
    ];
    for (const t of tampered) expect(verifySignedRequest(t, lookup, signedAt)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts the same path and query when only their encoding differs", () => {
    const r = received();
    expect(verifySignedRequest({ ...r, url: r.url.replace("a%20b", "a%20%62") }, lookup, signedAt)).toEqual({ ok: true, accessKey: AK });
  });

  it("refuses an unknown access key", () => {
    expect(verifySignedRequest(received({ accessKey: "nobody", secretKey: SK }), lookup, signedAt)).toEqual({ ok: false, reason: "unknown-key" });
  });

  it("refuses an X-Sdk-Date more than 15 minutes away, either direction", () => {
    const r = received();
    expect(verifySignedRequest(r, lookup, new Date(signedAt.getTime() + 15 * 60_000 + 1000))).toEqual({ ok: false, reason: "expired" });
    expect(verifySignedRequest(r, lookup, new Date(signedAt.getTime() - 16 * 60_000))).toEqual({ ok: false, reason: "expired" });
    expect(verifySignedRequest(r, lookup, new Date(signedAt.getTime() + 15 * 60_000))).toEqual({ ok: true, accessKey: AK });
    expect(verifySignedRequest(r, lookup, new Date(signedAt.getTime() + 60_000), 30_000)).toEqual({ ok: false, reason: "expired" });
  });

  it("says missing without an Authorization header, malformed for a broken one", () => {
    const r = received();
    const { authorization, ...withoutAuth } = r.headers;
    expect(verifySignedRequest({ ...r, headers: withoutAuth }, lookup, signedAt)).toEqual({ ok: false, reason: "missing" });
    const auth = String(authorization);
    const broken: ReceivedRequest["headers"][] = [
      { ...r.headers, authorization: "Basic dXNlcjpwYXNz" },
      { ...r.headers, authorization: auth.replace(/Signature=[0-9a-f]+/, "Signature=zz") },
      // x-sdk-date not in the signed list
      { ...r.headers, authorization: auth.replace("SignedHeaders=content-type;host;x-project-id;x-sdk-date", "SignedHeaders=content-type;host") },
      // a signed header the request does not carry
      { ...r.headers, "x-project-id": undefined },
      { ...r.headers, "x-sdk-date": "2024-05-01T12:00:00Z" },
    ];
    for (const headers of broken) expect(verifySignedRequest({ ...r, headers }, lookup, signedAt)).toEqual({ ok: false, reason: "malformed" });
  });
});
