/**
 * Authentication as the API gateway does it: an `X-Auth-Token` from the configured set, or an
 * `SDK-HMAC-SHA256` signature checked with the project's own verifier (`provider/signer.ts`); with
 * temporary credentials, also the `X-Security-Token` that belongs to their access key (present,
 * the right one, not expired on the emulated clock).
 * Nothing here logs or returns a header value: failures carry a fixed reason text only.
 */
import { timingSafeEqual } from "node:crypto";
import { verifySignedRequest } from "../signer";
import { ERRORS, type ErrorAnswer } from "./errors";

/** The gateway's limit on `X-Sdk-Date` skew (contract: "signature expired" past 15 minutes). */
export const MAX_SKEW_MS = 15 * 60_000;

export interface AuthConfig {
  /** AK -> SK. */
  keys: ReadonlyMap<string, string>;
  /** Accepted IAM tokens. */
  tokens: ReadonlySet<string>;
  /** Real time for the signature's date check (the emulated clock may be far off on purpose). */
  wallClock?: () => number;
  /**
   * Temporary credentials: access key -> its security token and, optionally, when the token expires
   * (emulated epoch ms). Their secret keys are in `keys` like any other. A request signed with one of
   * these keys must carry exactly its token in `X-Security-Token`; any other key must send none.
   */
  securityTokens?: ReadonlyMap<string, { token: string; expiresAt?: number }>;
  /** Emulated time, for token expiry (default real time). */
  now?: () => number;
}

export interface AuthRequest {
  method: string;
  /** The request target as received (path plus query). */
  url: string;
  /** Lower-case header names, as node:http gives them. */
  headers: Record<string, string>;
  /** The body bytes exactly as received (the signature covers them). */
  body: Uint8Array;
}

export type AuthResult = { ok: true; principal: string; via: "aksk" | "token" } | { ok: false; error: ErrorAnswer };

/** Fixed, secret-free texts for each verifier reason. */
const REASONS: Record<string, string> = {
  missing: "no Authorization header and no X-Auth-Token",
  malformed: "malformed Authorization header",
  "unknown-key": "unknown access key",
  expired: "signature expired (X-Sdk-Date is more than 15 minutes off)",
  mismatch: "verify aksk signature fail",
  "token-missing": "temporary access key used without X-Security-Token",
  "token-invalid": "invalid security token",
  "token-expired": "security token expired",
};

/** Checks one request. `headers` keys must be lower-case (as node:http gives them). */
export function authenticate(req: AuthRequest, config: AuthConfig): AuthResult {
  const token = req.headers["x-auth-token"];
  if (token !== undefined && req.headers.authorization === undefined) {
    return config.tokens.has(token) ? { ok: true, principal: "token", via: "token" } : { ok: false, error: ERRORS.auth("invalid token") };
  }
  const now = new Date((config.wallClock ?? Date.now)());
  const result = verifySignedRequest(
    { method: req.method, url: req.url, headers: req.headers, body: req.body },
    (accessKey: string) => config.keys.get(accessKey),
    now,
    MAX_SKEW_MS,
  );
  if (!result.ok) return { ok: false, error: ERRORS.auth(REASONS[result.reason] ?? "verify aksk signature fail") };
  const tokenFailure = checkSecurityToken(result.accessKey, req.headers["x-security-token"], config);
  if (tokenFailure) return { ok: false, error: ERRORS.auth(REASONS[tokenFailure]!) };
  return { ok: true, principal: result.accessKey, via: "aksk" };
}

/**
 * The security token check after a good signature: a temporary key needs its own, unexpired token;
 * a permanent key takes none (the emulator's choice: the gateway's rule for that case is not documented).
 */
export function checkSecurityToken(
  accessKey: string,
  sent: string | undefined,
  config: Pick<AuthConfig, "securityTokens" | "now">,
): "token-missing" | "token-invalid" | "token-expired" | undefined {
  const temporary = config.securityTokens?.get(accessKey);
  if (!temporary) return sent === undefined ? undefined : "token-invalid";
  if (sent === undefined || sent === "") return "token-missing";
  const a = Buffer.from(sent, "utf8");
  const b = Buffer.from(temporary.token, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) return "token-invalid";
  if (temporary.expiresAt !== undefined && (config.now ?? Date.now)() >= temporary.expiresAt) return "token-expired";
  return undefined;
}
