#!/bin/bash
# The incident topology on the running lab (real Neutron API, real ports):
#   netA 198.19.0.0/24 + netB 198.19.1.0/24 behind distributed router r1; external net 198.18.2.0/24
#   (flat, extnet) as r1's gateway so snat-/fip- exist; vm1/vm2 on netA bound to compute-1, both with
#   allowed address pair 198.19.0.100 (the VRRP VIP); client on netB bound to compute-2.
# Each "VM" is a network namespace inside its node with a veth plugged into that node's br-int.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_running || die "the lab is not running"
[ -f "$L/ids.env" ] && die "topology already created ($L/ids.env)"
mkdir -p "$L/api"
cd "$L"
post() { c -X POST "$API/$1" -d "$2"; }
mknet() { post networks "{\"network\":{\"name\":\"$1\",\"tenant_id\":\"$P\"$2}}" | tee "api/$1.json" | jq -er .network.id; }
mksub() { post subnets "{\"subnet\":{\"name\":\"$1\",\"tenant_id\":\"$P\",\"network_id\":\"$2\",\"ip_version\":4,\"cidr\":\"$3\",\"gateway_ip\":\"$4\",\"enable_dhcp\":false}}" | tee "api/$1.json" | jq -er .subnet.id; }
NA=$(mknet netA '')
NB=$(mknet netB '')
SA=$(mksub subA "$NA" $NET_A_CIDR $NET_A_GW)
SB=$(mksub subB "$NB" $NET_B_CIDR $NET_B_GW)
R=$(post routers "{\"router\":{\"name\":\"r1\",\"tenant_id\":\"$P\",\"distributed\":true}}" | tee api/router.json | jq -er .router.id)
c -X PUT "$API/routers/$R/add_router_interface" -d "{\"subnet_id\":\"$SA\"}" >api/rif-A.json
c -X PUT "$API/routers/$R/add_router_interface" -d "{\"subnet_id\":\"$SB\"}" >api/rif-B.json
NE=$(mknet ext ',"router:external":true,"provider:network_type":"flat","provider:physical_network":"extnet"')
SE=$(mksub ext-sub "$NE" $EXT_CIDR $EXT_GW)
c -X PUT "$API/routers/$R" -d "{\"router\":{\"external_gateway_info\":{\"network_id\":\"$NE\"}}}" >api/router-gw.json
echo "NA=$NA NB=$NB SA=$SA SB=$SB R=$R NE=$NE SE=$SE" >ids.env.tmp
mkport() { # name net subnet ip host extra
	local dev
	dev=$(cat /proc/sys/kernel/random/uuid)
	post ports "{\"port\":{\"name\":\"$1\",\"tenant_id\":\"$P\",\"network_id\":\"$2\",\"fixed_ips\":[{\"subnet_id\":\"$3\",\"ip_address\":\"$4\"}],\"binding:host_id\":\"$5\",\"device_owner\":\"compute:nova\",\"device_id\":\"$dev\"$6}}" >"api/port-$1.json"
	echo "PORT_$1=$(jq -er .port.id "api/port-$1.json") MAC_$1=$(jq -er .port.mac_address "api/port-$1.json") DEV_$1=$dev" >>ids.env.tmp
}
AAP=",\"allowed_address_pairs\":[{\"ip_address\":\"$VIP\"}]"
mkport vm1 "$NA" "$SA" "${VM_IP[vm1]}" compute-1 "$AAP"
mkport vm2 "$NA" "$SA" "${VM_IP[vm2]}" compute-1 "$AAP"
mkport client "$NB" "$SB" "${VM_IP[client]}" compute-2 ''
mv ids.env.tmp ids.env
. ./ids.env
ts "Neutron objects created: router $R"
plug() { # vm port mac dev ip gw
	local vm=$1 node=${VM_NODE[$1]}
	on "$node" bash -ec "
		ip netns add $vm
		ip link add tap-$vm type veth peer name eth0-$vm
		ip link set eth0-$vm netns $vm
		ip netns exec $vm ip link set eth0-$vm name eth0
		ip netns exec $vm ip link set eth0 address $3
		ip netns exec $vm ip link set eth0 mtu 1450
		ip netns exec $vm ip addr add $5/24 dev eth0
		ip netns exec $vm ip link set eth0 up
		ip netns exec $vm ip link set lo up
		ip netns exec $vm ip route add default via $6
		ip link set tap-$vm up
		ovs-vsctl add-port br-int tap-$vm -- set Interface tap-$vm \
			external_ids:iface-id=$2 external_ids:attached-mac=$3 \
			external_ids:iface-status=active external_ids:vm-uuid=$4"
}
plug vm1 "$PORT_vm1" "$MAC_vm1" "$DEV_vm1" "${VM_IP[vm1]}" $NET_A_GW
plug vm2 "$PORT_vm2" "$MAC_vm2" "$DEV_vm2" "${VM_IP[vm2]}" $NET_A_GW
plug client "$PORT_client" "$MAC_client" "$DEV_client" "${VM_IP[client]}" $NET_B_GW
for i in $(seq 120); do
	up=$(c "$API/ports?device_owner=compute:nova" | jq '[.ports[] | select(.status=="ACTIVE")] | length')
	[ "$up" = 3 ] && break
	sleep 1
done
[ "$up" = 3 ] || die "only $up of 3 VM ports ACTIVE"
ts "VM ports ACTIVE"
# An L3 agent sometimes hangs in its first router update (oslo.privsep start-up race, "greenlet.error:
# cannot switch to a different thread"): a node without the VIP entry after 45 s gets its L3 agent
# restarted once (its full sync then writes the entries).
healed=""
for i in $(seq 150); do
	missing=$(entries | tr ' ' '\n' | awk -F= '$1 != "" && $2 == "" {print $1}')
	[ -z "$missing" ] && break
	if [ "$i" -ge 45 ]; then
		for n in $missing; do
			case " $healed " in *" $n "*) continue ;; esac
			ts "no VIP entry on $n after ${i}s: restarting its L3 agent"
			restart_l3 "$n"
			healed="$healed $n"
		done
	fi
	sleep 1
done
# Neutron writes the VIP entry from server fan-outs and agent resyncs: wait until it has been the
# same on every node for 10 s, then read it (never assume which MAC it chose)
cur=$(wait_stable 10 150)
ts "VIP $VIP entries: $cur [vm1=$MAC_vm1 vm2=$MAC_vm2]"
