#!/bin/sh
# Fill a dvrscope capture set with the cloud-side (OpenStack API) captures, by hand, read-only:
# routers, subnets, networks, agents, ports (list + show each, for allowed address pairs and
# binding), and Octavia amphorae when the load-balancer API is there. Format: docs/capture-format.md.
#
#   sh capture-cloud-by-hand.sh OUTDIR [NETWORK]
#   # NETWORK (name or id) limits the per-port `port show` calls to the VIP's network.
#   # The openstack command is taken from $OPENSTACK (default "openstack"); e.g. on MOSK:
#   #   OPENSTACK="kubectl -n openstack exec deploy/keystone-client -c keystone-client -- openstack"
#   # then:  dvrscope diagnose OUTDIR /path/to/node-set-1 /path/to/node-set-2 …
set -u
out=${1:?usage: capture-cloud-by-hand.sh OUTDIR [NETWORK]}
net=${2:-}
os=${OPENSTACK:-openstack}
dir="captures/cloud"
mkdir -p "$out/$dir"
entries="$out/.entries"
: >"$entries"

ms() {
	t=$(date +%s%3N 2>/dev/null)
	case $t in *N | '') echo $(($(date +%s) * 1000)) ;; *) echo "$t" ;; esac
}
json_str() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

# cap ID KIND -- COMMAND [ARGS…]   (a non-zero exit is recorded, not fatal)
cap() {
	id=$1 kind=$2
	shift 2
	[ "${1:-}" = "--" ] && shift
	started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	t0=$(ms)
	"$@" >"$out/$dir/$id.stdout" 2>"$out/$dir/$id.stderr"
	rc=$?
	t1=$(ms)
	argv=''
	for a in "$@"; do argv="$argv${argv:+, }\"$(json_str "$a")\""; done
	ob=$(wc -c <"$out/$dir/$id.stdout" | tr -d ' ')
	eb=$(wc -c <"$out/$dir/$id.stderr" | tr -d ' ')
	extra=''
	if [ "$eb" -gt 0 ]; then extra=", \"stderrFile\": \"$dir/$id.stderr\""; else rm -f "$out/$dir/$id.stderr"; fi
	[ -s "$entries" ] && printf ',\n' >>"$entries"
	printf '    {"id": "%s", "scope": "cloud", "argv": [%s], "kind": "%s", "exitCode": %s, "startedAt": "%s", "durationMs": %s, "stdoutFile": "%s", "stdoutBytes": %s, "stderrBytes": %s, "via": "manual"%s}' \
		"$id" "$argv" "$kind" "$rc" "$started" "$((t1 - t0))" "$dir/$id.stdout" "$ob" "$eb" "$extra" >>"$entries"
}

# shellcheck disable=SC2086  # $os is a command prefix on purpose
cap routers openstack-routers -- $os router list --long -f json
cap subnets openstack-subnets -- $os subnet list -f json
cap networks openstack-networks -- $os network list --long -f json
cap agents openstack-agents -- $os network agent list --long -f json
if [ -n "$net" ]; then
	cap ports openstack-ports -- $os port list --network "$net" --long -f json
	ids=$($os port list --network "$net" -f value -c ID)
else
	cap ports openstack-ports -- $os port list --long -f json
	ids=$($os port list -f value -c ID)
fi
for id in $ids; do
	cap "port-$id" openstack-ports -- $os port show "$id" -f json
done
if $os loadbalancer amphora list --help >/dev/null 2>&1; then
	cap amphorae octavia-amphorae -- $os loadbalancer amphora list -f json
	for id in $($os loadbalancer amphora list -f value -c id 2>/dev/null); do
		cap "amphora-$id" octavia-amphorae -- $os loadbalancer amphora show "$id" -f json
	done
fi

cat >"$out/manifest.json" <<MANIFEST
{
  "format": "dvrscope-capture-set",
  "schemaVersion": 1,
  "createdAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "tool": {"name": "capture-cloud-by-hand.sh", "version": "1"},
  "description": "cloud API by hand${net:+ (network $net)}",
  "source": "manual",
  "nodes": [],
  "captures": [
$(cat "$entries")
  ]
}
MANIFEST
rm -f "$entries"
echo "capture set written to $out"
