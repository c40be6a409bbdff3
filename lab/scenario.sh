#!/bin/bash
# Scenarios on the running lab. Each one waits for Neutron to settle and reads the real state.
#   healthy     keepalived VRRP between vm1/vm2 (compute-1); the VM whose MAC the qrouter entries
#               hold is MASTER; if the nodes disagree, one no-op allowed-address-pair update first.
#   failover    stop keepalived on the MASTER: the VIP moves, every node's qrouter keeps the old MAC,
#               the client on compute-2 loses the VIP (LP#1774459).
#   workaround  re-set the allowed address pair (same value) on the new MASTER's port: Neutron
#               re-points every node's entry; the client reaches the VIP again.
#   settle      wait for every node to follow the MASTER after a fix applied from outside (the
#               e2e test runs the `openstack port set` a finding prints), then record the state.
#   divergence  the nodes' qrouters disagree on the VIP's MAC: compute-2's L3 agent misses one
#               fan-out (frozen while it is sent, its AMQP connections torn down), so the client's
#               node keeps the BACKUP's MAC while the others point at the MASTER — no failover.
#   vip-port-deleted  an Octavia-style unbound VIP port holds the VIP as its fixed IP (vm1/vm2 carry
#               it as allowed address pair, vm1 MASTER), then the VIP port is deleted: Neutron
#               deletes the VIP's PERMANENT entry on every node; the client's routed traffic is
#               lost (its qrouter entry goes INCOMPLETE/FAILED). The snat- entry still shows vm1.
#   holder-unknown  no member answers (keepalived stopped on both) and the VIP port is created and
#               deleted again (no PERMANENT entry anywhere); the snat- entry is probed to FAILED,
#               so nothing in the capture tells who should hold the VIP.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
# the ML2/OVN lab has its own scenarios (same names where they mean the same)
[ "$LAB_BACKEND" = ovn ] && exec "$LAB_DIR/ovn/scenario.sh" "$@"
need_lab
[ -n "${R:-}" ] || die "no topology (lab/topology.sh)"
K=$L/keepalived
# the pair's keepalived.conf (auth_pass = a planted canary secret) lives on compute-1 under
# vrrp/<instance uuid>/, where the collection's ha_confs reader finds it (the inventory points
# compute-1's haConfsPath there)
KC=$L/nodes/compute-1/vrrp
mkdir -p "$K" "$KC"
other() { [ "$1" = vm1 ] && echo vm2 || echo vm1; }
mac_of() { eval echo "\$MAC_$1"; }
port_of() { eval echo "\$PORT_$1"; }
dev_of() { eval echo "\$DEV_$1"; } # the "VM"'s device (instance) uuid
ka_running() { [ -f "$K/$1.pid" ] && kill -0 "$(cat "$K/$1.pid")" 2>/dev/null; }
ka_conf() { # vm priority
	local me=${VM_IP[$1]} peer=${VM_IP[$(other "$1")]}
	mkdir -p "$KC/$(dev_of "$1")"
	cat >"$KC/$(dev_of "$1")/keepalived.conf" <<EOK
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
}
ka_start() { # vm priority
	ka_conf "$1" "$2"
	setsid nsenter -t "$(nodepid compute-1)" -m -n -u -- ip netns exec "$1" keepalived -n -l -D -f "$KC/$(dev_of "$1")/keepalived.conf" \
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
wait_all() { # mac seconds: every agent node's entry == mac
	local i n ok
	for i in $(seq "${2:-60}"); do
		ok=0
		for n in $AGENT_NODES; do [ "$(vip_mac "$n")" = "$1" ] && ok=$((ok + 1)); done
		[ $ok = 3 ] && return 0
		sleep 1
	done
	return 1
}
# rabbitmqctl against the controller's RabbitMQ (its own cookie under the lab's runtime dir)
rmq() {
	on controller runuser -u rabbitmq -- env HOME="$L/ctl/rabbit" ERL_EPMD_ADDRESS=127.0.0.1 \
		/usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit@localhost -q "$@"
}
wait_all_but() { # node mac seconds: every other agent node's entry == mac
	local skip=$1 i n ok
	for i in $(seq "${3:-60}"); do
		ok=1
		for n in $AGENT_NODES; do [ "$n" = "$skip" ] || [ "$(vip_mac "$n")" = "$2" ] || ok=0; done
		[ $ok = 1 ] && return 0
		sleep 1
	done
	return 1
}
show() {
	local n m
	echo "  VIP $VIP held by: $(holder || true) (vm1=$MAC_vm1 vm2=$MAC_vm2)"
	for n in $AGENT_NODES; do m=$(vip_mac "$n"); echo "  $n qrouter-$R: $VIP lladdr $m PERMANENT ($(who "$m"))"; done
	echo "  client (compute-2) -> $VIP: $(client_ping 3)/3 received"
}
state() { echo "$1" >"$L/scenario"; }
# The snat- namespace on the network node talks to the VIP (as the return path of SNAT'd traffic
# would): its dynamic neighbour entry then follows keepalived's gratuitous ARPs — the live owner a
# collection can see, next to the qrouter PERMANENT entries that do not follow.
prime_snat() { on network ip netns exec "snat-$R" ping -c 2 -W 1 -i 0.3 "$VIP" >/dev/null 2>&1 || true; }
healthy() {
	local cur m master
	cur=$(wait_stable 10 120)
	ts "VIP entries: $cur"
	# nodes that disagree, or entries gone (after holder-unknown deleted the VIP port): re-set the pair
	if [ "$(echo "$cur" | tr ' ' '\n' | grep = | cut -d= -f2 | sort -u | wc -l)" != 1 ] || [ -z "$(vip_mac compute-2)" ]; then
		m=$(vip_mac compute-2)
		master=$(who "$m")
		[ "$master" = vm1 ] || [ "$master" = vm2 ] || master=vm1
		ts "nodes disagree on the VIP's MAC (or have none): re-set the allowed address pair on $master's port"
		# an unchanged pair may not be re-sent to the agents: clear it first when the entries are gone
		[ -n "$(vip_mac compute-2)" ] || c -X PUT "$API/ports/$(port_of "$master")" -d '{"port":{"allowed_address_pairs":[]}}' >/dev/null
		reset_aap "$(port_of "$master")"
		wait_all "$(mac_of "$master")" 60 || die "entries did not converge on $master: $(entries)"
		cur=$(wait_stable 10 60)
	fi
	master=$(who "$(vip_mac compute-2)")
	[ "$master" = vm1 ] || [ "$master" = vm2 ] || die "the VIP entry points at no VRRP VM: $cur"
	ka_stop vm1
	ka_stop vm2
	ka_start "$master" 150
	ka_start "$(other "$master")" 100
	wait_holder "$master" 30 || die "keepalived did not make $master MASTER (see $K/$master.log)"
	sleep 3
	for i in $(seq 10); do [ "$(client_ping 2)" -ge 1 ] && break; sleep 1; done
	prime_snat
	echo "$master" >"$K/master"
	state healthy
	ts "healthy: $master is MASTER and every node's entry points at it"
	show
}

failover() {
	local old new oldmac i
	old=$(holder)
	[ -n "$old" ] || die "no VRRP MASTER holds the VIP (run: npm run lab:up, or lab/scenario.sh healthy)"
	new=$(other "$old")
	ka_running "$new" || { ka_start "$new" 100; sleep 4; ts "started keepalived on $new (BACKUP)"; }
	oldmac=$(mac_of "$old")
	prime_snat
	ts "FAILOVER: stop keepalived on $old (MASTER, pid $(cat "$K/$old.pid"))"
	ka_stop "$old"
	wait_holder "$new" 20 || die "the VIP did not move to $new"
	ts "ground truth: the VIP is on $new" # watch tests count rounds from this line
	sleep 6 # gratuitous ARPs (garp_master_delay 1, repeat 3)
	echo "$new" >"$K/master"
	state failover
	ts "the VIP moved to $new ($(mac_of "$new")); entries (old MAC $oldmac):"
	wait_stable 5 30 >/dev/null
	show
}

workaround() {
	local m
	m=$(holder)
	[ -n "$m" ] || die "no VRRP MASTER holds the VIP"
	ts "WORKAROUND: re-set allowed_address_pairs [$VIP] (same value) on $m's port $(port_of "$m")"
	reset_aap "$(port_of "$m")"
	settle workaround
}

# wait for every node to point at the MASTER's MAC after a fix applied from outside (the e2e test
# runs the exact command a finding prints), then record the state
settle() {
	local m
	m=$(holder)
	[ -n "$m" ] || die "no VRRP MASTER holds the VIP"
	if wait_all "$(mac_of "$m")" 60; then
		ts "ground truth: every entry points at $m" # watch tests count rounds from this line
	else
		echo "lab: not every node re-pointed within 60 s: $(entries)" >&2
	fi
	wait_stable 10 60 >/dev/null # entries unchanged for 10 s: the ground truth has settled
	for i in $(seq 10); do [ "$(client_ping 2)" -ge 1 ] && break; sleep 1; done
	prime_snat # the VIP's return traffic again, as in healthy: the snat- entry shows the live holder
	state "${1:-settled}"
	show
}

divergence() {
	local m b pid ports p
	m=$(holder)
	[ -n "$m" ] || die "no VRRP MASTER holds the VIP"
	b=$(other "$m")
	# 1. every node points at the BACKUP (any update of a port with an allowed address pair makes
	#    Neutron send "VIP -> this port's MAC" to every node that hosts the router)
	reset_aap "$(port_of "$b")"
	wait_all "$(mac_of "$b")" 60 || die "entries did not converge on $b: $(entries)"
	# 2. compute-2's L3 agent misses the next fan-out: frozen while it is sent, then its AMQP
	#    connections are torn down (ss -K), so the broker drops its auto-delete fan-out queue with
	#    the message; thawed, it reconnects and never hears of it (no full sync: it never looked dead)
	pid=$(cat "$L/pids/l3-agent-compute-2.pid")
	ports=$(on compute-2 ss -Htnp state established "( dport = :5672 )" | awk -v p="pid=$pid," 'index($0, p) {n=split($3, a, ":"); print a[n]}')
	[ -n "$ports" ] || die "no AMQP connection of compute-2's L3 agent (pid $pid)"
	kill -STOP "$pid"
	reset_aap "$(port_of "$m")"
	wait_all_but compute-2 "$(mac_of "$m")" 60
	for p in $ports; do on compute-2 ss -K state established "( dport = :5672 and sport = :$p )" >/dev/null 2>&1; done
	# the broker requeues what it had sent; the fan-out queues outlive their consumer (auto_delete
	# false, x-expires): drop what waits in the queues that lost their consumer (compute-2's)
	local q purged="" i orphans
	for i in $(seq 40); do
		orphans=$(rmq list_queues name consumers | awk '$2 == 0 && ($1 ~ /^l3_agent_fanout_/ || $1 == "l3_agent.compute-2") {print $1}')
		echo "$orphans" | grep -q '^l3_agent_fanout_' && break
		sleep 0.5
	done
	for q in $orphans; do
		rmq purge_queue "$q" >/dev/null && purged="$purged $q"
	done
	kill -CONT "$pid"
	[ -n "$purged" ] || die "found no queue of compute-2's L3 agent to drop"
	ts "compute-2's L3 agent missed the update to $m (frozen; AMQP connections $(echo $ports) torn down; dropped:$purged)"
	wait_stable 10 60 >/dev/null
	state divergence
	show
	[ "$(vip_mac compute-2)" != "$(vip_mac compute-1)" ] || die "the nodes still agree: $(entries)"
	ts "divergence: compute-2 points at $(who "$(vip_mac compute-2)"), network and compute-1 at $(who "$(vip_mac compute-1)") (MASTER $m)"
}

# Octavia-style VIP port: unbound, the VIP as its fixed IP (the members carry it as a pair)
mk_vip_port() {
	c -X POST "$API/ports" -d "{\"port\":{\"name\":\"vip-port\",\"tenant_id\":\"$P\",\"network_id\":\"$NA\",\"fixed_ips\":[{\"subnet_id\":\"$SA\",\"ip_address\":\"$VIP\"}],\"device_owner\":\"Octavia\",\"device_id\":\"lb-$VIP\"}}" | jq -er .port.id
}
wait_gone() { # seconds: no agent node has a PERMANENT entry for the VIP
	local i
	for i in $(seq "${1:-60}"); do
		[ -z "$(for n in $AGENT_NODES; do vip_mac "$n"; done)" ] && return 0
		sleep 1
	done
	return 1
}
make_master() { # vm: keepalived makes it MASTER, the other one runs as BACKUP
	local o
	o=$(other "$1")
	ka_running "$1" || { ka_start "$1" 100; sleep 4; }
	if [ "$(holder)" != "$1" ]; then
		ka_stop "$o"
		wait_holder "$1" 20 || die "keepalived did not make $1 MASTER (see $K/$1.log)"
		sleep 5 # gratuitous ARPs
	fi
	ka_running "$o" || ka_start "$o" 100
	echo "$1" >"$K/master"
}
# create and delete the VIP port: Neutron deletes the VIP's entry on every node hosting the router
vip_port_cycle() {
	local vp
	vp=$(mk_vip_port) || die "could not create the VIP port"
	ts "VIP port $vp created (unbound, fixed IP $VIP)"
	sleep 5
	c -X DELETE "$API/ports/$vp" >/dev/null
	ts "VIP port $vp deleted"
	wait_gone 60 || die "deleting the VIP port left entries: $(entries)"
	# the client's routed traffic: compute-2's qrouter resolves the VIP and gets no answer
	client_ping 3 >/dev/null
}
vip_port_deleted() {
	make_master vm1
	vip_port_cycle
	prime_snat
	state vip-port-deleted
	show
}
holder_unknown() {
	local i
	ka_stop vm1
	ka_stop vm2
	wait_holder "" 20 || die "a VRRP VM still holds the VIP"
	vip_port_cycle
	# the snat- entry, probed with nobody answering, ends FAILED (no MAC left to name a holder)
	prime_snat
	for i in $(seq 40); do
		on network ip netns exec "snat-$R" ip neigh show "$VIP" | grep -Eq 'lladdr' || break
		sleep 1
	done
	state holder-unknown
	show
}
# bring back a MASTER after holder-unknown (vm1), so later scenarios start from a held VIP
rehold() {
	make_master vm1
	prime_snat
	state rehold
	show
}

# the lab's real state as JSON (for tests and lab:record): ids, MACs, MASTER, each node's entry,
# and a routed probe from the client VM on compute-2
state_json() {
	local n first=1
	printf '{"scenario":"%s","vip":"%s","router":"%s","project":"%s",' "$(cat "$L/scenario" 2>/dev/null)" "$VIP" "$R" "$P"
	printf '"ports":{"vm1":{"id":"%s","mac":"%s","ip":"%s"},"vm2":{"id":"%s","mac":"%s","ip":"%s"},"client":{"id":"%s","mac":"%s","ip":"%s"}},' \
		"$PORT_vm1" "$MAC_vm1" "${VM_IP[vm1]}" "$PORT_vm2" "$MAC_vm2" "${VM_IP[vm2]}" "$PORT_client" "$MAC_client" "${VM_IP[client]}"
	printf '"master":"%s","entries":{' "$(holder)"
	for n in $AGENT_NODES; do
		[ $first = 1 ] || printf ','
		first=0
		printf '"%s":"%s"' "$n" "$(vip_mac "$n")"
	done
	printf '},"clientPing":{"sent":3,"received":%s}}\n' "$(client_ping 3)"
}

# A node's SSH listener (the socat in front of its sshd) stopped / started again, to show an
# unreachable node (issue 11 case 2). Same command line as up.sh.
ssh-down() {
	local n=${1:?node} f="$L/pids/ssh-$1.pid"
	[ -f "$f" ] || die "no SSH listener pid for $n"
	kill -- -"$(cat "$f")" 2>/dev/null || kill "$(cat "$f")" 2>/dev/null || true
	rm -f "$f"
	echo "lab: SSH listener of $n stopped (port ${SSHPORT[$n]})" >&2
}
ssh-up() {
	local n=${1:?node} p=${SSHPORT[$1]} K=$L/ssh
	[ -f "$L/pids/ssh-$n.pid" ] && kill -0 "$(cat "$L/pids/ssh-$n.pid")" 2>/dev/null && return 0
	setsid socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" \
		EXEC:"nsenter -t $(nodepid "$n") -m -n -u /usr/sbin/sshd -i -f $K/sshd_$n.conf" >>"$L/logs/ssh-$n.log" 2>&1 </dev/null &
	echo $! >"$L/pids/ssh-$n.pid"
	local i
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
		sleep 0.1
	done
	echo "lab: SSH listener of $n started again (port $p)" >&2
}

case "${1:-}" in
healthy | failover | workaround | divergence | settle | rehold | ssh-down | ssh-up) "$@" ;;
vip-port-deleted) vip_port_deleted ;;
holder-unknown) holder_unknown ;;
state) state_json ;;
*) die "usage: lab/scenario.sh healthy|failover|workaround|divergence|settle|vip-port-deleted|holder-unknown|rehold|state|ssh-down NODE|ssh-up NODE" ;;
esac
