/**
 * Model-based tests of the job lifecycle: random sequences of user actions (up, refresh, triggers
 * changes, pass-through flips, a sibling swap added and removed) and of the world's misbehaviour (a
 * provider process killed mid-wait, a start call whose answer is lost, 5xx before or after the job
 * started, 429, an instance busy with someone else's operation, a job that FAILs, a job that expires,
 * task-list lag, time passing), run by fast-check against the real provider runtime, driven the way
 * the Pulumi engine drives it ({@link EngineModel}, test/support/engine-model.ts), talking HTTP to the
 * real emulator on 127.0.0.1 on a manual clock.
 *
 * The stack: `swap` (MasterStandbySwap on `ha`, `triggers`), sometimes `drill` (a second
 * MasterStandbySwap on `ha`, declared after `swap` and depending on it: swap there, swap back), and
 * `pass` (ClientIpPassThrough on `ha2`, `enabled`).
 *
 * Invariants, checked black-box after every command (emulator jobs, the engine model's state, `up`
 * results, log lines; never the runtime's internals):
 *  a. swap jobs our resources started on `ha` <= distinct `triggers` values asked per swap resource;
 *  b. pass-through jobs `pass` started <= the divergences between wanted and live it had to close;
 *  c. an `up` that reports success for a resource leaves none of its jobs INIT/RUNNING, and its outputs
 *     name the latest job started for it (never a job started for another resource);
 *  d. every FAIL of a job our resources started reaches the user in some failed `up`'s errors;
 *  e. at the end (faults cleared, 20 min later) a triggers change and at most two `up`s give a
 *     successful `up` with exactly one new swap job;
 *  f. the emulator's secret key appears in no output, state, error or log line.
 *
 * Run parameters (drawn per run): the initial `enabled` and whether `drill` is declared, a `waitTimeout`
 * shorter than the job for `swap` (5 s < 6 s) and for `pass` (10 s < 20 s), so that waits end in partial
 * failures and the next `up` resumes, and the emulator's task-list lag (it is an emulator start option,
 * so "task list lag" is a property of a run rather than a command).
 *
 * Time: the emulator, the runtime's `now`, the waiter's sleeps, the client's retry sleeps (mocked
 * `retry-policy.sleep`) and `Date` (vitest fakes only `Date`) all run on one emulated clock; waits cost
 * no real time and every status is exact. Backoff jitter is fixed (`Math.random` = 0.5).
 *
 * Reproduce: `FC_SEED=<seed> [FC_PATH=<path>] [FC_REPLAY_PATH=<replayPath>] npx vitest run test/lifecycle.model.test.ts`
 * (the seed is printed and in the test name; on failure fast-check prints `{ seed, path }` and the shrunk
 * commands with their `replayPath="..."`). The seed alone replays the whole search; seed + path +
 * replayPath (fast-check's commands need both) replays just the shrunk counterexample.
 * To explore one defect at a time: `LIFECYCLE_INVARIANTS=cd` (check only these),
 * `LIFECYCLE_PARAMS='{"drill":false}'` (pin run parameters), `LIFECYCLE_SKIP_COMMANDS=ToggleSibling`
 * (leave commands out), `LIFECYCLE_DEBUG=1` (print each run's trace), `FC_MAX_COMMANDS=n`.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TASK_SKEW_MS } from "../provider/tasks";
import { DcsWorld, IDS, ownerKey, type SeenJob } from "./support/dcs-world";
import type { DesiredResource, OperationResult } from "./support/engine-model";

/**
 * The client's retry sleeps (backoff, `Retry-After`, busy waits) advance the emulated clock of the
 * current world instead of sleeping: the client keeps its real retry policy, compressed in time.
 */
const clientTime = vi.hoisted(() => ({ world: undefined as undefined | { clientSleep(ms: number, signal?: AbortSignal): Promise<void> } }));
vi.mock("../provider/retry-policy", async (importOriginal) => {
  const original = await importOriginal<typeof import("../provider/retry-policy")>();
  return {
    ...original,
    sleep: (ms: number, signal?: AbortSignal) => (clientTime.world ? clientTime.world.clientSleep(ms, signal) : original.sleep(ms, signal)),
  };
});

const SEED = process.env.FC_SEED !== undefined && process.env.FC_SEED !== "" ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 0x7fffffff);
const RUNS = Number(process.env.FC_RUNS || 200);
/** The seed of the c, d, e test in npm test (without FC_SEED or LIFECYCLE_FULL). */
const CDE_SEED = 1;
const PATH = process.env.FC_PATH || undefined;
/** The `replayPath="..."` fast-check prints after the commands (needed, with FC_PATH, to replay one counterexample). */
const REPLAY = process.env.FC_REPLAY_PATH || undefined;
/**
 * The invariants checked. The gating test checks a, b and f (never more jobs than asked, the
 * pass-through bound, no secret anywhere): they hold for every seed tried. c, d and e (never forgotten,
 * every FAIL reported, no wedge) accept exactly the documented limits (docs/resources.md, "Limits of
 * adoption": a sibling's or someone's job adopted inside adoptWithin or by the busy rule; a killed run's
 * job hidden by a task list that lags more than the job runs, or begun outside adoptWithin; a failed
 * task passed over and tried again; an expired job's lost fail_reason) and hold for seeds 1-100 (200
 * runs each); they run in the second test, on a fixed seed in npm test (random with LIFECYCLE_FULL=1).
 */
