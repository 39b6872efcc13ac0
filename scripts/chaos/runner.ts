/**
 * Plays trials one after the other (the engine is CPU-heavy; two cores) and sums them up: the table of
 * kill points x fault kinds, how many trials held each invariant, and every failure with its seed.
 */
import { snapshotPackage } from "./package-snapshot";
import { FAULT_KINDS, KILL_POINTS, planTrial, type FaultKind, type TrialPlan } from "./plan";
import { INVARIANTS, INVARIANT_TEXT, runTrial, type ObservedKill, type TrialResult } from "./trial";

export interface ChaosOptions {
  /** The first trial's seed; trial i plays seed + i. */
  seed: number;
  trials: number;
  /** Called after each trial (progress lines). */
  onTrial?: (r: TrialResult, index: number) => void;
  /** Keep each trial's stack folder (debugging). */
  keepWorkDir?: boolean;
  /** Exploration: fields forced onto every plan (e.g. a longer task-list lag). Part of the replay command. */
  override?: Partial<Pick<TrialPlan, "taskListLagMs">>;
  /** Play these plans instead of seeds `seed..seed+trials-1` (the regression plans). */
  plans?: readonly TrialPlan[];
}

export interface ChaosSummary {
  seed: number;
  trials: number;
  results: TrialResult[];
  durationMs: number;
  /** Trials that held every invariant (and ran to the end). */
  passed: number;
  failed: TrialResult[];
}

export async function runChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const t0 = Date.now();
  const results: TrialResult[] = [];
  const pkg = snapshotPackage();
  try {
    const plans = o.plans ?? Array.from({ length: o.trials }, (_, i) => planTrial(o.seed + i));
    for (let i = 0; i < plans.length; i++) {
      const r = await runTrial({ ...plans[i]!, ...o.override }, { keepWorkDir: o.keepWorkDir ?? false, pkg });
      results.push(r);
      o.onTrial?.(r, i);
    }
  } finally {
    pkg.remove();
  }
  const failed = results.filter((r) => !trialHeld(r));
  return { seed: o.seed, trials: results.length, results, durationMs: Date.now() - t0, passed: results.length - failed.length, failed };
}

export function trialHeld(r: TrialResult): boolean {
  return !r.error && INVARIANTS.every((n) => r.invariants[n].held);
}

/** The main fault kind of a trial (its first fault), `none` without one. */
export function mainFault(r: TrialResult): FaultKind {
  return r.plan.faults[0]?.kind ?? "none";
}

const KILL_ROWS: ObservedKill[] = [...KILL_POINTS, "up-finished-first"];

/** One progress line per trial. */
export function trialLine(r: TrialResult, i: number): string {
  const verdict = trialHeld(r) ? "ok  " : "FAIL";
  const broken = r.error ? ["runner error"] : INVARIANTS.filter((n) => !r.invariants[n].held);
  return (
    `${verdict} trial ${String(i + 1).padStart(3)} ${r.plan.label ? r.plan.label : `seed ${String(r.seed).padStart(6)}`} ${(r.durationMs / 1000).toFixed(1).padStart(5)}s ` +
    `kill@${r.observedKill} ${r.plan.kill.at === "none" ? "" : `(${r.plan.kill.how}) `}fault ${mainFault(r)}; ` +
    `${r.convergeUps} up(s) to converge${r.advice.length ? ` [${r.advice.join("; ")}]` : ""}${broken.length ? `; broken: ${broken.join(", ")}` : ""}`
  );
}

