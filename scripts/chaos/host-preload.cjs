// Loaded with NODE_OPTIONS="--require <this file>" into the processes the engine starts for the chaos runner
// (scripts/chaos/run.ts). It acts only inside the engine's dynamic-provider host (the process that runs
// `@pulumi/pulumi/cmd/dynamic-provider`), and only on what the file named by DCS_CHAOS_HOST_CONFIG says:
//
// - `clockOffsetMs`: this process's wall clock (`Date.now()`, `new Date()`) runs that far ahead, a constant
//   shift. The runner moves the emulator's clock by the same amount, so the two agree: this is how a trial
//   lets "5 minutes pass" (the grace of an unknown start outcome) without waiting 5 minutes. Time within the
//   process still passes at wall-clock speed (timers, deadlines and sleeps are unchanged).
// - `wait`: extra waiter options (`firstDelayMs`, `minIntervalMs`, `maxIntervalMs`): the jobs of a trial last
//   about a second, and the default schedule's first read of a pass-through job comes after 25 s.
// - `settlePauseMs`: the pause between the settle reads after a job.
//
// Both knobs are `setRuntimeOverrides` of the runtime (its documented test knobs); the lifecycle, the client
// and the planner run unchanged. Nothing here touches credentials.
"use strict";
const fs = require("node:fs");

function isProviderHost() {
  return process.argv.some((a) => /[\\/]cmd[\\/]dynamic-provider([\\/]index(\.js)?)?$/.test(a));
}

const file = process.env.DCS_CHAOS_HOST_CONFIG;
if (file && isProviderHost()) {
  let cfg = {};
  try {
    cfg = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    process.stderr.write(`[chaos] cannot read ${file}: ${e && e.message}\n`);
  }
  const offset = Number(cfg.clockOffsetMs) || 0;
  if (offset !== 0) {
    const RealDate = Date;
    const shifted = () => RealDate.now() + offset;
    class ShiftedDate extends RealDate {
      constructor(...args) {
        if (args.length === 0) super(shifted());
        else super(...args);
      }
      static now() {
        return shifted();
      }
    }
    // `Date()` called as a function returns a string of the current time.
    globalThis.Date = new Proxy(ShiftedDate, {
      apply: () => new ShiftedDate().toString(),
    });
  }
  if (cfg.wait || cfg.settlePauseMs !== undefined) {
    // The runtime exactly as the serialized providers resolve it: by package name, from the host's folder
    // (the stack folder, whose node_modules/pulumi-dcs-jobs the runner links to its copy of the package).
    // (A plain require here would resolve from this file's package scope: the checkout's own dist/.)
    const fromHost = require("node:module").createRequire(require("node:path").join(process.cwd(), "[provider-host]"));
    const runtime = fromHost("pulumi-dcs-jobs/runtime");
    process.stderr.write(`[chaos] provider host: runtime ${fromHost.resolve("pulumi-dcs-jobs/runtime")}, clock offset ${offset} ms\n`);
    runtime.setRuntimeOverrides({
      ...(cfg.wait ? { wait: cfg.wait } : {}),
      ...(cfg.settlePauseMs !== undefined ? { settlePauseMs: cfg.settlePauseMs } : {}),
    });
  }
}
