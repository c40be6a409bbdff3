# dvrscope lab: settings and helpers shared by every lab script (sourced, never run).
# Real upstream Neutron (Debian 12 packages) with DVR on one machine: a controller and three agent
# nodes, each in its own mount/network/UTS namespaces. Addresses: 198.18.0.0/15 inside namespaces the
# lab creates, and 127.0.0.1 for what the console uses (SSH per node, Neutron API, Kubernetes API).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin   # Debian python3, not pyenv
LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=$(cd "$LAB_DIR/.." && pwd)
L=${LAB_RUN:-/tmp/dvrscope-lab}             # runtime state: pids, node dirs, logs, configs
S=${LAB_STATE:-$REPO/.lab-state}            # what the console needs: inventory, key, known_hosts, kubeconfig
UL=dvrlab-ul                                # underlay namespace (Linux bridge ulbr inside)
NODES="controller network compute-1 compute-2"
AGENT_NODES="network compute-1 compute-2"
declare -A MGMT=([controller]=198.18.0.254 [network]=198.18.0.10 [compute-1]=198.18.0.11 [compute-2]=198.18.0.12)
declare -A TUN=([network]=198.18.1.10 [compute-1]=198.18.1.11 [compute-2]=198.18.1.12)
SSH_BASE=${LAB_SSH_BASE:-22210}
declare -A SSHPORT=([controller]=$SSH_BASE [network]=$((SSH_BASE + 1)) [compute-1]=$((SSH_BASE + 2)) [compute-2]=$((SSH_BASE + 3)))
declare -A MODE=([network]=dvr_snat [compute-1]=dvr [compute-2]=dvr)
declare -A ROLES=([controller]=controller [network]="network, gateway" [compute-1]=compute [compute-2]=compute)
declare -A SHORT=([controller]=ctl [network]=net [compute-1]=c1 [compute-2]=c2)
# the interface that carries the tunnel address on each node (OVS userspace tunneling: an OVS
# bridge). LAB_VARIANT=tunnel-mismatch names compute-2's bridge br-vxlan while the
# OpenStackDeployment says br-phy for every node (what the deployment checks must catch).
# LAB_VARIANT=tunnel-by-label names both computes' bridge br-vxlan, and the OpenStackDeployment
# says so with a spec.nodes override selected by MOSK's compute label
# (openstack-compute-node::enabled) — right, when the node labels are read.
TUNNEL_IF=br-phy
LAB_VARIANT=${LAB_VARIANT:-$(cat "$L/variant" 2>/dev/null || echo standard)}
# the Neutron backend of the lab: ovs (ML2/OVS + DVR, this file's defaults) or ovn (ML2/OVN,
# lab/ovn/: same four nodes, OVN central on the controller, ovn-controller on the other three)
LAB_BACKEND=${LAB_BACKEND:-$(cat "$L/backend" 2>/dev/null || echo ovs)}
declare -A TUNBR=([network]=$TUNNEL_IF [compute-1]=$TUNNEL_IF [compute-2]=$TUNNEL_IF)
[ "$LAB_VARIANT" = tunnel-mismatch ] && TUNBR[compute-2]=br-vxlan
[ "$LAB_VARIANT" = tunnel-by-label ] && TUNBR[compute-1]=br-vxlan && TUNBR[compute-2]=br-vxlan
CTL_IP=198.18.0.254
API_PORT=${LAB_API_PORT:-9696}
KUBE_PORT=${LAB_KUBE_PORT:-16443}
P=6f1c4a54a9d04d8a9a0d2c1b9c3f0a11          # project id (noauth)
API=http://127.0.0.1:$API_PORT/v2.0
# topology (tenant networks, VRRP pair, client, external network): 198.19.0.0/16 and 198.18.2.0/24
NET_A_CIDR=198.19.0.0/24 NET_A_GW=198.19.0.1
NET_B_CIDR=198.19.1.0/24 NET_B_GW=198.19.1.1
EXT_CIDR=198.18.2.0/24 EXT_GW=198.18.2.1
VIP=198.19.0.100
declare -A VM_IP=([vm1]=198.19.0.11 [vm2]=198.19.0.12 [client]=198.19.1.21)
declare -A VM_NODE=([vm1]=compute-1 [vm2]=compute-1 [client]=compute-2)
# planted secrets (redaction canaries): keepalived auth_pass and a password in a neutron config file
CANARY_AUTH_PASS=labVRRPs3cret
CANARY_DB_PASSWORD=labDBpassw0rd-canary

