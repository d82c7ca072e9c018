#!/bin/sh
# Runs ovn-vif-ctl on the Node.js runtime inside this package, never on a `node` from PATH.
# /usr/bin/ovn-vif-ctl is a link to this file; an unpacked tarball runs it where it lies.
# command -p: readlink from the system's default PATH, whatever the caller's PATH holds.
self=$(command -p readlink -f -- "$0") || exit 70
lib=${self%/bin/*}
exec "$lib/bin/node" "$lib/bin/run.js" "$@"
