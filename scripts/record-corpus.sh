#!/usr/bin/env bash
# Records the bundled regression corpus: for each buggy variant, the first seed that shows its
# expected kind, shrunk to a schedule (Raft: kept as found); for each correct variant, seeds 1..3 as passing schedules.
# Run after `npm run build`; entries that already exist are left alone (regress --accept
# rewrites expectations; delete a file to record it afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
I="node dist/harness/cli/main.js"
record() { # target variant expect [extra flags...]
  local t=$1 v=$2 e=$3; shift 3
  mkdir -p "seeds/$t"
  if [ "$e" = pass ]; then
    for s in 1 2 3; do
      f="seeds/$t/$v-pass-$s.json"
      [ -f "$f" ] || $I replay "$t" --variant "$v" --seed "$s" "$@" --save-schedule "$f" >/dev/null
    done
    return
  fi
  local seed kind=$e
  # The first seed whose first violation is the expected kind, under plain defaults (each seed's
  # own weather); rare Raft bugs need thousands of seeds, so the search runs on worker threads.
  seed=$(node --input-type=module -e "
    const { explore } = await import('./dist/harness/campaign/explore.js');
    for (let from = 1; from <= ${SEARCH_MAX:-5000}; from += 500) {
      const r = await explore({ target: '$t', variant: '$v', seeds: from + '..' + (from + 499), jobs: 2 });
      const f = r.failures.find((x) => x.kinds[0] === '$kind');
      if (f) { console.log(f.seed); break; }
    }") || true
  [ -n "$seed" ] || { echo "no $kind found for $t $v" >&2; return 1; }
  f="seeds/$t/$v-$e-$seed.json"
  if [ "$t" = raft ]; then
    # Raft runs are thousands of steps: keep the failing run as found (shrinking is for a person at a desk).
    [ -f "$f" ] || $I replay "$t" --variant "$v" --seed "$seed" "$@" --save-schedule "$f" >/dev/null || true
  else
    [ -f "$f" ] || $I shrink "$t" --variant "$v" --seed "$seed" "$@" --out "$f" >/dev/null || true
  fi
  echo "$f"
}
for t in bounded-buffer latch wait-unlock-misuse raft; do
  node -e "import('./dist/harness/target/load.js').then(async m => { try { const {target} = await m.loadTarget('$t'); for (const v of target.variants) console.log(v, target.expect?.[v] ?? 'pass'); } catch { } })" |
  while read -r v e; do record "$t" "$v" "$e" ${RECORD_FLAGS:-}; done
done
# A second kind the same bug shows when the follower applies the divergent prefix at once.
record raft skip-prev-log-check state-machine-safety ${RECORD_FLAGS:-}
