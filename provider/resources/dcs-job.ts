/**
 * `DcsJob` and the function form `waitForDcsJob`: wait for a job started elsewhere. They start nothing,
 * so they keep no lifecycle record: a wait that fails is a plain error and the next `up` waits again.
 */
import { DcsApiError, JobFailedError } from "../errors";
import type { Job, StepSummary } from "../types";
import { stepSummaries } from "../waiter/progress";
import { clientFor, log, now, useStackSettings, waitLogged, type StepScope } from "./core";
import {
  assertChecked,
  checkDcsJob,
  compact,
  diffDcsJob,
  hasPendingJob,
  jobOutputs,
  waitTimeoutMs,
  type CheckResult,
  type DcsJobInputs,
  type DcsJobOutputs,
  type DiffResult,
  type JobOutputs,
} from "./logic";
import type { StackSettings } from "./settings";

function label(i: DcsJobInputs): string {
  return `DcsJob ${i.jobId}${i.instanceId ? ` (instance ${i.instanceId})` : ""}`;
}

/** The message of a failed job: fail reason, job ID and instance ID, always. */
function failedMessage(error: JobFailedError, i: DcsJobInputs): string {
  const on = i.instanceId ? ` on DCS instance ${i.instanceId}` : "";
  const step = error.failedStep ? ` Step "${error.failedStep.name}" FAILED${error.failedStep.errorCode ? ` with error_code ${error.failedStep.errorCode}` : ""}.` : "";
  return `DCS job ${error.job.jobId}${on} failed: DCS job ${error.job.jobId} (${error.job.jobType}) ended in FAIL: ${error.failReason ?? "no fail_reason given"}.${step}`;
}

/** Waits for an existing job (read at once: it may have ended long ago). FAIL rejects with its reason. */
async function finish(i: DcsJobInputs, seen?: { steps?: StepSummary[] }): Promise<Job> {
  const scope: StepScope = { api: clientFor(i), label: label(i), instanceId: i.instanceId ?? "", jobType: "", deadline: now() + waitTimeoutMs(i.waitTimeout) };
  try {
    const job = await waitLogged(scope, i.jobId, true, {});
    if (seen) seen.steps = stepSummaries(scope.progress);
    return job;
  } catch (error) {
    if (error instanceof JobFailedError) throw new Error(failedMessage(error, i));
    throw error;
  }
}

async function finishOutputs(i: DcsJobInputs): Promise<DcsJobOutputs> {
  const seen: { steps?: StepSummary[] } = {};
  const job = await finish(i, seen);
  log(`${label(i)}: SUCCESS`);
  // `steps`: the task's steps, when the instance is known and the progress could be read.
  return compact({ ...i, ...jobOutputs(job, false), steps: seen.steps });
}

/** The `DcsJob` provider implementation. */
export const dcsJob = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<DcsJobInputs>> {
    return checkDcsJob(news);
  },

  async diff(_id: string, olds: DcsJobOutputs, news: DcsJobInputs): Promise<DiffResult> {
    return diffDcsJob(olds, news);
  },

  async create(inputs: DcsJobInputs): Promise<{ id: string; outs: DcsJobOutputs }> {
    const i = compact(assertChecked(checkDcsJob(inputs as unknown as Record<string, unknown>)));
    const { __provider: _p, ...rest } = i as DcsJobInputs & { __provider?: unknown };
    return { id: rest.jobId, outs: await finishOutputs(rest) };
  },

  async read(id: string, props: DcsJobOutputs): Promise<{ id: string; props: DcsJobOutputs; inputs: DcsJobInputs }> {
    const { __provider: _p, ...p } = compact(props) as DcsJobOutputs & { __provider?: unknown };
    let outs: DcsJobOutputs = p;
    try {
      outs = compact({ ...p, ...jobOutputs(await clientFor(p).showJob(p.jobId), false) });
    } catch (error) {
      if (!(error instanceof DcsApiError && error.status === 404)) throw error;
    }
    return { id, props: outs, inputs: compact({ jobId: p.jobId, instanceId: p.instanceId, waitTimeout: p.waitTimeout, region: p.region, projectId: p.projectId, endpoint: p.endpoint }) };
  },

  async update(_id: string, olds: DcsJobOutputs, news: DcsJobInputs): Promise<{ outs: DcsJobOutputs }> {
    const { __provider: _p, ...i } = compact(assertChecked(checkDcsJob(news as unknown as Record<string, unknown>))) as DcsJobInputs & { __provider?: unknown };
    const { __provider: _q, ...o } = compact(olds) as DcsJobOutputs & { __provider?: unknown };
    if (hasPendingJob(o)) {
      log(`${label(i)}: resuming the wait from an earlier run`);
      return { outs: await finishOutputs(i) };
    }
    const outs: DcsJobOutputs = { ...o, ...i };
    for (const k of ["instanceId", "waitTimeout"] as const) if (!(k in i)) delete outs[k];
    return { outs: compact(outs) };
  },

  async delete(): Promise<void> {
    // Waiting on a job has nothing to undo.
  },
};

/**
 * Waits for a job with the settings of this process (stack config given to `configure`, else the
 * environment). Used by `waitForDcsJob` in the program process. FAIL and timeouts reject.
 */
export async function waitForJobOutputs(i: DcsJobInputs, settings?: StackSettings): Promise<JobOutputs> {
  const checked = assertChecked(checkDcsJob(i as unknown as Record<string, unknown>));
  if (settings) useStackSettings(settings);
  return jobOutputs(await finish(checked), false);
}
