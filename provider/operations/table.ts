/**
 * The operation table: every DCS v2 operation whose answer carries `job_id` (huaweicloud-sdk-go-v3
 * v0.1.207: the twelve response models with a `job_id` field besides ShowJobInfo's). Method and path:
 * `services/dcs/v2/dcs_meta.go`; body field names and types: the request models in `model/`.
 * Adding an operation is one entry here, its emulator effect (`provider/emulator/operations.ts`) and
 * its tests; the client, the CLI's `run` command, the generic `DcsOperation` resource and
 * docs/operations.md come from this list.
 *
 * Task names: the vendor documents them only for some operations (huaweicloud-sdk-go-v3
 * `model_single_background_task.go` / `model_list_center_tasks_resp.go` doc comments and the job_type
 * enum of `model_show_job_info_response.go`; see docs/vendor-tasks.md). The others are marked
 * `assumed`: a wrong one makes adoption find nothing, never adopt a wrong job.
 */
import { z } from "zod";
import type { OperationDef } from "./types";

const SDK_TASKS = "huaweicloud-sdk-go-v3 v0.1.207 task-list models (doc comments)";
const SDK_JOB_TYPES = "huaweicloud-sdk-go-v3 v0.1.207 ShowJobInfoResponse job_type enum";

/** `UpdateClientIpTransparentTransmissionRequestBody`. */
const ClientIpBody = z.strictObject({ transparent_client_ip_enable: z.boolean().optional() });
/** `UpdateSslSwitchRequestBody`. */
const SslBody = z.strictObject({ enabled: z.boolean() });
/** `UpdatePublicIpRequestBody`. */
const PublicIpBody = z.strictObject({
  publicip_id: z.string().min(1).optional(),
  enable_ssl: z.boolean().optional(),
  elb_id: z.string().min(1).optional(),
});
/** `ModifyIpWhitelistBody` with `Whitelist` items. */
const WhitelistBody = z.strictObject({
  instance_id: z.string().optional(),
  enable_whitelist: z.boolean(),
  whitelist: z.array(z.strictObject({ group_name: z.string().min(1), ip_list: z.array(z.string().min(1)) })),
});
/** `ModifyRedisConfigBody` with `RedisConfig` items. */
const RedisConfigBody = z.strictObject({
  redis_config: z.array(z.strictObject({ param_value: z.string(), param_name: z.string().min(1), param_id: z.string().min(1) })).optional(),
});
/** `AclAccountRoleModifyBody` (`account_role` enum: read, write). */
const AclRoleBody = z.strictObject({ account_role: z.enum(["read", "write"]).optional() });
/** `StartInstanceResizeCheckJobRequestBody`. */
const ResizeCheckBody = z.strictObject({ new_capacity: z.number().int().optional(), spec_code: z.string().min(1).optional() });
/** `ExportInstancesTaskBody` (`product_type` enum: generic, enterprise). */
const ExportBody = z.strictObject({
  included_instances: z.array(z.string()).optional(),
  region: z.string().min(1),
  name: z.string().optional(),
  capacity: z.string().optional(),
  instance_id: z.string().optional(),
  ip: z.string().optional(),
  available_zone: z.string().optional(),
  status: z.string().optional(),
  product_type: z.enum(["generic", "enterprise"]).optional(),
  cache_mode: z.string().optional(),
  engine: z.string().optional(),
  engine_version: z.string().optional(),
  cpu_type: z.string().optional(),
  enterprise_project_id: z.string().optional(),
  charging_mode: z.string().optional(),
  tags: z.string().optional(),
});

