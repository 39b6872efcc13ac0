#!/usr/bin/env bash
# `npm run chaos`: builds dist/ (the engine loads the package from there), gets the engine, plays the trials.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/setup.sh
PULUMI_DCS_JOBS_ENGINE_BIN="$(bash scripts/ensure-pulumi.sh | tail -n 1)"
export PULUMI_DCS_JOBS_ENGINE_BIN
exec node --import tsx scripts/chaos/run.ts "$@"
