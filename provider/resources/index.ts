/**
 * Pulumi dynamic resources for DCS operations that run as background jobs: start once, block the
 * deployment until the job ends, never start twice by accident. See `docs/resources.md`.
 *
 * Credentials and endpoint come from the stack config (`dcs:region`, `dcs:projectId`, `dcs:endpoint`,
 * `dcs:cloud`, `dcs:accessKey`, `dcs:secretKey` (secret), `dcs:securityToken` (secret), `dcs:token`
 * (secret)), else from the environment (`HW_ACCESS_KEY`, `HW_SECRET_KEY`, `HW_REGION_NAME`,
 * `HW_PROJECT_ID`, `HW_DCS_ENDPOINT`, ...). They are never inputs or outputs.
 *
 * `customTimeouts` do not reach dynamic providers: use each resource's `waitTimeout`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_WAIT_TIMEOUT_MS, type DurationInput, type JobOutputs } from "./logic";
import { clientIpPassThroughProvider, dcsJobProvider, masterStandbySwapProvider } from "./providers";
import { waitForJobOutputs } from "./runtime";
import { readStackSettings } from "./settings";
import type { LocationArgs } from "./operation-classes";
import type { StepSummary } from "../types";

export type { DurationInput, JobOutputs } from "./logic";
export * from "./operation-classes";
export { DEFAULT_WAIT_TIMEOUT_MS };

/** The module part of the resources' type tokens: `pulumi-nodejs:dynamic/dcs:<Name>`. */
const MODULE = "dcs";

/** Arguments of {@link MasterStandbySwap}. */
export interface MasterStandbySwapArgs extends LocationArgs {
  /** The master/standby (`ha`) instance to switch over. Changing it replaces the resource (a new swap on the new instance). */
  instanceId: pulumi.Input<string>;
  /**
   * Any values; when they change, the next `pulumi up` runs one new switchover (an in-place update).
   * Unchanged triggers run nothing. Like `triggers` of `@pulumi/command`.
   */
  triggers?: pulumi.Input<unknown>;
  /** How long to wait for the job: `"30m"`, `"90s"`, `"1h30m"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
  /**
   * How far back create looks in the instance's background tasks for a switchover an interrupted run
   * already started (adopted instead of starting another). Default: the wait timeout. `0` turns the
   * look-up off.
   */
  adoptWithin?: pulumi.Input<DurationInput>;
  /**
   * Whether a switchover that already *succeeded* inside the `adoptWithin` window is adopted (default
   * `true`: after a crash that happened after the job ended, swapping again would swap back). Set
   * `false` when a switchover someone else ran shortly before must not count as this one. A running
   * switchover is always adopted; a failed one never is.
   */
  adoptFinished?: pulumi.Input<boolean>;
}

/**
 * A master/standby switchover of a DCS instance (`PUT .../async-swap`), waited on until its job ends.
 *
 * - create: one switchover (or adopts one an interrupted run started), then waits; fails with the
 *   job's `fail_reason`, job ID and instance ID if the job ends in `FAIL`.
 * - `triggers` changed: one new switchover (update). Nothing changed: nothing runs.
 * - A wait that times out or breaks after the job started leaves the job ID in the state (partial
 *   failure); the next `pulumi up` resumes waiting on it instead of starting another.
 * - delete: removes it from the stack only; a switchover cannot be undone.
 */
export class MasterStandbySwap extends pulumi.dynamic.Resource {
  declare public readonly instanceId: pulumi.Output<string>;
  declare public readonly triggers: pulumi.Output<unknown | undefined>;
  declare public readonly waitTimeout: pulumi.Output<DurationInput | undefined>;
  declare public readonly adoptWithin: pulumi.Output<DurationInput | undefined>;
  declare public readonly adoptFinished: pulumi.Output<boolean | undefined>;
  /** The job ID of the last switchover. */
  declare public readonly jobId: pulumi.Output<string>;
  declare public readonly jobType: pulumi.Output<string>;
  /** `SUCCESS` after a normal run. */
  declare public readonly status: pulumi.Output<string>;
  /** ISO-8601. */
  declare public readonly beginTime: pulumi.Output<string | undefined>;
  /** ISO-8601. */
  declare public readonly endTime: pulumi.Output<string | undefined>;
  declare public readonly durationMs: pulumi.Output<number | undefined>;
  declare public readonly failReason: pulumi.Output<string | undefined>;
  /** True when the job was adopted from an interrupted run rather than started by this one. */
  declare public readonly adopted: pulumi.Output<boolean>;
  /** The master node after the switchover, where ShowInstance reports one (the vendor API may not). */
  declare public readonly masterNode: pulumi.Output<string | undefined>;
  /** The instance's status read after the job succeeded. */
  declare public readonly instanceStatus: pulumi.Output<string | undefined>;
  /** The task's steps (name, status, durationMs, errorCode), when the wait could read its progress. */
  declare public readonly steps: pulumi.Output<StepSummary[] | undefined>;

