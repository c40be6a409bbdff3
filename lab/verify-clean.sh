#!/bin/bash
# Check that nothing of the lab is left (exit 1 and name it otherwise). Only the lab's own traces:
# PIDs recorded by lab/down.sh (every process in the nodes' namespaces at the time), processes
# mentioning the lab's runtime dir, the lab's namespace, listeners, mounts and dirs — for both
# backends (ML2/OVS and ML2/OVN: ovn-controller, ovn-northd, the NB/SB databases).
. "$(dirname "$0")/lib.sh"
bad=0
report() { echo "LEFT: $*"; bad=1; }
if [ -f /tmp/dvrscope-lab-last-pids.txt ]; then
	while read -r pid cmd; do
		[ -d "/proc/$pid" ] && [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60)" = "$cmd" ] && report "process $pid $cmd"
	done </tmp/dvrscope-lab-last-pids.txt
fi
for p in /proc/[0-9]*; do
	# an argument that is the runtime dir or a path under it (not /tmp/dvrscope-lab.lock: the lock
	# the lab's users hold around up … down is not the lab's)
	tr '\0' '\n' 2>/dev/null <"$p/cmdline" | grep -qE "$L(/|$)" && report "process ${p#/proc/} $(tr '\0' ' ' 2>/dev/null <"$p/cmdline" | cut -c1-80)"
done
ip netns list | grep -qw "$UL" && report "netns $UL"
# the ML2/OVN lab's daemons (nothing else on a lab machine runs OVN) and its NB/SB databases
for p in $(pgrep -x ovn-controller) $(pgrep -x ovn-northd); do report "process $p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-80)"; done
for p in $(pgrep -f '^ovsdb-server /var/lib/ovn/ovn[ns]b_db.db'); do report "process $p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-80)"; done
for port in "${SSHPORT[@]}" "$API_PORT" "$KUBE_PORT"; do ss -Hltn "sport = :$port" | grep -q . && report "listener 127.0.0.1:$port"; done
findmnt -rn -o TARGET | grep -q "$L" && report "mounts under $L"
[ -e "$L" ] && report "$L"
[ -e "$S" ] && report "$S"
[ $bad = 0 ] && echo "lab: clean"
exit $bad