let ONLY = new Set<string>();
const GATING = process.env.LIFECYCLE_INVARIANTS || "abf";
const MAX_COMMANDS = Number(process.env.FC_MAX_COMMANDS || 18);
/** Emulated start of every run (fixed: a run is a function of its commands). */
const START_MS = Date.UTC(2030, 0, 7, 9, 0, 0);
const MIN = 60_000;

const SWAP_TYPE = "masterStandbySwapJob";
const PASS_TYPE = "modifyClientIpTransJob";

// ---- the system under test ----------------------------------------------------------------------

interface RunParams {
  /** `enabled` of `pass` at the start (`ha2` has pass-through on). */
  wantPass: boolean;
  /** `drill` declared at the start. */
  drill: boolean;
  /** `waitTimeout` of `pass`: default (30 min) or shorter than its 20 s job (partial failures). */
  passWaitTimeout: string | undefined;
  /** `waitTimeout` of `swap` (not of `drill`): default or shorter than its 6 s job (partial failures). */
  swapWaitTimeout?: string | undefined;
  /** The emulator's task-list lag (0: none). */
  taskListLagMs: number;
}

class Violation extends Error {
  override name = "Violation";
}

/** The stack, the world, and the bookkeeping the invariants need. */
class Sys {
  readonly trig = { swap: 1, drill: 1 };
  drill: boolean;
  wantPass: boolean;
  /** Times the wanted pass-through value changed. */
  flips = 0;
  /** Distinct triggers values asked, per swap resource incarnation (`name#n`). */
  readonly asked = new Map<string, Set<string>>();
  readonly ups: Array<{ result: OperationResult; startedAt: number; endedAt: number; declared: string[] }> = [];
  /** Per resource incarnation: the highest job `seq` when it last succeeded. */
  readonly lastSuccessSeq = new Map<string, number>();
  /** Per swap incarnation: the job each successful triggers value was reported with. */
  readonly reportedFor = new Map<string, Map<string, string>>();
  readonly trace: string[] = [];
  /** Every job ID some resource's stored outputs named (its `jobId`, or its record's pending or ended job). */
  readonly recorded = new Set<string>();
  /** Jobs a state resource recorded as adopted (`ended.origin` or `pending.origin` "adopted"). */
  readonly adoptedByState = new Set<string>();
  private failSerial = 0;
  /** Swap jobs adopted by a logged adoption, with the start of the up that adopted them. */
  readonly adoptedInUp = new Map<string, number>();
  /** Log lines already scanned for adoptions. */
  private scannedLines = 0;
  /** Kills armed so far (the documented task-list-lag limit of check a). */
  kills = 0;
  /** The end-of-run check (e) runs with the default wait timeouts: a healthy world, normal settings. */
  defaultTimeouts = false;

  constructor(
    readonly world: DcsWorld,
    readonly params: RunParams,
  ) {
    this.drill = params.drill;
    this.wantPass = params.wantPass;
  }

  key(name: string): string {
    return `${name}#${this.world.incarnation.get(name) ?? 1}`;
  }

  desired(): DesiredResource[] {
    const w = this.world;
    return [
      {
        name: "swap",
        type: "dcs:MasterStandbySwap",
        provider: w.swap,
        inputs: {
          instanceId: IDS.ha,
          triggers: [`s${this.trig.swap}`],
          // A short wait, but the usual adoption window (it defaults to the wait timeout).
          ...(this.params.swapWaitTimeout && !this.defaultTimeouts ? { waitTimeout: this.params.swapWaitTimeout, adoptWithin: "30m" } : {}),
        },
      },
      ...(this.drill
        ? [{ name: "drill", type: "dcs:MasterStandbySwap", provider: w.swap, inputs: { instanceId: IDS.ha, triggers: [`d${this.trig.drill}`] }, dependsOn: ["swap"] }]
        : []),
      {
        name: "pass",
        type: "dcs:ClientIpPassThrough",
        provider: w.passThrough,
        inputs: { instanceId: IDS.ha2, enabled: this.wantPass, ...(this.params.passWaitTimeout && !this.defaultTimeouts ? { waitTimeout: this.params.passWaitTimeout } : {}) },
      },
    ];
  }

  nextFailReason(what: string): string {
    return `${what} failed on purpose #${++this.failSerial}`;
  }

  async up(): Promise<OperationResult> {
    const desired = this.desired();
    for (const d of desired) {
      if (d.provider !== this.world.swap) continue;
      const k = this.key(d.name);
      if (!this.asked.has(k)) this.asked.set(k, new Set());
      this.asked.get(k)!.add(stableJson(d.inputs.triggers));
    }
    const declared = desired.map((d) => this.key(d.name));
    const startedAt = this.world.clock.now();
    const result = await this.world.model.up(desired);
    this.world.disarmKill();
    await this.world.observe({ kind: "unknown" });
    this.ups.push({ result, startedAt, endedAt: this.world.clock.now(), declared });
    for (const r of this.world.model.resources) {
      const o = r.outputs as { jobId?: unknown; pending?: { jobId?: unknown }; ended?: { jobId?: unknown } };
      for (const id of [o.jobId, o.pending?.jobId, o.ended?.jobId]) if (typeof id === "string") this.recorded.add(id);
      const rec = o as { pending?: { jobId?: unknown; origin?: unknown }; ended?: { jobId?: unknown; origin?: unknown } };
      for (const x of [rec.pending, rec.ended]) if (x?.origin === "adopted" && typeof x.jobId === "string") this.adoptedByState.add(x.jobId);
    }
    for (const l of this.world.lines.slice(this.scannedLines)) {
      // Adopted by the adoption look, or by the busy rule (a running swap is waited for, never queued behind).
      const m = /adopting masterStandbySwapJob task \S+ \(job (\w+)\)/.exec(l) ?? /the instance is busy with masterStandbySwapJob task \S+ \(job (\w+)\)/.exec(l);
      if (m && !this.adoptedInUp.has(m[1]!)) this.adoptedInUp.set(m[1]!, startedAt);
    }
    this.scannedLines = this.world.lines.length;
    // Adoption by the pass-through is also visible in the log (a partial state may never be stored).
    for (const l of this.world.lines) {
      const m = /ClientIpPassThrough .*adopting modifyClientIpTransJob task \S+ \(job (\w+)\)/.exec(l);
      if (m) this.adoptedByState.add(m[1]!);
    }
    const v = this.checkAfterUp(result, declared);
    // A resource the engine deleted is gone: declaring it again makes a new one.
    for (const s of result.steps) if (s.op === "delete" && s.ok) this.world.incarnation.set(s.name, (this.world.incarnation.get(s.name) ?? 1) + 1);
    this.trace.push(`  -> ${describeUp(result)}`);
    if (v.length) throw new Violation(v.join("\n"));
    return result;
  }

