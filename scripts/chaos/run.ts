/**
 * `npm run chaos`: seeded crash and fault trials on the real Pulumi engine against the emulator.
 *
 *   npm run chaos                          # full mode: 50 trials from seed 1
 *   npm run chaos -- --quick               # 8 trials (what `npm test` runs in test/e2e/chaos.e2e.test.ts)
 *   npm run chaos -- --seed 17 --trials 1  # replays the trial printed as "seed 17"
 *   npm run chaos -- --regressions         # the fixed plans of the failures found (scripts/chaos/regressions.ts)
 *
 * Options: --seed N (first seed, default 1), --trials K, --quick, --out FILE (the summary as Markdown plus
 * every failure's full log), --keep (keep each trial's stack folder under .e2e/), --lag MS (exploration: every
 * trial's task-list lag forced to MS). Exit code 1 when any trial broke an invariant.
 */
import * as fs from "node:fs";
import { REGRESSIONS } from "./regressions";
import { renderFailure, renderSummary, runChaos, trialLine } from "./runner";

function args(argv: string[]): { seed: number; trials: number; out?: string; keep: boolean; quick: boolean; lag?: number; regressions: boolean } {
  const o = { seed: 1, trials: 50, out: undefined as string | undefined, keep: false, quick: false, lag: undefined as number | undefined, regressions: false };
  let trialsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--seed") o.seed = Number(next());
    else if (a === "--trials") {
      o.trials = Number(next());
      trialsGiven = true;
    } else if (a === "--quick") o.quick = true;
    else if (a === "--out") o.out = next();
    else if (a === "--keep") o.keep = true;
    else if (a === "--lag") o.lag = Number(next());
    else if (a === "--regressions") o.regressions = true;
    else if (a === "--help" || a === "-h") {
      console.log("npm run chaos -- [--quick] [--seed N] [--trials K] [--out FILE] [--keep]");
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.quick && !trialsGiven) o.trials = 8;
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error("--seed takes a non-negative integer");
  if (!Number.isSafeInteger(o.trials) || o.trials < 1) throw new Error("--trials takes a positive integer");
  if (o.lag !== undefined && (!Number.isSafeInteger(o.lag) || o.lag < 0)) throw new Error("--lag takes a non-negative number of ms");
  return o;
}

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  const command = o.regressions ? "npm run chaos -- --regressions" : `npm run chaos -- --seed ${o.seed} --trials ${o.trials}${o.lag !== undefined ? ` --lag ${o.lag}` : ""}`;
  if (o.regressions) console.log(`chaos: the ${REGRESSIONS.length} regression plans on the real engine`);
  else console.log(`chaos: ${o.trials} trial(s) from seed ${o.seed} on the real engine (replay one: npm run chaos -- --seed N --trials 1)`);
  const summary = await runChaos({
    seed: o.seed,
    trials: o.trials,
    keepWorkDir: o.keep,
    ...(o.regressions ? { plans: REGRESSIONS.map((r) => r.plan) } : {}),
    ...(o.lag !== undefined ? { override: { taskListLagMs: o.lag } } : {}),
    onTrial: (r, i) => {
      console.log(trialLine(r, i));
      if (r.error || Object.values(r.invariants).some((v) => !v.held)) console.log(`     ${r.description}`);
    },
  });
  const text = renderSummary(summary, command);
  console.log("\n" + text);
  if (o.out) {
    fs.writeFileSync(o.out, [text, "", ...summary.failed.map(renderFailure)].join("\n\n"));
    console.log(`\nwritten: ${o.out}`);
  } else if (summary.failed.length) {
    fs.mkdirSync(".e2e", { recursive: true });
    const file = `.e2e/chaos-failures-${Date.now()}.log`;
    fs.writeFileSync(file, summary.failed.map(renderFailure).join("\n\n"));
    console.log(`\nfull logs of the failed trials: ${file}`);
  }
  return summary.failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
