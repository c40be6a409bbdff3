#!/bin/bash
# npm run lab:up -- --backend ovn (or LAB_BACKEND=ovn npm run lab:up): the ML2/OVN lab — real
# upstream Neutron (Debian 12, Zed) with the OVN mechanism driver, real OVN 23.03 (NB/SB ovsdb,
# ovn-northd, ovn-controller per chassis) and Open vSwitch on the lab's four isolated nodes
# (lab/ovn/lib.sh), the incident topology with a virtual VIP port and a healthy VRRP pair, real
# OpenSSH per node and the Kubernetes face with OVN pods. Writes what the console needs under
# .lab-state/ like the OVS lab. Traps met on the way: ../../docs/lab.md "Variant: ml2/ovn".
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
LAB_BACKEND=ovn
export LAB_BACKEND t0
. "$LAB_DIR/ovn/lib.sh"
need_root
trap 'echo "lab: OVN bring-up failed (logs under $L/logs and $L/nodes/*/logs); npm run lab:down removes what was started" >&2' ERR
"$LAB_DIR/packages.sh" || die "cannot install the Debian packages the lab needs"
mkdir "$L" 2>/dev/null || die "$L exists: the lab is up (or was not torn down) — run npm run lab:down first"
echo ovn >"$L/backend"
for p in "${SSHPORT[@]}" "$API_PORT" "$KUBE_PORT"; do
	ss -Hltn "sport = :$p" | grep -q . && { rm -rf "$L"; die "127.0.0.1:$p is in use; set LAB_SSH_BASE / LAB_API_PORT / LAB_KUBE_PORT"; }
done
mkdir -p "$L"/{pids,logs} "$L"/ctl/{rabbit/mnesia,rabbit/log,pg} "$S"
echo standard >"$L/variant"
chmod 700 "$S"
for d in /run/openvswitch /var/log/openvswitch /etc/openvswitch /run/netns /run/sshd /run/ovn /var/lib/ovn /var/log/ovn; do
	[ -d $d ] || { mkdir -p $d && echo $d >>"$L/created-dirs"; }
done
"$LAB_DIR/nodes.sh"

# --- 3. Open vSwitch (userspace datapath) on every node; OVN central on the controller ---------
for n in $NODES; do
	on "$n" bash -ec "
		ovsdb-tool create /etc/openvswitch/conf.db /usr/share/openvswitch/vswitch.ovsschema
		ovsdb-server /etc/openvswitch/conf.db --remote=punix:/run/openvswitch/db.sock \
			--remote=db:Open_vSwitch,Open_vSwitch,manager_options --pidfile --detach --log-file --no-chdir
		ovs-vsctl --no-wait init
		ovs-vsctl --no-wait set Open_vSwitch . external-ids:system-id=$n external-ids:hostname=$n
		ovs-vswitchd unix:/run/openvswitch/db.sock --pidfile --detach --log-file --no-chdir" >"$L/nodes/$n/logs/ovs-start.out" 2>&1
done
on controller bash -ec "
	ovsdb-tool create /var/lib/ovn/ovnnb_db.db /usr/share/ovn/ovn-nb.ovsschema
	ovsdb-tool create /var/lib/ovn/ovnsb_db.db /usr/share/ovn/ovn-sb.ovsschema
	ovsdb-server /var/lib/ovn/ovnnb_db.db --remote=punix:/run/ovn/ovnnb_db.sock --remote=ptcp:6641:$CTL_IP \
		--pidfile=/run/ovn/ovnnb_db.pid --unixctl=/run/ovn/ovnnb_db.ctl --log-file=/var/log/ovn/ovsdb-server-nb.log --detach --no-chdir
	ovsdb-server /var/lib/ovn/ovnsb_db.db --remote=punix:/run/ovn/ovnsb_db.sock --remote=ptcp:6642:$CTL_IP \
		--pidfile=/run/ovn/ovnsb_db.pid --unixctl=/run/ovn/ovnsb_db.ctl --log-file=/var/log/ovn/ovsdb-server-sb.log --detach --no-chdir
	ovn-nbctl --no-wait init
	ovn-sbctl init
	ovn-northd --ovnnb-db=unix:/run/ovn/ovnnb_db.sock --ovnsb-db=unix:/run/ovn/ovnsb_db.sock \
		--pidfile=/run/ovn/ovn-northd.pid --log-file=/var/log/ovn/ovn-northd.log --detach --no-chdir" >"$L/nodes/controller/logs/ovn-central-start.out" 2>&1
