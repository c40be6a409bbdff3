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
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
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

# --- 1. underlay: netns dvrlab-ul with Linux bridge ulbr -----------------------------------------
ip netns add $UL
ip -n $UL link set lo up
ip -n $UL link add ulbr type bridge
ip -n $UL link set ulbr up

# --- 2. nodes ------------------------------------------------------------------------------------
for n in $NODES; do
	D=$L/nodes/$n
	mkdir -p "$D"/{run-ovs,etc-ovs,log-ovs,netns,state,lock,logs,etc,root}
	# a plain root HOME: the machine's ~/.bashrc may run pyenv (0.6 s per SSH exec)
	printf '# lab node %s: plain shell start-up\n' "$n" >"$D/root/.bashrc"
	cp "$D/root/.bashrc" "$D/root/.profile"
	setsid unshare -m -n -u --propagation private "$LAB_DIR/node-init.sh" "$n" "$L" >"$D/logs/init.out" 2>&1 </dev/null &
	echo $! >"$L/pids/node-$n.pid"
done
for n in $NODES; do
	for i in $(seq 50); do [ "$(nsenter -t "$(nodepid "$n")" -u hostname 2>/dev/null)" = "$n" ] && break; sleep 0.1; done
	[ "$(nsenter -t "$(nodepid "$n")" -u hostname 2>/dev/null)" = "$n" ] || die "node $n did not start: $(cat "$L/nodes/$n/logs/init.out")"
	s=${SHORT[$n]}
	ip -n $UL link add "m-$s" type veth peer name mgmt0 netns "$(nodepid "$n")"
	ip -n $UL link set "m-$s" master ulbr up
	on "$n" ip addr add "${MGMT[$n]}/24" dev mgmt0
	on "$n" ip link set mgmt0 up
done
ts "nodes up: $(for n in $NODES; do echo -n "$n=$(nodepid "$n") "; done)"

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
CD=$L/nodes/controller
sub() { sed "s#@RUN@#$L#g; s#@DBPASS@#$CANARY_DB_PASSWORD#g; s#@HOST@#${2:-}#g; s#@MODE@#${3:-}#g; s#@TUNIP@#${4:-}#g; s#@MAPPINGS@#extnet:br-ex#g" "$LAB_DIR/etc/$1"; }
sub neutron-server.conf.in >"$CD/etc/neutron-server.conf"
cp "$LAB_DIR/etc/ml2_conf.ini" "$CD/etc/"
cp "$LAB_DIR/etc/rabbitmq.conf" "$L/ctl/rabbit/"
sub rabbitmq-start.sh.in >"$L/ctl/rabbit/start.sh"
chmod +x "$L/ctl/rabbit/start.sh"
echo '[].' >"$L/ctl/rabbit/enabled_plugins"
chown -R rabbitmq:rabbitmq "$L/ctl/rabbit"
chmod 755 "$L" "$L/ctl"
start_on controller rabbit-runuser "$L/logs/rabbit.out" runuser -u rabbitmq -- "$L/ctl/rabbit/start.sh"
chown postgres:postgres "$L/ctl/pg"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$L/ctl/pg/data" -A trust -U postgres >"$L/logs/initdb.log" 2>&1
mkdir -p "$L/ctl/pg/sock"
chown postgres:postgres "$L/ctl/pg/sock"
on controller runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$L/ctl/pg/data" -l "$L/ctl/pg/postgres.log" -w \
	-o "-c listen_addresses=127.0.0.1 -p 5433 -k $L/ctl/pg/sock" start >/dev/null
on controller psql -h 127.0.0.1 -p 5433 -U postgres -qc "CREATE USER neutron PASSWORD '$CANARY_DB_PASSWORD'"
on controller psql -h 127.0.0.1 -p 5433 -U postgres -qc "CREATE DATABASE neutron OWNER neutron"
ts "PostgreSQL up (controller 127.0.0.1:5433)"
on controller neutron-db-manage --config-file "$CD/etc/neutron-server.conf" --config-file "$CD/etc/ml2_conf.ini" \
	upgrade heads >"$L/logs/db-manage.log" 2>&1 || die "neutron-db-manage failed: see $L/logs/db-manage.log"
