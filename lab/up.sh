#!/bin/bash
# npm run lab:up — bring up the dvrscope lab: real upstream Neutron (Debian 12, Zed) with DVR on
# four isolated nodes, the incident topology and a healthy VRRP pair; writes what the console needs
# (inventory, SSH key, known_hosts, kubeconfig) under .lab-state/.
#   controller  RabbitMQ, PostgreSQL, neutron-server (ML2/OVS + l2pop, DVR, noauth)  198.18.0.254
#   network     OVS + neutron-openvswitch-agent + neutron-l3-agent (dvr_snat)        198.18.0.10
#   compute-1   OVS + agents (dvr); VRRP pair vm1/vm2                                198.18.0.11
#   compute-2   OVS + agents (dvr); client VM                                        198.18.0.12
# LAB_NO_TOPOLOGY=1: stop after the agents are alive. LAB_NO_KUBE=1: no Kubernetes face.
# LAB_VARIANT=tunnel-mismatch: compute-2's tunnel bridge is br-vxlan, the OpenStackDeployment says br-phy.
# LAB_VARIANT=tunnel-by-label: both computes use br-vxlan, set by a spec.nodes label override.
# LAB_BACKEND=ovn or --backend ovn: the ML2/OVN lab instead (lab/ovn/up.sh, docs/lab.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
case "${1:-}" in --backend) LAB_BACKEND=${2:-} ;; --backend=*) LAB_BACKEND=${1#--backend=} ;; esac
case $LAB_BACKEND in
ovs) ;;
ovn) export LAB_BACKEND && exec "$LAB_DIR/ovn/up.sh" ;;
*) die "unknown backend '$LAB_BACKEND' (ovs | ovn)" ;;
esac
export t0
trap 'echo "lab: bring-up failed (logs under $L/logs and $L/nodes/*/logs); npm run lab:down removes what was started" >&2' ERR
"$LAB_DIR/packages.sh" || die "cannot install the Debian packages the lab needs"
mkdir "$L" 2>/dev/null || die "$L exists: the lab is up (or was not torn down) — run npm run lab:down first"
for p in "${SSHPORT[@]}" "$API_PORT" "$KUBE_PORT"; do
	ss -Hltn "sport = :$p" | grep -q . && { rmdir "$L"; die "127.0.0.1:$p is in use; set LAB_SSH_BASE / LAB_API_PORT / LAB_KUBE_PORT"; }
done
avail=$(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo)
[ "$avail" -ge 3000 ] || echo "lab: warning: only ${avail} MiB available; the lab needs about 2.8 GiB" >&2
mkdir -p "$L"/{pids,logs} "$L"/ctl/{rabbit/mnesia,rabbit/log,pg} "$S"
case $LAB_VARIANT in standard | tunnel-mismatch | tunnel-by-label) echo "$LAB_VARIANT" >"$L/variant" ;; *) die "unknown LAB_VARIANT $LAB_VARIANT (standard | tunnel-mismatch | tunnel-by-label)" ;; esac
chmod 700 "$S"
# directories the bind mounts need; remember which ones the lab created so lab:down removes them
for d in /run/openvswitch /var/log/openvswitch /etc/openvswitch /run/netns /run/sshd; do
	[ -d $d ] || { mkdir -p $d && echo $d >>"$L/created-dirs"; }
done

# --- 1.-2. underlay (netns dvrlab-ul, Linux bridge ulbr) and the four nodes ---------------------
"$LAB_DIR/nodes.sh"

# --- 3. per-node Open vSwitch (userspace datapath), tunnel address on br-phy, br-ex --------------
for n in $AGENT_NODES; do
	on "$n" bash -ec "
		ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
		ovsdb-server /etc/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock \
			--remote=db:Open_vSwitch,Open_vSwitch,manager_options --pidfile --detach --log-file --no-chdir
		ovs-vsctl --no-wait init
		ovs-vsctl --no-wait set Open_vSwitch . external-ids:system-id=$n external-ids:hostname=$n
		ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile --detach --log-file --no-chdir" >"$L/nodes/$n/logs/ovs-start.out" 2>&1
	s=${SHORT[$n]}
	ip -n $UL link add "t-$s" type veth peer name tun0 netns "$(nodepid "$n")"
	ip -n $UL link set "t-$s" master ulbr up
	on "$n" ip link set tun0 up
	# VXLAN on the userspace datapath needs the tunnel address on an OVS bridge (userspace tunneling)
	b=${TUNBR[$n]}
	on "$n" ovs-vsctl add-br "$b" -- set Bridge "$b" datapath_type=netdev -- add-port "$b" tun0
	on "$n" ip addr add "${TUN[$n]}/24" dev "$b"
	on "$n" ip link set "$b" up
	# external bridge (no uplink): DVR compute nodes need it for their fip- namespace
	on "$n" ovs-vsctl add-br br-ex -- set Bridge br-ex datapath_type=netdev
done
ts "Open vSwitch up on $AGENT_NODES"

# --- 4. controller: RabbitMQ, PostgreSQL, schema, neutron-server --------------------------------
"$LAB_DIR/controller.sh"

# --- 5. agents on the network and compute nodes ------------------------------------------------
for n in $AGENT_NODES; do
	D=$L/nodes/$n
	sub neutron-agent.conf.in "$n" >"$D/etc/neutron.conf"
	sub openvswitch_agent.ini.in "$n" "" "${TUN[$n]}" >"$D/etc/openvswitch_agent.ini"
	sub l3_agent.ini.in "$n" "${MODE[$n]}" >"$D/etc/l3_agent.ini"
	(cd "$D" && start_on "$n" "ovs-agent-$n" "$D/logs/ovs-agent.out" neutron-openvswitch-agent --config-file "$D/etc/neutron.conf" \
		--config-file "$D/etc/openvswitch_agent.ini" --log-file "$D/logs/ovs-agent.log")
	(cd "$D" && start_on "$n" "l3-agent-$n" "$D/logs/l3-agent.out" neutron-l3-agent --config-file "$D/etc/neutron.conf" \
		--config-file "$D/etc/l3_agent.ini" --log-file "$D/logs/l3-agent.log")
done

# --- 6. SSH per node on 127.0.0.1 (socat -> nsenter -> sshd -i), key auth, own host keys ---------
"$LAB_DIR/ssh.sh"

for i in $(seq 180); do
	alive=$(c "$API/agents" | jq '[.agents[] | select(.alive)] | length' 2>/dev/null || echo 0)
	[ "$alive" = 6 ] && break
	sleep 1
done
[ "$alive" = 6 ] || die "only $alive of 6 agents alive: see $L/nodes/*/logs/*-agent.log"
ts "agents alive: $alive"
[ "${LAB_NO_TOPOLOGY:-0}" = 1 ] && exit 0
"$LAB_DIR/topology.sh"
"$LAB_DIR/scenario.sh" healthy
[ "${LAB_NO_KUBE:-0}" = 1 ] || "$LAB_DIR/kube.sh" start || echo "lab: the Kubernetes face did not start (see $L/logs/kube.log)" >&2
ts "lab up: ssh -F $S/ssh_config compute-1 | inventory $S/inventory.yaml | openstack --os-auth-type none --os-endpoint http://127.0.0.1:$API_PORT network agent list"
