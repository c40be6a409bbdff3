#!/bin/bash
# bash lab/record-trace.sh OUT_DIR LABEL
# Record the read-only commands of a packet-path proof (issue 22) on the running lab, in its
# current state, into OUT_DIR/LABEL/: every file is one command's stdout, its exact command line,
# node and exit status in OUT_DIR/LABEL/commands.tsv. Nothing here changes a node: ofproto/trace
# without -generate and without a packet argument, `ip route get`, `ip neigh show`, ovs-vsctl reads.
# Runs on the node through the lab's SSH (the same path dvrscope takes).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need_lab
out=${1:?usage: lab/record-trace.sh OUT_DIR LABEL}/${2:?label}
mkdir -p "$out"
: >"$out/commands.tsv"
SSHCFG=$S/ssh_config
# rec NAME NODE CMD...: run CMD on NODE over SSH, stdout to NAME, stderr to NAME.stderr if any
rec() {
	local name=$1 node=$2; shift 2
	local cmd rc
	cmd=$(printf '%q ' "$@")
	ssh -F "$SSHCFG" "$node" "$cmd" >"$out/$name" 2>"$out/$name.stderr"
	rc=$?
	[ -s "$out/$name.stderr" ] || rm -f "$out/$name.stderr"
	printf '%s\t%s\t%s\t%s\n' "$name" "$node" "$rc" "${cmd% }" >>"$out/commands.tsv"
}
q() { ssh -F "$SSHCFG" "$1" "$2"; }
NS=qrouter-$R
C2=compute-2 C1=compute-1
cip=${VM_IP[client]}
# the client's tap on compute-2 and the router legs (read, never assumed)
ctap=$(q $C2 "ovs-vsctl --bare --columns=name find Interface external_ids:iface-id=$PORT_client")
qrB=$(q $C2 "ip -n $NS -o -4 addr show" | awk -v gw="$NET_B_GW/" 'index($4, gw) == 1 {print $2}')
qrA=$(q $C2 "ip -n $NS -o -4 addr show" | awk -v gw="$NET_A_GW/" 'index($4, gw) == 1 {print $2}')
macB=$(q $C2 "ip -n $NS -j link show $qrB" | jq -r '.[0].address')
macA=$(q $C2 "ip -n $NS -j link show $qrA" | jq -r '.[0].address')
ts "trace inputs: client tap $ctap, $qrB ($macB), $qrA ($macA)"
rec interfaces-compute-2.json $C2 ovs-vsctl -t 5 --format=json --columns=name,ofport,type,options,external_ids list Interface
rec interfaces-compute-1.json $C1 ovs-vsctl -t 5 --format=json --columns=name,ofport,type,options,external_ids list Interface
rec interfaces-network.json network ovs-vsctl -t 5 --format=json --columns=name,ofport,type,options,external_ids list Interface
# hop 1: client → its subnet's router leg
rec 1-compute-2-br-int-client-to-qr.txt $C2 ovs-appctl ofproto/trace br-int --names \
	"in_port=$ctap,ip,dl_src=$MAC_client,dl_dst=$macB,nw_src=$cip,nw_dst=$VIP"
# hop 2: the qrouter's route and the VIP's neighbour entry
rec 2-compute-2-route-get.json $C2 ip -n $NS -j route get $VIP from $cip iif $qrB
rec 2-compute-2-route-get.txt $C2 ip -n $NS route get $VIP from $cip iif $qrB
rec 2-compute-2-neigh.json $C2 ip -n $NS -j neigh show $VIP
rec 2-compute-2-neigh.txt $C2 ip -n $NS neigh show $VIP
nmac=$(jq -r '.[0].lladdr // empty' "$out/2-compute-2-neigh.json")
# hop 3: back into OVS from the router's leg towards the entry's MAC: patch → br-tun, DVR rewrite, VXLAN
rec 3-compute-2-br-int-qr-to-tunnel.txt $C2 ovs-appctl ofproto/trace br-int --names \
	"in_port=$qrA,ip,dl_src=$macA,dl_dst=$nmac,nw_src=$cip,nw_dst=$VIP"