t0=${t0:-$(date +%s)}
ts() { echo "[lab $(($(date +%s) - t0))s] $*"; }
die() { echo "lab: $*" >&2; exit 1; }
nodepid() { cat "$L/pids/node-$1.pid"; }
# run a command inside a node (mount+net+uts namespaces), like being on that host
on() { local n=$1; shift; nsenter -t "$(nodepid "$n")" -m -n -u -- "$@"; }
# start a daemon inside a node; neither setsid nor nsenter forks, so $! is the daemon's PID
start_on() { # node pidname logfile cmd...
	local n=$1 name=$2 log=$3; shift 3
	mkdir -p "$L/tmp"
	# TMPDIR: privsep sockets and the like stay in the lab's runtime dir
	setsid env TMPDIR="$L/tmp" nsenter -t "$(nodepid "$n")" -m -n -u -- "$@" >"$log" 2>&1 </dev/null &
	echo $! >"$L/pids/$name.pid"
}
# a config template of lab/etc/ with the lab's values filled in: sub TEMPLATE [host mode tunnel-ip]
sub() { sed "s#@RUN@#$L#g; s#@DBPASS@#$CANARY_DB_PASSWORD#g; s#@HOST@#${2:-}#g; s#@MODE@#${3:-}#g; s#@TUNIP@#${4:-}#g; s#@MAPPINGS@#extnet:br-ex#g" "$LAB_DIR/etc/$1"; }
c() { curl -s -H "X-Project-Id: $P" -H "X-Roles: admin" -H 'Content-Type: application/json' "$@"; }
lab_running() { [ -f "$L/pids/node-controller.pid" ] && kill -0 "$(nodepid controller)" 2>/dev/null; }
need_root() { [ "$(id -u)" = 0 ] || die "needs root (network namespaces, Open vSwitch, Neutron agents). Run as root."; }
need_lab() { lab_running || die "the lab is not running (npm run lab:up)"; [ -f "$L/ids.env" ] && . "$L/ids.env"; }
# the VIP's PERMANENT neighbour entry (MAC) in qrouter-$R on a node ('' when none)
vip_mac() { on "$1" ip netns exec "qrouter-$R" ip neigh show "$VIP" nud permanent 2>/dev/null | awk '{print $5}'; }
who() { case "$1" in "$MAC_vm1") echo vm1 ;; "$MAC_vm2") echo vm2 ;; '') echo none ;; *) echo "?" ;; esac; }
entries() { local n; for n in $AGENT_NODES; do echo "$n=$(vip_mac "$n")"; done | tr '\n' ' '; }
# which VM currently holds the VIP (keepalived MASTER), '' if none
holder() { local v; for v in vm1 vm2; do on compute-1 ip netns exec "$v" ip -br addr show eth0 2>/dev/null | grep -q "${VIP//./\\.}/" && echo "$v"; done; }
# routed probe: the client VM on compute-2 pings the VIP; prints the received count
client_ping() { on compute-2 ip netns exec client ping -c "${1:-3}" -W 1 -i 0.3 "$VIP" 2>/dev/null | awk '/packets transmitted/{print $4}'; }
# wait until the VIP entry on every agent node has been unchanged (and present) for $1 s (max $2 s)
wait_stable() {
	local need=${1:-10} max=${2:-120} last="" cur stable=0 i
	for ((i = 0; i < max; i++)); do
		cur=$(entries)
		if [ "$cur" = "$last" ] && ! echo " $cur" | grep -q '= '; then stable=$((stable + 1)); else stable=0; fi
		last=$cur
		[ $stable -ge "$need" ] && break
		sleep 1
	done
	echo "$cur"
}
# re-set the allowed address pair on a port (same value): Neutron re-points every node's entry
reset_aap() { c -X PUT "$API/ports/$1" -d "{\"port\":{\"allowed_address_pairs\":[{\"ip_address\":\"$VIP\"}]}}" >/dev/null; }

# restart a node's L3 agent (its privsep helpers go with it: they were started for its config)
restart_l3() {
	local n=$1 D=$L/nodes/$1 pid p
	pid=$(cat "$L/pids/l3-agent-$n.pid")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$pid" 2>/dev/null
	for p in $(pgrep -f "privsep-helper.*$D/etc/l3_agent.ini"); do kill -TERM "$p" 2>/dev/null; done
	(cd "$D" && start_on "$n" "l3-agent-$n" "$D/logs/l3-agent.out" neutron-l3-agent --config-file "$D/etc/neutron.conf" \
		--config-file "$D/etc/l3_agent.ini" --log-file "$D/logs/l3-agent.log")
	ts "restarted the L3 agent on $n (pid $(cat "$L/pids/l3-agent-$n.pid"))"
}
