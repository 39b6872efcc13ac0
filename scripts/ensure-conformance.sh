#!/usr/bin/env bash
# Builds the vendor-SDK conformance client (test/conformance/: a Go program that uses only
# huaweicloud-sdk-go-v3) once, and prints the binary's path on the last line of stdout.
#
# Cached in ~/.cache/pulumi-dcs-jobs/conformance/<hash>/ where <hash> covers go.mod, go.sum, the Go
# sources and the Go version, so an edit rebuilds and an unchanged tree reuses the binary. Modules come
# through the machine's own GOPROXY (not overridden) into the usual module cache; with every module
# already there (e.g. huaweicloud-sdk-go-v3@v0.1.207 and its dependencies) nothing is downloaded.
# The build runs in a scratch copy, so go.mod/go.sum in the tree are never rewritten. Diagnostics go
# to stderr, with the measured build time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/test/conformance"
log() { echo "ensure-conformance: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "no Go toolchain on PATH: install Go >= 1.22 to build the vendor-SDK conformance client ($src)."
  exit 1
fi
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

hash="$(
  {
    go version
    for f in go.mod go.sum $(cd "$src" && ls -1 *.go | LC_ALL=C sort); do
      printf '== %s\n' "$f"
      cat "$src/$f"
    done
  } | sha256sum | cut -c1-16
)"
cache="${PULUMI_DCS_JOBS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-dcs-jobs}/conformance/$hash"
bin="$cache/conformance"

if [ -x "$bin" ]; then
  log "using cached $bin"
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$src/go.mod" "$src/go.sum" "$src"/*.go "$work/"
log "building $src with $(go version | cut -d' ' -f3) (GOPROXY=$(go env GOPROXY))"
start_ms=$(date +%s%3N)
(
  cd "$work"
  go build -trimpath -ldflags "-s -w" -o "$work/conformance" . >&2
)
end_ms=$(date +%s%3N)
# Atomic: a concurrent run sees either no binary or a whole one.
mv -f "$work/conformance" "$bin"
log "built in $(( (end_ms - start_ms) / 1000 )).$(printf '%03d' $(( (end_ms - start_ms) % 1000 ))) s; $(du -h "$bin" | cut -f1) binary at $bin"
echo "$bin"
