/**
 * One chaos trial on the real engine: a fresh emulator and a fresh stack (a swap, a pass-through that depends
 * on it, and a `DcsJob` waiting on the swap's job), the plan's kill and faults during one `pulumi up`, maybe
 * a `refresh`, then `up` until the stack converges; then the invariants. The emulator, the kill watcher and
 * the checks run here; the engine commands (and their inline program) run in a driver process (driver.ts)
 * that dies with a killed `up`.
 *
 * Time: the provider host's clock and the emulator's are the same wall clock, except when a trial follows
 * the advice "wait until T" (an unknown start outcome's 5 min grace): then the runner moves both forward
 * by the same amount (the emulator's `clock.advance`, the provider host's clock offset through
 * `host-preload.cjs`), so the runtime's real grace passes without waiting 5 minutes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DcsClient } from "../../provider/client";
import { startEmulator } from "../../provider/emulator";
import { dcsStackConfig, ENGINE_PASSPHRASE, findStateFile, makeWorkDir } from "../lib/engine";
import { EngineDriver } from "./driver-client";
import { snapshotPackage, type PackageSnapshot } from "./package-snapshot";
import { describePlan, INSTANCES, type FaultPlan, type KillPoint, type TrialPlan, type Wanted } from "./plan";
import { alive, descendants, engineTree, signal, waitGone } from "./procs";

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export const INVARIANTS = ["starts", "converges", "outputs", "instanceOutputs", "secrets", "noPending"] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export const INVARIANT_TEXT: Record<InvariantName, string> = {
  starts: "start calls seen by the emulator = jobs asked for",
  converges: "converges within two more ups (advice followed), never a silent failure",
  outputs: "outputs = the emulator's jobs",
  instanceOutputs: "instance outputs (masterNode, pass-through value) = the emulator's instances",
  secrets: "no secret key or passphrase in state, output or logs",
  noPending: "no resource pending when up reports success",
};

export interface InvariantResult {
  held: boolean;
  /** False when the trial never got to check it (the outputs of a stack that did not converge). */
  checked: boolean;
  detail?: string;
}

export type ObservedKill = KillPoint | "up-finished-first";

export interface TrialResult {
  seed: number;
  plan: TrialPlan;
  description: string;
  /** Where the kill really landed (the target's start call seen or not, a hold fired or not). */
  observedKill: ObservedKill;
  invariants: Record<InvariantName, InvariantResult>;
  /** `up`s run after the chaos `up` (and refresh) until the stack converged. */
  convergeUps: number;
  /** What the runner did because an error said so, in order. */
  advice: string[];
  /** Things worth knowing that are not invariant violations (e.g. a process outliving the CLI). */
  notes: string[];
  durationMs: number;
  /** The trial's own steps, and on failure the emulator's request log and the engine's output. */
  log: string[];
  requestLog: string[];
  engineOutput: string;
  /** The runner itself broke (not an invariant): the trial could not be judged. */
  error?: string;
}

/** Waiter and settle knobs given to the provider host (the jobs last about a second). */
const HOST_WAIT = { firstDelayMs: 200, minIntervalMs: 200, maxIntervalMs: 400 };
const HOST_SETTLE_PAUSE_MS = 200;
/** A held answer is held this long: the kill comes well before. */
const HOLD_MS = 15_000;

interface Ask {
  what: string;
  wanted: Wanted;
  from: number;
  to: number;
}

interface OpResult {
  ok: boolean;
  text: string;
  /** up: the stack outputs (values). */
  outputs?: Record<string, unknown>;
  changes?: Record<string, number>;
}

/** The advice an error gives, if it gives one the runner (a user) can follow. */
export type Advice =
  | { do: "cancel" }
  | { do: "rerun"; why: string }
  /** `triggersApply`: false when a resource that told so has no `triggers` (the pass-through): then only waiting helps. */
  | { do: "wait-or-change-triggers"; until: number; triggersApply: boolean }
  | { do: "change-triggers"; why: string };

