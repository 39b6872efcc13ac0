#!/usr/bin/env bash
# The whole test suite: unit, integration (emulator over loopback) and end-to-end (the real Pulumi engine).
# Does its own set-up: dependencies, build, and the engine (built from Go modules on first run, then cached).
# Arguments, if any, go to a single vitest run (e.g. `npm test -- test/signer.test.ts`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
PULUMI_DCS_JOBS_ENGINE_BIN="$(bash scripts/ensure-pulumi.sh | tail -n 1)"
export PULUMI_DCS_JOBS_ENGINE_BIN
reports="$(mktemp -d -t vitest-reports.XXXXXX)"
trap 'rm -rf "$reports"' EXIT
status=0
run() { # $1 = report name, rest = vitest arguments
  local name="$1"; shift
  npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$name.json" "$@" || status=$?
}
if [ "$#" -gt 0 ]; then
  run args "$@"
else
  # Unit and emulator tests first, in parallel; then the engine tests on their own, one file at a time,
  # so that the engine's CPU load does not skew the timing of the others on a 2-core machine.
  run unit --exclude "test/e2e/**"
  run e2e test/e2e/ --no-file-parallelism
fi
# One closing line that CI and people read the same way, whatever vitest printed above.
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0, total = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; total += r.numTotalTests;
    skipped += (r.numPendingTests || 0) + (r.numTodoTests || 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (total === 0) { console.error("no test ran"); process.exit(1); }
' "$reports" || status=1
exit "$status"