  // ---- invariants -------------------------------------------------------------------------------

  /** a, b, f: after every command. */
  checkAlways(): string[] {
    const v: string[] = [];
    const w = this.world;
    if (ONLY.has("a")) {
      const ours = w.list((j) => isOurs(j, ["swap", "drill"]) && j.jobType === SWAP_TYPE && j.instanceId === IDS.ha);
      const bound = [...this.asked.values()].reduce((n, s) => n + s.size, 0);
      // Documented limit (docs/resources.md, "Limits"): a task list that shows a task later than the job
      // takes to run hides an interrupted run's job from the next run, which then cannot adopt it. Only
      // with such a lag (90 s here, against a 6 s swap) after a kill is one extra job not a defect.
      const hiddenByLag = this.params.taskListLagMs > 6_000 && this.kills > 0 ? this.kills : 0;
      // Documented too (adoptWithin: "how far back the task list is searched"): a killed run's job, which no
      // state recorded, that began 30 min (the window here) or more before the next up is not looked for.
      const outsideWindow = ours.filter((j) => {
        if (this.recorded.has(j.jobId)) return false;
        const next = this.ups.find((u) => u.startedAt > j.beginMs);
        return next !== undefined && next.startedAt - j.beginMs >= 30 * MIN - TASK_SKEW_MS;
      }).length;
      // A killed run's job that FAILed, which no state recorded, did not swap: the next run, which cannot
      // know it was its own, passes over the failed task (logged; (d) checks it) and makes the attempt again.
      const failedUnrecorded = ours.filter((j) => j.status === "FAIL" && !this.recorded.has(j.jobId)).length;
      if (ours.length > bound + hiddenByLag + outsideWindow + failedUnrecorded) {
        v.push(
          `(a) ${ours.length} swap jobs were started on ha by the stack's swaps (${ours.map(fmtJob).join(", ")}), ` +
            `but only ${bound} were asked for (${[...this.asked].map(([k, s]) => `${k}: ${[...s].join(" ")}`).join("; ")})`,
        );
      }
    }
    if (ONLY.has("b")) {
      // A pass-through job is justified only by a divergence between the wanted and the live value that
      // it has to close. Divergences can open (i) at create, (ii) each time the wanted value changes,
      // (iii) each time someone else's pass-through job succeeds (live changes under us), and a job of
      // ours that FAILed leaves its divergence open, so (iv) each such FAIL allows one more attempt. A
      // job of ours that succeeds closes a divergence; it reopens one only if the wanted value changed
      // while it ran, and that change is already counted in (ii). Counting every change in (ii), even
      // one that made wanted equal live, keeps the bound an over-estimate (conservative).
      const ours = w.list((j) => isOurs(j, ["pass"]) && j.jobType === PASS_TYPE);
      const sideSucceeded = w.list((j) => j.owner.kind !== "resource" && j.jobType === PASS_TYPE && j.instanceId === IDS.ha2 && j.status === "SUCCESS");
      const oursFailed = ours.filter((j) => j.status === "FAIL");
      const bound = 1 + this.flips + sideSucceeded.length + oursFailed.length;
      if (ours.length > bound) {
        v.push(
          `(b) ${ours.length} pass-through jobs were started by pass (${ours.map(fmtJob).join(", ")}), more than 1 + ${this.flips} wanted changes ` +
            `+ ${sideSucceeded.length} changes by others + ${oursFailed.length} failed attempts = ${bound}`,
        );
      }
    }
    if (ONLY.has("f")) {
      const secret = w.emu.secretKey;
      const where: Array<[string, string]> = [
        ["state", JSON.stringify(w.model.resources.map((r) => ({ id: r.id, inputs: r.inputs, outputs: r.outputs, initErrors: r.initErrors })))],
        ["errors", JSON.stringify(this.ups.flatMap((u) => u.result.errors))],
        ["refresh errors", JSON.stringify(w.model.history.flatMap((h) => h.errors))],
        ["log", w.lines.join("\n")],
      ];
      for (const [name, text] of where) if (text.includes(secret)) v.push(`(f) the emulator's secret key appears in the ${name}`);
    }
    return v;
  }