/** Markdown: the kill point x fault kind table (held / trials per cell), the invariant counts, the failures. */
export function renderSummary(s: ChaosSummary, command: string): string {
  const out: string[] = [];
  out.push(`Command: \`${command}\``);
  out.push("");
  out.push(`${s.trials} trials (${s.results.every((r, i) => r.seed === s.seed + i) ? `seeds ${s.seed}..${s.seed + s.trials - 1}` : "fixed plans"}) in ${(s.durationMs / 60_000).toFixed(1)} min (${(s.durationMs / 1000 / Math.max(1, s.trials)).toFixed(1)} s per trial); ${s.passed} held every invariant, ${s.failed.length} did not.`);
  out.push("");
  out.push("Trials per kill point (where the kill really landed) and main fault kind, as `held every invariant / trials`:");
  out.push("");
  out.push(`| kill point \\ fault | ${FAULT_KINDS.join(" | ")} | all |`);
  out.push(`|---|${FAULT_KINDS.map(() => "---").join("|")}|---|`);
  for (const k of KILL_ROWS) {
    const row = s.results.filter((r) => r.observedKill === k);
    if (!row.length) continue;
    const cells = FAULT_KINDS.map((f) => {
      const c = row.filter((r) => mainFault(r) === f);
      return c.length ? `${c.filter(trialHeld).length}/${c.length}` : "·";
    });
    out.push(`| ${k} | ${cells.join(" | ")} | ${row.filter(trialHeld).length}/${row.length} |`);
  }
  const all = FAULT_KINDS.map((f) => {
    const c = s.results.filter((r) => mainFault(r) === f);
    return `${c.filter(trialHeld).length}/${c.length}`;
  });
  out.push(`| all | ${all.join(" | ")} | ${s.passed}/${s.trials} |`);
  out.push("");
  out.push("| invariant | held / trials that checked it |");
  out.push("|---|---|");
  for (const n of INVARIANTS) {
    const checked = s.results.filter((r) => !r.error && r.invariants[n].checked);
    const unchecked = s.trials - checked.length;
    out.push(`| ${INVARIANT_TEXT[n]} | ${checked.filter((r) => r.invariants[n].held).length}/${checked.length}${unchecked ? ` (${unchecked} not checked)` : ""} |`);
  }
  const errors = s.results.filter((r) => r.error).length;
  if (errors) out.push(`| (the runner could not finish the trial) | ${errors} trial(s) |`);
  out.push("");
  const byHow = (h: string) => s.results.filter((r) => r.plan.kill.at !== "none" && r.plan.kill.how === h).length;
  const kinds = (k: string) => s.results.filter((r) => r.plan.kind === k).length;
  const upCounts = new Map<number, number>();
  for (const r of s.results) upCounts.set(r.convergeUps, (upCounts.get(r.convergeUps) ?? 0) + 1);
  const ups = [...upCounts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, c]) => `${n} up${n === 1 ? "" : "s"}: ${c}`)
    .join(", ");
  const advised = s.results.filter((r) => r.advice.some((a) => !a.startsWith("run up again"))).length;
  out.push(
    `Mix: ${kinds("create")} create / ${kinds("update")} update trials; kills by SIGKILL of the tree ${byHow("sigkill")}, by double SIGINT ${byHow("sigint2")}; ` +
      `${s.results.filter((r) => r.plan.refresh).length} with a refresh; ${s.results.filter((r) => r.plan.faults.length > 1).length} with two faults; ` +
      `${s.results.filter((r) => r.plan.taskListLagMs > 0).length} with task-list lag; ${s.results.filter((r) => Math.max(r.plan.jobMs.swap, r.plan.jobMs.passThrough) >= 3_500).length} with a long job; ` +
      `ups after the chaos up (${ups}); ${advised} trial(s) where the runner did what an error said besides running up again (wait until a time, new triggers, pulumi cancel).`,
  );
  const notes = s.results.flatMap((r) => r.notes.map((n) => `seed ${r.seed}: ${n}`));
  if (notes.length) {
    out.push("");
    out.push("Notes:");
    for (const n of notes) out.push(`- ${n}`);
  }
  if (s.failed.length) {
    out.push("");
    out.push("Failures:");
    for (const r of s.failed) {
      out.push(`- ${r.plan.label ?? `seed ${r.seed}`} (${r.description}): ${r.error ? `runner error: ${r.error.split("\n")[0]}` : INVARIANTS.filter((n) => !r.invariants[n].held).map((n) => `${n}: ${r.invariants[n].detail}`).join("; ")}`);
    }
  }
  return out.join("\n");
}

/** Everything about one failed trial: its plan, steps, the emulator's request log and the engine's output. */
export function renderFailure(r: TrialResult): string {
  return [
    `==== seed ${r.seed}: ${r.description}`,
    r.plan.label
      ? `reproduce: npm run chaos -- --regressions (plan "${r.plan.label}" in scripts/chaos/regressions.ts)`
      : `reproduce: npm run chaos -- --seed ${r.seed} --trials 1${r.plan.taskListLagMs !== planTrial(r.seed).taskListLagMs ? ` --lag ${r.plan.taskListLagMs}` : ""}`,
    ...INVARIANTS.filter((n) => !r.invariants[n].held).map((n) => `broken ${n}: ${r.invariants[n].detail}`),
    ...(r.error ? [`runner error: ${r.error}`] : []),
    "-- steps",
    ...r.log,
    "-- emulator request log",
    ...r.requestLog,
    "-- engine output",
    r.engineOutput,
  ].join("\n");
}
