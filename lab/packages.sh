#!/bin/bash
# Debian packages the lab needs. `packages.sh --list` prints them; `packages.sh --check` exits 1 and
# names what is missing; without arguments it installs what is missing (root, apt, under /tmp/apt.lock).
LAB_PACKAGES=(neutron-server neutron-l3-agent neutron-openvswitch-agent python3-neutron
	rabbitmq-server python3-openstackclient postgresql python3-psycopg2 keepalived
	openvswitch-switch openssh-server openssh-client socat iputils-ping tcpdump curl jq util-linux iproute2 sosreport
	ovn-central ovn-host iputils-arping)
missing=()
for p in "${LAB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
case "${1:-}" in
--list) echo "${LAB_PACKAGES[*]}"; exit 0 ;;
--check)
	((${#missing[@]} == 0)) && exit 0
	echo "missing Debian packages: ${missing[*]}"; exit 1 ;;
esac
((${#missing[@]} == 0)) && exit 0
[ "$(id -u)" = 0 ] || { echo "lab: missing Debian packages (${missing[*]}); install them as root: apt-get install ${missing[*]}" >&2; exit 1; }
command -v apt-get >/dev/null || { echo "lab: needs a Debian/Ubuntu machine with apt-get (missing: ${missing[*]})" >&2; exit 1; }
echo "lab: installing ${missing[*]} (a few minutes)"
export DEBIAN_FRONTEND=noninteractive
flock /tmp/apt.lock sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"' sh "${missing[@]}" ||
	{ echo "lab: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
