#!/bin/bash
# The lab controller's services (lab/up.sh and lab/ovn/up.sh, after the nodes are up): RabbitMQ,
# PostgreSQL, the Neutron schema and neutron-server (ML2/OVS + DVR, or ML2/OVN with
# LAB_BACKEND=ovn), its API on 127.0.0.1:$API_PORT, and the openstack CLI's clouds.yaml.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
CD=$L/nodes/controller
if [ "$LAB_BACKEND" = ovn ]; then
	sub ovn/neutron-server.conf.in >"$CD/etc/neutron-server.conf"
	sub ovn/ml2_conf.ini.in >"$CD/etc/ml2_conf.ini"
else
	sub neutron-server.conf.in >"$CD/etc/neutron-server.conf"
	cp "$LAB_DIR/etc/ml2_conf.ini" "$CD/etc/"
fi
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

