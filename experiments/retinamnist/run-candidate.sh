#!/usr/bin/env bash
# Runs candidates of the blind search in order, one after another, under the shared CPU lock.
# Usage: bash experiments/retinamnist/run-candidate.sh a0 a1 ...   (from the repository root)
set -u
for c in "$@"; do
  echo "[search] $c start $(date -u +%T)"
  /work/notes/bin/cpu shared node bin/medpipe.js run "experiments/retinamnist/candidates/$c.ts" --plain \
    --cache "${MEDPIPE_SEARCH_CACHE:-cache}" --out "out/retina-search/$c" > "out/retina-search/$c.log" 2>&1
  echo "[search] $c exit $? $(date -u +%T)"
done
