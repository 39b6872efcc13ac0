#!/usr/bin/env bash
# The demo: the real Pulumi engine deploys the root Pulumi.yaml stack against the embedded DCS emulator,
# blocks on the jobs, shows that a second `up` starts nothing, then tears everything down.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
PULUMI_DCS_JOBS_ENGINE_BIN="$(bash scripts/ensure-pulumi.sh | tail -n 1)"
export PULUMI_DCS_JOBS_ENGINE_BIN
exec node --import tsx examples/demo/run.ts "$@"