/**
 * Reads what to do out of a failed command's text: the provider's messages and the engine's. Undefined: it
 * says nothing the user can act on (a silent failure, for the invariant).
 */
export function adviceOf(text: string): Advice | undefined {
  if (/currently locked by \d+ lock\(s\)[\s\S]*`pulumi cancel`/.test(text)) return { do: "cancel" };
  // "... from T on, if the task list still shows none, it starts the operation. To start one now regardless,
  // change `triggers`." (a swap), or "... it reads the value and starts a change only if it still differs." (a
  // pass-through, which has no triggers).
  const grace = [
    ...text.matchAll(
      /(The master\/standby switchover|Setting client IP pass-through to \w+) on DCS instance [^\n]*? from (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) on, if the task list still shows none, it (?:starts the operation|reads the value[^.\n]*)\.( To start one now regardless, change `triggers`)?/g,
    ),
  ];
  if (grace.length) {
    return {
      do: "wait-or-change-triggers",
      until: Math.max(...grace.map((m) => Date.parse(m[2]!))),
      triggersApply: grace.every((m) => m[1]!.startsWith("The master/standby") && m[3] !== undefined),
    };
  }
  if (/change `triggers`(?: \(or the wanted value\))? to (?:try again|start a new one regardless|run a new one)/.test(text)) {
    return { do: "change-triggers", why: /ended in FAIL/.test(text) ? "a job failed" : /cannot be told/.test(text) ? "several tasks began" : "the job can no longer be read" };
  }
  if (/the next `pulumi up` (?:resumes|looks for its job|looks again)/.test(text)) return { do: "rerun", why: "the next up resumes" };
  if (/Retry, or set adoptWithin: 0/.test(text)) return { do: "rerun", why: "the task list could not be read: retry" };
  if (/run `pulumi up` again/.test(text)) return { do: "rerun", why: "told: run pulumi up again" };
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The engine's error lines, for a short report. */
function errorLines(text: string, max = 6): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:|\berror: |may have started|is this resource's|Nothing was started|locked/.test(l));
  return [...new Set(lines)].slice(0, max).join(" | ").slice(0, 1_500);
}

/**
 * Plays one trial. Never throws: a runner failure is reported in `error`. `pkg`: the copy of the built
 * package to run (see package-snapshot.ts); without one, the trial copies dist/ itself.
 */
