/**
 * The error answers the emulator gives, in one table, so docs and tests name the same codes.
 * Sources: `shared/dcs-api.md` (codes the contract lists), terraform-provider-huaweicloud
 * `huaweicloud/services/dcs/common.go` (busy codes). Codes marked "emulator's choice" have no vendor
 * source we could find; they are stable, documented in `docs/emulator.md`, and clients must treat
 * them as opaque.
 */

/** A DCS service error: `{"error_code","error_msg","error_ext_msg"}` (DCS API reference, every 4xx/5xx). */
export interface DcsErrorBody {
  error_code: string;
  error_msg: string;
  error_ext_msg: string | null;
}

/** An API-gateway error: `{"error_code","error_msg","request_id"}`. */
export interface GatewayErrorBody {
  error_code: string;
  error_msg: string;
  request_id: string;
}

/** An error answer, before the request ID is filled in. */
export interface ErrorAnswer {
  status: number;
  kind: "dcs" | "gateway";
  code: string;
  message: string;
  headers?: Record<string, string>;
}

export function dcsError(status: number, code: string, message: string): ErrorAnswer {
  return { status, kind: "dcs", code, message };
}

export function gatewayError(status: number, code: string, message: string, headers?: Record<string, string>): ErrorAnswer {
  return { status, kind: "gateway", code, message, ...(headers ? { headers } : {}) };
}

/** The JSON body of an error answer. */
export function errorBody(e: ErrorAnswer, requestId: string): DcsErrorBody | GatewayErrorBody {
  return e.kind === "gateway"
    ? { error_code: e.code, error_msg: e.message, request_id: requestId }
    : { error_code: e.code, error_msg: e.message, error_ext_msg: null };
}

/** Every code the emulator answers with. */
export const CODES = {
  /** 404: no API at this method + path (contract: gateway `0101`). */
  apiNotFound: "APIGW.0101",
  /** 401: wrong/unknown AK, bad signature, stale X-Sdk-Date, unknown token (contract: `0301`). */
  authFailed: "APIGW.0301",
  /** 403: the project in the path is not the caller's (emulator's choice: gateway `0302`, "not authorized"). */
  forbidden: "APIGW.0302",
  /** 429: throttled (contract: `0308`). */
  throttled: "APIGW.0308",
  /** 400: invalid parameter, twin of the seed's `111400063` "Invalid {0} parameter in the request.". */
  invalidParameter: "DCS.4063",
  /** 404: instance or job not found, also a deleted instance and an expired job (emulator's choice). */
  notFound: "DCS.4404",
  /** 400: swap on a non-master/standby instance (contract). */
  swapNotSupported: "DCS.4855",
  /** 400: pass-through not supported by this instance (contract, `DCS.4838`/`DCS.4841`). */
  clientIpNotSupported: "DCS.4838",
  /** 400: pass-through already off (contract). */
  clientIpAlreadyOff: "DCS.4846",
  /** 400: pass-through already on (contract). */
  clientIpAlreadyOn: "DCS.4847",
  /** 400: a pass-through change is already being processed (contract). */
  clientIpChangeInProgress: "DCS.4300",
  /**
   * 400: another operation runs on the instance. `DCS.4026` ("the current state does not allow the
   * operation") is the most general of the busy codes terraform-provider-huaweicloud retries.
   */
  instanceBusy: "DCS.4026",
  /** 400: the instance is not RUNNING (terraform's list: `DCS.4049`). */
  instanceNotRunning: "DCS.4049",
  /** 500/502/503/504 injected by a fault; also a failed job's task-center `error_code` by default (emulator's choice). */
  internal: "DCS.5000",
  /**
   * 400: SSL on while client IP pass-through is on, or pass-through on while SSL is on. The constraint is
   * the vendor's ("SSL and client IP pass-through cannot be enabled at the same time", DCS user guide
   * `dcs-ug-023129`); the code is MADE UP (none documented).
   */
  sslPassThroughConflict: "DCS.4980",
  /** 400: the operation is not supported by this instance (SSL on proxy, cluster operations elsewhere). MADE UP. */
  operationNotSupported: "DCS.4981",
  /** 400: ExecuteClusterSwitchover on a node that is already its shard's master. MADE UP. */
  nodeAlreadyMaster: "DCS.4982",
  /** 400: DeleteIpFromDomainName on a node whose IP is already removed. MADE UP. */
  ipAlreadyRemoved: "DCS.4983",
  /** 400: DeleteIpFromDomainName on a master node (only replicas' IPs can be removed). MADE UP. */
  masterIpNotRemovable: "DCS.4984",
} as const;

