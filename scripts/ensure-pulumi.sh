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
#
# Beside the CLI it also builds, once, and caches:
# - the Pulumi YAML language host (`pulumi-language-yaml`, module github.com/pulumi/pulumi-yaml v1.25.0, which
#   the proxy serves), copied beside the CLI: it runs `runtime: yaml` programs, as the provider plugin's
#   end-to-end test does (test/e2e/yaml.e2e.test.ts). Skip: PULUMI_DCS_JOBS_SKIP_YAML=1; version:
#   PULUMI_YAML_VERSION. Its go.mod has no replace lines, so `go install module/cmd@version` builds it.
# - a codegen-only language plugin for `pulumi package gen-sdk --language python|go` (scripts/sdkgen/), in
#   `sdkgen/` next to `bin/`. Skip: PULUMI_DCS_JOBS_SKIP_SDKGEN=1.
# Neither failing stops the script: the CLI's folder is still printed.
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
  # A standard install bundles pulumi-language-yaml beside the CLI.
  command -v pulumi-language-yaml >/dev/null 2>&1 || [ -x "$(dirname "$(command -v pulumi)")/pulumi-language-yaml" ] \
    || log "note: no pulumi-language-yaml beside $(command -v pulumi): runtime: yaml programs will not run"
  dirname "$(command -v pulumi)"; exit 0
fi
# The engine looks for the dynamic-provider launcher on PATH, then beside the CLI. It ships in the
# @pulumi/pulumi npm package and only resolves that package from the program's folder, so a copy is portable.
add_launcher() {
  local launcher="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  [ -f "$launcher" ] && cp "$launcher" "$1/pulumi-resource-pulumi-nodejs" && chmod +x "$1/pulumi-resource-pulumi-nodejs"
  return 0
}
# The wrapper modules' replace lines: a module's non-local replaces (pkg/v3 pins forks the CLI needs to
# compile; a local `=> ./...` one is what makes `go install pkg@v` refuse, and is left out).
nonlocal_replaces() { # $1 = go.mod
  awk '/^replace \(/{inb=1;next} inb&&/^\)/{inb=0;next} inb{print "replace " $0;next} /^replace /{sub(/^replace /,"");print "replace " $0}' "$1" \
    | grep -v '=> \.' | grep -v '=> \.\./' || true
}

# The YAML language host. Unlike the CLI's, pulumi-yaml's go.mod has no replace lines (v1.25.0), so a plain
# `go install module/cmd@version` builds it, with the pkg/v3 and sdk/v3 versions it asks for (v3.206.0 for
# v1.25.0: it does not compile against v3.248.0's pkg/v3, whose plugin API changed). A language host speaks
# gRPC to the engine, so an older SDK inside it is fine. Cached in its own folder, copied beside the CLI.
YAML_VERSION="${PULUMI_YAML_VERSION:-1.25.0}"
ycache="$(dirname "$(dirname "$cache")")/yaml/v$YAML_VERSION"
ensure_yaml() { # $1 = the CLI's folder
  [ "${PULUMI_DCS_JOBS_SKIP_YAML:-}" = "1" ] && return 0
  if [ ! -x "$ycache/bin/pulumi-language-yaml" ]; then
    if ! command -v go >/dev/null 2>&1; then log "no Go toolchain: pulumi-language-yaml not built"; return 0; fi
    mkdir -p "$ycache/bin"
    local ystart
    log "building the Pulumi YAML language host v$YAML_VERSION from Go modules (first run only; minutes) in $ycache"
    ystart=$(date +%s)
    # A background job and `wait`, so that `set -e` holds inside while a failure only skips YAML.
    (
      cd "$ycache"
      export CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$ycache/bin.tmp" GOFLAGS=-mod=mod
      rm -rf "$GOBIN"
      go install -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION" \
        "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$YAML_VERSION" >&2
      mv "$GOBIN/pulumi-language-yaml" "$ycache/bin/pulumi-language-yaml"
      rm -rf "$GOBIN"
    ) &
    if ! wait $!; then log "building pulumi-language-yaml failed: runtime: yaml programs will not run"; return 0; fi
    log "built pulumi-language-yaml in $(( $(date +%s) - ystart )) s; $(du -sh "$ycache/bin/pulumi-language-yaml" | cut -f1) binary"
  fi
  cp "$ycache/bin/pulumi-language-yaml" "$1/pulumi-language-yaml.tmp" && mv "$1/pulumi-language-yaml.tmp" "$1/pulumi-language-yaml"
}

# A codegen-only language plugin for `pulumi package gen-sdk --language python|go` (scripts/sdkgen/main.go: the
# real pulumi-language-python/-go modules are not served by the proxy). Built in a wrapper module like the CLI,
# at the CLI's pkg/v3 version, so the build cache of the CLI build is reused. Kept in `sdkgen/` beside `bin/`,
# NOT beside the CLI (the engine would take it for the bundled Python/Go host): put it on PATH for gen-sdk only.
ensure_sdkgen() {
  [ "${PULUMI_DCS_JOBS_SKIP_SDKGEN:-}" = "1" ] && return 0
  local out="$cache/sdkgen" src="$root/scripts/sdkgen/main.go" stamp sstart
  stamp="$(sha256sum "$src" | cut -c1-16)"
  [ -x "$out/pulumi-language-python" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  command -v go >/dev/null 2>&1 || { log "no Go toolchain: the codegen plugin for gen-sdk is not built"; return 0; }
  log "building the codegen plugin for pulumi package gen-sdk (python, go) in $out"
  sstart=$(date +%s)
  (
    rm -rf "$out"; mkdir -p "$out/wrapper"; cd "$out/wrapper"
    export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
    go mod init dcsjobs.local/pulumi-sdkgen >/dev/null 2>&1
    cp "$src" main.go
    go get "github.com/pulumi/pulumi/pkg/v3@v$VERSION" "github.com/pulumi/pulumi/sdk/v3@v$VERSION" >&2
    nonlocal_replaces "$(go env GOMODCACHE)/github.com/pulumi/pulumi/pkg/v3@v$VERSION/go.mod" >> go.mod
    go mod tidy >&2
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w" -o "$out/pulumi-language-python" . >&2
    cp "$out/pulumi-language-python" "$out/pulumi-language-go"
    echo "$stamp" > "$out/.stamp"
  ) &
  if ! wait $!; then log "building the codegen plugin failed: pulumi package gen-sdk will not work"; return 0; fi
  log "built the codegen plugin in $(( $(date +%s) - sstart )) s"
}

if [ -x "$cache/bin/pulumi" ] && version_ok "$cache/bin/pulumi"; then
  log "using cached engine $cache/bin/pulumi"
  add_launcher "$cache/bin"
  ensure_yaml "$cache/bin"
  ensure_sdkgen
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
  nonlocal_replaces "$(go env GOMODCACHE)/github.com/pulumi/pulumi/pkg/v3@v$VERSION/go.mod" >> go.mod
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
ensure_yaml "$cache/bin"
ensure_sdkgen
log "disk: $(du -sh "$cache/bin" | cut -f1) in $cache/bin; Go module cache $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1), build cache $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1)"
echo "$cache/bin"
