#!/usr/bin/env bash
# Installs the Debian packages that the sandbox and the tests run (openvswitch-switch ovn-central
# ovn-host, openssl for the TLS tests, groff-base to render the man page, zsh to check its
# completion script, systemd and man-db for systemd-analyze verify of the unit and its man page,
# libatomic1 for the official Node.js binaries, prometheus for promtool and the Prometheus server
# the metrics tests run) when any of them is missing.
# With --packaging, also what `npm run package` and its tests need: binutils (readelf),
# bash-completion, qemu-user-static and the arm64 C libraries it runs the arm64 runtime with,
# python3-debian (Debian's own parser of the DEP-5 copyright file).
# As root it installs them without starting the system services; otherwise it prints the exact
# command to run and fails.
set -euo pipefail

packages=(openvswitch-switch ovn-central ovn-host openssl groff-base zsh systemd man-db libatomic1 prometheus)
needed=(ovsdb-server ovsdb-tool ovsdb-client ovs-vsctl ovs-vswitchd ovn-nbctl ovn-sbctl ovn-northd ovn-controller openssl groff zsh systemd-analyze man promtool prometheus)
libraries=(libatomic.so.1)
files=()
arm64=0
if [ "${1:-}" = --packaging ]; then
  arm64=1
  packages+=(binutils bash-completion qemu-user-static libc6:arm64 libstdc++6:arm64 libatomic1:arm64 python3-debian)
  needed+=(readelf dpkg-deb qemu-aarch64-static)
  files+=(/usr/share/bash-completion/bash_completion /lib/ld-linux-aarch64.so.1 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libatomic.so.1 /usr/lib/python3/dist-packages/debian/copyright.py)
fi

missing=()
for program in "${needed[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
for library in "${libraries[@]}"; do
  /sbin/ldconfig -p | grep -q "^[[:space:]]*${library} " || missing+=("$library")
done
for file in "${files[@]}"; do
  [ -e "$file" ] || missing+=("$file")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  add_arch=''
  [ "$arm64" = 1 ] && add_arch='sudo dpkg --add-architecture arm64 && sudo apt-get update && '
  echo "missing ${missing[*]}: run '${add_arch}sudo apt-get install -y ${packages[*]}' and try again" >&2
  exit 5
fi

echo "installing ${packages[*]} (missing: ${missing[*]})"
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
[ "$arm64" = 1 ] && dpkg --add-architecture arm64
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
