#!/bin/bash
# PROBE, not the project's OVN lab: brings up the verified ML2/OVN reference lab
# (../shared/lab-reference/ovn, read-only: run from a temporary copy), moves VIP 10.0.0.100 from vm1
# to vm2 WITHOUT a gratuitous ARP (LAB-OVN.md "GARP missed"), records what dvrscope's catalog reads
# (the exact argv of ovn.nb, ovn.sb, ovs.open-vswitch; netns list; the VM namespaces' ip -j addr;
# the Neutron API bodies of os.ports/os.port-show/os.subnets/os.routers/os.agents), the client's
# ping to the VIP, and tears the lab down. Run as root under the lab lock:
#   flock /tmp/dvrscope-lab.lock lab/ovn-probe/record-stale.sh OUTDIR
set -uo pipefail
OUT=${1:?outdir}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REF=${OVN_REFERENCE:-/work/shared/lab-reference/ovn}
WORK=$(mktemp -d /tmp/dvrscope-ovn-probe.XXXXXX); cp -r "$REF"/. "$WORK"/; chmod -R u+w "$WORK"
HERE=$WORK; . "$WORK/lib.sh"
down() { "$WORK/ovn-down.sh" > "$OUT/down.log" 2>&1; "$WORK/ovn-verify-clean.sh" > "$OUT/verify-clean.log" 2>&1; rm -rf "$WORK"; }
trap down EXIT
"$WORK/ovn-up.sh" > "$OUT/up.log" 2>&1 || { echo "ovn-up failed (see $OUT/up.log)"; exit 1; }
"$WORK/ovn-topology.sh" > "$OUT/topology.log" 2>&1 || { echo "topology failed"; exit 1; }
"$WORK/ovn-vip-port.sh" create > "$OUT/vip-port.log" 2>&1 || { echo "vip port failed"; exit 1; }
cd $L; . ./ids.env
vmx() { local vm=$1; shift; on $(eval echo \$VMNODE_$vm) ip netns exec $vm "$@"; }
vmx vm1 ip addr add $VIP/24 dev eth0; vmx vm1 arping -q -U -c 2 -I eth0 -s $VIP $VIP; sleep 3
vmx client ping -c 5 -i 0.2 -W 1 $VIP > "$OUT/ping-healthy.txt" 2>&1
# The failure: the VIP moves with no GARP.
vmx vm1 ip addr del $VIP/24 dev eth0; vmx vm2 ip addr add $VIP/24 dev eth0; sleep 5
vmx client ping -c 10 -i 0.2 -W 1 $VIP > "$OUT/ping-stale.txt" 2>&1
argv() { grep "^$1	" "$OUT/argv.txt" | cut -f2-; }
( cd "$REPO" && npx tsx -e "
import {CATALOG} from './src/collectors/catalog.ts';
for (const id of ['ovn.nb','ovn.sb','ovs.open-vswitch','netns.list']) console.log(id+'\t'+CATALOG[id].argv.map(a=>\"'\"+a+\"'\").join(' '));
" ) > "$OUT/argv.txt"
mkdir -p "$OUT/nodes/ctl" "$OUT/cloud"
eval "on ctl $(argv ovn.nb)" > "$OUT/nodes/ctl/ovn.nb.stdout" 2> "$OUT/nodes/ctl/ovn.nb.stderr"
eval "on ctl $(argv ovn.sb)" > "$OUT/nodes/ctl/ovn.sb.stdout" 2> "$OUT/nodes/ctl/ovn.sb.stderr"
for n in $CHASSIS; do mkdir -p "$OUT/nodes/$n"
	eval "on $n $(argv ovs.open-vswitch)" > "$OUT/nodes/$n/ovs.open-vswitch.stdout"
	eval "on $n $(argv netns.list)" > "$OUT/nodes/$n/netns.list.stdout"
	for vm in vm1 vm2 client; do [ "$(eval echo \$VMNODE_$vm)" = $n ] || continue
		on $n ip -n $vm -j addr show > "$OUT/nodes/$n/vm.$vm.addr.stdout"; done
done
c "$API/ports" > "$OUT/cloud/ports.json"; c "$API/subnets" > "$OUT/cloud/subnets.json"
c "$API/routers" > "$OUT/cloud/routers.json"; c "$API/agents" > "$OUT/cloud/agents.json"
for p in $PORT_vm1 $PORT_vm2 $PORT_vip $PORT_client; do c "$API/ports/$p" > "$OUT/cloud/port-show.$p.json"; done
cp ids.env "$OUT/ids.env"
echo "recorded to $OUT: healthy ping $(grep -o '[0-9]* received' "$OUT/ping-healthy.txt"), stale ping $(grep -o '[0-9]* received' "$OUT/ping-stale.txt")"
