/**
 * AK/SK request signing, `SDK-HMAC-SHA256`: the scheme of Huawei Cloud's API gateway and its SDKs.
 *
 * Pure functions over strings and bytes (Node `crypto` only, no I/O), used by the client to sign and by
 * the emulator to verify. The rules, and where they come from (see `docs/signing.md`):
 *
 * - Signed headers: every header the caller passes, plus `host` and `x-sdk-date` (and `x-security-token`
 *   when the credentials carry one). This is what the vendor's Node signer does, so the client decides what
 *   is signed by what it passes; headers the transport may rewrite (User-Agent, Content-Length) are added
 *   after signing. Names are lower-cased and sorted by UTF-16 code unit; values are trimmed.
 * - Canonical URI: each path segment is percent-decoded, then encoded once (RFC 3986 unreserved kept),
 *   and the result always ends in `/`. This is the gateway's documented rule; the vendor's Node signer
 *   encodes an already-encoded path a second time (spaces and non-ASCII characters then differ).
 * - Canonical query: pairs decoded, sorted by key then value (decoded text, UTF-16 order, like the vendor
 *   signers), each encoded, an absent value written as `key=`, repeated keys kept once per value.
 * - Payload hash: hex SHA-256 of the body bytes, or the value of an `X-Sdk-Content-Sha256` header when the
 *   caller gives one (e.g. `UNSIGNED-PAYLOAD`), as every vendor signer does.
 *
 * Nothing here puts a secret key, a security token or a signature into an error message.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The algorithm name, first token of the `Authorization` header and first line of the string to sign. */
export const SIGNING_ALGORITHM = "SDK-HMAC-SHA256";

/** Hex SHA-256 of an empty body. */
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Default clock skew the gateway tolerates between `X-Sdk-Date` and its own clock. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** A request to sign. `url` is absolute (scheme, host, optional port, path, optional query). */
export interface SignableRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** AK/SK credentials (same shape as `AkSkCredentials` in `types.ts`). */
export interface SigningCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** Everything the canonical request is built from. */
export interface CanonicalRequestInput {
  method: string;
  /** The path as sent (percent-encoded or not); it is decoded then encoded once per segment. */
  path: string;
  /** The raw query string, with or without the leading `?`. */
  query?: string;
  /** Header values by lower-case name; must hold every name in `signedHeaders`. */
  headers: Record<string, string>;
  /** Lower-case names, in the order they are to be listed (sorted, for a well-formed request). */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or the `X-Sdk-Content-Sha256` value. */
  payloadHash: string;
}

/** The three fields of an `Authorization: SDK-HMAC-SHA256 ...` header. */
export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** A request as a server received it (for {@link verifySignedRequest}). */
export interface ReceivedRequest {
  method: string;
  /** The request target as received: path plus query (`/v2/p/jobs/x?limit=1`). */
  url: string;
  /** Headers as received, lower-case names (Node's `IncomingMessage.headers` fits). */
  headers: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array;
}

/** Why a request was refused (the gateway answers all of these with 401). */
export type VerifyFailureReason = "missing" | "malformed" | "unknown-key" | "expired" | "mismatch";

export type VerifyResult = { ok: true; accessKey: string } | { ok: false; reason: VerifyFailureReason };

// ---------------------------------------------------------------------------------------------------------
// Encoding

const HEX = "0123456789ABCDEF";

/** RFC 3986 unreserved characters, the only bytes left as they are. */
function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e // - . _ ~
  );
}

/**
 * Percent-encodes the UTF-8 bytes of `text`, keeping RFC 3986 unreserved characters, upper-case hex.
 * (`encodeURIComponent` is not it: it keeps `!'()*`, which the gateway's rule encodes.)
 */
export function uriEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : "%" + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Decodes `%XY` escapes. Tolerant like the gateway's reference signer (Python `unquote`): a `%` not
 * followed by two hex digits stays literal, and bytes that are not UTF-8 become U+FFFD. `+` is not a
 * space here: the signature covers the bytes of the path and query, not a form encoding.
 */
export function uriDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < text.length; ) {
      if (text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      } else {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        bytes.push(...Buffer.from(ch, "utf8"));
        i += ch.length;
      }
    }
    return decoder.decode(Uint8Array.from(bytes));
  }
}

/** Orders strings by UTF-16 code unit, as the vendor signers' default sorts do (not by locale). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical request

/**
 * The canonical URI: each `/`-separated segment decoded then encoded once, always ending in `/`.
 * `/v1/a%20b` and `/v1/a b` both give `/v1/a%20b/`; an empty path gives `/`.
 */
