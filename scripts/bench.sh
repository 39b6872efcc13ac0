#!/usr/bin/env bash
# Benchmarks: prints figures and writes bench/results/*.json. Never pass/fail on timing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node --import tsx bench/run.ts "$@"
