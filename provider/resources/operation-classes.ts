/**
 * The resources of the operation table (docs/operations.md) besides `MasterStandbySwap` and
 * `ClientIpPassThrough`: typed actions and states, and the generic `DcsOperation`. Every one starts its
 * job once, blocks until it ends, resumes a pending job on the next `up`, fails with the job's
 * `fail_reason`, and takes optional `region` / `projectId` / `endpoint` over the stack's `dcs:` config.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DurationInput } from "./logic";
import {
  aclAccountRoleProvider,
  clusterReplicaSwitchoverProvider,
  dcsOperationProvider,
  instanceParametersProvider,
  instancePublicAccessProvider,
  instanceSslProvider,
  instanceWhitelistProvider,
  replicaIpRemovalProvider,
} from "./providers";

const MODULE = "dcs";

/** Optional per-resource location: overrides the stack's `dcs:` config for this resource only. */
export interface LocationArgs {
  /** Region of this resource's instance (overrides `dcs:region` and `dcs:endpoint`). Changing it replaces. */
  region?: pulumi.Input<string>;
  /** Project of this resource's instance (overrides `dcs:projectId`). Changing it replaces. */
  projectId?: pulumi.Input<string>;
  /** Explicit endpoint (overrides `dcs:endpoint` and the region's). */
  endpoint?: pulumi.Input<string>;
}

/** What every action takes: `triggers`, the wait and the adoption window. */
export interface ActionArgs extends LocationArgs {
  /** Any values; when they change, the next `pulumi up` runs the operation once more (an in-place update). */
  triggers?: pulumi.Input<unknown>;
  /** How long to wait for the job: `"30m"`, `"90s"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
  /** How far back create looks for a job an interrupted run started (adopted instead of starting another). `0`: never. */
  adoptWithin?: pulumi.Input<DurationInput>;
  /** Whether a job of the kind that already succeeded inside the window is adopted. Default true. */
  adoptFinished?: pulumi.Input<boolean>;
}

