/**
 * The failures the trials found, each as a fixed plan that replays it on the real engine (the seeded plans
 * move on as the plan generator changes; these stay). `npm run chaos -- --regressions` plays them; the quick
 * mode in `npm test` plays them too. Each must hold every invariant once its fix is in. See
 * docs/reliability.md ("Failures found").
 */
import { INSTANCES, planTrial, type TrialPlan } from "./plan";

export interface Regression {
  /** Short name, as in docs/reliability.md. */
  name: string;
  /** What went wrong when it was found. */
  finding: string;
  plan: TrialPlan;
  /**
   * Played by the quick mode in `npm test`: the fixed findings. False for those still open, and for those
   * outside the trials' own ranges (a task-list lag longer than an engine restart); `npm run chaos --
   * --regressions` plays every plan.
   */
  quick: boolean;
}

/** A create trial on its own seed, without the drawn parts that do not matter here. */
function createPlan(label: string, seed: number, over: Partial<TrialPlan>): TrialPlan {
  const { setup: _none, ...base } = planTrial(seed);
  return {
    ...base,
    label,
    kind: "create",
    want: { triggers: `r${seed}-a`, enabled: true },
    faults: [],
    faultsPersist: false,
    refresh: false,
    taskListLagMs: 0,
    onUnknown: "wait",
    ...over,
  };
}

export const REGRESSIONS: readonly Regression[] = [
  {
    name: "R1 malformed read",
    finding:
      "one truncated ShowInstance answer (HTTP 200, JSON cut in half) fails the pass-through's create with " +
      "'... answered with a body that is not JSON ... Nothing was started.': reads are not retried on a malformed body, and the message did not say what to do " +
      "(found as seed 4; the message is fixed: '... usually passing: run `pulumi up` again'; since then the read is sent again too)",
    quick: true,
    plan: createPlan("R1", 4, {
      target: "passThrough",
      kill: { at: "none", how: "sigkill" },
      faults: [{ kind: "malformed", route: "showInstance", instanceId: INSTANCES.passThrough, times: 1 }],
      jobMs: { swap: 700, passThrough: 1_000 },
    }),
  },
  {
    name: "R2 task ID as jobId",
    finding:
      "a swap killed mid-wait is adopted by the next up while the tenant-wide task list answers malformed twice: the swap " +
      "follows the task by its own status and records the task ID as `jobId`; the DcsJob waiting on `swap.jobId` then fails every up with " +
      "DCS.4404 'The job 8abf6e1e... does not exist' (found as seed 28 of an earlier plan generator). Fixed: a task ID is never " +
      "recorded as a job ID, and a garbled tenant-wide list is read again",
    quick: true,
    plan: createPlan("R2", 28, {
      target: "swap",
      kill: { at: "mid-wait", how: "sigkill", afterMs: 800 },
      nextUpFaults: [{ kind: "malformed", route: "listCenterTasks", times: 2 }],
      jobMs: { swap: 4_000, passThrough: 1_000 },
    }),
  },
  {
    name: "R5 malformed settle read",
    finding:
      "one truncated ShowInstance answer to the swap's settle read after SUCCESS: the read is not retried, `masterNode` and `instanceStatus` " +
      "stay out of the outputs, and the next up has no diff to fill them (only a refresh does). Breaks the runner's instanceOutputs invariant, " +
      "not one of the issue's. Fixed: reads are sent again after a body that is not JSON or not of the expected shape",
    quick: true,
    plan: createPlan("R5", 3, {
      target: "swap",
      kill: { at: "none", how: "sigkill" },
      faults: [{ kind: "malformed", route: "showInstance", instanceId: INSTANCES.swap, times: 1 }],
      jobMs: { swap: 1_000, passThrough: 1_000 },
    }),
  },
  {
    name: "R3 swap queued behind itself under task-list lag",
    finding:
      "with a 4 s task-list lag, a create killed between the swap's start request and its answer: the next up's look misses the running task, " +
      "its start is refused busy (DCS.4026), the one busy look still misses it, and the resend after the first swap ended starts a second swap " +
      "(it swaps back) (found as seed 7 with --lag 4000; fixed: the client looks at the task list on every busy answer and right before each resend)",
    quick: true,
    plan: createPlan("R3", 7, {
      target: "swap",
      kill: { at: "in-start", how: "sigkill" },
      taskListLagMs: 4_000,
      jobMs: { swap: 4_000, passThrough: 1_000 },
    }),
  },
  {
    name: "R4 pass-through DCS.4300 under task-list lag",
    finding:
      "with a 4 s task-list lag, a create killed between the pass-through's start request and its answer: the next up's look misses the running " +
      "change, its start is refused with DCS.4300 'A client IP pass-through change is already being processed', and the up fails with " +
      "'Nothing was started.' and no advice (found as seed 2 with --lag 4000). Fixed: the table's `busyCodes` make DCS.4300 " +
      "a busy answer of the pass-through, so the running change is adopted once the task list shows it",
    quick: true,
    plan: createPlan("R4", 2, {
      target: "passThrough",
      kill: { at: "in-start", how: "sigkill" },
      taskListLagMs: 4_000,
      jobMs: { swap: 700, passThrough: 4_000 },
    }),
  },
];