  /** c: after every up, for each resource it reports success for. */
  private checkAfterUp(result: OperationResult, declared: string[]): string[] {
    const v: string[] = [];
    const w = this.world;
    const maxSeq = Math.max(-1, ...w.list().map((j) => j.seq));
    for (const s of result.steps) {
      if (!s.ok || s.op === "delete" || s.op === "skipped" || s.op === "refresh") continue;
      const key = declared.find((k) => k.startsWith(`${s.name}#`))!;
      if (ONLY.has("c")) {
        const state = w.model.get(s.name);
        // Documented limit (docs/resources.md): a task list that lags more than a job takes hides a killed
        // run's job from the next run's looks; an up inside that lag cannot see it (check (a) allows the same).
        const upStart = this.ups.at(-1)?.startedAt ?? w.clock.now();
        const hidden = (j: SeenJob) => !this.recorded.has(j.jobId) && this.params.taskListLagMs > 0 && upStart - j.beginMs < this.params.taskListLagMs;
        const mine = w.list((j) => j.owner.kind === "resource" && ownerKey(j.owner) === key && !hidden(j));
        for (const j of mine) {
          if (j.status === "INIT" || j.status === "RUNNING") v.push(`(c) up reported ${s.op} of ${s.name} OK while its job ${fmtJob(j)} is still ${j.status}`);
        }
        // The latest job started for it since it last succeeded.
        const since = mine.filter((j) => j.seq > (this.lastSuccessSeq.get(key) ?? -1));
        const latest = since.at(-1);
        const outJobId = typeof state?.outputs.jobId === "string" ? state.outputs.jobId : undefined;
        const outJob = outJobId !== undefined ? w.jobs.get(outJobId) : undefined;
        if (latest) {
          if (outJobId === undefined) {
            // Tolerated: a FAILed job is history (invariant d checks it reached the user), and a
            // pass-through whose last operation found the value already set names no job once the job
            // that set it has succeeded.
            const tolerated = latest.status === "FAIL" || (s.name === "pass" && latest.status === "SUCCESS");
            if (!tolerated) v.push(`(c) ${s.name} ${s.op} OK, but its outputs name no job; the latest job started for it is ${fmtJob(latest)}`);
          } else if (outJobId !== latest.jobId) {
            // Adopting someone else's job that began after ours is the adoption rule, not forgetting.
            const laterOther = outJob !== undefined && outJob.owner.kind !== "resource" && outJob.seq > latest.seq;
            // A pass-through whose latest job (a killed run's, no state recorded it) succeeded before an up
            // found the value already as wanted: that up ran no job, so the outputs keep naming the last
            // one it saw. The job is not lost: it did what is wanted, as the same tolerance above says.
            const passSetIt = s.name === "pass" && latest.status === "SUCCESS" && state?.outputs.enabled === state?.inputs.enabled;
            // The documented sibling case, twice over: its latest job was adopted by a sibling (which could
            // not tell it from a killed run's), and it adopted another finished one in its window itself.
            const siblingChain = this.adoptedInUp.has(latest.jobId) && outJob !== undefined && documentedAdoption(w, outJob, this.adoptedInUp.get(outJob.jobId));
            // A FAILed job is history here too: whether it reached the user is (d)'s check.
            const failedHistory = latest.status === "FAIL";
            if (!laterOther && !passSetIt && !siblingChain && !failedHistory) v.push(`(c) ${s.name} ${s.op} OK with outputs.jobId ${outJob ? fmtJob(outJob) : outJobId}, but the latest job started for it is ${fmtJob(latest)}`);
          }
        }
        if (outJobId !== undefined) {
          if (!outJob) v.push(`(c) ${s.name} outputs.jobId ${outJobId} is no job the emulator started`);
          else {
            if (outJob.owner.kind === "resource" && ownerKey(outJob.owner) !== key && !documentedAdoption(w, outJob, this.adoptedInUp.get(outJob.jobId))) {
              v.push(`(c) ${s.name} ${s.op} OK with outputs.jobId ${fmtJob(outJob)}, a job started for ${ownerKey(outJob.owner)}`);
            }
            // A job that can no longer be read (expired) may honestly be recorded as gone or unknown.
            const honest = state!.outputs.status === outJob.status || (outJob.expired === true && ["GONE", "UNKNOWN"].includes(String(state!.outputs.status)));
            if (!honest) v.push(`(c) ${s.name} outputs say job ${outJobId} is ${String(state!.outputs.status)}; the emulator says ${outJob.status}`);
          }
          // A new triggers value is a new switchover: the job already reported for another value is not it.
          if (s.name !== "pass" && state) {
            const value = stableJson(state.inputs.triggers);
            const seen = this.reportedFor.get(key) ?? new Map<string, string>();
            this.reportedFor.set(key, seen);
            const other = [...seen].find(([val, job]) => job === outJobId && val !== value);
            if (other) v.push(`(c) ${s.name} reports triggers ${value} done with job ${outJob ? fmtJob(outJob) : outJobId}, the job it already reported for triggers ${other[0]}`);
            if (!seen.has(value)) seen.set(value, outJobId);
          }
        }
      }
      this.lastSuccessSeq.set(key, maxSeq);
    }
    return v;
  }

