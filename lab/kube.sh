#!/bin/bash
# The lab's MOSK-like Kubernetes face: lab/kube-face.ts (the fake Kubernetes API test double,
# lab/fake-kube-apiserver.ts) on 127.0.0.1:$LAB_KUBE_PORT, serving for each agent node the MOSK
# pods (neutron-l3-agent, neutron-ovs-agent, openvswitch-vswitchd with openvswitch-db, spec.nodeName
# = the node), a keystone-client pod on the controller and an OpenStackDeployment describing the
# lab. `kubectl exec` runs the command inside that lab node's namespaces (nsenter -t <node pid>).
# Writes .lab-state/kubeconfig (context "lab").
# The OpenStackDeployment names br-phy as tunnel_interface for every node; a lab brought up with
# LAB_VARIANT=tunnel-mismatch carries compute-2's tunnel address on br-vxlan instead, and with
# LAB_VARIANT=tunnel-by-label both computes use br-vxlan, which a spec.nodes override selected by
# the openstack-compute-node label says.
#   kube.sh start | kube.sh stop
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
lab_running || die "the lab is not running"
stop() {
	[ -f "$L/pids/kube.pid" ] || return 0
	local pid
	pid=$(cat "$L/pids/kube.pid")
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$L/pids/kube.pid"
}
config() {
	local n first=1 nodes=$AGENT_NODES extra r
	[ "$LAB_BACKEND" = ovn ] && nodes=$NODES
	nsx() { printf '["nsenter","-t","%s","-m","-n","-u","--","env","PATH=%s","HOME=/root"%s]' "$(nodepid "$1")" "$PATH" "${2:-}"; }
	echo '{'
	echo "  \"port\": $KUBE_PORT, \"kubeconfig\": \"$S/kubeconfig\", \"context\": \"lab\", \"flavor\": \"mosk\","
	echo '  "nodes": ['
	for n in $nodes; do
		[ $first = 1 ] || echo ','
		first=0
		case ${ROLES[$n]} in compute) r='["compute"]' ;; controller) r='["control-plane"]' ;; *) r='["gateway"]' ;; esac
		# ML2/OVN: ovn-controller and OVN metadata agent pods; NB, SB and ovn-northd on the controller
		extra=""
		[ "$LAB_BACKEND" = ovn ] && extra=', "backend": "ovn"' && [ "$n" = controller ] && extra="$extra, \"ovnDb\": true"
		printf '    {"name": "%s", "roles": %s, "exec": %s%s}' "$n" "$r" "$(nsx "$n")" "$extra"
	done
	echo
	echo '  ],'
	printf '  "keystoneClient": {"node": "controller", "exec": %s},\n' "$(nsx controller ',"OS_CLOUD=lab"')"
	echo '  "openstackdeployment": {"name": "osh-dev", "neutron": {'
	if [ "$LAB_BACKEND" = ovn ]; then
		echo "    \"backend\": \"ml2/ovn\", \"tunnel_interface\": \"$TUNNEL_IF\", \"dns_servers\": [\"198.18.0.254\"],"
		echo '    "tenant_network_types": ["geneve"],'
		echo '    "external_networks": [{"physnet": "extnet", "interface": "br-ex", "bridge": "br-ex", "network_types": ["flat"]}]'
		echo '  }}'
		echo '}'
		return
	else
		echo "    \"backend\": \"ml2\", \"tunnel_interface\": \"$TUNNEL_IF\", \"dns_servers\": [\"198.18.0.254\"],"
		echo '    "dvr": {"enabled": true}, "tenant_network_types": ["vxlan"],'
	fi
	echo '    "external_networks": [{"physnet": "extnet", "interface": "br-ex", "bridge": "br-ex", "network_types": ["flat"]}],'
	echo "    \"floating_network\": {\"enabled\": true, \"name\": \"ext\", \"physnet\": \"extnet\", \"network_type\": \"flat\", \"subnet\": {\"name\": \"ext-sub\", \"range\": \"$EXT_CIDR\", \"gateway\": \"$EXT_GW\"}}"
	if [ "$LAB_VARIANT" = tunnel-by-label ]; then
		echo '  }, "nodes": {"openstack-compute-node::enabled": {"features": {"neutron": {"tunnel_interface": "br-vxlan"}}}}}'
	else
		echo '  }}'
	fi
	echo '}'
}
case "${1:-start}" in
stop) stop ;;
start)
	[ -f "$LAB_DIR/kube-face.ts" ] || die "lab/kube-face.ts is missing"
	stop
	config >"$L/kube-face.json"
	cd "$REPO"
	# not `cd && node &`: that would background a subshell holding our stdout open
	setsid node --import tsx "$LAB_DIR/kube-face.ts" "$L/kube-face.json" >"$L/logs/kube.log" 2>&1 </dev/null &
	echo $! >"$L/pids/kube.pid"
	for i in $(seq 100); do grep -q '^listening' "$L/logs/kube.log" 2>/dev/null && break; sleep 0.2; done
	grep -q '^listening' "$L/logs/kube.log" || die "the Kubernetes face did not start: $(tail -5 "$L/logs/kube.log")"
	ts "Kubernetes API on http://127.0.0.1:$KUBE_PORT (lab variant $LAB_VARIANT): KUBECONFIG=$S/kubeconfig kubectl --context lab -n openstack get pods -o wide"
	;;
*) die "usage: lab/kube.sh start | stop" ;;
esac