export function canonicalUri(path: string): string {
  const encoded = path.split("/").map((segment) => uriEncode(uriDecode(segment))).join("/");
  if (encoded === "") return "/";
  return encoded.endsWith("/") ? encoded : encoded + "/";
}

/**
 * The canonical query string from a raw query (`?` optional): pairs split on `&`, decoded, sorted by key
 * then value, encoded, joined with `&`. `a` and `a=` both give `a=`; empty pieces and empty keys are
 * dropped (the reference signer drops them too).
 */
export function canonicalQueryString(query: string | undefined): string {
  if (!query) return "";
  const raw = query.startsWith("?") ? query.slice(1) : query;
  const pairs: [string, string][] = [];
  for (const piece of raw.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const key = uriDecode(eq === -1 ? piece : piece.slice(0, eq));
    const value = eq === -1 ? "" : uriDecode(piece.slice(eq + 1));
    if (key === "") continue;
    pairs.push([key, value]);
  }
  pairs.sort((a, b) => compareCodeUnits(a[0], b[0]) || compareCodeUnits(a[1], b[1]));
  return pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
}

/** Hex SHA-256 of a body; an absent or empty body hashes as the empty string. */
export function hashPayload(body: string | Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_BODY_SHA256;
  return createHash("sha256").update(body).digest("hex");
}

/**
 * The canonical request: method, canonical URI, canonical query, `name:value\n` per signed header,
 * the signed-header list, the payload hash, joined with `\n`.
 * Throws (naming the header, never a value) when a signed header has no value in `headers`.
 */
export function canonicalRequest(input: CanonicalRequestInput): string {
  const headerLines = input.signedHeaders.map((name) => {
    const value = Object.hasOwn(input.headers, name) ? input.headers[name] : undefined;
    if (value === undefined) throw new Error(`signed header "${name}" is missing from the request`);
    return `${name}:${value.trim()}\n`;
  });
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQueryString(input.query),
    headerLines.join(""),
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
}

/** `SDK-HMAC-SHA256\n{sdkDate}\n{hex sha256(canonical request)}`. */
export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}

/** Hex HMAC-SHA256 of the string to sign with the secret key. */
export function computeSignature(secretKey: string, toSign: string): string {
  return createHmac("sha256", secretKey).update(toSign, "utf8").digest("hex");
}

// ---------------------------------------------------------------------------------------------------------
// Dates and the Authorization header

/** `YYYYMMDDTHHMMSSZ` in UTC, the `X-Sdk-Date` format. Throws on an invalid Date. */
export function formatSdkDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("formatSdkDate: invalid Date");
  // toISOString is always UTC: 2019-11-15T03:36:55.000Z -> 20191115T033655Z
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Parses an `X-Sdk-Date` value; undefined unless it is exactly `YYYYMMDDTHHMMSSZ` and a real instant. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject rollovers such as month 13 or 25:00, which Date.UTC would silently accept.
  return formatSdkDate(date) === value ? date : undefined;
}

