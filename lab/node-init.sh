#!/bin/bash
# A lab "host": runs as `unshare -m -n -u --propagation private node-init.sh NAME RUNDIR`.
# Its private mount namespace gets per-node directories over the OVS dirs, /run/netns and /root,
# so this node's ovsdb/ovs-vswitchd, `ip netns` and root's shell start-up files are its own.
set -e
N=$1 D=$2/nodes/$1
mount --bind "$D/run-ovs" /run/openvswitch
mount --bind "$D/etc-ovs" /etc/openvswitch
mount --bind "$D/log-ovs" /var/log/openvswitch
mount --bind "$D/netns" /run/netns
mount --bind "$D/root" /root
# ML2/OVN lab (lab/ovn/up.sh): the node's own OVN run, database and log dirs too
if [ -d "$D/run-ovn" ]; then
	mount --bind "$D/run-ovn" /run/ovn
	mount --bind "$D/lib-ovn" /var/lib/ovn
	mount --bind "$D/log-ovn" /var/log/ovn
fi
hostname "$N"
ip link set lo up
exec sleep infinity