ts "Neutron schema migrated"
for i in $(seq 90); do on controller bash -c "(echo > /dev/tcp/$CTL_IP/5672) 2>/dev/null" && break; sleep 1; done
on controller bash -c "(echo > /dev/tcp/$CTL_IP/5672) 2>/dev/null" || die "RabbitMQ did not start: see $L/logs/rabbit.out"
ts "RabbitMQ listening on $CTL_IP:5672"
(cd "$CD" && start_on controller neutron-server "$CD/logs/neutron-server.out" neutron-server \
	--config-file "$CD/etc/neutron-server.conf" --config-file "$CD/etc/ml2_conf.ini" --log-file "$CD/logs/neutron-server.log")
# the Neutron API on the root namespace's 127.0.0.1 (socat -> nsenter -> socat)
printf '#!/bin/sh\nexec nsenter -t %s -n socat STDIO TCP:%s:9696\n' "$(nodepid controller)" "$CTL_IP" >"$L/api-proxy.sh"
chmod +x "$L/api-proxy.sh"
setsid socat "TCP-LISTEN:$API_PORT,bind=127.0.0.1,reuseaddr,fork" "EXEC:$L/api-proxy.sh" >"$L/logs/api-socat.log" 2>&1 </dev/null &
echo $! >"$L/pids/api-socat.pid"
for i in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/" && break; sleep 1; done
curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/" || die "neutron-server does not answer: see $CD/logs/neutron-server.log"
ts "neutron-server answering on 127.0.0.1:$API_PORT"
# the openstack CLI on the controller (over SSH) and here: noauth, endpoint = the API
mkdir -p "$CD/root/.config/openstack"
printf 'clouds:\n  lab:\n    auth_type: none\n    auth:\n      endpoint: http://%s:9696\n' "$CTL_IP" >"$CD/root/.config/openstack/clouds.yaml"
printf 'export OS_CLOUD=lab\n' >>"$CD/root/.bashrc"
# and here, for `dvrscope collect --openstack local` (OS_CLIENT_CONFIG_FILE=.lab-state/clouds.yaml OS_CLOUD=lab)
printf 'clouds:\n  lab:\n    auth_type: none\n    auth:\n      endpoint: http://127.0.0.1:%s\n' "$API_PORT" >"$S/clouds.yaml"

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
K=$L/ssh
mkdir -p "$K"
chmod 700 "$K"
[ -f "$S/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C dvrscope-lab -f "$S/id_ed25519"
cp "$S/id_ed25519.pub" "$K/authorized_keys"
: >"$S/known_hosts"
for n in $NODES; do
	ssh-keygen -q -t ed25519 -N '' -C "lab-$n" -f "$K/host_$n"
	cat >"$K/sshd_$n.conf" <<EOC
HostKey $K/host_$n
AuthorizedKeysFile $K/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
PrintMotd no
PrintLastLog no
MaxSessions 32
MaxStartups 64:30:128
LogLevel ERROR
Subsystem sftp /usr/lib/openssh/sftp-server
EOC
	p=${SSHPORT[$n]}
	setsid socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" \
		EXEC:"nsenter -t $(nodepid "$n") -m -n -u /usr/sbin/sshd -i -f $K/sshd_$n.conf" >"$L/logs/ssh-$n.log" 2>&1 </dev/null &
	echo $! >"$L/pids/ssh-$n.pid"
	echo "[127.0.0.1]:$p $(cut -d' ' -f1,2 "$K/host_$n.pub")" >>"$S/known_hosts"
done
cat >"$S/ssh_config" <<EOC
# ssh -F $S/ssh_config <node>   (controller, network, compute-1, compute-2)
$(for n in $NODES; do printf 'Host %s\n  Port %s\n' "$n" "${SSHPORT[$n]}"; done)
Host *
  HostName 127.0.0.1
  User root
  IdentityFile $S/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $S/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
EOC
"$LAB_DIR/inventory.sh"
ts "SSH: $(for n in $NODES; do echo -n "$n=127.0.0.1:${SSHPORT[$n]} "; done)"

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
