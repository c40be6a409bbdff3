#!/bin/bash
# npm run lab:status — what runs, where to reach it, and the VIP's state on every node.
. "$(dirname "$0")/lib.sh"
need_root
lab_running || { echo "lab: not running"; exit 3; }
[ -f "$L/ids.env" ] && . "$L/ids.env"
echo "scenario: $(cat "$L/scenario" 2>/dev/null || echo none)"
for n in $NODES; do
	echo "$n: pid $(nodepid "$n") mgmt ${MGMT[$n]}${TUN[$n]:+ tunnel ${TUN[$n]}} ssh 127.0.0.1:${SSHPORT[$n]} netns: $(on "$n" ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ')"
done
echo "neutron API: http://127.0.0.1:$API_PORT (openstack --os-auth-type none --os-endpoint http://127.0.0.1:$API_PORT ...)"
[ -f "$L/pids/kube.pid" ] && kill -0 "$(cat "$L/pids/kube.pid")" 2>/dev/null && echo "kubernetes API: http://127.0.0.1:$KUBE_PORT (kubeconfig $S/kubeconfig, context lab)"
echo "inventory: $S/inventory.yaml"
c "$API/agents" | jq -r '.agents[] | "agent \(.agent_type) @\(.host): alive=\(.alive) \(.configurations.agent_mode // "")"' | sort
if [ -n "${R:-}" ]; then
	echo "router r1 $R; VIP $VIP (vm1=$MAC_vm1 vm2=$MAC_vm2); MASTER: $(holder)"
	for n in $AGENT_NODES; do m=$(vip_mac "$n"); echo "  $n qrouter: $VIP -> $m ($(who "$m"))"; done
	echo "  client (compute-2) -> VIP: $(client_ping 2)/2 received"
fi
