#!/usr/bin/env bash
# The whole test suite: unit, integration (emulator over loopback) and end-to-end (the real Pulumi engine).
# Does its own set-up: dependencies, build, and the engine (built from Go modules on first run, then cached).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
PULUMI_DCS_JOBS_ENGINE_BIN="$(bash scripts/ensure-pulumi.sh | tail -n 1)"
export PULUMI_DCS_JOBS_ENGINE_BIN
report="$(mktemp -t vitest-report.XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A closing line CI and humans can read the same way, whatever vitest printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' "$report" || status=1
exit "$status"
