#!/usr/bin/env bash
# The README's first command: on a fresh machine, install what is missing, build, start a
# sandbox of real OVN servers, run the main job end to end against it, and stop it again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-ovn.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build >/dev/null

cli() { node bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/ovn-vif-demo-XXXXXX")
rmdir "$dir"
trap 'cli sandbox stop --dir "$dir" >/dev/null 2>&1 || true' EXIT

step "Start a sandbox: NB and SB ovsdb-servers, ovn-northd, two chassis with OVS and ovn-controller"
cli sandbox start --dir "$dir" --chassis hv1,hv2
eval "$(cli sandbox env --dir "$dir")"

step "The chassis registered in the Southbound DB"
ovn-sbctl show

step "Stop the sandbox"
trap - EXIT
cli sandbox stop --dir "$dir"
