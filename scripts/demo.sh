#!/usr/bin/env bash
# The README's first command: on a fresh machine, install what is missing, build, start a
# sandbox of real OVN servers, run the main job end to end against it, and stop it again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-ovn.sh
# The LTS the packages embed (package.json "runtimes"), fetched from the npm registry when
# missing: the machine's own node may be older than the floor.
PATH="$(node scripts/runtimes.js path embedded):$PATH"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build >/dev/null

cli() { node bin/run.cjs "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/ovn-vif-demo-XXXXXX")
rmdir "$dir"
trap 'cli sandbox stop --dir "$dir" >/dev/null 2>&1 || true' EXIT

step "Start a sandbox: NB and SB ovsdb-servers, ovn-northd, two chassis with OVS and ovn-controller"
cli sandbox start --dir "$dir" --chassis hv1,hv2
eval "$(cli sandbox env --dir "$dir" --chassis hv1)"

step "The chassis registered in the Southbound DB"
ovn-sbctl show

step "The CMS side: a logical switch with three ports (ovn-nbctl)"
ovn-nbctl ls-add sw0 -- lsp-add sw0 vm1 -- lsp-add sw0 vm2 -- lsp-add sw0 vm3
ovn-nbctl show sw0

step "Ask OVN to plug them on hv1 (ovn-vif-ctl plug; the sandbox has no NIC, so the dummy provider)"
cli plug vm1 vm2 --chassis hv1 --type dummy --mtu 1500
cli plug vm3 --chassis hv1 --type dummy --mtu 9000 --dry-run
cli plug vm3 --chassis hv1 --type dummy --mtu 9000 --wait sb

step "On hv1: plug what is requested there (ovn-vif-ctl reconcile)"
cli reconcile

step "ovn-controller claims the ports: each Port_Binding is up"
ovn-sbctl --timeout=20 wait-until Port_Binding vm1 up=true
ovn-sbctl --timeout=20 wait-until Port_Binding vm3 up=true
cli status

step "Unplug vm2 and reconcile again: its interface is removed"
cli unplug vm2 --wait sb
cli reconcile

step "Where things stand, on hv1 and across every chassis"
cli status
cli status --all-chassis

step "Stop the sandbox"
trap - EXIT
cli sandbox stop --dir "$dir"