  /** d: at the end of a run. */
  checkFailsReported(): string[] {
    if (!ONLY.has("d")) return [];
    const v: string[] = [];
    for (const j of this.world.list((x) => x.owner.kind === "resource" && x.status === "FAIL")) {
      const key = ownerKey(j.owner);
      const name = key.split("#")[0]!;
      if (j.failReason === undefined) continue; // not one of ours (no failJob fault matched it)
      // The FAIL is owed to the user once an up has looked at the resource after the job ended, while
      // the job could still be read (the fail_reason is only in ShowJobInfo, gone once it expires).
      const looked = this.ups.some(
        (u) =>
          u.declared.includes(key) &&
          u.result.steps.some((st) => st.name === name && st.op !== "skipped") &&
          u.endedAt >= (j.failSeenAt ?? Infinity) &&
          (j.expiredAt === undefined || u.startedAt < j.expiredAt),
      );
      if (!looked) continue;
      // Owed only for a job that some state recorded: a killed create's job is in no state, so the next
      // create cannot know it was its own; by the documented rule it passes over a failed task (logged)
      // and makes a new attempt.
      if (!this.recorded.has(j.jobId)) {
        // ...but an up that could see it (inside its 30 min look window) must name it with its FAIL in the log.
        // (An up whose step of the resource ran, after the task list could show it, well inside the look window.)
        const couldSee = this.ups.some(
          (u) =>
            u.declared.includes(key) &&
            u.result.steps.some((st) => st.name === name && st.op !== "same" && st.op !== "skipped") &&
            // (Strictly after: the up that started it begins at the same emulated instant.)
            u.startedAt > j.beginMs + this.params.taskListLagMs &&
            u.startedAt - j.beginMs < 25 * MIN,
        );
        const named = this.world.lines.some((l) => (l.includes(j.jobId) || (j.taskId !== undefined && l.includes(j.taskId))) && l.includes("FAIL"));
        if (couldSee && !named) {
          const which = this.ups.filter((u) => u.declared.includes(key)).map((u) => `${Math.round((u.startedAt - j.beginMs) / 1000)}s:${u.result.steps.filter((st) => st.name === name).map((st) => st.op).join("/")}`);
          v.push(`(d) job ${fmtJob(j)} of ${key} FAILed, was in no state, and no up that could see it logged its FAIL (ups, start after the job began: ${which.join(", ")})`);
        }
        continue;
      }
      // A state kind that adopted a running change cannot know it was its own (an interrupted run's):
      // by the documented rule it logs that change's FAIL and brings the value to the wanted one itself.
      if (name === "pass" && this.adoptedByState.has(j.jobId) && this.world.lines.some((l) => l.includes(j.jobId) && l.includes("FAIL"))) continue;
      // A job that expired before any step of its resource read it after its end has no fail_reason left
      // to read (only ShowJobInfo has it): reporting the FAIL by job ID, with the task list's status, is
      // all anyone can do. (The up that "looked" may have ended after the FAIL while the resource's own
      // step had given up on the wait before it.)
      const reportedExpired = (e: string) => j.expired === true && e.includes(j.jobId) && (e.includes("ended in FAIL") || e.includes("can no longer be read"));
      const reported = this.ups.some((u) => u.endedAt >= j.beginMs && u.result.errors.some((e) => e.includes(j.failReason!) || reportedExpired(e)));
      if (!reported) {
        const logged = this.world.lines.some((l) => l.includes(j.failReason!));
        v.push(`(d) job ${fmtJob(j)} of ${key} FAILed ("${j.failReason}") but no up failed with that reason${logged ? " (it is only in the log)" : ""}`);
      }
    }
    return v;
  }

  /** e: at the end of a run. */
  async checkNoWedge(): Promise<string[]> {
    if (!ONLY.has("e")) return [];
    const w = this.world;
    w.emu.clearFaults();
    w.disarmKill();
    w.clock.advance(20 * MIN);
    this.trig.swap++;
    const shortened = !!(this.params.swapWaitTimeout || this.params.passWaitTimeout);
    this.defaultTimeouts = true;
    this.trace.push(`[e] faults cleared, +20 min, swap triggers -> s${this.trig.swap}${shortened ? ", default wait timeouts" : ""}`);
    const key = this.key("swap");
    const before = w.list((j) => isOurs(j, ["swap"]) && ownerKey(j.owner) === key).length;
    let last: OperationResult | undefined;
    // Two ups, and one more for each up that failed with news: the first report of a FAIL (owed by (d))
    // is progress, not a wedge; the same failure twice in a row is.
    const said = new Set<string>();
    let extraSwaps = 0;
    for (let i = 0, budget = 2; i < budget && i < 5; i++) {
      this.trace.push(`[e] up #${i + 1}`);
      last = await this.up();
      if (last.ok) break;
      const news = last.errors.filter((e) => !said.has(e));
      for (const e of last.errors) said.add(e);
      if (i > 0 && news.length > 0 && news.some((e) => / ended in FAIL: /.test(e))) budget++;
      // Advice followed as a user would: "which one it started cannot be told ... change `triggers` to start
      // a new one regardless" (a lost answer and two candidate tasks): new triggers for the swaps that failed.
      if (last.errors.some((e) => e.includes("cannot be told") && e.includes("change `triggers`"))) {
        for (const st of last.steps) {
          if (!st.ok && (st.name === "swap" || st.name === "drill") && st.op !== "skipped") {
            const name: "swap" | "drill" = st.name;
            this.trig[name]++;
            if (name === "swap") extraSwaps++;
            this.trace.push(`[e] told to change triggers: ${name} triggers -> ${name === "swap" ? "s" : "d"}${this.trig[name]}`);
          }
        }
        budget++;
      }
    }
    const made = w.list((j) => isOurs(j, ["swap"]) && ownerKey(j.owner) === key).length - before;
    if (!last!.ok) return [`(e) wedged: faults cleared, 20 min later, a triggers change and the ups after it still fail: ${last!.errors.map(short).join(" | ")}`];
    // No new job is right only when the documented rule adopted a finished one (see documentedAdoption).
    const outJob = w.jobs.get(String(w.model.get("swap")?.outputs.jobId ?? ""));
    // ...and only a job this resource has not already reported (for other triggers): an earlier killed
    // create's own job, which no state remembers, counts; keeping a reported job is check (c)'s business.
    const reported = [...(this.reportedFor.get(key)?.values() ?? [])];
    const adopted = made === 0 && outJob !== undefined && !reported.slice(0, -1).includes(outJob.jobId) && documentedAdoption(w, outJob, this.adoptedInUp.get(outJob.jobId));
    if (made !== 1 + extraSwaps && !adopted) return [`(e) after the triggers change the swap resource started ${made} swap jobs (want exactly ${1 + extraSwaps})`];
    return [];
  }
}

