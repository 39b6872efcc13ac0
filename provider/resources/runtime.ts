/**
 * The provider runtime: what the serialized dynamic providers `require("pulumi-dcs-jobs/runtime")` at
 * call time, inside the engine's dynamic-provider host process. Everything heavy lives behind this entry
 * point (client, waiter, lifecycle, partial failures), so the serialized provider text stays a few tiny
 * functions.
 *
 * - `core.ts`: module state (stack settings, cached client, claims), logging, the I/O of each planner action.
 * - `swap.ts`, `pass-through.ts`, `dcs-job.ts`: one small controller per resource.
 * - `../lifecycle/`: the record, the pure planner and the loop that runs it.
 */
export { configure, resetRuntime, setRuntimeOverrides, PartialFailure, DEFAULT_UNKNOWN_OUTCOME_GRACE_MS, type RuntimeOverrides } from "./core";
export { masterStandbySwap } from "./swap";
export { clientIpPassThrough } from "./pass-through";
export { dcsJob, waitForJobOutputs } from "./dcs-job";
export { dcsOperation } from "./ops/dcs-operation";
export { clusterReplicaSwitchover, replicaIpRemoval } from "./ops/cluster-switchover";
export { instanceSsl } from "./ops/instance-ssl";
export { instancePublicAccess } from "./ops/public-access";
export { instanceWhitelist } from "./ops/whitelist";
export { instanceParameters } from "./ops/parameters";
export { aclAccountRole } from "./ops/acl-role";
