#!/usr/bin/env bash
# Installs the project's dependencies from package-lock.json when they are missing or stale, links the
# package to itself (see link-self.cjs) and builds dist/. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "setup: installing dependencies (npm ci)" >&2
  npm ci --include=dev --no-audit --no-fund >&2
fi
node scripts/link-self.cjs
echo "setup: building dist/" >&2
npm run --silent build >&2