/** What every state takes. */
export interface StateArgs extends LocationArgs {
  /** The instance. Changing it replaces the resource. */
  instanceId: pulumi.Input<string>;
  /** How long to wait for a job: `"30m"`, `"90s"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
}

/** The job outputs every resource has, and the lifecycle record. */
const JOB_OUTPUTS = ["jobId", "jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "adopted", "pending", "ended"] as const;

function slots(names: readonly string[]): Record<string, undefined> {
  return Object.fromEntries(names.map((n) => [n, undefined]));
}

/** The outputs of the job of an action or a state resource. */
abstract class JobResource extends pulumi.dynamic.Resource {
  /** The last job's ID. */
  declare public readonly jobId: pulumi.Output<string | undefined>;
  declare public readonly jobType: pulumi.Output<string | undefined>;
  /** `SUCCESS` after a normal run; `FAIL` when the job failed (the up failed with its reason). */
  declare public readonly status: pulumi.Output<string | undefined>;
  /** ISO-8601. */
  declare public readonly beginTime: pulumi.Output<string | undefined>;
  /** ISO-8601. */
  declare public readonly endTime: pulumi.Output<string | undefined>;
  declare public readonly durationMs: pulumi.Output<number | undefined>;
  declare public readonly failReason: pulumi.Output<string | undefined>;
  /** True when the job was found running (an interrupted run's) instead of being started. */
  declare public readonly adopted: pulumi.Output<boolean | undefined>;
  /** A job of this resource not yet seen to end (see docs/resources.md, "The lifecycle"). */
  declare public readonly pending: pulumi.Output<unknown>;
  /** How the last job ended: `{ outcome, jobId, failReason, ... }`. */
  declare public readonly ended: pulumi.Output<unknown>;
}

// ---- actions ----------------------------------------------------------------------------------------

/** Arguments of {@link DcsOperation}. */
export interface DcsOperationArgs extends ActionArgs {
  /** `PUT`, `POST` or `DELETE`. */
  method: pulumi.Input<"PUT" | "POST" | "DELETE">;
  /**
   * A DCS v2 path with the `{project_id}` placeholder, e.g.
   * `/v2/{project_id}/instances/8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01/bandwidths`. A path of the
   * operation table (docs/operations.md) gets that operation's body check and task name.
   */
  path: pulumi.Input<string>;
  /** The request body (JSON). Changing the method, path or body replaces the resource (a new call). */
  body?: pulumi.Input<unknown>;
  /** The operation's task name in the task lists, for adoption after an interrupted run (table paths know theirs). */
  jobType?: pulumi.Input<string>;
}

/**
 * Any DCS call that answers with a job ID, started once (per `triggers` value) and waited on, so a
 * stack never waits for this package to learn a new operation:
 *
 * ```ts
 * new DcsOperation("bandwidth", {
 *   method: "PUT",
 *   path: `/v2/{project_id}/instances/${instanceId}/bandwidths`,
 *   body: { group_bandwidths: [{ group_id: groupId, target_bandwidth: 256 }] },
 *   triggers: ["2026-12 traffic peak"],
 * });
 * ```
 */
export class DcsOperation extends JobResource {
  declare public readonly method: pulumi.Output<string>;
  declare public readonly path: pulumi.Output<string>;
  declare public readonly body: pulumi.Output<unknown>;
  declare public readonly triggers: pulumi.Output<unknown>;
  constructor(name: string, args: DcsOperationArgs, opts?: pulumi.CustomResourceOptions) {
    super(dcsOperationProvider, name, { ...args, ...slots(JOB_OUTPUTS) }, opts, MODULE, "DcsOperation");
  }
}

/** Arguments of {@link ClusterReplicaSwitchover} and {@link ReplicaIpRemoval}. */
export interface ReplicaActionArgs extends ActionArgs {
  /** The cluster instance. */
  instanceId: pulumi.Input<string>;
  /** The shard's `group_id` (ListGroupReplicationInfo; `dcs-jobs groups <instance-id>`). */
  groupId: pulumi.Input<string>;
  /** The replica's `node_id`: for a switchover, the replica that becomes master. */
  nodeId: pulumi.Input<string>;
}

/**
 * Switches a cluster shard's replica to master (`POST .../async-switchover`), once per `triggers`
 * value, waited on until its job ends. Not idempotent; Terraform's `huaweicloud_dcs_cluster_replica_switch`.
 */
export class ClusterReplicaSwitchover extends JobResource {
  declare public readonly instanceId: pulumi.Output<string>;
  declare public readonly groupId: pulumi.Output<string>;
  declare public readonly nodeId: pulumi.Output<string>;
  declare public readonly triggers: pulumi.Output<unknown>;
  constructor(name: string, args: ReplicaActionArgs, opts?: pulumi.CustomResourceOptions) {
    super(clusterReplicaSwitchoverProvider, name, { ...args, ...slots(JOB_OUTPUTS) }, opts, MODULE, "ClusterReplicaSwitchover");
  }
}

/** Removes a replica's IP from the instance's domain name (`DELETE .../remove-ip`), once per `triggers` value. */
export class ReplicaIpRemoval extends JobResource {
  declare public readonly instanceId: pulumi.Output<string>;
  declare public readonly groupId: pulumi.Output<string>;
  declare public readonly nodeId: pulumi.Output<string>;
  declare public readonly triggers: pulumi.Output<unknown>;
  constructor(name: string, args: ReplicaActionArgs, opts?: pulumi.CustomResourceOptions) {
    super(replicaIpRemovalProvider, name, { ...args, ...slots(JOB_OUTPUTS) }, opts, MODULE, "ReplicaIpRemoval");
  }
}

// ---- states -----------------------------------------------------------------------------------------

/** The outputs of a state resource besides the job's. */
abstract class StateResource extends JobResource {
  declare public readonly instanceId: pulumi.Output<string>;
  /** False when the last create/update found the value already set and started no job. */
  declare public readonly changed: pulumi.Output<boolean>;
}

/** Arguments of {@link InstanceSsl}. */
export interface InstanceSslArgs extends StateArgs {
  /** Whether SSL should be on (ShowInstance `enable_ssl`). Cannot be on together with client IP pass-through. */
  enabled: pulumi.Input<boolean>;
}

/** SSL of an instance, declaratively (`PUT .../ssl`); refresh shows drift. */
export class InstanceSsl extends StateResource {
  /** The value the instance reported after the last create/update/refresh. */
  declare public readonly enabled: pulumi.Output<boolean>;
  constructor(name: string, args: InstanceSslArgs, opts?: pulumi.CustomResourceOptions) {
    super(instanceSslProvider, name, { ...args, ...slots([...JOB_OUTPUTS, "changed"]) }, opts, MODULE, "InstanceSsl");
  }
}

/** Arguments of {@link InstancePublicAccess}. */
export interface InstancePublicAccessArgs extends StateArgs {
  /** Whether public access should be bound (ShowInstance `enable_publicip`). */
  enabled: pulumi.Input<boolean>;
  /** The ELB to bind (Redis 4.0 and later). */
  elbId?: pulumi.Input<string>;
  /** The EIP to bind (Redis 3.0). */
  publicipId?: pulumi.Input<string>;
  /** Redis 3.0: SSL on the public address. */
  enableSsl?: pulumi.Input<boolean>;
}

/** Public access of an instance, bound or not (`POST` / `DELETE .../public-ip`). */
export class InstancePublicAccess extends StateResource {
  declare public readonly enabled: pulumi.Output<boolean>;
  constructor(name: string, args: InstancePublicAccessArgs, opts?: pulumi.CustomResourceOptions) {
    super(instancePublicAccessProvider, name, { ...args, ...slots([...JOB_OUTPUTS, "changed"]) }, opts, MODULE, "InstancePublicAccess");
  }
}

/** Arguments of {@link InstanceWhitelist}. */
export interface InstanceWhitelistArgs extends StateArgs {
  /** Whether the whitelist is on. */
  enabled: pulumi.Input<boolean>;
  /** The groups: `[{ name: "app", ips: ["10.0.0.0/24"] }]` (order does not matter). */
  groups: pulumi.Input<Array<{ name: string; ips: string[] }>>;
}

/** The IP whitelist of an instance, declaratively (`PUT .../whitelist-async`); refresh shows drift. */
export class InstanceWhitelist extends StateResource {
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly groups: pulumi.Output<Array<{ name: string; ips: string[] }>>;
  constructor(name: string, args: InstanceWhitelistArgs, opts?: pulumi.CustomResourceOptions) {
    super(instanceWhitelistProvider, name, { ...args, ...slots([...JOB_OUTPUTS, "changed"]) }, opts, MODULE, "InstanceWhitelist");
  }
}

/** Arguments of {@link InstanceParameters}. */
export interface InstanceParametersArgs extends StateArgs {
  /** Redis parameters by name, e.g. `{ timeout: "100", "maxmemory-policy": "allkeys-lru" }`; others are left alone. */
  parameters: pulumi.Input<Record<string, pulumi.Input<string | number>>>;
}

/** Redis parameters of an instance, declaratively (`PUT .../async-configs`); refresh shows drift. */
export class InstanceParameters extends StateResource {
  declare public readonly parameters: pulumi.Output<Record<string, string>>;
  constructor(name: string, args: InstanceParametersArgs, opts?: pulumi.CustomResourceOptions) {
    super(instanceParametersProvider, name, { ...args, ...slots([...JOB_OUTPUTS, "changed"]) }, opts, MODULE, "InstanceParameters");
  }
}

/** Arguments of {@link AclAccountRole}. */
export interface AclAccountRoleArgs extends StateArgs {
  /** The account's `account_id` (ListAclAccounts). Changing it replaces. */
  accountId: pulumi.Input<string>;
  role: pulumi.Input<"read" | "write">;
}

/** An ACL account's role, declaratively (`PUT .../accounts/{account_id}/role`). */
export class AclAccountRole extends StateResource {
  declare public readonly accountId: pulumi.Output<string>;
  declare public readonly role: pulumi.Output<"read" | "write">;
  constructor(name: string, args: AclAccountRoleArgs, opts?: pulumi.CustomResourceOptions) {
    super(aclAccountRoleProvider, name, { ...args, ...slots([...JOB_OUTPUTS, "changed"]) }, opts, MODULE, "AclAccountRole");
  }
}