dvrmac=$(grep -oE 'fa:16:3f(:[0-9a-f]{2}){3}' "$out/3-compute-2-br-int-qr-to-tunnel.txt" | head -1)
tunid=$(grep -oE '0x[0-9a-f]+->tun_id' "$out/3-compute-2-br-int-qr-to-tunnel.txt" | head -1 | cut -d- -f1)
[ -n "$tunid" ] || tunid=$(c "$API/networks/$NA" | jq -r '.network["provider:segmentation_id"]')
ts "DVR MAC of compute-2: ${dvrmac:-?}; tun_id $tunid; entry MAC $nmac"
# hop 4: the remote node, from its tunnel port from compute-2, with and without tun_id
vx=$(q $C1 "ovs-vsctl --bare --columns=name find Interface type=vxlan options:remote_ip=${TUN[compute-2]}")
rec 4-compute-1-br-tun-from-tunnel.txt $C1 ovs-appctl ofproto/trace br-tun --names \
	"in_port=$vx,tun_id=$tunid,ip,dl_src=${dvrmac:-fa:16:3f:00:00:01},dl_dst=$nmac,nw_src=$cip,nw_dst=$VIP"
rec 4-compute-1-br-tun-no-tun-id.txt $C1 ovs-appctl ofproto/trace br-tun --names \
	"in_port=$vx,ip,dl_src=${dvrmac:-fa:16:3f:00:00:01},dl_dst=$nmac,nw_src=$cip,nw_dst=$VIP"
rec 4-compute-1-tunnel-remote-ip.txt $C1 ovs-vsctl -t 5 get Interface "$vx" options:remote_ip
# the same trace with the MAC of a VM that is not on that node: learning path / flood
rec 5-compute-1-br-tun-unknown-mac-flood.txt $C1 ovs-appctl ofproto/trace br-tun --names \
	"in_port=$vx,tun_id=$tunid,ip,dl_src=${dvrmac:-fa:16:3f:00:00:01},dl_dst=fa:16:3e:00:00:99,nw_src=$cip,nw_dst=$VIP"
rec 5-compute-2-br-int-unknown-mac-flood.txt $C2 ovs-appctl ofproto/trace br-int --names \
	"in_port=$ctap,ip,dl_src=$MAC_client,dl_dst=fa:16:3e:00:00:99,nw_src=$cip,nw_dst=198.19.1.99"
# L2 path on the VIP's own subnet (vm2 → VIP on compute-1, no qrouter hop)
vm2tap=$(q $C1 "ovs-vsctl --bare --columns=name find Interface external_ids:iface-id=$PORT_vm2")
rec 6-compute-1-br-int-l2-vm2-to-entry.txt $C1 ovs-appctl ofproto/trace br-int --names \
	"in_port=$vm2tap,ip,dl_src=$MAC_vm2,dl_dst=$nmac,nw_src=${VM_IP[vm2]},nw_dst=$VIP"
# the pitfalls, as the real OVS prints them
rec p-unknown-port.txt $C2 ovs-appctl ofproto/trace br-int --names "in_port=tapnosuch,ip,nw_dst=$VIP"
rec p-no-bridge.txt $C2 ovs-appctl ofproto/trace "in_port=$ctap,ip,nw_dst=$VIP"
rec p-nw-dst-without-ip.txt $C2 ovs-appctl ofproto/trace br-int --names "in_port=$ctap,nw_dst=$VIP"
rec p-no-names.txt $C2 ovs-appctl ofproto/trace br-int \
	"in_port=$ctap,ip,dl_src=$MAC_client,dl_dst=$macB,nw_src=$cip,nw_dst=$VIP"
rec p-no-such-bridge.txt $C2 ovs-appctl ofproto/trace br-nosuch --names "in_port=1,ip"
rec fdb-compute-1-br-int.txt $C1 ovs-appctl fdb/show br-int
rec dvr-flows-compute-1-br-tun.txt $C1 ovs-ofctl dump-flows br-tun table=1
rec dvr-flows-compute-1-br-int.txt $C1 ovs-ofctl dump-flows br-int table=1
rec ping-client.txt $C2 ip netns exec client ping -c 3 -W 1 -i 0.3 $VIP
"$LAB_DIR/scenario.sh" state | jq . >"$out/lab.json"
{
	echo "client_tap=$ctap qrB=$qrB macB=$macB qrA=$qrA macA=$macA"
	echo "entry_mac=$nmac dvr_mac_compute_2=$dvrmac tun_id=$tunid vxlan_compute_1=$vx vm2_tap=$vm2tap"
} >"$out/inputs.txt"
ts "recorded $out"
