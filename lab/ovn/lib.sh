# The ML2/OVN lab (LAB_BACKEND=ovn): sourced after lab/lib.sh by lab/ovn/*.sh, lab/inventory.sh
# and lab/kube.sh. Same four nodes, addresses and SSH ports as the ML2/OVS lab:
#   controller  OVN NB + SB ovsdb-server (tcp:198.18.0.254:6641/6642), ovn-northd, RabbitMQ,
#               PostgreSQL, neutron-server (ML2/ovn, ovn-router); its own OVS (no ovn-controller)
#   network     OVS (netdev) + ovn-controller, gateway chassis (enable-chassis-as-gw,
#               extnet:br-ex); the client VM
#   compute-1   OVS + ovn-controller; vm1          compute-2   OVS + ovn-controller; vm2
# Geneve between the chassis on br-phy (OVS userspace tunneling), as the OVS lab's VXLAN.
CHASSIS=$AGENT_NODES
GW_CHASSIS=network
VM_NODE=([vm1]=compute-1 [vm2]=compute-2 [client]=network)
ROLES[controller]="controller, ovn-db"
# read-only OVN DB queries on the controller (the lab's own checks; dvrscope reads through its catalog)
nbctl() { on controller ovn-nbctl --no-leader-only "$@"; }
sbctl() { on controller ovn-sbctl --no-leader-only "$@"; }
vmx() { local vm=$1; shift; on "${VM_NODE[$vm]}" ip netns exec "$vm" "$@"; }
# which VM holds the VIP on its eth0 ('' if none)
holder() { local v; for v in vm1 vm2; do vmx "$v" ip -br addr show eth0 2>/dev/null | grep -q "${VIP//./\\.}/" && echo "$v"; done; }
# routed probe: the client VM (on the gateway chassis, netB) pings the VIP; prints the received count
client_ping() { vmx client ping -c "${1:-3}" -W 1 -i 0.3 "$VIP" 2>/dev/null | awk '/packets transmitted/{print $4}'; }
vm_of_port() { case "$1" in "${PORT_vm1:-}") echo vm1 ;; "${PORT_vm2:-}") echo vm2 ;; '') echo none ;; *) echo "?" ;; esac; }
# SB: the VRRP member the virtual VIP port is bound to (vm1 | vm2 | none)
sb_parent() { vm_of_port "$(sbctl --bare --columns=virtual_parent find Port_Binding "logical_port=${PORT_vip:-none}" 2>/dev/null | grep . | head -1)"; }
# SB MAC_Binding for the VIP (the routers' belief): vm1 | vm2 | none
mac_binding() { who "$(sbctl --bare --columns=mac find MAC_Binding "ip=$VIP" 2>/dev/null | grep . | head -1)"; }
# NB: does the member's Logical_Switch_Port port_security allow the VIP? yes | no
port_security_has_vip() { nbctl --bare --columns=port_security find Logical_Switch_Port "name=$(eval echo "\$PORT_$1")" | grep -q "${VIP//./\\.}\b" && echo yes || echo no; }
