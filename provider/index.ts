/**
 * pulumi-dcs-jobs: start Huawei Cloud DCS operations that run as background jobs, and block until each job
 * has ended — from a Pulumi stack (dynamic resources), from code (client + waiter) or from a shell (`dcs-jobs`).
 *
 * The local emulator is a separate entry point: `pulumi-dcs-jobs/emulator`.
 * @packageDocumentation
 */
export * from "./types";
export * from "./errors";
export { signRequest, verifySignedRequest, parseAuthorizationHeader, formatSdkDate } from "./signer";
export {
  resolveClientConfig,
  assertInstanceId,
  assertJobId,
  assertRegion,
  describeCredentialSources,
  endpointFor,
  knownRegions,
  type DcsClientOptions,
  type RetryOptions,
  type RateLimitOptions,
  type ResolvedClientConfig,
} from "./config";
export { DcsClient } from "./client";
export { isInstanceBusy, normalizeErrorCode, parseRetryAfter } from "./retry-policy";
export { httpStats, closeAllDispatchers } from "./http";
export * from "./waiter";
export { OPERATIONS, operation, type OperationDef, type OperationName, type PathValues } from "./operations";
export {
  DcsOperation,
  ClusterReplicaSwitchover,
  ReplicaIpRemoval,
  InstanceSsl,
  InstancePublicAccess,
  InstanceWhitelist,
  InstanceParameters,
  AclAccountRole,
  type DcsOperationArgs,
  type ReplicaActionArgs,
  type InstanceSslArgs,
  type InstancePublicAccessArgs,
  type InstanceWhitelistArgs,
  type InstanceParametersArgs,
  type AclAccountRoleArgs,
  type LocationArgs,
  MasterStandbySwap,
  ClientIpPassThrough,
  DcsJob,
  waitForDcsJob,
  type MasterStandbySwapArgs,
  type ClientIpPassThroughArgs,
  type DcsJobArgs,
  type WaitForDcsJobArgs,
  type DurationInput,
  type JobOutputs,
} from "./resources";