  constructor(name: string, args: MasterStandbySwapArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      masterStandbySwapProvider,
      name,
      { ...args, ...outputSlots(["jobId", "jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "adopted", "masterNode", "instanceStatus", "steps"]) },
      opts,
      MODULE,
      "MasterStandbySwap",
    );
  }
}

/** Arguments of {@link ClientIpPassThrough}. */
export interface ClientIpPassThroughArgs extends LocationArgs {
  /** The instance. Changing it replaces the resource. */
  instanceId: pulumi.Input<string>;
  /** Whether client IP pass-through (`transparent_client_ip_enable`) should be on. */
  enabled: pulumi.Input<boolean>;
  /** On delete, set the value back to what it was before create (stored in `initialEnabled`). Default false: leave it. */
  restoreOnDelete?: pulumi.Input<boolean>;
  /** How long to wait for a job: `"30m"`, `"90s"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
}

/**
 * Client IP pass-through of a DCS instance, declaratively: create/update read the instance and start
 * a `modifyClientIpTransJob` only when the value differs (a pass-through job already running is waited
 * for first); refresh reports the live value (drift); delete leaves the instance as it is unless
 * `restoreOnDelete`.
 */
export class ClientIpPassThrough extends pulumi.dynamic.Resource {
  declare public readonly instanceId: pulumi.Output<string>;
  /** The value the instance reported after the last create/update/refresh. */
  declare public readonly enabled: pulumi.Output<boolean>;
  declare public readonly restoreOnDelete: pulumi.Output<boolean | undefined>;
  declare public readonly waitTimeout: pulumi.Output<DurationInput | undefined>;
  /** The value found before create: what `restoreOnDelete` restores. */
  declare public readonly initialEnabled: pulumi.Output<boolean>;
  /** False when the last create/update found the value already set and started no job. */
  declare public readonly changed: pulumi.Output<boolean>;
  declare public readonly adopted: pulumi.Output<boolean>;
  /** Set only when the last create/update ran a job. */
  declare public readonly jobId: pulumi.Output<string | undefined>;
  declare public readonly jobType: pulumi.Output<string | undefined>;
  declare public readonly status: pulumi.Output<string | undefined>;
  declare public readonly beginTime: pulumi.Output<string | undefined>;
  declare public readonly endTime: pulumi.Output<string | undefined>;
  declare public readonly durationMs: pulumi.Output<number | undefined>;
  declare public readonly failReason: pulumi.Output<string | undefined>;
  /** The task's steps of the last job run, when the wait could read its progress. */
  declare public readonly steps: pulumi.Output<StepSummary[] | undefined>;

  constructor(name: string, args: ClientIpPassThroughArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      clientIpPassThroughProvider,
      name,
      { ...args, ...outputSlots(["initialEnabled", "changed", "adopted", "jobId", "jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "steps"]) },
      opts,
      MODULE,
      "ClientIpPassThrough",
    );
  }
}

/** Arguments of {@link DcsJob}. */
export interface DcsJobArgs extends LocationArgs {
  /** The job to wait for (`job_id` from any DCS operation). Changing it replaces the resource. */
  jobId: pulumi.Input<string>;
  /** The instance the job belongs to, for messages only. */
  instanceId?: pulumi.Input<string>;
  /** How long to wait: `"30m"`, `"90s"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
}

/**
 * Waits for an existing DCS job (started elsewhere) to end, so other resources can `dependsOn` it.
 * Fails with the job's `fail_reason` if it ends in `FAIL`. Starts nothing; delete does nothing.
 */
export class DcsJob extends pulumi.dynamic.Resource {
  declare public readonly jobId: pulumi.Output<string>;
  declare public readonly instanceId: pulumi.Output<string | undefined>;
  declare public readonly waitTimeout: pulumi.Output<DurationInput | undefined>;
  declare public readonly jobType: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly beginTime: pulumi.Output<string | undefined>;
  declare public readonly endTime: pulumi.Output<string | undefined>;
  declare public readonly durationMs: pulumi.Output<number | undefined>;
  declare public readonly failReason: pulumi.Output<string | undefined>;
  declare public readonly adopted: pulumi.Output<boolean>;
  /** The task's steps, when `instanceId` is given and the wait could read the task's progress. */
  declare public readonly steps: pulumi.Output<StepSummary[] | undefined>;

  constructor(name: string, args: DcsJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dcsJobProvider,
      name,
      { ...args, ...outputSlots(["jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "adopted", "steps"]) },
      opts,
      MODULE,
      "DcsJob",
    );
  }
}

/** Arguments of {@link waitForDcsJob}. */
export interface WaitForDcsJobArgs {
  jobId: pulumi.Input<string>;
  /** For messages only. */
  instanceId?: pulumi.Input<string>;
  /** `"30m"`, `"90s"` or seconds. Default 30 minutes. */
  waitTimeout?: pulumi.Input<DurationInput>;
}

/**
 * Waits for a job from the program itself (no resource, nothing in the state) and resolves to its
 * outputs. During preview it calls no API and resolves to unknown. Uses the `dcs:` stack config of the
 * program, else the environment. Rejects (failing the deployment) if the job ends in `FAIL` or the
 * wait times out.
 */
export function waitForDcsJob(args: WaitForDcsJobArgs): pulumi.Output<JobOutputs> {
  return pulumi.all([args.jobId, args.instanceId, args.waitTimeout]).apply(([jobId, instanceId, waitTimeout]) => {
    if (pulumi.runtime.isDryRun()) return pulumi.output(pulumi.unknown as unknown as JobOutputs);
    const settings = readStackSettings({ get: (key) => pulumi.runtime.getConfig(key) });
    const inputs = { jobId, ...(instanceId ? { instanceId } : {}), ...(waitTimeout !== undefined ? { waitTimeout } : {}) };
    return pulumi.output(waitForJobOutputs(inputs, settings));
  });
}

/** Output-only properties must be present (undefined) in the props so the resource exposes them. */
function outputSlots(names: string[]): Record<string, undefined> {
  return Object.fromEntries(names.map((n) => [n, undefined]));
}
