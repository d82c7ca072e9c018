#!/usr/bin/env bash
# Installs the Debian packages that the sandbox and the tests run (openvswitch-switch ovn-central
# ovn-host, openssl for the TLS tests, groff-base to render the man page, zsh to check its
# completion script, systemd and man-db for systemd-analyze verify of the unit and its man page,
# libatomic1 for the official Node.js binaries) when any of them is missing. As root it installs them without starting the system
# services; otherwise it prints the exact command to run and fails.
set -euo pipefail

packages="openvswitch-switch ovn-central ovn-host openssl groff-base zsh systemd man-db libatomic1"
needed=(ovsdb-server ovsdb-tool ovsdb-client ovs-vsctl ovs-vswitchd ovn-nbctl ovn-sbctl ovn-northd ovn-controller openssl groff zsh systemd-analyze man)

missing=()
for program in "${needed[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
/sbin/ldconfig -p | grep -q '^[[:space:]]*libatomic\.so\.1 ' || missing+=(libatomic.so.1)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing ${missing[*]}: run 'sudo apt-get install -y $packages' and try again" >&2
  exit 5
fi

echo "installing $packages (missing: ${missing[*]})"
# The tests start their own daemons: keep the packages' system services from starting.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $packages >/dev/null
