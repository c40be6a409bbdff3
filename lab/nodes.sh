#!/bin/bash
# The lab's underlay and nodes (lab/up.sh and lab/ovn/up.sh): namespace dvrlab-ul with Linux bridge
# ulbr, and each node as `unshare -m -n -u` (lab/node-init.sh) with a management veth on ulbr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# --- 1. underlay: netns dvrlab-ul with Linux bridge ulbr -----------------------------------------
ip netns add $UL
ip -n $UL link set lo up
ip -n $UL link add ulbr type bridge
ip -n $UL link set ulbr up

# --- 2. nodes ------------------------------------------------------------------------------------
for n in $NODES; do
	D=$L/nodes/$n
	mkdir -p "$D"/{run-ovs,etc-ovs,log-ovs,netns,state,lock,logs,etc,root}
	# ML2/OVN: the node's own /run/ovn, /var/lib/ovn, /var/log/ovn (lab/node-init.sh mounts them)
	[ "$LAB_BACKEND" != ovn ] || mkdir -p "$D"/{run-ovn,lib-ovn,log-ovn}
	# a plain root HOME: the machine's ~/.bashrc may run pyenv (0.6 s per SSH exec)
	printf '# lab node %s: plain shell start-up\n' "$n" >"$D/root/.bashrc"
	cp "$D/root/.bashrc" "$D/root/.profile"
	setsid unshare -m -n -u --propagation private "$LAB_DIR/node-init.sh" "$n" "$L" >"$D/logs/init.out" 2>&1 </dev/null &
	echo $! >"$L/pids/node-$n.pid"
done
for n in $NODES; do
	for i in $(seq 50); do [ "$(nsenter -t "$(nodepid "$n")" -u hostname 2>/dev/null)" = "$n" ] && break; sleep 0.1; done
	[ "$(nsenter -t "$(nodepid "$n")" -u hostname 2>/dev/null)" = "$n" ] || die "node $n did not start: $(cat "$L/nodes/$n/logs/init.out")"
	s=${SHORT[$n]}
	ip -n $UL link add "m-$s" type veth peer name mgmt0 netns "$(nodepid "$n")"
	ip -n $UL link set "m-$s" master ulbr up
	on "$n" ip addr add "${MGMT[$n]}/24" dev mgmt0
	on "$n" ip link set mgmt0 up
done
ts "nodes up: $(for n in $NODES; do echo -n "$n=$(nodepid "$n") "; done)"