/** The `Authorization` header value. */
export function authorizationHeader(accessKey: string, signedHeaders: readonly string[], signature: string): string {
  return `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
}

/**
 * Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`. Undefined when the algorithm
 * differs, a field is missing or repeated, a header name is not lower-case token characters, or the
 * signature is not 64 hex digits.
 */
export function parseAuthorizationHeader(value: string): ParsedAuthorization | undefined {
  const prefix = SIGNING_ALGORITHM + " ";
  if (!value.startsWith(prefix)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(prefix.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) return undefined;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(eq + 1).trim());
  }
  const accessKey = fields.get("Access");
  const signedHeaderList = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (fields.size !== 3 || !accessKey || !signedHeaderList || !signature) return undefined;
  if (!/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.every((h) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) return undefined;
  return { accessKey, signedHeaders, signature };
}

// ---------------------------------------------------------------------------------------------------------
// Signing

/** Header names this module sets itself; a caller's own value for them is replaced. */
const OWN_HEADERS = new Set(["x-sdk-date", "authorization"]);

/**
 * Signs a request with AK/SK. Returns the headers to send: the caller's (all of them signed), plus
 * `host` (from the URL, with the port when it is not the scheme's default; a caller's `Host` wins),
 * `X-Sdk-Date`, `X-Security-Token` when the credentials carry one, and `Authorization`.
 * A caller's own `X-Sdk-Date` / `Authorization` are replaced. `date` defaults to now.
 *
 * Throws a TypeError (naming headers, never values or keys) when two header names differ only in case,
 * or when the access or secret key is empty.
 */
export function signRequest(
  request: SignableRequest,
  credentials: SigningCredentials,
  date: Date = new Date(),
): Record<string, string> {
  if (!credentials.accessKey || !credentials.secretKey) {
    throw new TypeError("signRequest: the access key and the secret key must both be non-empty");
  }
  const url = typeof request.url === "string" ? new URL(request.url) : request.url;
  const sdkDate = formatSdkDate(date);

  const out: Record<string, string> = {};
  // Null prototype: a header called "constructor" or "__proto__" must not collide with Object's members.
  const byLowerName: Record<string, string> = Object.create(null);
  let host = url.host;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (OWN_HEADERS.has(lower)) continue;
    if (lower === "x-security-token" && credentials.securityToken !== undefined) continue;
    if (lower in byLowerName) throw new TypeError(`signRequest: header "${lower}" is given twice (names differ only in case)`);
    if (lower === "host") {
      host = value;
      continue;
    }
    byLowerName[lower] = value;
    out[name] = value;
  }
  out["host"] = host;
  byLowerName["host"] = host;
  out["X-Sdk-Date"] = sdkDate;
  byLowerName["x-sdk-date"] = sdkDate;
  if (credentials.securityToken !== undefined) {
    out["X-Security-Token"] = credentials.securityToken;
    byLowerName["x-security-token"] = credentials.securityToken;
  }

  const signedHeaders = Object.keys(byLowerName).sort(compareCodeUnits);
  const payloadHash = byLowerName["x-sdk-content-sha256"] ?? hashPayload(request.body);
  const canonical = canonicalRequest({
    method: request.method,
    path: url.pathname,
    query: url.search,
    headers: byLowerName,
    signedHeaders,
    payloadHash,
  });
  const signature = computeSignature(credentials.secretKey, stringToSign(sdkDate, canonical));
  out["Authorization"] = authorizationHeader(credentials.accessKey, signedHeaders, signature);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Verifying (what the gateway does; the emulator calls this)

function headerValue(headers: ReceivedRequest["headers"], name: string): string | undefined {
  const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
  return Array.isArray(v) ? v.join(",") : v;
}

/** Splits a request target into path and query; an absolute-form target loses its scheme and authority. */
function splitTarget(target: string): { path: string; query: string } {
  let rest = target;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (abs) rest = rest.slice(abs[0].length) || "/";
  const hash = rest.indexOf("#");
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  return q === -1 ? { path: rest, query: "" } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/**
 * Checks a received request's signature the way the gateway does: parse `Authorization`, look up the
 * secret for its access key, check `X-Sdk-Date` is within `maxSkewMs` of `now` (either direction), and
 * recompute the signature over the header list the request names. Never throws; the result says why
 * a request is refused:
 * - `missing`: no `Authorization` header;
 * - `malformed`: not an `SDK-HMAC-SHA256` header, `x-sdk-date` not signed, `X-Sdk-Date` absent or badly
 *   formatted, or a named header absent from the request;
 * - `unknown-key`: `lookupSecret` knows no secret for the access key;
 * - `expired`: the date is more than `maxSkewMs` away from `now`;
 * - `mismatch`: the signature differs (wrong secret, or path, query, a signed header or body changed).
 */
export function verifySignedRequest(
  request: ReceivedRequest,
  lookupSecret: (accessKey: string) => string | undefined,
  now: Date,
  maxSkewMs: number = DEFAULT_MAX_SKEW_MS,
): VerifyResult {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization === undefined || authorization === "") return { ok: false, reason: "missing" };
  const parsed = parseAuthorizationHeader(authorization);
  if (!parsed || !parsed.signedHeaders.includes("x-sdk-date")) return { ok: false, reason: "malformed" };

  const headers: Record<string, string> = Object.create(null);
  for (const name of parsed.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return { ok: false, reason: "malformed" };
    headers[name] = value;
  }
  const date = parseSdkDate(headers["x-sdk-date"]!.trim());
  if (!date) return { ok: false, reason: "malformed" };

  const secret = lookupSecret(parsed.accessKey);
  if (secret === undefined) return { ok: false, reason: "unknown-key" };
  if (Math.abs(now.getTime() - date.getTime()) > maxSkewMs) return { ok: false, reason: "expired" };

  const { path, query } = splitTarget(request.url);
  const payloadHash = headerValue(request.headers, "x-sdk-content-sha256") ?? hashPayload(request.body);
  const canonical = canonicalRequest({
    method: request.method,
    path,
    query,
    headers,
    signedHeaders: parsed.signedHeaders,
    payloadHash,
  });
  const expected = Buffer.from(computeSignature(secret, stringToSign(headers["x-sdk-date"]!.trim(), canonical)), "hex");
  const given = Buffer.from(parsed.signature, "hex");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "mismatch" };
  return { ok: true, accessKey: parsed.accessKey };
}
