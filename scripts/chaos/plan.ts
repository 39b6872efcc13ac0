/**
 * What one chaos trial does, as data, from its seed alone (pure: no I/O, no clock). The runner plays the plan
 * on the real engine; printing the seed is enough to play the same plan again (`npm run chaos -- --seed N
 * --trials 1`).
 *
 * The kill point and the main fault kind are not drawn at random but read off the seed (`seed % 5`,
 * `seed % 6`): 5 and 6 are coprime, so any 30 consecutive seeds cover every (kill point, fault kind) cell
 * once, and any 8 consecutive seeds cover every kill point and every fault kind. Everything else (create or
 * update, which resource, kill method, fault routes and timing, refresh, job durations, task-list lag, what
 * the "user" does when told to wait) comes from a PRNG seeded with the seed.
 */
import { seededRandom } from "../../provider/waiter/simulate";

/** Where `pulumi up` is killed, relative to the target resource's operation. */
export const KILL_POINTS = ["none", "before-start", "in-start", "mid-wait", "settle"] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

/** The main HTTP fault of a trial (`none`: only the kill). */
export const FAULT_KINDS = ["none", "reset", "5xx", "429", "malformed", "slow"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type KillHow = "sigkill" | "sigint2";
export type Target = "swap" | "passThrough";

/** Emulator route names the plans use (a subset of the emulator's `ROUTE_NAMES`). */
export type PlanRoute = "swap" | "clientIp" | "showJob" | "showInstance" | "listTasks" | "listCenterTasks";

/** An HTTP fault to arm before the chaos `up`, in the emulator's own terms. */
export interface FaultPlan {
  kind: Exclude<FaultKind, "none">;
  route: PlanRoute;
  /** Only requests about this instance (all the trial's routes carry one, `listCenterTasks` excepted). */
  instanceId?: string;
  /** reset, 5xx: whether the request was processed before the answer went wrong. */
  when?: "before" | "after";
  status?: 500 | 502 | 503 | 504;
  retryAfterSec?: number;
  /** slow: how late the answer comes. */
  ms?: number;
  times: number;
}

export interface Wanted {
  /** The swap's `triggers` value (one string). */
  triggers: string;
  /** The pass-through's `enabled`. */
  enabled: boolean;
}

export interface TrialPlan {
  seed: number;
  /** A fixed plan's name (the regression plans); seeded plans have none. */
  label?: string;
  /** `create`: the chaos `up` creates the stack. `update`: a clean `up` first, then the chaos `up` changes inputs. */
  kind: "create" | "update";
  /** update: what the clean first `up` deploys. */
  setup?: Wanted;
  /** What the chaos `up` (and the ups after it) ask for. */
  want: Wanted;
  /** Whose operation the kill point is about. */
  target: Target;
  kill: {
    at: KillPoint;
    how: KillHow;
    /** before-start: hold the look at the task list and kill there (`tasks`), or kill at `afterMs` after `up` began (`timer`). */
    hold?: "tasks" | "timer";
    /** before-start timer / mid-wait: when to kill (ms after `up` began / after the start call). */
    afterMs?: number;
  };
  faults: FaultPlan[];
  /** Faults not consumed by the chaos `up` stay armed for the first `up` after it (else cleared). */
  faultsPersist: boolean;
  /** Faults armed for the first `up` after the chaos `up` only (not drawn by {@link planTrial}: regression plans). */
  nextUpFaults?: FaultPlan[];
  /** A `pulumi refresh` between the chaos `up` and the ups that converge. */
  refresh: boolean;
  /** The emulator's task-list lag (emulated ms). */
  taskListLagMs: number;
  /** Emulated job durations. */
  jobMs: { swap: number; passThrough: number };
  /** Told "no task yet; from T on it starts the operation, or change `triggers`": wait until T, or change triggers. */
  onUnknown: "wait" | "change-triggers";
  /**
   * Not drawn by {@link planTrial}: set by hand for the harness's own negative controls (a trial that must
   * break invariants, so the checks are known to bite).
   */
  control?: {
    /** The swap's `adoptWithin` (0: never adopt, so a killed create starts a second swap). */
    swapAdoptWithin?: string | number;
    /** Put the secret key into the stack config as plain text (so the state holds it). */
    plainSecretKey?: boolean;
  };
}

export const INSTANCES = {
  /** The seeded `ha` instance: the swap's. */
  swap: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01",
  /** The seeded `proxy` instance (pass-through off): the pass-through's. */
  passThrough: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e03",
} as const;

/** The package's mulberry32 (`seededRandom`), its state scrambled from the seed first. */
export function prng(seed: number): () => number {
  // murmur3's finalizer: nearby seeds start far apart.
  let a = (seed ^ Math.floor(seed / 4294967296)) >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> 0;
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35) >>> 0;
  return seededRandom((a ^ (a >>> 16)) >>> 0);
}

