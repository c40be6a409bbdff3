#!/bin/bash
# bash lab/ovn/record-trace.sh OUT_DIR LABEL
# Record the read-only ovn-trace reads of an OVN packet-path proof (issue 22) on the running ML2/OVN
# lab, in its current state, into OUT_DIR/LABEL/: every file is one command's stdout, its exact
# command line, node and exit status in OUT_DIR/LABEL/commands.tsv. Nothing here changes a node:
# ovn-trace only simulates a microflow against the southbound DB's logical flows (no packet is
# injected, no row written); ovn-nbctl reads. Runs on the controller (where the SB DB is) through
# the lab's SSH (the same path dvrscope takes).
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$LAB_DIR/ovn/lib.sh"
need_root
need_lab
out=${1:?usage: lab/ovn/record-trace.sh OUT_DIR LABEL}/${2:?label}
mkdir -p "$out"
: >"$out/commands.tsv"
SSHCFG=$S/ssh_config
rec() { # NAME NODE CMD...: CMD on NODE over SSH, stdout to NAME, stderr to NAME.stderr if any
	local name=$1 node=$2; shift 2
	local cmd rc
	cmd=$(printf '%q ' "$@")
	ssh -F "$SSHCFG" "$node" "$cmd" >"$out/$name" 2>"$out/$name.stderr"
	rc=$?
	[ -s "$out/$name.stderr" ] || rm -f "$out/$name.stderr"
	printf '%s\t%s\t%s\t%s\n' "$name" "$node" "$rc" "${cmd% }" >>"$out/commands.tsv"
}
q() { ssh -F "$SSHCFG" "$1" "$2"; }
# the router port MAC on the client's subnet (read, never assumed)
lrpB=$(q controller "ovn-nbctl --no-leader-only --bare --columns=mac find Logical_Router_Port 'networks=\"$NET_B_GW/24\"'")
cip=${VM_IP[client]}
T=(ovn-trace --no-leader-only --detailed --no-friendly-names)
flow() { # inport mac ip dst-mac dst-ip
	printf 'inport == "%s" && eth.src == %s && ip4.src == %s && eth.dst == %s && ip4.dst == %s && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0' "$@"
}
# 1: routed, the client (netB) to the VIP through the router
rec 1-routed-client-to-vip.txt controller "${T[@]}" "neutron-$NB" "$(flow "$PORT_client" "$MAC_client" "$cip" "$lrpB" "$VIP")"
# 2: same subnet: vm2 (netA) to the VIP, eth.dst = the SB virtual parent's MAC (what the ARP gets)
pmac=$MAC_vm1
[ "$(sb_parent)" = vm2 ] && pmac=$MAC_vm2
rec 2-l2-vm2-to-vip.txt controller "${T[@]}" "neutron-$NA" "$(flow "$PORT_vm2" "$MAC_vm2" "${VM_IP[vm2]}" "$pmac" "$VIP")"
# 3: the --summary form of 1 (for comparison; dvrscope reads --detailed)
rec 3-routed-summary.txt controller ovn-trace --no-leader-only --summary --no-friendly-names "neutron-$NB" "$(flow "$PORT_client" "$MAC_client" "$cip" "$lrpB" "$VIP")"
# pitfalls, as the real ovn-trace prints them
rec p-unknown-inport.txt controller "${T[@]}" "neutron-$NB" "$(flow 00000000-0000-0000-0000-000000000000 "$MAC_client" "$cip" "$lrpB" "$VIP")"
rec p-unknown-datapath.txt controller "${T[@]}" neutron-00000000-0000-0000-0000-000000000000 "$(flow "$PORT_client" "$MAC_client" "$cip" "$lrpB" "$VIP")"
rec p-syntax.txt controller "${T[@]}" "neutron-$NB" "inport == \"$PORT_client\" && ip4.dst == "
rec p-no-icmp-acl.txt controller "${T[@]}" "neutron-$NB" "inport == \"$PORT_client\" && eth.src == $MAC_client && ip4.src == $cip && eth.dst == $lrpB && ip4.dst == $VIP && ip.ttl == 64 && tcp.dst == 5"
rec sb-port-binding-vip.txt controller ovn-sbctl --no-leader-only find Port_Binding "logical_port=$PORT_vip"
rec sb-mac-binding-vip.txt controller ovn-sbctl --no-leader-only find MAC_Binding "ip=$VIP"
rec ping-client.txt network ip netns exec client ping -c 3 -W 1 -i 0.3 "$VIP"
"$LAB_DIR/scenario.sh" state | jq . >"$out/lab.json"
echo "router_port_mac_netB=$lrpB virtual_parent=$(sb_parent) parent_mac=$pmac" >"$out/inputs.txt"
ts "recorded $out"
