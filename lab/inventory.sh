#!/bin/bash
# Write the console's inventory for the running lab (.lab-state/inventory.yaml, the format of
# src/session/inventory.ts / docs/collection.md): the network and compute nodes over real SSH on
# 127.0.0.1, key auth with .lab-state/id_ed25519; host keys in .lab-state/known_hosts. The
# controller (no OVS, no agents) is reachable by SSH too but not collected; cloud data comes from
# the Neutron API (--openstack local with .lab-state/clouds.yaml). On the ML2/OVN lab the controller
# is collected too, with the `ovn-db` role (its NB and SB are read there).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
nodes=$AGENT_NODES
[ "$LAB_BACKEND" = ovn ] && . "$LAB_DIR/ovn/lib.sh" && nodes=$NODES
{
	echo "# dvrscope lab (lab/inventory.sh). Host keys: $S/known_hosts"
	echo "defaults:"
	echo "  transport: ssh"
	echo "  user: root"
	echo "  identityFile: $S/id_ed25519"
	echo "nodes:"
	for n in $nodes; do
		extra=""
		# compute-1: the VRRP pair's keepalived configs (auth_pass canary) are read as ha_confs
		[ "$n" = compute-1 ] && [ "$LAB_BACKEND" = ovs ] && extra=", haConfsPath: $L/nodes/compute-1/vrrp"
		echo "  - {id: $n, host: 127.0.0.1, port: ${SSHPORT[$n]}, roles: [${ROLES[$n]}]$extra}"
	done
} >"$S/inventory.yaml"
