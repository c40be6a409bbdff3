#!/bin/bash
# Write the console's inventory for the running lab: .lab-state/inventory.yaml (+ known_hosts, key).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
{
	echo "# dvrscope lab inventory (written by lab/inventory.sh; the lab's nodes over real SSH on 127.0.0.1)"
	echo "name: dvrscope-lab"
	echo "defaults:"
	echo "  transport: ssh"
	echo "  user: root"
	echo "  identityFile: $S/id_ed25519"
	echo "  knownHostsFile: $S/known_hosts"
	echo "nodes:"
	for n in $NODES; do
		echo "  - id: $n"
		echo "    transport: ssh"
		echo "    address: 127.0.0.1"
		echo "    port: ${SSHPORT[$n]}"
		echo "    user: root"
		echo "    identityFile: $S/id_ed25519"
		echo "    knownHostsFile: $S/known_hosts"
		echo "    roles: [${ROLES[$n]}]"
	done
} >"$S/inventory.yaml"