export async function runTrial(plan: TrialPlan, opts: { keepWorkDir?: boolean; pkg?: PackageSnapshot } = {}): Promise<TrialResult> {
  const t0 = Date.now();
  const log: string[] = [];
  const requestLog: string[] = [];
  const engineText: string[] = [];
  const notes: string[] = [];
  const advice: string[] = [];
  const say = (line: string) => log.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s ${line}`);
  const invariants = Object.fromEntries(INVARIANTS.map((n) => [n, { held: true, checked: true }])) as Record<InvariantName, InvariantResult>;
  const violate = (name: InvariantName, detail: string) => {
    const inv = invariants[name];
    inv.held = false;
    inv.detail = inv.detail ? `${inv.detail}; ${detail}` : detail;
    say(`VIOLATION ${name}: ${detail}`);
  };
  const result: TrialResult = {
    seed: plan.seed,
    plan,
    description: describePlan(plan),
    observedKill: "none",
    invariants,
    convergeUps: 0,
    advice,
    notes,
    durationMs: 0,
    log,
    requestLog,
    engineOutput: "",
  };

  let emu: Emulator | undefined;
  let client: DcsClient | undefined;
  let driver: EngineDriver | undefined;
  let workDir: string | undefined;
  let ownPkg: PackageSnapshot | undefined;
  try {
    const pkg = opts.pkg ?? (ownPkg = snapshotPackage());
    workDir = makeWorkDir(`chaos-${plan.seed}`);
    pkg.linkInto(workDir);
    emu = await startEmulator({
      jobDurations: { masterStandbySwapJob: plan.jobMs.swap, modifyClientIpTransJob: plan.jobMs.passThrough },
      jobInitMs: 200,
      taskListLagMs: plan.taskListLagMs,
      logLevel: "debug",
      logger: (line) => requestLog.push(`${((Date.now() - t0) / 1000).toFixed(2)}s ${line}`),
    });
    const e = emu;
    client = new DcsClient({ endpoint: e.url, projectId: e.projectId, region: "ap-southeast-1", credentials: { accessKey: e.accessKey, secretKey: e.secretKey } });

    // ---- the stack, in an engine driver process (driver.ts) ---------------------------------------
    const want: Wanted = { ...(plan.setup ?? plan.want) };
    const hostConfig = path.join(workDir, "chaos-host.json");
    let clockOffsetMs = 0;
    const writeHostConfig = () => fs.writeFileSync(hostConfig, JSON.stringify({ clockOffsetMs, wait: HOST_WAIT, settlePauseMs: HOST_SETTLE_PAUSE_MS }));
    writeHostConfig();
    const stackName = `chaos-${plan.seed}`;
    driver = new EngineDriver({
      workDir,
      stackName,
      config: plan.control?.plainSecretKey ? { ...dcsStackConfig(e), "dcs:secretKey": e.secretKey } : dcsStackConfig(e),
      env: { NODE_OPTIONS: `--require ${path.join(__dirname, "host-preload.cjs")}`, DCS_CHAOS_HOST_CONFIG: hostConfig },
      ...(plan.control ? { control: plan.control } : {}),
    });
    const d = driver;
    const wd = workDir;
    const asks: Ask[] = [];
    const abandoned = new Set<string>();
    const startCount = () => e.stats().startCalls.length;

    /** Runs one engine command; waits until its processes are gone; records the start calls it made. */
    const op = async (what: "up" | "refresh" | "preview", cmd: "up" | "refresh" | "preview"): Promise<OpResult> => {
      const from = startCount();
      const t = Date.now();
      const r = await d.run(cmd, want);
      const t2 = Date.now();
      engineText.push(r.text);
      await reapStrays(wd, d.pid(), notes, say);
      say(`${what} took ${((t2 - t) / 1000).toFixed(1)} s (+${((Date.now() - t2) / 1000).toFixed(1)} s until its processes were gone)`);
      asks.push({ what, wanted: { ...want }, from, to: startCount() });
      const deleted = r.changes?.delete ?? 0;
      // The program always declares all three resources: an up that deletes some did not see them.
      if (what === "up" && deleted > 0) say(`up deleted ${deleted} resource(s); the program's runs in it: ${(r.programRuns ?? []).join("; ") || "none"}`);
      return { ok: r.ok, text: r.text, ...(r.outputs ? { outputs: r.outputs } : {}), ...(r.changes ? { changes: r.changes } : {}) };
    };
    const up = () => op("up", "up");
    const refresh = () => op("refresh", "refresh");
    const cancel = async () => {
      const r = await d.run("cancel", want);
      say(r.ok ? "pulumi cancel (the lock of the killed CLI)" : `pulumi cancel failed: ${r.text.split("\n")[0]}`);
    };
    const resources = async (): Promise<Array<{ type: string; urn: string; outputs?: Record<string, unknown> }>> => {
      const file = findStateFile(path.join(wd, ".pulumi-state", ".pulumi", "stacks"), `${stackName}.json`);
      if (!file) return [];
      const state = JSON.parse(fs.readFileSync(file, "utf8"));
      return state.checkpoint?.latest?.resources ?? [];
    };
    /** noPending: after every `up` that reports success. */
    const checkNoPending = async (label: string) => {
      for (const r of await resources()) {
        if (r.outputs && r.outputs.pending !== undefined) violate("noPending", `${label} reported success but ${r.urn.split("::").pop()} has pending ${JSON.stringify(r.outputs.pending)}`);
      }
    };
    /** Follows an error's advice, as its reader would. */
    const follow = async (a: Advice): Promise<void> => {
      if (a.do === "cancel") {
        advice.push("pulumi cancel (stack locked)");
        await cancel();
      } else if (a.do === "rerun") {
        advice.push(`run up again (${a.why})`);
      } else if (a.do === "change-triggers" || (plan.onUnknown === "change-triggers" && a.triggersApply)) {
        abandoned.add(want.triggers);
        want.triggers = `${want.triggers}+user`;
        advice.push(`change triggers to ${want.triggers} (${a.do === "change-triggers" ? a.why : "told: change `triggers` to start one now"})`);
        say(`user: triggers -> ${want.triggers}`);
      } else {
        const runtimeNow = Date.now() + clockOffsetMs;
        const jump = Math.max(0, a.until + 1_000 - runtimeNow);
        clockOffsetMs += jump;
        e.clock.advance(jump);
        writeHostConfig();
        advice.push(`wait until ${new Date(a.until).toISOString()} (both clocks moved ${Math.round(jump / 1000)} s)`);
        say(`user waits: clocks +${jump} ms`);
      }
    };

    // ---- setup (update trials) --------------------------------------------------------------------
    if (plan.kind === "update") {
      say(`setup up: ${JSON.stringify(want)}`);
      const r = await up();
      if (!r.ok) throw new Error(`the clean setup up failed: ${errorLines(r.text) || r.text.slice(-800)}`);
      await checkNoPending("the setup up");
      Object.assign(want, plan.want);
    }

    // ---- the chaos up --------------------------------------------------------------------------------
    say(`chaos up: ${JSON.stringify(want)}; ${describePlan(plan)}`);
    const targetType = plan.target === "swap" ? "masterStandbySwapJob" : "modifyClientIpTransJob";
    const targetInstance = INSTANCES[plan.target];
    const startRoute = plan.target === "swap" ? "swap" : "clientIp";
    const targetStarts = () => e.stats().startCalls.filter((c) => c.jobType === targetType);
    const baseStarts = targetStarts().length;
    let holdId: number | undefined;
    if (plan.kill.at === "before-start" && plan.kill.hold === "tasks") {
      holdId = e.inject({ route: "listTasks", kind: "delay", ms: HOLD_MS, instanceId: targetInstance })[0];
    }
    if (plan.kill.at === "in-start") holdId = e.inject({ route: startRoute, kind: "delay", ms: HOLD_MS, instanceId: targetInstance })[0];
    const faultIds = plan.faults.map((f) => e.inject(toFault(f))[0]!);

    const upStarted = Date.now();
    const from = startCount();
    let settled = false;
    const chaos = d.run("up", want).then((r): OpResult => ({ ok: r.ok, text: r.text, ...(r.outputs ? { outputs: r.outputs } : {}) }));
    void chaos.then(() => (settled = true));
    let observed: ObservedKill = plan.kill.at === "none" ? "none" : "up-finished-first";
    let startSeenAt: number | undefined;
    while (plan.kill.at !== "none" && !settled) {
      await sleep(10);
      const st = e.stats();
      const fired = new Set(st.faultsFired.map((f) => f.id));
      const started = st.startCalls.filter((c) => c.jobType === targetType).length > baseStarts;
      if (started && startSeenAt === undefined) {
        startSeenAt = Date.now();
        if (plan.kill.at === "settle") holdId = e.inject({ route: "showInstance", kind: "delay", ms: HOLD_MS, instanceId: targetInstance })[0];
      }
      let fire = false;
      switch (plan.kill.at) {
        case "before-start":
          fire = plan.kill.hold === "tasks" ? fired.has(holdId!) : Date.now() - upStarted >= plan.kill.afterMs!;
          break;
        case "in-start":
          fire = fired.has(holdId!);
          break;
        case "mid-wait":
          fire = startSeenAt !== undefined && Date.now() - startSeenAt >= plan.kill.afterMs!;
          break;
        case "settle":
          fire = holdId !== undefined && fired.has(holdId);
          break;
      }
      if (!fire) continue;
      observed = !started ? "before-start" : plan.kill.at === "in-start" || plan.kill.at === "settle" ? plan.kill.at : "mid-wait";
      const jobNow = started ? e.jobs().find((j) => j.jobId === targetStarts().at(-1)!.jobId)?.status : undefined;
      say(`kill (${plan.kill.how}) at ${observed}${jobNow ? `, target job ${jobNow}` : ""}`);
      await kill(plan.kill.how, d, notes, say);
      break;
    }
    const chaosResult = await chaos;
    engineText.push(chaosResult.text);
    await reapStrays(wd, d.pid(), notes, say);
    asks.push({ what: "chaos up", wanted: { ...want }, from, to: startCount() });
    result.observedKill = observed;
    say(`chaos up ${chaosResult.ok ? "succeeded" : "failed"}${chaosResult.ok ? "" : `: ${errorLines(chaosResult.text) || "(killed)"}`}`);
    if (chaosResult.ok) await checkNoPending("the chaos up");
    if (plan.kill.how === "sigkill" && observed !== "none" && observed !== "up-finished-first") await cancel();

    // Faults end with the chaos up, except those the plan leaves armed for the next up.
    const firedCount = new Map<number, number>();
    for (const f of e.stats().faultsFired) firedCount.set(f.id, (firedCount.get(f.id) ?? 0) + 1);
    e.clearFaults();
    if (plan.faultsPersist) {
      plan.faults.forEach((f, i) => {
        const left = f.times - (firedCount.get(faultIds[i]!) ?? 0);
        if (left > 0) e.inject(toFault({ ...f, times: left }));
      });
    }
    for (const f of plan.nextUpFaults ?? []) e.inject(toFault(f));
    // A failed chaos up that was not killed: its own message must say what to do.
    let pendingAdvice: Advice | undefined;
    if (!chaosResult.ok && (observed === "none" || observed === "up-finished-first")) {
      pendingAdvice = adviceOf(chaosResult.text);
      if (!pendingAdvice) violate("converges", `the chaos up failed without saying what to do: ${errorLines(chaosResult.text) || chaosResult.text.slice(-600)}`);
    }

    if (plan.refresh) {
      const r = await refresh();
      say(`refresh ${r.ok ? "succeeded" : `failed: ${errorLines(r.text)}`}`);
      if (!r.ok) {
        const a = adviceOf(r.text);
        if (!a) violate("converges", `refresh failed without saying what to do: ${errorLines(r.text) || r.text.slice(-600)}`);
        else if (a.do === "cancel") await follow(a);
      }
    }
    if (pendingAdvice && pendingAdvice.do !== "rerun") await follow(pendingAdvice);
    else if (pendingAdvice) advice.push(`run up again (${pendingAdvice.why})`);

    // ---- converge --------------------------------------------------------------------------------------
    // With faults left armed, the first up after the chaos up is still in the outage: the two ups to
    // converge are counted from the first one with the API healthy again.
    const tail = plan.faultsPersist || plan.nextUpFaults?.length ? 1 : 0;
    let converged = false;
    let lastUp: OpResult | undefined;
    for (let n = 1; n <= tail + 4 && !converged; n++) {
      if (n === tail + 1) e.clearFaults();
      const r = await up();
      result.convergeUps = n;
      lastUp = r;
      say(`up #${n} ${r.ok ? "succeeded" : `failed: ${errorLines(r.text)}`}`);
      if (r.ok) {
        converged = true;
        await checkNoPending(`up #${n}`);
        break;
      }
      const a = adviceOf(r.text);
      // No advice breaks the invariant; the trial goes on as a user would (run up again) to see the rest.
      if (!a) violate("converges", `up #${n} failed without saying what to do: ${errorLines(r.text) || r.text.slice(-600)}`);
      await follow(a ?? { do: "rerun", why: "no advice given: tried again" });
    }
    e.clearFaults();
    if (!converged) {
      if (invariants.converges.held) violate("converges", `not converged after ${result.convergeUps} ups (advice followed: ${advice.join("; ") || "none"})`);
    } else if (result.convergeUps - tail > 2) {
      violate("converges", `needed ${result.convergeUps - tail} ups after the faults ended (advice followed: ${advice.join("; ")})`);
    }

    // A stack that converged plans no change.
    if (converged) {
      const before = startCount();
      const pv = await d.run("preview", want);
      engineText.push(pv.text);
      if (!pv.ok) violate("converges", `the preview after convergence failed: ${errorLines(pv.text) || pv.text.slice(-600)}`);
      const changes = Object.entries(pv.changes ?? {}).filter(([k, v]) => k !== "same" && (v ?? 0) > 0);
      if (changes.length) violate("converges", `up #${result.convergeUps} succeeded but a preview still plans ${JSON.stringify(Object.fromEntries(changes))}`);
      if (startCount() !== before) violate("starts", "a preview started an operation");
    }

    // ---- invariants ------------------------------------------------------------------------------------
    const calls = e.stats().startCalls;
    // starts: one swap per triggers value asked for (at most one for a value the user gave up on while its
    // outcome was unknown), one pass-through job per change of the wanted value.
    const perValue = new Map<string, number>();
    const values: string[] = [];
    for (const a of asks) {
      if (a.what === "refresh" && a.to !== a.from) violate("starts", `refresh started ${a.to - a.from} operation(s)`);
      if (!values.includes(a.wanted.triggers) && a.what !== "refresh") values.push(a.wanted.triggers);
      for (const c of calls.slice(a.from, a.to)) {
        if (c.jobType === "masterStandbySwapJob") perValue.set(a.wanted.triggers, (perValue.get(a.wanted.triggers) ?? 0) + 1);
      }
    }
    for (const v of values) {
      const n = perValue.get(v) ?? 0;
      if (abandoned.has(v) ? n > 1 : n !== 1) violate("starts", `triggers ${JSON.stringify(v)}: ${n} swap start call(s), wanted ${abandoned.has(v) ? "at most 1 (given up while unknown)" : "exactly 1"}`);
    }
    const wantedSeq = [false, ...(plan.setup ? [plan.setup.enabled] : []), plan.want.enabled];
    const changes = wantedSeq.filter((v, i) => i > 0 && v !== wantedSeq[i - 1]).length;
    const ptCalls = calls.filter((c) => c.jobType === "modifyClientIpTransJob").length;
    if (ptCalls !== changes) violate("starts", `${ptCalls} pass-through start call(s) for ${changes} wanted change(s)`);
    const other = calls.filter((c) => c.jobType !== "masterStandbySwapJob" && c.jobType !== "modifyClientIpTransJob");
    if (other.length) violate("starts", `unexpected operations: ${other.map((c) => c.jobType).join(", ")}`);

    // outputs: the state and the stack outputs say what the emulator did.
    if (!converged || !lastUp?.outputs) {
      for (const n of ["outputs", "instanceOutputs"] as const) Object.assign(invariants[n], { checked: false, detail: "not checked: the stack did not converge" });
    } else {
      const res = await resources();
      const find = (t: string) => res.find((r) => r.type.includes(t));
      const swapR = find("MasterStandbySwap")?.outputs ?? {};
      const ptR = find("ClientIpPassThrough")?.outputs ?? {};
      const jobR = find("DcsJob")?.outputs ?? {};
      const finalSwapCalls = asks.filter((a) => a.wanted.triggers === want.triggers).flatMap((a) => calls.slice(a.from, a.to)).filter((c) => c.jobType === "masterStandbySwapJob");
      const expectedJob = finalSwapCalls.at(-1)?.jobId;
      const outs = lastUp.outputs;
      const bad = (what: string) => violate("outputs", what);
      if (!expectedJob) bad(`no swap start call for the final triggers ${JSON.stringify(want.triggers)}`);
      else {
        const job = await client.showJob(expectedJob);
        if (swapR.jobId !== expectedJob) bad(`swap jobId ${String(swapR.jobId)} in state, the emulator's job for the final triggers is ${expectedJob}`);
        if (swapR.status !== job.status || job.status !== "SUCCESS") bad(`swap status ${String(swapR.status)} in state, the emulator says ${job.status}`);
        if (swapR.beginTime !== job.beginTime?.toISOString() || swapR.endTime !== job.endTime?.toISOString()) {
          bad(`swap times ${String(swapR.beginTime)}..${String(swapR.endTime)} in state, the emulator says ${job.beginTime?.toISOString()}..${job.endTime?.toISOString()}`);
        }
        const ended = swapR.ended as { outcome?: string; jobId?: string } | undefined;
        if (ended?.outcome !== "SUCCESS" || ended.jobId !== expectedJob) bad(`swap record ended ${JSON.stringify(ended)}, wanted SUCCESS of ${expectedJob}`);
        if (jobR.jobId !== expectedJob || jobR.status !== "SUCCESS") bad(`DcsJob ${String(jobR.jobId)} ${String(jobR.status)}, wanted ${expectedJob} SUCCESS`);
        if (outs.swapJobId !== expectedJob || outs.jobJobId !== expectedJob || outs.swapStatus !== "SUCCESS" || outs.jobStatus !== "SUCCESS") {
          bad(`stack outputs swap ${String(outs.swapJobId)} ${String(outs.swapStatus)}, job ${String(outs.jobJobId)} ${String(outs.jobStatus)}; wanted ${expectedJob} SUCCESS`);
        }
      }
      const badInstance = (what: string) => violate("instanceOutputs", what);
      const ha = await client.showInstance(INSTANCES.swap);
      if (swapR.masterNode !== ha.masterNode || outs.masterNode !== ha.masterNode) badInstance(`masterNode ${String(swapR.masterNode)} in state, the emulator's master is ${ha.masterNode}`);
      const swaps = calls.filter((c) => c.jobType === "masterStandbySwapJob").filter((c) => e.jobs().find((j) => j.jobId === c.jobId)?.status === "SUCCESS").length;
      const expectMaster = swaps % 2 === 0 ? "emu-redis-ha-node-1" : "emu-redis-ha-node-2";
      if (ha.masterNode && ha.masterNode !== expectMaster) badInstance(`the emulator's master is ${ha.masterNode} after ${swaps} successful swap(s)`);
      const proxy = await client.showInstance(INSTANCES.passThrough);
      if (proxy.transparentClientIpEnable !== want.enabled) badInstance(`pass-through is ${String(proxy.transparentClientIpEnable)} on the instance, wanted ${want.enabled}`);
      if (ptR.enabled !== proxy.transparentClientIpEnable || outs.passThroughEnabled !== proxy.transparentClientIpEnable) {
        badInstance(`pass-through enabled ${String(ptR.enabled)} in state (${String(outs.passThroughEnabled)} in outputs), the instance says ${String(proxy.transparentClientIpEnable)}`);
      }
      if (ptR.jobId !== undefined) {
        const job = e.jobs().find((j) => j.jobId === ptR.jobId);
        if (!job || job.jobType !== "modifyClientIpTransJob") bad(`pass-through jobId ${String(ptR.jobId)} is no pass-through job of the emulator`);
        else if (ptR.status !== job.status) bad(`pass-through job ${job.jobId} ${String(ptR.status)} in state, the emulator says ${job.status}`);
      }
    }

    // secrets: every file of the stack folder (state, backups, history, config) and every line printed.
    const secrets = [e.secretKey, ENGINE_PASSPHRASE];
    const texts: Array<[string, string]> = [
      ["engine output", engineText.join("\n")],
      ["emulator request log", requestLog.join("\n")],
      ["trial log", log.join("\n")],
    ];
    for (const f of listFiles(wd)) texts.push([path.relative(wd, f), fs.readFileSync(f, "latin1")]);
    for (const [where, text] of texts) {
      for (const secret of secrets) if (text.includes(secret)) violate("secrets", `${secret === ENGINE_PASSPHRASE ? "the passphrase" : "the secret key"} is in ${where}`);
    }
  } catch (err) {
    result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    say(`runner error: ${result.error}`);
  } finally {
    result.engineOutput = engineText.join("\n");
    const driverPid = driver?.pid();
    if (driverPid !== undefined) for (const p of engineTree(driverPid)) signal([p, ...descendants(p)], "SIGKILL");
    // The stack lives in its folder (file backend): removing the folder removes it.
    await driver?.kill();
    if (workDir) await reapStrays(workDir, undefined, notes, say);
    if (workDir && !opts.keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
    await client?.close();
    await emu?.stop();
    ownPkg?.remove();
    result.durationMs = Date.now() - t0;
  }
  return result;
}

