import { describe, expect, it } from "vitest";
import {
  assertInstanceId,
  assertJobId,
  assertRegion,
  checkEndpoint,
  describeCredentialSources,
  endpointFor,
  HUAWEICLOUD_DCS_REGIONS,
  resolveClientConfig,
} from "../provider/config";
import { ConfigError } from "../provider/errors";

const PROJECT = "0123456789abcdef0123456789abcdef";
const SK = "S3cr3tKeyValue-do-not-print-0123456789";
const TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLXBgkqhkiG-token";
const ST = "security-token-value-xyz-0123456789";

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

/** Asserts no secret value appears anywhere in the error. */
function expectNoSecrets(e: Error) {
  const all = `${e.message}\n${e.stack}\n${JSON.stringify(e)}`;
  for (const s of [SK, TOKEN, ST]) expect(all).not.toContain(s);
}

const baseEnv = { HW_PROJECT_ID: PROJECT, HW_REGION_NAME: "ap-southeast-1" };

describe("credentials", () => {
  it("reads HW_ACCESS_KEY/HW_SECRET_KEY/HW_SECURITY_TOKEN", () => {
    const c = resolveClientConfig({}, { ...baseEnv, HW_ACCESS_KEY: "AK1", HW_SECRET_KEY: SK, HW_SECURITY_TOKEN: ST });
    expect(c.credentials).toEqual({ accessKey: "AK1", secretKey: SK, securityToken: ST });
    expect(c.credentialSource).toBe("HW_ACCESS_KEY/HW_SECRET_KEY/HW_SECURITY_TOKEN");
  });

  it("falls back to the SDK's HUAWEICLOUD_SDK_AK/SK and then HW_AUTH_TOKEN", () => {
    const sdk = resolveClientConfig({}, { ...baseEnv, HUAWEICLOUD_SDK_AK: "AK2", HUAWEICLOUD_SDK_SK: SK, HW_AUTH_TOKEN: TOKEN });
    expect(sdk.credentials).toEqual({ accessKey: "AK2", secretKey: SK });
    const tok = resolveClientConfig({}, { ...baseEnv, HW_AUTH_TOKEN: TOKEN });
    expect(tok.credentials).toEqual({ token: TOKEN });
    expect(tok.credentialSource).toBe("HW_AUTH_TOKEN");
  });

  it("options beat the environment", () => {
    const c = resolveClientConfig(
      { credentials: { accessKey: "OPTAK", secretKey: "opt-secret" }, projectId: "fedcba9876543210fedcba9876543210", region: "eu-de" },
      { ...baseEnv, HW_ACCESS_KEY: "AK1", HW_SECRET_KEY: SK },
    );
    expect(c.credentials).toEqual({ accessKey: "OPTAK", secretKey: "opt-secret" });
    expect(c.projectId).toBe("fedcba9876543210fedcba9876543210");
    expect(c.endpoint).toBe("https://dcs.eu-de.otc.t-systems.com");
  });

  it("names every place it looked when no credentials are found", () => {
    const e = errorOf(() => resolveClientConfig({}, baseEnv));
    for (const place of ["credentials", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_AUTH_TOKEN"]) {
      expect(e.message).toContain(place);
    }
    expect(describeCredentialSources().map((s) => s.label).join(" ")).toContain("HW_AUTH_TOKEN");
  });

  it.each([
    [{ HW_SECRET_KEY: SK }, "HW_SECRET_KEY is set but HW_ACCESS_KEY is not"],
    [{ HW_ACCESS_KEY: "AK" }, "HW_ACCESS_KEY is set but HW_SECRET_KEY is not"],
    [{ HUAWEICLOUD_SDK_SK: SK }, "HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"],
    [{ HUAWEICLOUD_SDK_AK: "AK" }, "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"],
  ])("half a key pair in the environment: %j", (env, message) => {
    const e = errorOf(() => resolveClientConfig({}, { ...baseEnv, ...env, HW_AUTH_TOKEN: TOKEN }));
    expect(e.message).toContain(message);
    expectNoSecrets(e);
  });

  it("half a key pair in options, and an empty credentials object", () => {
    const e1 = errorOf(() => resolveClientConfig({ credentials: { secretKey: SK } as never }, baseEnv));
    expect(e1.message).toContain("credentials.secretKey is set but credentials.accessKey is not");
    expectNoSecrets(e1);
    const e2 = errorOf(() => resolveClientConfig({ credentials: { accessKey: "AK" } as never }, baseEnv));
    expect(e2.message).toContain("credentials.accessKey is set but credentials.secretKey is not");
    const e3 = errorOf(() => resolveClientConfig({ credentials: {} as never }, baseEnv));
    expect(e3.message).toMatch(/neither accessKey\/secretKey nor token/);
  });

  it("treats empty or blank variables as unset", () => {
    const c = resolveClientConfig({}, { ...baseEnv, HW_ACCESS_KEY: "  ", HW_SECRET_KEY: "", HW_AUTH_TOKEN: TOKEN });
    expect(c.credentials).toEqual({ token: TOKEN });
  });
});

describe("project ID", () => {
  it("says where it looked when missing", () => {
    const e = errorOf(() => resolveClientConfig({}, { HW_REGION_NAME: "ap-southeast-1", HW_AUTH_TOKEN: TOKEN }));
    expect(e.message).toContain("projectId");
    expect(e.message).toContain("HW_PROJECT_ID");
    expect(e.message).toContain("HUAWEICLOUD_SDK_PROJECT_ID");
    expectNoSecrets(e);
  });

  it("reads HUAWEICLOUD_SDK_PROJECT_ID and rejects path-breaking values", () => {
    const env = { HW_REGION_NAME: "ap-southeast-1", HW_AUTH_TOKEN: TOKEN };
    expect(resolveClientConfig({}, { ...env, HUAWEICLOUD_SDK_PROJECT_ID: PROJECT }).projectId).toBe(PROJECT);
    expect(errorOf(() => resolveClientConfig({ projectId: "../x" }, env)).message).toMatch(/malformed/);
  });
});

describe("endpoints and regions", () => {
  const env = { HW_PROJECT_ID: PROJECT, HW_AUTH_TOKEN: TOKEN };

  it("fills the templates per cloud", () => {
    expect(endpointFor("huaweicloud", "cn-north-4")).toBe("https://dcs.cn-north-4.myhuaweicloud.com");
    expect(endpointFor("otc", "eu-nl")).toBe("https://dcs.eu-nl.otc.t-systems.com");
    expect(resolveClientConfig({ region: "ap-southeast-3" }, env).endpoint).toBe("https://dcs.ap-southeast-3.myhuaweicloud.com");
    expect(resolveClientConfig({}, { ...env, HUAWEICLOUD_SDK_REGION: "cn-east-3" }).endpoint).toBe("https://dcs.cn-east-3.myhuaweicloud.com");
    expect(resolveClientConfig({}, { ...env, HW_REGION_NAME: "eu-ch2", HW_CLOUD: "otc" }).endpoint).toBe("https://dcs.eu-ch2.otc.t-systems.com");
  });

  it("knows the SDK's DCS region list", () => {
    expect(HUAWEICLOUD_DCS_REGIONS).toContain("ap-southeast-1");
    expect(HUAWEICLOUD_DCS_REGIONS).toContain("eu-west-101");
    expect(HUAWEICLOUD_DCS_REGIONS).not.toContain("eu-de");
  });

  it("an explicit endpoint wins over the templates and may carry a base path", () => {
    const c = resolveClientConfig({ region: "ap-southeast-1", endpoint: "https://dcs.example.internal/proxy/" }, env);
    expect(c.endpoint).toBe("https://dcs.example.internal/proxy");
    expect(resolveClientConfig({}, { ...env, HW_DCS_ENDPOINT: "http://127.0.0.1:8080" })).toMatchObject({ endpoint: "http://127.0.0.1:8080", loopback: true });
  });

  it("an unknown region lists close matches and the explicit-endpoint way out", () => {
    const e = errorOf(() => resolveClientConfig({ region: "ap-southeast-9" }, env));
    expect(e.message).toContain('Unknown DCS region "ap-southeast-9"');
    expect(e.message).toMatch(/Did you mean "ap-southeast-1"/);
    expect(e.message).toContain("or set an explicit endpoint");
    const typo = errorOf(() => assertRegion("cn-nroth-4"));
    expect(typo.message).toContain('"cn-north-4"');
  });

  it("points at the other cloud when the region belongs to it", () => {
    const e = errorOf(() => assertRegion("eu-de", "huaweicloud"));
    expect(e.message).toContain("Open Telekom Cloud");
    expect(() => assertRegion("eu-de", "otc")).not.toThrow();
    // With no cloud given, an OTC-only region picks OTC.
    expect(resolveClientConfig({ region: "eu-nl" }, env).cloud).toBe("otc");
  });

  it("rejects a bad HW_CLOUD", () => {
    expect(errorOf(() => resolveClientConfig({ region: "eu-de" }, { ...env, HW_CLOUD: "aws" })).message).toContain('HW_CLOUD is "aws"');
  });

  it("needs a region or an endpoint", () => {
    const e = errorOf(() => resolveClientConfig({}, env));
    for (const place of ["HW_REGION_NAME", "HUAWEICLOUD_SDK_REGION", "HW_DCS_ENDPOINT"]) expect(e.message).toContain(place);
  });

  it.each([
    ["not a url", /not a valid URL/],
    ["ftp://dcs.example.com", /must use https/],
    ["http://dcs.example.com", /plain http:\/\/ to a non-loopback host/],
    ["http://10.0.0.5:8080", /plain http/],
    ["https://dcs.example.com/?x=1", /query string/],
  ])("rejects endpoint %s", (endpoint, message) => {
    expect(errorOf(() => resolveClientConfig({ endpoint }, env)).message).toMatch(message);
  });

  it("never echoes user info from an endpoint URL", () => {
    const e = errorOf(() => checkEndpoint(`https://user:${SK}@dcs.example.com`));
    expectNoSecrets(e);
    expect(e.message).toMatch(/user name or password/);
  });

  it.each(["http://localhost:1234", "http://127.0.0.1:1", "http://[::1]:9000", "http://127.1.2.3"])("allows plain http to loopback %s", (endpoint) => {
    expect(checkEndpoint(endpoint).loopback).toBe(true);
  });
});

describe("ID checks", () => {
  it("accepts a UUID instance ID and explains the shape otherwise", () => {
    expect(() => assertInstanceId("5560df16-cebf-4473-95c4-d1b573c16e79")).not.toThrow();
    const e = errorOf(() => assertInstanceId("my-redis"));
    expect(e.message).toContain('"my-redis"');
    expect(e.message).toMatch(/UUID/);
    expect(e.message).toContain("8-4-4-4-12");
    expect(() => assertInstanceId("5560df16-cebf-4473-95c4-d1b573c16e79/../x")).toThrow(ConfigError);
    expect(errorOf(() => assertInstanceId(undefined)).message).toContain("(missing)");
  });

  it("accepts job IDs of 8-64 letters, digits or dashes", () => {
    expect(() => assertJobId("ff8080818822bbf70188235afc24141a")).not.toThrow();
    expect(() => assertJobId("job-1234")).not.toThrow();
    expect(errorOf(() => assertJobId("short")).message).toMatch(/32 hex digits/);
    expect(() => assertJobId("a".repeat(65))).toThrow(ConfigError);
    expect(() => assertJobId("ff80/../../x")).toThrow(ConfigError);
  });
});

describe("knobs", () => {
  const env = { HW_PROJECT_ID: PROJECT, HW_AUTH_TOKEN: TOKEN, HW_REGION_NAME: "cn-north-4" };
  it("has defaults and validates overrides", () => {
    const c = resolveClientConfig({}, env);
    expect(c.timeouts).toEqual({ connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 });
    expect(c.rateLimit).toEqual({ requestsPerSecond: 5, burst: 10 });
    expect(resolveClientConfig({ rateLimit: false }, env).rateLimit).toBeUndefined();
    expect(resolveClientConfig({ rateLimit: { requestsPerSecond: 2.5 } }, env).rateLimit).toEqual({ requestsPerSecond: 2.5, burst: 3 });
    expect(errorOf(() => resolveClientConfig({ connectTimeoutMs: -1 }, env)).message).toContain("connectTimeoutMs");
    expect(errorOf(() => resolveClientConfig({ retry: { retries: 1.5 } }, env)).message).toContain("retry.retries");
  });

  it("takes the CA file from HW_DCS_CA_FILE", () => {
    expect(resolveClientConfig({}, { ...env, HW_DCS_CA_FILE: "/etc/ca.pem" }).caFile).toBe("/etc/ca.pem");
    expect(resolveClientConfig({ caFile: "/opt/ca.pem" }, { ...env, HW_DCS_CA_FILE: "/etc/ca.pem" }).caFile).toBe("/opt/ca.pem");
  });
});
