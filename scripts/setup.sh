#!/usr/bin/env bash
# Installs the project's dependencies from package-lock.json when they are missing or the lockfile changed,
# links the package to itself (see link-self.cjs) and builds dist/. Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.pulumi-dcs-jobs-setup
want="$(node -e 'const c=require("node:crypto");process.stdout.write(c.createHash("sha256").update(require("node:fs").readFileSync("package-lock.json")).digest("hex"))')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -d node_modules/@pulumi/pulumi ]; then
  echo "setup: installing dependencies (npm ci)" >&2
  npm ci --include=dev --no-audit --no-fund >&2
  printf '%s' "$want" > "$stamp"
fi
node scripts/link-self.cjs
echo "setup: building dist/" >&2
npm run --silent build >&2