function toFault(f: FaultPlan) {
  const base = { route: f.route, times: f.times, ...(f.instanceId ? { instanceId: f.instanceId } : {}) };
  switch (f.kind) {
    case "reset":
      return { ...base, kind: "drop" as const, when: f.when ?? "after" };
    case "5xx":
      return { ...base, kind: "serverError" as const, status: f.status ?? 500, when: f.when ?? "before" };
    case "429":
      return { ...base, kind: "throttle" as const, retryAfterSec: f.retryAfterSec ?? 1 };
    case "malformed":
      return { ...base, kind: "malformed" as const };
    case "slow":
      return { ...base, kind: "delay" as const, ms: f.ms ?? 1_000, when: "after" as const };
  }
}

/**
 * Kills the running `pulumi up`: SIGKILL of its whole tree, or Ctrl-C twice. Waits until all of it is gone,
 * then ends the driver process that ran its inline program (see driver.ts: a user's program dies with its
 * `pulumi up`).
 */
async function kill(how: "sigkill" | "sigint2", driver: EngineDriver, notes: string[], say: (l: string) => void): Promise<void> {
  const tree = engineTree(driver.pid());
  const cli = tree.slice(0, 1);
  if (how === "sigkill") signal(tree, "SIGKILL");
  else {
    signal(cli, "SIGINT");
    await sleep(300);
    signal(cli.filter(alive), "SIGINT");
  }
  const left = await waitGone(tree, 10_000);
  if (left.length) {
    notes.push(`${left.length} process(es) outlived the ${how} by 10 s: ${left.join(", ")}`);
    say(`processes left after the kill: ${left.join(", ")}; SIGKILL`);
    signal(left, "SIGKILL");
    await waitGone(left, 5_000);
  }
  await driver.kill();
}

/** Processes running in the stack folder after their CLI is gone (a provider host left behind): noted, killed. */
async function reapStrays(workDir: string, driverPid: number | undefined, notes: string[], say: (l: string) => void): Promise<void> {
  const cliTree = new Set(driverPid === undefined ? [] : engineTree(driverPid));
  const strays: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || cliTree.has(pid)) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(workDir) && alive(pid)) strays.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  if (!strays.length) return;
  const left = await waitGone(strays, 3_000);
  if (!left.length) return;
  notes.push(`a process outlived its CLI in the stack folder: ${left.join(", ")}`);
  say(`stray processes ${left.join(", ")}: SIGKILL`);
  signal(left, "SIGKILL");
  await waitGone(left, 5_000);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.statSync(full).size < 20 * 1024 * 1024) out.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

