#!/bin/bash
# npm run lab:down — stop everything the lab started, by PID, and remove what it created: the
# nodes (their mount/network/UTS namespaces take qrouter/snat/fip/VM namespaces, veths, taps and
# each node's own OVS database with the agent's Manager row along), the underlay namespace, the
# runtime dir and .lab-state/. Safe to run twice.
. "$(dirname "$0")/lib.sh"
need_root
set +e
k() { # pid name [signal]
	local pid=$1 name=$2 sig=${3:-TERM}
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then kill "-$sig" "$pid" && echo "lab: $sig $name $pid"; fi
}
pf() { [ -f "$1" ] && cat "$1"; }
utsof() { readlink "/proc/$1/ns/uts" 2>/dev/null | tr -dc 0-9; }
# processes living in the lab's nodes (same UTS namespace as a node): agents' privsep helpers,
# keepalived in VM namespaces, sshd sessions, epmd, ...
labprocs() {
	local m="" n np
	for n in $NODES; do
		np=$(pf "$L/pids/node-$n.pid")
		[ -n "$np" ] && kill -0 "$np" 2>/dev/null && m="$m $(utsof "$np")"
	done
	[ -n "${m// /}" ] && ps -eo pid=,utsns= | awk -v m="$m" 'BEGIN{split(m,a," "); for(i in a) u[a[i]]=1} ($2 in u){print $1}'
}
if [ -d "$L" ]; then
	# every PID the lab owns, for lab/verify-clean.sh
	{ for f in "$L"/pids/*.pid "$L"/nodes/*/run-ovs/*.pid "$L"/nodes/*/run-ovn/*.pid "$L"/keepalived/*.pid; do [ -f "$f" ] && cat "$f"; done; labprocs; } | sort -un |
		while read -r pid; do [ -d "/proc/$pid" ] && echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60)"; done >/tmp/dvrscope-lab-last-pids.txt
	# front-ends on 127.0.0.1 (API, SSH, Kubernetes API) and their forked children
	for f in "$L"/pids/api-socat.pid "$L"/pids/ssh-*.pid "$L"/pids/kube.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		for ch in $(pgrep -P "$p"); do k "$ch" "$(basename "$f" .pid)-child"; done
		k "$p" "$(basename "$f" .pid)"
	done
	for i in $(seq 30); do
		alive=0
		for f in "$L"/pids/api-socat.pid "$L"/pids/ssh-*.pid "$L"/pids/kube.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for f in "$L"/pids/api-socat.pid "$L"/pids/ssh-*.pid "$L"/pids/kube.pid; do [ -f "$f" ] && k "$(cat "$f")" "$(basename "$f" .pid)" KILL; done
	for f in "$L"/keepalived/vm*.pid; do [ -f "$f" ] && k "$(cat "$f")" "keepalived($(basename "$f" .pid))"; done
	for n in $AGENT_NODES; do k "$(pf "$L/pids/l3-agent-$n.pid")" "l3-agent@$n"; k "$(pf "$L/pids/ovs-agent-$n.pid")" "ovs-agent@$n"; done
	k "$(pf "$L/pids/neutron-server.pid")" neutron-server
	for i in $(seq 20); do
		alive=0
		for f in "$L"/pids/l3-agent-*.pid "$L"/pids/ovs-agent-*.pid "$L"/pids/neutron-server.pid; do
			[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 1
	done
	for f in "$L"/pids/l3-agent-*.pid "$L"/pids/ovs-agent-*.pid "$L"/pids/neutron-server.pid; do [ -f "$f" ] && k "$(cat "$f")" "$(basename "$f" .pid)" KILL; done
	[ -f "$L/ctl/pg/data/postmaster.pid" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$L/ctl/pg/data" -m fast stop >/dev/null
	# RabbitMQ: beam.smp runs under the runuser PID's shell
	if [ -f "$L/pids/rabbit-runuser.pid" ]; then
		ru=$(cat "$L/pids/rabbit-runuser.pid")
		for sh in $(pgrep -P "$ru"); do for b in $(pgrep -P "$sh"); do k "$b" "rabbitmq($(cat /proc/$b/comm 2>/dev/null))"; done; done
		for i in $(seq 10); do kill -0 "$ru" 2>/dev/null || break; sleep 0.5; done
	fi
	# ML2/OVN lab: ovn-controller, ovn-northd and the NB/SB databases (pidfiles in each node's /run/ovn)
	for n in $NODES; do for d in ovn-controller ovn-northd ovnnb_db ovnsb_db; do k "$(pf "$L/nodes/$n/run-ovn/$d.pid")" "$d@$n"; done; done
	for n in $NODES; do for d in ovs-vswitchd ovsdb-server; do k "$(pf "$L/nodes/$n/run-ovs/$d.pid")" "$d@$n"; done; done
	sleep 1
	# whatever else still lives in a lab node: these namespaces were created by the lab
	nodepids=" $(for n in $NODES; do pf "$L/pids/node-$n.pid"; done | tr '\n' ' ') "
	for pid in $(labprocs); do
		case "$nodepids" in *" $pid "*) continue ;; esac
		k "$pid" "leftover:$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-50)"
	done
	sleep 1
	for pid in $(labprocs); do case "$nodepids" in *" $pid "*) continue ;; esac; k "$pid" leftover KILL; done
	# the nodes: their namespaces go away with their last process
	for n in $NODES; do k "$(pf "$L/pids/node-$n.pid")" "node-$n"; done
	sleep 0.5
	[ -f "$L/created-dirs" ] && while read -r d; do rmdir "$d" 2>/dev/null; done <"$L/created-dirs"
fi
ip netns del $UL 2>/dev/null && echo "lab: deleted netns $UL"
rm -rf "$L" "$S"
echo "lab: down"
