#!/bin/bash
# Real OpenSSH for every lab node (lab/up.sh and lab/ovn/up.sh): sshd -i inside the node's
# namespaces behind socat on 127.0.0.1, key auth, the node's own host key; writes .lab-state/
# ssh_config, known_hosts and (lab/inventory.sh) the console's inventory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
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

