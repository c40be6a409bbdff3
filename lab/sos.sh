#!/bin/bash
# bash lab/sos.sh OUT_DIR [NODE…]   (default: every agent node)
# Run the real Debian `sosreport` (4.0) on lab nodes, as support asks a customer to: plugins host,
# networking, openvswitch, openstack_neutron, batch mode. Inside the node (its mount, network and
# UTS namespaces) and then a private mount namespace of its own, the node's Neutron config
# directory is bind-mounted over /etc/neutron and its Neutron state directory over
# /var/lib/neutron first, so sos reads that node's neutron.conf, l3_agent.ini and ha_confs — the
# node's agents and the rest of the lab see nothing of it. Writes OUT_DIR/sosreport-<node>-….tar.xz
# and prints their paths. Read-only toward the lab: sos only reads (and runs its read commands).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need_lab
out=${1:?usage: lab/sos.sh OUT_DIR [NODE…]}
shift
nodes=${*:-$AGENT_NODES}
command -v sosreport >/dev/null || die "sosreport is not installed (apt-get install sosreport; lab/packages.sh installs it)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
# one node's report: the node's config and state over the system paths in a private mount namespace
sos_on() {
	local n=$1 D=$L/nodes/$1
	mkdir -p "$D/state" "$L/sos-tmp/$n"
	# ethtool per namespace is off (only slower, nothing dvrscope reads); everything else as shipped
	on "$n" unshare -m --propagation private sh -c '
		set -e
		mount --bind "$1/etc" /etc/neutron
		mount --bind "$1/state" /var/lib/neutron
		exec sosreport --batch --quiet -o host,networking,openvswitch,openstack_neutron \
			-k networking.ethtool_namespaces=off --tmp-dir "$2"' sh "$D" "$L/sos-tmp/$n" \
		>"$L/logs/sos-$n.log" 2>&1
}
pids=()
for n in $nodes; do
	[ -d "$L/nodes/$n/etc" ] || die "no node $n"
	ts "sosreport on $n"
	sos_on "$n" &
	pids+=($!)
done
i=0
for n in $nodes; do
	wait "${pids[$i]}" || die "sosreport failed on $n: see $L/logs/sos-$n.log"
	i=$((i + 1))
	for f in "$L/sos-tmp/$n"/sosreport-*.tar.xz; do
		[ -f "$f" ] || die "sosreport on $n wrote no archive: see $L/logs/sos-$n.log"
		mv "$f" "$out/"
		echo "$out/$(basename "$f")"
	done
	rm -rf "$L/sos-tmp/$n"
done
ts "sosreport done on: $nodes"