/** JSON with sorted keys (two triggers values are the same when this is). */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]])) : x,
  );
}

/**
 * The documented adoption rule (docs/resources.md, "The lifecycle"): an action resource's create or
 * update adopts a job of its kind that is running or already SUCCEEDED inside `adoptWithin` (30 min here),
 * created after its own previous job, that no resource of this provider process has claimed yet, instead
 * of running another (after a killed run, running it again would undo it); a busy answer adopts the
 * running one too. A provider cannot tell that job from a sibling's whose state it has not seen yet in
 * this process, or from someone else's: the cost the docs state. The oracle accepts exactly that: the
 * adoption is logged, and the job began inside the window before the adopting up.
 */
function documentedAdoption(w: DcsWorld, j: SeenJob, adoptingUpStartedAt: number | undefined): boolean {
  // Inside the window of the up that adopted it (later ups keep reporting it: that is not a new adoption).
  // A FAIL is possible only for one adopted while it ran (a failed task is never adopted): a sibling's
  // running swap, taken for a killed run's, whose FAIL that resource then reports as its own.
  return adoptingUpStartedAt !== undefined && j.jobType === SWAP_TYPE && (j.status === "SUCCESS" || j.status === "FAIL") && j.beginMs >= adoptingUpStartedAt - 30 * MIN;
}

function isOurs(j: SeenJob, names: string[]): boolean {
  return j.owner.kind === "resource" && names.includes(j.owner.name);
}

function fmtJob(j: SeenJob): string {
  return `${j.jobId.slice(0, 12)}… [${j.jobType === SWAP_TYPE ? "swap" : "pass"} ${j.status}${j.expired ? " expired" : ""}, by ${ownerKey(j.owner)}]`;
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 220 ? one.slice(0, 217) + "..." : one;
}

function describeUp(r: OperationResult): string {
  const steps = r.steps.map((s) => `${s.name}:${s.op}${s.ok ? "" : s.partial ? "(partial)" : s.killed ? "(killed)" : "(failed)"}`).join(" ");
  return `${r.killed ? "KILLED " : r.ok ? "ok " : "FAILED "}${steps}${r.errors.length ? ` — ${r.errors.map(short).join(" | ")}` : ""}`;
}

// ---- commands -----------------------------------------------------------------------------------

interface Model {
  drill: boolean;
}

abstract class Cmd implements fc.AsyncCommand<Model, Sys> {
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  abstract label(): string;
  abstract act(s: Sys, m: Model): Promise<void>;
  async run(m: Model, s: Sys): Promise<void> {
    s.trace.push(this.label());
    const t0 = performance.now();
    await this.act(s, m);
    if (process.env.LIFECYCLE_DEBUG) process.stderr.write(`  ${this.label()} ${Math.round(performance.now() - t0)} ms ${s.trace.at(-1)}\n`);
    await s.world.observe({ kind: "unknown" });
    const v = s.checkAlways();
    if (v.length) throw new Violation(v.join("\n"));
  }
  toString(): string {
    return this.label();
  }
}

class Up extends Cmd {
  label() {
    return "up";
  }
  async act(s: Sys) {
    await s.up();
  }
}

class ChangeTriggers extends Cmd {
  constructor(readonly target: "swap" | "drill") {
    super();
  }
  override check(m: Readonly<Model>) {
    return this.target === "swap" || m.drill;
  }
  label() {
    return `changeTriggers(${this.target})`;
  }
  async act(s: Sys) {
    s.trig[this.target]++;
  }
}

class FlipPass extends Cmd {
  label() {
    return "flipWantedPassThrough";
  }
  async act(s: Sys) {
    s.wantPass = !s.wantPass;
    s.flips++;
  }
}

class Refresh extends Cmd {
  label() {
    return "refresh";
  }
  async act(s: Sys) {
    const r = await s.world.model.refresh();
    s.trace.push(`  -> ${r.ok ? "ok" : `FAILED — ${r.errors.map(short).join(" | ")}`}`);
  }
}

class ToggleSibling extends Cmd {
  label() {
    return "toggleSibling";
  }
  async act(s: Sys, m: Model) {
    s.drill = !s.drill;
    m.drill = s.drill;
    s.trace.push(`  (drill ${s.drill ? "added" : "removed"})`);
  }
}

class KillNextUp extends Cmd {
  constructor(readonly atSleep: number) {
    super();
  }
  label() {
    return `killNextUpAtSleep(${this.atSleep})`;
  }
  async act(s: Sys) {
    s.kills++;
    s.world.armKill(this.atSleep);
  }
}

