#!/bin/bash
# Scenarios on the running ML2/OVN lab (lab/scenario.sh hands over here when the lab's backend is
# ovn). Each one reads the real state back: who holds the VIP, what the SB says (the virtual VIP
# port's virtual_parent, MAC_Binding), and the client's routed ping to the VIP.
#   healthy     keepalived VRRP (unicast) between vm1 (compute-1, priority 150, MASTER) and vm2
#               (compute-2); the MASTER's gratuitous ARPs bind the virtual port to it; ping works.
#   failover    the failover whose gratuitous ARPs OVN drops: vm2's Logical_Switch_Port lost the
#               VIP from its port_security (an allowed address pair that did not reach the NB —
#               written here with ovn-nbctl, as a failed Neutron → OVN sync leaves it), then
#               keepalived stops on vm1: vm2 takes the VIP, its GARPs are dropped by port security,
#               the SB keeps vm1 as virtual_parent and the client loses the VIP.
#   stale       the VIP moves vm1 → vm2 with no gratuitous ARP at all (keepalived stopped, plain
#               ip addr del/add; IPv4 arp_notify=0): the SB stays on vm1 indefinitely.
#   workaround  what fixes either: the holder's port re-synced to the NB through Neutron (its
#               allowed address pair set again, same value) and one gratuitous ARP from the holder
#               (arping -U, what keepalived sends on a transition): the SB follows, ping works.
#   state       JSON: scenario, ports, holder, SB virtual_parent, MAC_Binding, port_security, ping.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$LAB_DIR/ovn/lib.sh"
need_root
need_lab
[ -n "${R:-}" ] || die "no topology (lab/ovn/topology.sh)"
K=$L/keepalived
mkdir -p "$K"
other() { [ "$1" = vm1 ] && echo vm2 || echo vm1; }
mac_of() { eval echo "\$MAC_$1"; }
port_of() { eval echo "\$PORT_$1"; }
ka_running() { [ -f "$K/$1.pid" ] && kill -0 "$(cat "$K/$1.pid")" 2>/dev/null; }
ka_start() { # vm priority
	local me=${VM_IP[$1]} peer=${VM_IP[$(other "$1")]}
	cat >"$K/$1.conf" <<EOK
global_defs {
  router_id $1
  enable_script_security
}
vrrp_instance VIP100 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $2
  advert_int 1
  nopreempt
  unicast_src_ip $me
  unicast_peer {
    $peer
  }
  authentication {
    auth_type PASS
    auth_pass $CANARY_AUTH_PASS
  }
  virtual_ipaddress {
    $VIP/24 dev eth0
  }
  garp_master_delay 1
  garp_master_repeat 3
}
EOK
	setsid nsenter -t "$(nodepid "${VM_NODE[$1]}")" -m -n -u -- ip netns exec "$1" keepalived -n -l -D -f "$K/$1.conf" \
		-p "$K/$1.main.pid" -r "$K/$1.vrrp.pid" >"$K/$1.log" 2>&1 </dev/null &
	echo $! >"$K/$1.pid"
}
ka_stop() {
	ka_running "$1" || return 0
	local pid
	pid=$(cat "$K/$1.pid")
	kill -TERM "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$K/$1.pid"
}
wait_holder() { local i; for i in $(seq "${2:-20}"); do [ "$(holder)" = "$1" ] && return 0; sleep 0.5; done; return 1; }
wait_parent() { local i; for i in $(seq "${2:-20}"); do [ "$(sb_parent)" = "$1" ] && return 0; sleep 0.5; done; return 1; }
state() { echo "$1" >"$L/scenario"; }
show() {
	echo "  VIP $VIP held by: $(holder) (vm1=$MAC_vm1 vm2=$MAC_vm2)"
	echo "  SB: virtual port $PORT_vip bound to parent $(sb_parent); MAC_Binding $VIP → $(mac_binding)"
	echo "  NB port_security with the VIP: vm1 $(port_security_has_vip vm1), vm2 $(port_security_has_vip vm2)"
	echo "  client (network) -> $VIP: $(client_ping 3)/3 received"
}
# the member's allowed address pair set again through Neutron (same value): the OVN driver rewrites
# its Logical_Switch_Port (port_security included); cleared and set when the same value is not re-sent
resync_port() {
	local v=$1 i
	reset_aap "$(port_of "$v")"
	for i in $(seq 20); do [ "$(port_security_has_vip "$v")" = yes ] && return 0; sleep 0.5; done
	ts "$v: re-setting the same pair did not reach the NB; clearing and setting it"
	c -X PUT "$API/ports/$(port_of "$v")" -d '{"port":{"allowed_address_pairs":[]}}' >/dev/null
	reset_aap "$(port_of "$v")"
	for i in $(seq 20); do [ "$(port_security_has_vip "$v")" = yes ] && return 0; sleep 0.5; done
	die "$v's port_security in the NB does not take the VIP back"
}
healthy() {
	local v i
	for v in vm1 vm2; do [ "$(port_security_has_vip "$v")" = yes ] || resync_port "$v"; done
	ka_stop vm2
	ka_stop vm1
	for v in vm1 vm2; do vmx "$v" ip addr del "$VIP/24" dev eth0 2>/dev/null; done
	ka_start vm1 150
	wait_holder vm1 30 || die "keepalived did not make vm1 MASTER (see $K/vm1.log)"
	ka_start vm2 100
	wait_parent vm1 30 || die "the SB did not bind the virtual port to vm1: $(sb_parent)"
	for i in $(seq 10); do [ "$(client_ping 2)" -ge 1 ] && break; sleep 1; done
	state healthy
	ts "healthy: vm1 is MASTER and the SB binds the virtual VIP port to it"
	show
}
failover() {
	local old new sec
	old=$(holder)
	[ -n "$old" ] || die "no VRRP MASTER holds the VIP (lab/scenario.sh healthy)"
	new=$(other "$old")
	ka_running "$new" || { ka_start "$new" 100; sleep 4; }
	sec=$(nbctl get Logical_Switch_Port "$(port_of "$new")" port_security | tr -d '[]"' | sed "s/ ${VIP//./\\.}\b//")
	ts "DRIFT: $new's Logical_Switch_Port port_security without $VIP (Neutron still lists the pair): [$sec]"
	nbctl lsp-set-port-security "$(port_of "$new")" "$sec"
	ts "FAILOVER: stop keepalived on $old (MASTER)"
	ka_stop "$old"
	wait_holder "$new" 20 || die "the VIP did not move to $new"
	sleep 6 # gratuitous ARPs (garp_master_delay 1, repeat 3): dropped by port security
	state failover
	ts "the VIP moved to $new ($(mac_of "$new")); the SB still names $(sb_parent)"
	show
}
stale() {
	local old new
	old=$(holder)
	[ -n "$old" ] || die "no VRRP MASTER holds the VIP (lab/scenario.sh healthy)"
	new=$(other "$old")
	ka_stop "$new"
	ka_stop "$old"
	vmx "$new" ip neigh flush dev eth0
	ts "SILENT MOVE: $VIP off $old, onto $new with no gratuitous ARP (arp_notify=$(vmx "$new" sysctl -n net.ipv4.conf.eth0.arp_notify))"
	vmx "$old" ip addr del "$VIP/24" dev eth0 2>/dev/null
	vmx "$new" ip addr add "$VIP/24" dev eth0
	sleep 5
	state stale
	show
}
workaround() {
	local m i
	m=$(holder)
	[ -n "$m" ] || die "no VRRP MASTER holds the VIP"
	ts "WORKAROUND: $m's port re-synced to the NB through Neutron, then one gratuitous ARP from $m"
	resync_port "$m"
	vmx "$m" arping -q -U -c 1 -I eth0 -s "$VIP" "$VIP"
	wait_parent "$m" 20 || echo "lab: the SB did not follow $m within 10 s: $(sb_parent)" >&2
	for i in $(seq 10); do [ "$(client_ping 2)" -ge 1 ] && break; sleep 1; done
	state workaround
	show
}
state_json() {
	printf '{"backend":"ovn","scenario":"%s","vip":"%s","router":"%s","project":"%s",' "$(cat "$L/scenario" 2>/dev/null)" "$VIP" "$R" "$P"
	printf '"ports":{"vm1":{"id":"%s","mac":"%s","ip":"%s"},"vm2":{"id":"%s","mac":"%s","ip":"%s"},"client":{"id":"%s","mac":"%s","ip":"%s"},"vip":{"id":"%s","mac":"%s","ip":"%s"}},' \
		"$PORT_vm1" "$MAC_vm1" "${VM_IP[vm1]}" "$PORT_vm2" "$MAC_vm2" "${VM_IP[vm2]}" "$PORT_client" "$MAC_client" "${VM_IP[client]}" "$PORT_vip" "$MAC_vip" "$VIP"
	printf '"master":"%s","sbParent":"%s","macBinding":"%s","portSecurity":{"vm1":"%s","vm2":"%s"},' \
		"$(holder)" "$(sb_parent)" "$(mac_binding)" "$(port_security_has_vip vm1)" "$(port_security_has_vip vm2)"
	printf '"clientPing":{"sent":3,"received":%s}}\n' "$(client_ping 3)"
}
case "${1:-}" in
healthy | failover | stale | workaround) "$1" ;;
state) state_json ;;
ssh-down | ssh-up) die "ssh-down/ssh-up: the ML2/OVS lab's scenarios (not on the OVN lab)" ;;
*) die "usage: lab/scenario.sh healthy|failover|stale|workaround|state (ML2/OVN lab)" ;;
esac