export const ERRORS = {
  apiNotFound: () => gatewayError(404, CODES.apiNotFound, "API not found"),
  auth: (why: string) => gatewayError(401, CODES.authFailed, `Incorrect IAM authentication information: ${why}`),
  forbidden: () => gatewayError(403, CODES.forbidden, "The IAM user is not authorized to access the API: the project ID does not match the credentials"),
  throttled: (retryAfterSec: number) =>
    gatewayError(429, CODES.throttled, "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute", {
      "Retry-After": String(retryAfterSec),
    }),
  invalidParameter: (name: string) => dcsError(400, CODES.invalidParameter, `Invalid ${name} parameter in the request.`),
  instanceNotFound: (id: string) => dcsError(404, CODES.notFound, `The instance ${id} does not exist.`),
  jobNotFound: (id: string) => dcsError(404, CODES.notFound, `The job ${id} does not exist.`),
  /** A `notFound` fault on a route about neither an instance nor a job (the task center). */
  resourceNotFound: () => dcsError(404, CODES.notFound, "The requested resource does not exist."),
  swapNotSupported: () => dcsError(400, CODES.swapNotSupported, "Master standby swap is not supported."),
  clientIpNotSupported: () => dcsError(400, CODES.clientIpNotSupported, "Client IP pass-through is not supported by this instance."),
  clientIpAlreadyOff: () => dcsError(400, CODES.clientIpAlreadyOff, "Client IP pass-through is already disabled."),
  clientIpAlreadyOn: () => dcsError(400, CODES.clientIpAlreadyOn, "Client IP pass-through is already enabled."),
  clientIpInProgress: () => dcsError(400, CODES.clientIpChangeInProgress, "A client IP pass-through change is already being processed."),
  instanceBusy: (task: string) => dcsError(400, CODES.instanceBusy, `The current state of the instance does not allow this operation: ${task} is in progress.`),
  instanceNotRunning: (status: string) => dcsError(400, CODES.instanceNotRunning, `The instance is not running (status ${status}).`),
  internal: (status: number) => dcsError(status, CODES.internal, status === 503 ? "Service unavailable." : "Internal service error."),
  /** A shard, node or ACL account that the instance does not have (404, like an unknown instance). */
  notFoundOnInstance: (what: string) => dcsError(404, CODES.notFound, `The ${what} does not exist.`),
  /** An operation's "already in that state" refusal, with one of the table's `alreadyCodes`. */
  alreadyInState: (code: string, message: string) => dcsError(400, code, message),
  sslPassThroughConflict: (enabling: "SSL" | "client IP pass-through") =>
    dcsError(400, CODES.sslPassThroughConflict, `SSL and client IP pass-through cannot be enabled at the same time: turn the other off before enabling ${enabling}.`),
  operationNotSupported: (what: string, cacheMode: string) => dcsError(400, CODES.operationNotSupported, `${what} is not supported by this instance (cache mode ${cacheMode}).`),
  nodeAlreadyMaster: (nodeId: string) => dcsError(400, CODES.nodeAlreadyMaster, `The node ${nodeId} is already the master of its shard.`),
  ipAlreadyRemoved: (nodeId: string) => dcsError(400, CODES.ipAlreadyRemoved, `The IP of node ${nodeId} has already been removed from the domain name.`),
  masterIpNotRemovable: (nodeId: string) => dcsError(400, CODES.masterIpNotRemovable, `The node ${nodeId} is a master: only a replica's IP can be removed from the domain name.`),
} as const;
