#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each, starting from fuzz/corpus/<target>.
# Exits non-zero when any target finds a crash, leak or timeout.
set -euo pipefail
dir=${1:?usage: run-fuzz.sh FUZZ_BUILD_DIR SECONDS}
seconds=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
failed=()
ran=0
for target in "$dir"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  seeds="$root/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
  echo "== $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/$name-" "$work" 2>"$dir/$name.log"; then
    failed+=("$name")
    tail -40 "$dir/$name.log"
  fi
  grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs)' "$dir/$name.log" | tail -1 || true
  rm -rf "$work"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "run-fuzz: no fuzz targets in $dir" >&2; exit 1; }
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-fuzz: ${#failed[@]} of $ran targets failed: ${failed[*]} (artifacts in $dir)" >&2
  exit 1
fi
echo "run-fuzz: $ran targets ran ${seconds}s each, no crash"
