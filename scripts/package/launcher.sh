#!/bin/sh
# Runs ovn-vif-ctl on the Node.js runtime inside this package, never on a `node` from PATH.
# /usr/bin/ovn-vif-ctl is a link to this file; an unpacked tarball runs it where it lies.
# Every command starts here, so the package's lib directory comes from $0 by text where the
# tree's own layout gives it (…/bin/ovn-vif-ctl beside …/lib/ovn-vif-ctl, or this file's own
# place), with no process started; any other name, such as a link of your own elsewhere, is
# resolved with readlink, from the system's default PATH (command -p) whatever the caller's.
lib=
case $0 in
  */bin/ovn-vif-ctl)
    prefix=${0%/bin/ovn-vif-ctl}
    if [ -x "$prefix/lib/ovn-vif-ctl/bin/node" ]; then lib=$prefix/lib/ovn-vif-ctl
    elif [ -x "$prefix/bin/node" ]; then lib=$prefix
    fi ;;
esac
if [ -z "$lib" ]; then
  self=$(command -p readlink -f -- "$0") || exit 70
  lib=${self%/bin/*}
fi
exec "$lib/bin/node" "$lib/bin/run.cjs" "$@"
