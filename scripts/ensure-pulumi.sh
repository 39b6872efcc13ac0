#!/usr/bin/env bash
# Makes the real Pulumi engine available without downloading a prebuilt binary.
#
# Prints, on its last line of stdout, the folder that holds a usable `pulumi` CLI.
# Order: a `pulumi` on PATH that is new enough; a cached build; a fresh build from Go modules
# through the module proxy (the CLI's own go.mod carries a local `replace`, so `go install pkg@v`
# refuses: we build from a generated wrapper module). Diagnostics go to stderr.
#
# The Node.js language host is not built: its module has no version tags and the proxy does not serve
# its pseudo-versions (403). The demo and the end-to-end tests therefore run as Automation API inline
# programs, where the Node process itself serves the program to the real engine.
set -euo pipefail

VERSION="${PULUMI_ENGINE_VERSION:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "$VERSION" ]; then
  # The engine must match the @pulumi/pulumi SDK in the lockfile.
  VERSION="$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/@pulumi/pulumi"];if(!p)process.exit(1);console.log(p.version)' "$root/package-lock.json" 2>/dev/null || echo 3.248.0)"
fi
cache="${PULUMI_DCS_JOBS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-dcs-jobs}/engine/v$VERSION"
log() { echo "ensure-pulumi: $*" >&2; }

version_ok() { # $1 = pulumi binary
  local v; v="$("$1" version 2>/dev/null | sed 's/^v//')" || return 1
  [ "$(printf '%s\n%s\n' "$VERSION" "$v" | sort -V | head -n1)" = "$VERSION" ]
}

if command -v pulumi >/dev/null 2>&1 && version_ok "$(command -v pulumi)"; then
  log "using $(command -v pulumi) ($(pulumi version))"
  dirname "$(command -v pulumi)"; exit 0
fi
# The engine looks for the dynamic-provider launcher on PATH, then beside the CLI. It ships in the
# @pulumi/pulumi npm package and only resolves that package from the program's folder, so a copy is portable.
add_launcher() {
  local launcher="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  [ -f "$launcher" ] && cp "$launcher" "$1/pulumi-resource-pulumi-nodejs" && chmod +x "$1/pulumi-resource-pulumi-nodejs"
  return 0
}
if [ -x "$cache/bin/pulumi" ] && version_ok "$cache/bin/pulumi"; then
  log "using cached engine $cache/bin/pulumi"
  add_launcher "$cache/bin"
  echo "$cache/bin"; exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-pulumi: no 'pulumi' CLI (>= v$VERSION) on PATH and no Go toolchain to build one.
  Install the Pulumi CLI (https://www.pulumi.com/docs/install/), e.g.:
    curl -fsSL https://get.pulumi.com | sh -s -- --version $VERSION
  or install Go >= 1.25 so this script can build it from Go modules.
MSG
  exit 1
fi

mkdir -p "$cache/bin"
work="$cache/wrapper"
rm -rf "$work"; mkdir -p "$work"
log "building the Pulumi CLI v$VERSION from Go modules (first run only; several minutes) in $cache"
start=$(date +%s)
(
  cd "$work"
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
  go mod init dcsjobs.local/pulumi-engine >/dev/null 2>&1
  go get "github.com/pulumi/pulumi/pkg/v3@v$VERSION" "github.com/pulumi/pulumi/sdk/v3@v$VERSION" >&2
  # Repeat pkg/v3's non-local replace lines: they pin forks the CLI needs to compile.
  modfile="$(go env GOMODCACHE)/github.com/pulumi/pulumi/pkg/v3@v$VERSION/go.mod"
  awk '/^replace \(/{inb=1;next} inb&&/^\)/{inb=0;next} inb{print "replace " $0;next} /^replace /{sub(/^replace /,"");print "replace " $0}' "$modfile" \
    | grep -v '=> \.' | grep -v '=> \.\./' >> go.mod || true
  go mod tidy >/dev/null 2>&1 || true
  cat > tools.go <<GO
//go:build tools
package tools
import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$VERSION" >&2
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
    -o "$cache/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  mv "$cache/bin/pulumi.tmp" "$cache/bin/pulumi"
)
log "built in $(( $(date +%s) - start )) s; $(du -sh "$cache/bin/pulumi" | cut -f1) binary"
version_ok "$cache/bin/pulumi" || { log "built binary reports $("$cache/bin/pulumi" version)"; exit 1; }
add_launcher "$cache/bin"
log "disk: $(du -sh "$cache/bin" | cut -f1) in $cache/bin; Go module cache $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1), build cache $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1)"
echo "$cache/bin"