type StartRoute = "swap" | "clientIp";
const instanceOf = (route: StartRoute) => (route === "swap" ? IDS.ha : IDS.ha2);

class LostAnswer extends Cmd {
  constructor(readonly route: StartRoute) {
    super();
  }
  label() {
    return `lostAnswerOnStart(${this.route})`;
  }
  async act(s: Sys) {
    s.world.inject({ route: this.route, kind: "drop", when: "after", instanceId: instanceOf(this.route) });
  }
}

class ServerErrorOnStart extends Cmd {
  constructor(
    readonly route: StartRoute,
    readonly when: "before" | "after",
    readonly status: 500 | 502 | 503,
  ) {
    super();
  }
  label() {
    return `serverErrorOnStart(${this.route}, ${this.status}, ${this.when})`;
  }
  async act(s: Sys) {
    s.world.inject({ route: this.route, kind: "serverError", status: this.status, when: this.when, instanceId: instanceOf(this.route) });
  }
}

class ThrottleOnStart extends Cmd {
  constructor(
    readonly route: StartRoute,
    readonly times: number,
    readonly retryAfterSec: number,
  ) {
    super();
  }
  label() {
    return `throttleOnStart(${this.route}, x${this.times}, Retry-After ${this.retryAfterSec} s)`;
  }
  async act(s: Sys) {
    s.world.inject({ route: this.route, kind: "throttle", retryAfterSec: this.retryAfterSec, times: this.times, instanceId: instanceOf(this.route) });
  }
}

class BusyOnStart extends Cmd {
  constructor(
    readonly instance: "ha" | "ha2",
    readonly kind: StartRoute,
  ) {
    super();
  }
  label() {
    return `sideClientStarts(${this.kind} on ${this.instance})`;
  }
  async act(s: Sys) {
    const outcome = await s.world.sideStart(IDS[this.instance], this.kind);
    s.trace.push(`  -> side ${outcome}`);
  }
}

class FailNextJob extends Cmd {
  constructor(readonly route: StartRoute) {
    super();
  }
  label() {
    return `nextJobFails(${this.route})`;
  }
  async act(s: Sys) {
    s.world.armFail(this.route, instanceOf(this.route), s.nextFailReason(this.route === "swap" ? "switchover" : "pass-through change"));
  }
}

class ExpireJob extends Cmd {
  constructor(readonly pick: number) {
    super();
  }
  label() {
    return `expireEndedJob(#${this.pick})`;
  }
  async act(s: Sys) {
    // Jobs are kept for a while after they end, then read 404 (the vendor does not keep them forever).
    const ended = s.world.list((j) => (j.status === "SUCCESS" || j.status === "FAIL") && !j.expired);
    if (!ended.length || !s.world.canExpire) return;
    const j = ended[this.pick % ended.length]!;
    s.world.expire(j.jobId);
    s.trace.push(`  (expired ${fmtJob(j)})`);
  }
}

class Advance extends Cmd {
  constructor(readonly ms: number) {
    super();
  }
  label() {
    return `advance(${Math.round(this.ms / 1000)} s)`;
  }
  async act(s: Sys) {
    s.world.clock.advance(this.ms);
  }
}

const route = fc.constantFrom<StartRoute>("swap", "clientIp");
const up = fc.constant(new Up());
/** `LIFECYCLE_SKIP_COMMANDS=ToggleSibling,ExpireJob` leaves commands out (to explore one defect at a time). */
const SKIP = new Set((process.env.LIFECYCLE_SKIP_COMMANDS || "").split(",").filter(Boolean));
const allCommandArbs: Array<[string, fc.Arbitrary<fc.AsyncCommand<Model, Sys>>]> = [
  ["Up", up],
  ["Up", up],
  ["Up", up],
  ["Up", up],
  ["ChangeTriggers", fc.constantFrom<"swap" | "drill">("swap", "drill").map((t) => new ChangeTriggers(t))],
  ["FlipPass", fc.constant(new FlipPass())],
  ["Refresh", fc.constant(new Refresh())],
  ["ToggleSibling", fc.constant(new ToggleSibling())],
  ["KillNextUp", fc.integer({ min: 1, max: 24 }).map((k) => new KillNextUp(k))],
  ["LostAnswer", route.map((r) => new LostAnswer(r))],
  [
    "ServerErrorOnStart",
    fc.tuple(route, fc.constantFrom<"before" | "after">("before", "after"), fc.constantFrom<500 | 502 | 503>(500, 502, 503)).map(([r, w, st]) => new ServerErrorOnStart(r, w, st)),
  ],
  ["ThrottleOnStart", fc.tuple(route, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 30 })).map(([r, n, after]) => new ThrottleOnStart(r, n, after))],
  ["BusyOnStart", fc.tuple(fc.constantFrom<"ha" | "ha2">("ha", "ha2"), route).map(([i, k]) => new BusyOnStart(i, k))],
  ["FailNextJob", route.map((r) => new FailNextJob(r))],
  ["ExpireJob", fc.nat({ max: 50 }).map((n) => new ExpireJob(n))],
  ["Advance", fc.integer({ min: 1_000, max: 20 * MIN }).map((ms) => new Advance(ms))],
];
const commandArbs = allCommandArbs.filter(([name]) => !SKIP.has(name)).map(([, a]) => a);