# the controller is no chassis, but MOSK's OpenStackDeployment names one tunnel interface for every
# node that runs Open vSwitch: up, with an address on the tunnel network (no uplink: nothing is
# tunnelled from here), as on a MOSK node — a DOWN br-phy made mosk/deployment warn, rightly
on controller ovs-vsctl add-br br-phy -- set Bridge br-phy datapath_type=netdev
on controller ip addr add 198.18.1.9/24 dev br-phy
on controller ip link set br-phy up
ts "OVN central on the controller (NB tcp:$CTL_IP:6641, SB tcp:$CTL_IP:6642, ovn-northd)"
for n in $CHASSIS; do
	s=${SHORT[$n]}
	ip -n $UL link add "t-$s" type veth peer name tun0 netns "$(nodepid "$n")"
	ip -n $UL link set "t-$s" master ulbr up
	on "$n" ip link set tun0 up
	on "$n" ovs-vsctl add-br br-phy -- set Bridge br-phy datapath_type=netdev -- add-port br-phy tun0
	on "$n" ip addr add "${TUN[$n]}/24" dev br-phy
	on "$n" ip link set br-phy up
	on "$n" ovs-vsctl add-br br-int -- set Bridge br-int datapath_type=netdev fail_mode=secure other_config:disable-in-band=true
	gw=()
	if [ "$n" = $GW_CHASSIS ]; then
		on "$n" ovs-vsctl add-br br-ex -- set Bridge br-ex datapath_type=netdev
		gw=(external_ids:ovn-cms-options=enable-chassis-as-gw external_ids:ovn-bridge-mappings=extnet:br-ex)
	fi
	on "$n" ovs-vsctl set Open_vSwitch . external_ids:ovn-remote="tcp:$CTL_IP:6642" external_ids:ovn-encap-type=geneve \
		external_ids:ovn-encap-ip="${TUN[$n]}" external_ids:ovn-bridge=br-int external_ids:ovn-bridge-datapath-type=netdev "${gw[@]}"
	on "$n" ovn-controller unix:/run/openvswitch/db.sock --pidfile=/run/ovn/ovn-controller.pid \
		--log-file=/var/log/ovn/ovn-controller.log --detach --no-chdir >"$L/nodes/$n/logs/ovn-controller-start.out" 2>&1
done
for i in $(seq 120); do [ "$(sbctl --bare --columns=name list Chassis | grep -c .)" = 3 ] && break; sleep 0.5; done
[ "$(sbctl --bare --columns=name list Chassis | grep -c .)" = 3 ] || die "not every chassis registered in the SB (see $L/nodes/*/log-ovn/ovn-controller.log)"
# Neutron Zed reads ovn-cms-options / ovn-bridge-mappings from SB Chassis.external_ids; OVN 23.03's
# ovn-controller publishes them in other_config only: without the copy there is no gateway chassis
sbctl set Chassis $GW_CHASSIS external_ids:ovn-cms-options=enable-chassis-as-gw external_ids:ovn-bridge-mappings=extnet:br-ex
ts "chassis in the SB: $(sbctl --bare --columns=name list Chassis | grep . | tr '\n' ' ')"

# --- 4. controller: RabbitMQ, PostgreSQL, schema, neutron-server (ML2/ovn) -----------------------
"$LAB_DIR/controller.sh"
# --- 5. SSH per node ------------------------------------------------------------------------------
"$LAB_DIR/ssh.sh"
for i in $(seq 180); do
	alive=$(c "$API/agents" | jq '[.agents[] | select(.alive)] | length' 2>/dev/null || echo 0)
	[ "$alive" -ge 3 ] && break
	sleep 1
done
[ "$alive" -ge 3 ] || die "only $alive OVN agents alive (expected the 3 chassis): see $L/nodes/controller/logs/neutron-server.log"
ts "OVN agents alive: $alive"
[ "${LAB_NO_TOPOLOGY:-0}" = 1 ] && exit 0
"$LAB_DIR/ovn/topology.sh"
"$LAB_DIR/ovn/scenario.sh" healthy
[ "${LAB_NO_KUBE:-0}" = 1 ] || "$LAB_DIR/kube.sh" start || echo "lab: the Kubernetes face did not start (see $L/logs/kube.log)" >&2
ts "OVN lab up: ssh -F $S/ssh_config controller ovn-sbctl show | inventory $S/inventory.yaml | KUBECONFIG=$S/kubeconfig kubectl --context lab -n openstack get pods -o wide"
