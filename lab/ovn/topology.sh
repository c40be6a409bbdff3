#!/bin/bash
# The incident topology on the ML2/OVN lab (real Neutron API, real ports; lab/ovn/lib.sh):
#   netA 198.19.0.0/24 + netB 198.19.1.0/24 (geneve) behind router r1; security group vrrp-icmp
#   (ingress ICMP and IP protocol 112); vm1 on compute-1 and vm2 on compute-2, both with allowed
#   address pair 198.19.0.100 (the VRRP VIP); a port "vip" holding the VIP as fixed IP, so Neutron
#   makes it an OVN virtual port (virtual-parents vm1, vm2); client on netB on the gateway chassis.
# Each "VM" is a network namespace inside its node, its veth in that node's br-int with
# external_ids:iface-id = the Neutron port: ovn-controller binds it and Neutron marks it ACTIVE.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$LAB_DIR/ovn/lib.sh"
lab_running || die "the lab is not running"
[ -f "$L/ids.env" ] && die "topology already created ($L/ids.env)"
mkdir -p "$L/api"
cd "$L"
post() { c -X POST "$API/$1" -d "$2"; }
mknet() { post networks "{\"network\":{\"name\":\"$1\",\"tenant_id\":\"$P\"}}" | tee "api/$1.json" | jq -er .network.id; }
mksub() { post subnets "{\"subnet\":{\"name\":\"$1\",\"tenant_id\":\"$P\",\"network_id\":\"$2\",\"ip_version\":4,\"cidr\":\"$3\",\"gateway_ip\":\"$4\",\"enable_dhcp\":false}}" | tee "api/$1.json" | jq -er .subnet.id; }
NA=$(mknet netA)
NB=$(mknet netB)
MTU=$(jq -er .network.mtu api/netA.json)
SA=$(mksub subA "$NA" $NET_A_CIDR $NET_A_GW)
SB=$(mksub subB "$NB" $NET_B_CIDR $NET_B_GW)
R=$(post routers "{\"router\":{\"name\":\"r1\",\"tenant_id\":\"$P\"}}" | tee api/router.json | jq -er .router.id)
c -X PUT "$API/routers/$R/add_router_interface" -d "{\"subnet_id\":\"$SA\"}" >api/rif-A.json
c -X PUT "$API/routers/$R/add_router_interface" -d "{\"subnet_id\":\"$SB\"}" >api/rif-B.json
SG=$(post security-groups "{\"security_group\":{\"name\":\"vrrp-icmp\",\"tenant_id\":\"$P\"}}" | tee api/sg.json | jq -er .security_group.id)
for proto in icmp 112; do
	post security-group-rules "{\"security_group_rule\":{\"tenant_id\":\"$P\",\"security_group_id\":\"$SG\",\"direction\":\"ingress\",\"ethertype\":\"IPv4\",\"protocol\":\"$proto\"}}" >"api/sgr-$proto.json"
done
echo "NA=$NA NB=$NB SA=$SA SB=$SB R=$R SG=$SG MTU=$MTU" >ids.env.tmp
mkport() { # name net subnet ip host extra
	local dev
	dev=$(cat /proc/sys/kernel/random/uuid)
	post ports "{\"port\":{\"name\":\"$1\",\"tenant_id\":\"$P\",\"network_id\":\"$2\",\"fixed_ips\":[{\"subnet_id\":\"$3\",\"ip_address\":\"$4\"}],\"binding:host_id\":\"$5\",\"device_owner\":\"compute:nova\",\"device_id\":\"$dev\",\"security_groups\":[\"$SG\"]$6}}" >"api/port-$1.json"
	echo "PORT_$1=$(jq -er .port.id "api/port-$1.json") MAC_$1=$(jq -er .port.mac_address "api/port-$1.json") DEV_$1=$dev" >>ids.env.tmp
}
AAP=",\"allowed_address_pairs\":[{\"ip_address\":\"$VIP\"}]"
mkport vm1 "$NA" "$SA" "${VM_IP[vm1]}" "${VM_NODE[vm1]}" "$AAP"
mkport vm2 "$NA" "$SA" "${VM_IP[vm2]}" "${VM_NODE[vm2]}" "$AAP"
mkport client "$NB" "$SB" "${VM_IP[client]}" "${VM_NODE[client]}" ''
# the VIP's own port (no binding, no device owner): Neutron's OVN driver makes it type=virtual
post ports "{\"port\":{\"name\":\"vip\",\"tenant_id\":\"$P\",\"network_id\":\"$NA\",\"fixed_ips\":[{\"subnet_id\":\"$SA\",\"ip_address\":\"$VIP\"}],\"security_groups\":[\"$SG\"]}}" >api/port-vip.json
echo "PORT_vip=$(jq -er .port.id api/port-vip.json) MAC_vip=$(jq -er .port.mac_address api/port-vip.json)" >>ids.env.tmp
mv ids.env.tmp ids.env
. ./ids.env
ts "Neutron objects created: router $R, network MTU $MTU"
plug() { # vm port mac dev ip gw
	local vm=$1 node=${VM_NODE[$1]}
	on "$node" bash -ec "
		ip netns add $vm
		ip link add tap-$vm type veth peer name eth0-$vm
		ip link set eth0-$vm netns $vm
		ip netns exec $vm ip link set eth0-$vm name eth0
		ip netns exec $vm ip link set eth0 address $3
		ip netns exec $vm ip link set eth0 mtu $MTU
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
for i in $(seq 30); do [ "$(nbctl --bare --columns=type find Logical_Switch_Port "name=$PORT_vip")" = virtual ] && break; sleep 1; done
[ "$(nbctl --bare --columns=type find Logical_Switch_Port "name=$PORT_vip")" = virtual ] || die "the VIP port did not become an OVN virtual port"
ts "VM ports ACTIVE; VIP port $PORT_vip is an OVN virtual port ($(nbctl --bare --columns=options find Logical_Switch_Port "name=$PORT_vip" | tr '\n' ' '))"