/** `LIFECYCLE_PARAMS='{"drill":false}'` pins run parameters (to explore one defect at a time). */
const PINNED = JSON.parse(process.env.LIFECYCLE_PARAMS || "{}") as Partial<RunParams>;
const paramsArb: fc.Arbitrary<RunParams> = fc
  .record({
    wantPass: fc.boolean(),
    drill: fc.boolean(),
    passWaitTimeout: fc.constantFrom<string | undefined>(undefined, "10s"),
    swapWaitTimeout: fc.constantFrom<string | undefined>(undefined, "5s"),
    taskListLagMs: fc.constantFrom(0, 0, 5_000, 90_000),
  })
  .map((p) => ({ ...p, ...PINNED }));

// ---- the run ------------------------------------------------------------------------------------

/** One run: a fresh emulator and stack, the commands, then the end-of-run invariants. */
async function runOnce(params: RunParams, cmds: Iterable<fc.AsyncCommand<Model, Sys>>): Promise<void> {
  const world = await DcsWorld.start({ startMs: START_MS, onTimeChange: (t) => vi.setSystemTime(t), taskListLagMs: params.taskListLagMs });
  const sys = new Sys(world, params);
  clientTime.world = world;
  try {
    await fc.asyncModelRun(() => ({ model: { drill: params.drill }, real: sys }), cmds);
    const end = [...(await sys.checkNoWedge()), ...sys.checkFailsReported(), ...sys.checkAlways()];
    if (process.env.LIFECYCLE_DEBUG) console.log(`run ${JSON.stringify(params)}\n${sys.trace.join("\n")}`);
    if (end.length) throw new Violation(end.join("\n"));
  } catch (e) {
    if (e instanceof Violation) {
      const tail = world.lines.slice(-12).map((l) => `    ${short(l)}`);
      e.message =
        `${e.message}\n  params: ${JSON.stringify(params)}\n  trace:\n${sys.trace.map((t) => `    ${t}`).join("\n")}\n` +
        `  jobs: ${world.list().map(fmtJob).join(", ") || "none"}\n  last log lines:\n${tail.join("\n")}`;
    }
    throw e;
  } finally {
    clientTime.world = undefined;
    await world.stop();
  }
}

beforeAll(() => {
  // `Date` follows the emulated clock (the client's windows, the signer, the gateway's skew check);
  // timers stay real.
  vi.useFakeTimers({ toFake: ["Date"] });
  // Jitter in the client's backoff: fixed, so a run is a function of its commands.
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterAll(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("lifecycle (engine model + runtime + emulator)", () => {
  it("harness: one up creates the stack with one job per resource, all waited for; the next up is all sames", async () => {
    const world = await DcsWorld.start({ startMs: START_MS, onTimeChange: (t) => vi.setSystemTime(t) });
    clientTime.world = world;
    try {
      ONLY = new Set("abcdef".split(""));
      const sys = new Sys(world, { wantPass: false, drill: false, passWaitTimeout: undefined, taskListLagMs: 0 });
      const first = await sys.up();
      expect(first).toMatchObject({ ok: true, killed: false });
      expect(first.steps.map((s) => [s.name, s.op])).toEqual([
        ["swap", "create"],
        ["pass", "create"],
      ]);
      const jobs = world.list();
      expect(jobs.map((j) => [ownerKey(j.owner), j.jobType, j.status])).toEqual([
        ["swap#1", SWAP_TYPE, "SUCCESS"],
        ["pass#1", PASS_TYPE, "SUCCESS"],
      ]);
      expect(world.model.get("swap")!.outputs).toMatchObject({ jobId: jobs[0]!.jobId, status: "SUCCESS", __provider: world.model.providerText(world.swap) });
      expect(await world.livePassThrough(IDS.ha2)).toBe(false);
      // Emulated time moved by the waits only (a 6 s swap, then a 20 s pass-through change), and Date with it.
      expect(world.clock.now() - START_MS).toBeLessThan(60_000);
      expect(Date.now()).toBe(world.clock.now());
      const second = await sys.up();
      expect(second.steps.map((s) => s.op)).toEqual(["same", "same"]);
      expect(world.list()).toHaveLength(2);
      expect(sys.checkAlways()).toEqual([]);
    } finally {
      clientTime.world = undefined;
      await world.stop();
    }
  }, 30_000);

  const property = async (invariants: string, seed: number) => {
    ONLY = new Set(invariants.split(""));
    console.log(`[lifecycle.model] invariants=${invariants} seed=${seed} runs=${RUNS}${PATH ? ` path=${PATH}` : ""}${REPLAY ? ` replayPath=${REPLAY}` : ""} (replay: FC_SEED=${seed}, or with FC_PATH=<path> FC_REPLAY_PATH=<replayPath> from the failure)`);
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: "medium", ...(REPLAY ? { replayPath: REPLAY } : {}) }), runOnce),
      { seed, numRuns: RUNS, verbose: 1, ...(PATH ? { path: PATH } : {}) },
    );
  };

  it(`invariants ${GATING} hold for random command sequences (seed ${SEED}, ${RUNS} runs)`, () => property(GATING, SEED), 600_000);

  // c, d, e in npm test on a fixed seed: the same 200 sequences every run, so CI checks them without a
  // new seed's rare corner case failing a landing; FC_SEED=n or LIFECYCLE_FULL=1 (a random seed) explore.
  // Measured: seeds 1..100, 200 runs each, all hold (see the comment on ONLY).
  const cdeSeed = process.env.FC_SEED || process.env.LIFECYCLE_FULL ? SEED : CDE_SEED;
  it(`invariants c, d, e hold for random command sequences (seed ${cdeSeed}, ${RUNS} runs)`, () => property("cde", cdeSeed), 600_000);
});