/** The table, in the order of docs/operations.md. */
export const OPERATIONS = [
  {
    name: "ChangeMasterStandbyAsync",
    cli: "swap",
    summary: "Switch the master and standby nodes of a master/standby instance.",
    method: "PUT",
    path: "/v2/{project_id}/instances/{instance_id}/async-swap",
    pathParams: ["instance_id"],
    kind: "action",
    task: { name: "masterStandbySwapJob", source: SDK_JOB_TYPES },
    jobType: "masterStandbySwapJob",
    typicalMs: 10_000,
    resource: "MasterStandbySwap",
    terraform: "huaweicloud_dcs_master_standby_switch",
    waitsFor: "the masterStandbySwapJob to end; then ShowInstance until RUNNING with no task",
    notes: "Not idempotent: a second swap swaps back. Only `ha` instances (`single` answers DCS.4855).",
  },
  {
    name: "UpdateClientIpTransparentTransmission",
    cli: "client-ip",
    summary: "Turn client IP pass-through on or off.",
    method: "PUT",
    path: "/v2/{project_id}/{instance_id}/client-ip-transparent-transmission",
    pathParams: ["instance_id"],
    body: ClientIpBody,
    exampleBody: { transparent_client_ip_enable: true },
    kind: "state",
    task: { name: "modifyClientIpTransJob", source: SDK_JOB_TYPES },
    jobType: "modifyClientIpTransJob",
    alreadyCodes: ["DCS.4846", "DCS.4847"],
    // The contract: "a change is already being processed" (chaos P4: after a killed up, while the task list lags).
    busyCodes: ["DCS.4300"],
    typicalMs: 60_000,
    resource: "ClientIpPassThrough",
    terraform: "huaweicloud_dcs_instance (transparent_client_ip_enable)",
    waitsFor: "the modifyClientIpTransJob to end; then ShowInstance until it reports the value",
    notes: "The path has no `instances/` segment. Cannot be on together with SSL.",
  },
  {
    name: "ExecuteClusterSwitchover",
    cli: "cluster-switchover",
    summary: "Switch a cluster shard's replica to master (the cluster form of a swap).",
    method: "POST",
    path: "/v2/{project_id}/instance/{instance_id}/groups/{group_id}/replications/{node_id}/async-switchover",
    pathParams: ["instance_id", "group_id", "node_id"],
    kind: "action",
    task: { name: "clusterSwitchoverJob", source: "assumed" },
    typicalMs: 15_000,
    resource: "ClusterReplicaSwitchover",
    terraform: "huaweicloud_dcs_cluster_replica_switch",
    waitsFor: "the job to end",
    notes: "`node_id` is the replica that becomes master; `group_id` its shard (ListGroupReplicationInfo). Not idempotent.",
  },
  {
    name: "UpdateSslSwitch",
    cli: "ssl",
    summary: "Turn SSL on or off.",
    method: "PUT",
    path: "/v2/{project_id}/instances/{instance_id}/ssl",
    pathParams: ["instance_id"],
    body: SslBody,
    exampleBody: { enabled: true },
    kind: "state",
    task: { name: "sslSwitchJob", source: "assumed" },
    typicalMs: 60_000,
    resource: "InstanceSsl",
    terraform: "huaweicloud_dcs_instance (ssl_enable)",
    waitsFor: "the job to end; then ShowInstance until `enable_ssl` reports the value",
    notes: "Cannot be on together with client IP pass-through (the API refuses).",
  },
  {
    name: "UpdatePublicIp",
    cli: "public-ip-bind",
    summary: "Bind public access (an EIP, or an ELB for Redis 4.0 and later).",
    method: "POST",
    path: "/v2/{project_id}/instances/{instance_id}/public-ip",
    pathParams: ["instance_id"],
    body: PublicIpBody,
    exampleBody: { elb_id: "0f6a0a3c-58b2-4c0c-9f7b-5a1f9e5a2b31" },
    kind: "state",
    task: { name: "BindEip", source: SDK_TASKS },
    typicalMs: 60_000,
    resource: "InstancePublicAccess",
    terraform: "huaweicloud_dcs_instance (publicip)",
    waitsFor: "the job to end; then ShowInstance until `enable_publicip` is true",
  },
  {
    name: "DeletePublicIp",
    cli: "public-ip-unbind",
    summary: "Unbind public access.",
    method: "DELETE",
    path: "/v2/{project_id}/instances/{instance_id}/public-ip",
    pathParams: ["instance_id"],
    kind: "state",
    task: { name: "UnBindEip", source: SDK_TASKS },
    typicalMs: 60_000,
    resource: "InstancePublicAccess",
    terraform: "huaweicloud_dcs_instance (publicip)",
    waitsFor: "the job to end; then ShowInstance until `enable_publicip` is false",
  },
  {
    name: "UpdateIpWhitelistAsync",
    cli: "whitelist",
    summary: "Set the IP whitelist groups (and whether the whitelist is on).",
    method: "PUT",
    path: "/v2/{project_id}/instance/{instance_id}/whitelist-async",
    pathParams: ["instance_id"],
    body: WhitelistBody,
    exampleBody: { enable_whitelist: true, whitelist: [{ group_name: "app", ip_list: ["10.0.0.0/24"] }] },
    kind: "state",
    task: { name: "AddWhitelist", source: SDK_TASKS },
    typicalMs: 30_000,
    resource: "InstanceWhitelist",
    terraform: "huaweicloud_dcs_instance (whitelists, whitelist_enable)",
    waitsFor: "the job to end; then ShowIpWhitelist until it reports the groups",
  },
  {
    name: "UpdateInstanceConfig",
    cli: "config",
    summary: "Set Redis parameters (asynchronously).",
    method: "PUT",
    path: "/v2/{project_id}/instances/{instance_id}/async-configs",
    pathParams: ["instance_id"],
    body: RedisConfigBody,
    exampleBody: { redis_config: [{ param_id: "1", param_name: "timeout", param_value: "100" }] },
    kind: "state",
    task: { name: "modify", source: "assumed (the tenant-wide list's doc comment names a task `modify`)" },
    typicalMs: 30_000,
    resource: "InstanceParameters",
    terraform: "huaweicloud_dcs_instance (parameters)",
    waitsFor: "the job to end; then ListConfigurations until it reports the values",
  },
  {
    name: "UpdateAclAccount",
    cli: "acl-role",
    summary: "Change an ACL account's role (read or write).",
    method: "PUT",
    path: "/v2/{project_id}/instances/{instance_id}/accounts/{account_id}/role",
    pathParams: ["instance_id", "account_id"],
    body: AclRoleBody,
    exampleBody: { account_role: "read" },
    kind: "state",
    task: { name: "modifyAclAccountRole", source: "assumed" },
    typicalMs: 20_000,
    resource: "AclAccountRole",
    terraform: "huaweicloud_dcs_account (account_role)",
    waitsFor: "the job to end; then ListAclAccounts until it reports the role",
  },
  {
    name: "DeleteIpFromDomainName",
    cli: "remove-ip",
    summary: "Remove a replica's IP from the instance's domain name.",
    method: "DELETE",
    path: "/v2/{project_id}/instances/{instance_id}/groups/{group_id}/replications/{node_id}/remove-ip",
    pathParams: ["instance_id", "group_id", "node_id"],
    kind: "action",
    task: { name: "RemoveIpFromDns", source: SDK_TASKS },
    typicalMs: 20_000,
    resource: "ReplicaIpRemoval",
    waitsFor: "the job to end",
  },
  {
    name: "StartInstanceResizeCheckJob",
    cli: "resize-check",
    summary: "Check whether the instance can be resized to a new capacity or spec.",
    method: "POST",
    path: "/v2/{project_id}/instances/{instance_id}/resize/check-job",
    pathParams: ["instance_id"],
    body: ResizeCheckBody,
    exampleBody: { new_capacity: 4 },
    kind: "action",
    task: { name: "resizeCheckJob", source: "assumed" },
    typicalMs: 10_000,
    waitsFor: "the job to end (its FAIL reason says why a resize would fail)",
  },
  {
    name: "ExportInstancesTask",
    cli: "export",
    summary: "Export the instance list to a file (a tenant-wide task, not tied to one instance).",
    method: "POST",
    path: "/v2/{project_id}/instances/export",
    pathParams: [],
    body: ExportBody,
    exampleBody: { region: "ap-southeast-1" },
    kind: "action",
    task: { name: "exportInstancesJob", source: "assumed" },
    typicalMs: 10_000,
    waitsFor: "the job to end",
    notes: "Not tied to an instance: there is no per-instance task list to adopt from, so an interrupted run cannot be adopted.",
  },
] as const satisfies readonly OperationDef[];

/** An operation's SDK name. */
export type OperationName = (typeof OPERATIONS)[number]["name"];

/** The operation of that SDK name. */
export function operation(name: OperationName): OperationDef {
  return OPERATIONS.find((o) => o.name === name)!;
}

/** Every known task name (for adoption and the task listing). */
export const KNOWN_TASK_NAMES: ReadonlySet<string> = new Set(OPERATIONS.map((o) => o.task.name));
