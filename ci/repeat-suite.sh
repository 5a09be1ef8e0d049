#!/usr/bin/env bash
# The flake check: the whole pytest suite N times in a row (default 10) on a clone of HEAD, so the
# working tree stays free to edit meanwhile. Run it alone on the machine: two suites at once share
# the local Redis database of the tests. Prints one line per run; exits 1 if any run failed.
#   usage: ci/repeat-suite.sh [N]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
clone=$(mktemp -d /tmp/vb-repeat-XXXXXX)
trap 'rm -rf "$clone"' EXIT
git clone -q "$top" "$clone"
failed=0
for i in $(seq 1 "$runs"); do
    started=$(date +%s)
    log="$clone/run-$i.log"
    (cd "$clone" && PYTHONPATH="$clone" VB_PROJECT_ROOT="$clone" "$top/.venv/bin/python" -m pytest -q \
        -p no:cacheprovider) > "$log" 2>&1
    rc=$?
    echo "run $i/$runs: exit $rc in $(( $(date +%s) - started )) s: $(tail -1 "$log")"
    if [ "$rc" -ne 0 ]; then
        failed=1
        grep -E "^(FAILED|ERROR)" "$log" | sed 's/^/    /'
        cp "$log" "/tmp/vb-repeat-failed-run-$i.log"
    fi
done
exit "$failed"
