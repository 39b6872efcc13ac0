/**
 * `MasterStandbySwap`: an action (runs once per `triggers` value) over the shared action controller.
 * This file only says how to start a swap and what to add to the outputs.
 */
import { DcsApiError } from "../errors";
import { recordFromOutputs } from "../lifecycle/record";
import { operation } from "../operations";
import { claimStored, runAction, type ActionSpec } from "./action";
import { clean, clientFor, log, settledInstance } from "./core";
import {
  assertChecked,
  checkSwap,
  compact,
  diffSwap,
  jobOutputs,
  stableJson,
  type CheckResult,
  type DiffResult,
  type SwapInputs,
  type SwapOutputs,
} from "./logic";

/** Inputs the user may remove: they must leave the outputs too. */
const OPTIONAL_INPUTS = ["triggers", "waitTimeout", "adoptWithin", "adoptFinished", "region", "projectId", "endpoint"] as const;

/** The swap as an action resource: its call, and the instance's master after the job. */
export const swapSpec: ActionSpec<SwapInputs> = {
  type: "MasterStandbySwap",
  taskName: operation("ChangeMasterStandbyAsync").task.name,
  what: "The master/standby switchover",
  instanceId: (i) => i.instanceId,
  subject: (i) => i.instanceId,
  start: (api, i, o) => api.swapMasterStandby(i.instanceId, o),
  optionalInputs: OPTIONAL_INPUTS,
  async afterSuccess(scope, _i, job) {
    const inst = await settledInstance(scope);
    log(`${scope.label}: job ${job?.jobId} SUCCESS${job?.durationMs !== undefined ? ` in ${Math.round(job.durationMs / 1000)} s` : ""}${inst?.masterNode ? `; master is now ${inst.masterNode}` : ""}`);
    return { masterNode: inst?.masterNode, instanceStatus: inst?.status };
  },
};

function label(i: { instanceId: string }): string {
  return `MasterStandbySwap ${i.instanceId}`;
}

/** The `MasterStandbySwap` provider implementation (what the serialized provider delegates to). */
export const masterStandbySwap = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<SwapInputs>> {
    return checkSwap(news);
  },

  async diff(_id: string, olds: SwapOutputs, news: SwapInputs): Promise<DiffResult> {
    // Seeing a resource's state is enough to own its jobs: a sibling created later never adopts them.
    claimStored(olds);
    return diffSwap(olds, news);
  },

  async create(inputs: SwapInputs): Promise<{ id: string; outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(inputs as unknown as Record<string, unknown>)));
    return runAction(swapSpec, i, undefined, undefined, inputs) as Promise<{ id: string; outs: SwapOutputs }>;
  },

  /**
   * Refresh only observes: it updates the job's flat fields and the instance's, and never touches the
   * record (a pending job stays pending, so the next `up` still resumes it).
   */
  async read(id: string, props: SwapOutputs): Promise<{ id: string; props: SwapOutputs; inputs: SwapInputs }> {
    const p = clean(props);
    const api = clientFor(p);
    claimStored(p);
    let outs: SwapOutputs = p;
    if (p.jobId) {
      try {
        const job = await api.showJob(p.jobId);
        const { adopted: _a, ...fields } = jobOutputs(job, p.adopted ?? false);
        outs = { ...outs, ...fields };
      } catch (error) {
        // Jobs are not kept forever: a job the API no longer knows leaves the recorded result as it is.
        if (!(error instanceof DcsApiError && error.status === 404)) throw error;
      }
    }
    try {
      const inst = await api.showInstance(p.instanceId);
      outs = compact({ ...outs, masterNode: inst.masterNode, instanceStatus: inst.status });
    } catch (error) {
      if (!(error instanceof DcsApiError && error.status === 404)) throw error;
    }
    return { id, props: outs, inputs: inputsOf(p) };
  },

  async update(id: string, olds: SwapOutputs, news: SwapInputs): Promise<{ outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(news as unknown as Record<string, unknown>)));
    const { outs } = await runAction(swapSpec, i, clean(olds), id, news);
    return { outs: outs as SwapOutputs };
  },

  async delete(_id: string, props: SwapOutputs): Promise<void> {
    const p = clean(props);
    const pending = recordFromOutputs(p, stableJson(p.triggers)).pending;
    log(
      `${label(p)}: removed from the stack only. A master/standby switchover cannot be undone by deleting it ` +
        `(job ${p.jobId ?? "?"}); nothing was started.${pending ? ` A job of it may still run: ${pending.jobId ? `\`dcs-jobs wait ${pending.jobId}\`` : "see the instance's Background Tasks"}.` : ""} To swap again, change \`triggers\`.`,
    );
  },
};

function inputsOf(o: SwapOutputs): SwapInputs {
  return compact({ instanceId: o.instanceId, triggers: o.triggers, waitTimeout: o.waitTimeout, adoptWithin: o.adoptWithin, adoptFinished: o.adoptFinished, region: o.region, projectId: o.projectId, endpoint: o.endpoint });
}