/** The plan of the trial with this seed. */
export function planTrial(seed: number): TrialPlan {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`a trial seed is a non-negative integer (got ${seed})`);
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const between = (lo: number, hi: number) => Math.round(lo + r() * (hi - lo));

  const at = KILL_POINTS[seed % KILL_POINTS.length]!;
  const faultKind = FAULT_KINDS[seed % FAULT_KINDS.length]!;

  const kind: TrialPlan["kind"] = chance(0.5) ? "create" : "update";
  const tag = `s${seed}`;
  let setup: Wanted | undefined;
  let want: Wanted;
  let target: Target;
  if (kind === "create") {
    want = { triggers: `${tag}-a`, enabled: true };
    target = chance(0.6) ? "swap" : "passThrough";
  } else {
    setup = { triggers: `${tag}-a`, enabled: true };
    // At least one change: new triggers, a pass-through flip, or both.
    const change = pick(["triggers", "flip", "both"] as const);
    want = { triggers: change === "flip" ? setup.triggers : `${tag}-b`, enabled: change === "triggers" ? setup.enabled : !setup.enabled };
    target = change === "triggers" ? "swap" : change === "flip" ? "passThrough" : chance(0.5) ? "swap" : "passThrough";
  }

  const jobMs = { swap: between(600, 1_800), passThrough: between(600, 1_800) };
  // A third of the trials give the target a job long enough to still run when the next `up` looks (the
  // engine takes seconds to start): that one is adopted or resumed while RUNNING, not after it ended.
  const longJob = chance(1 / 3);
  if (longJob) jobMs[target] = between(3_500, 5_500);
  const how: KillHow = chance(0.6) ? "sigkill" : "sigint2";
  const kill: TrialPlan["kill"] = { at, how };
  if (at === "before-start") {
    kill.hold = chance(0.6) ? "tasks" : "timer";
    if (kill.hold === "timer") kill.afterMs = between(200, 2_500);
  }
  if (at === "mid-wait") kill.afterMs = between(100, Math.round((target === "swap" ? jobMs.swap : jobMs.passThrough) * 0.8));

  const startRoute: PlanRoute = target === "swap" ? "swap" : "clientIp";
  const instanceId = INSTANCES[target];
  const faults: FaultPlan[] = [];
  const fault = (k: Exclude<FaultKind, "none">, main: boolean): FaultPlan => {
    // Most faults that can leave a start call's outcome unknown hit the target's start call; the others
    // hit it or its reads alike. A kill held in the start call owns that route.
    const onStart = at !== "in-start" && chance(k === "reset" || k === "5xx" || k === "malformed" ? 0.75 : 0.5);
    const reads: PlanRoute[] = ["showJob", "showInstance", "listTasks", "listCenterTasks"];
    const route = onStart ? startRoute : pick(reads);
    const f: FaultPlan = { kind: k, route, times: onStart ? 1 : between(1, 2), ...(route === "listCenterTasks" ? {} : { instanceId }) };
    // On the start call, both are "a reset after the request was sent" for the client: the server either
    // processed it (a job runs) or not (nothing runs); the client cannot tell which.
    // The main fault alternates between the two with the seed (seeds 6 apart share the fault kind), so a
    // run of consecutive seeds has both; a second fault draws at random.
    const when = main ? (Math.floor(seed / FAULT_KINDS.length) % 2 === 0 ? "after" : "before") : pick(["before", "after"] as const);
    if (k === "reset") f.when = when;
    if (k === "5xx") {
      f.when = when;
      f.status = pick([500, 502, 503, 504] as const);
    }
    if (k === "429") f.retryAfterSec = between(1, 2);
    if (k === "slow") f.ms = between(800, 3_000);
    return f;
  };
  if (faultKind !== "none") {
    faults.push(fault(faultKind, true));
    if (chance(0.3)) faults.push(fault(pick(FAULT_KINDS.slice(1) as Array<Exclude<FaultKind, "none">>), false));
  }

  return {
    seed,
    kind,
    ...(setup ? { setup } : {}),
    want,
    target,
    kill,
    faults,
    faultsPersist: faults.length > 0 && chance(0.3),
    refresh: (at === "none" && faultKind === "none") || chance(0.3),
    taskListLagMs: pick([0, 0, 0, 800]),
    jobMs,
    onUnknown: chance(0.5) ? "wait" : "change-triggers",
  };
}

/** One line that says what a plan does. */
export function describePlan(p: TrialPlan): string {
  const change =
    p.kind === "create"
      ? "create"
      : `update (${[p.setup!.triggers !== p.want.triggers ? "new triggers" : "", p.setup!.enabled !== p.want.enabled ? "pass-through flip" : ""].filter(Boolean).join(" + ")})`;
  const kill =
    p.kill.at === "none"
      ? "no kill"
      : `${p.kill.how === "sigkill" ? "SIGKILL tree" : "double SIGINT"} ${p.kill.at}${p.kill.hold ? `/${p.kill.hold}` : ""}${p.kill.afterMs !== undefined ? ` @${p.kill.afterMs}ms` : ""}`;
  const faults = p.faults.length
    ? p.faults
        .map((f) => `${f.kind}${f.when ? `-${f.when}` : ""}${f.status ? `(${f.status})` : ""}${f.ms ? `(${f.ms}ms)` : ""}${f.retryAfterSec ? `(Retry-After ${f.retryAfterSec})` : ""} on ${f.route}${f.times > 1 ? ` x${f.times}` : ""}`)
        .join(", ") + (p.faultsPersist ? " (left armed for the next up)" : "")
    : "no fault";
  const control = p.control ? `; CONTROL ${JSON.stringify(p.control)}` : "";
  const next = p.nextUpFaults?.length ? `; for the next up: ${p.nextUpFaults.map((f) => `${f.kind}${f.when ? `-${f.when}` : ""} on ${f.route}${f.times > 1 ? ` x${f.times}` : ""}`).join(", ")}` : "";
  return (
    `${p.label ? `[${p.label}] ` : ""}${change}; target ${p.target}; ${kill}; ${faults}${p.refresh ? "; refresh" : ""}${p.taskListLagMs ? `; task-list lag ${p.taskListLagMs}ms` : ""}; ` +
    `jobs swap ${p.jobMs.swap}ms, pass-through ${p.jobMs.passThrough}ms; on unknown outcome: ${p.onUnknown}${next}${control}`
  );
}
