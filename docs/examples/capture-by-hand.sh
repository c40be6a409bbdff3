#!/bin/sh
# Fill a dvrscope capture set by hand on one node, from a runbook, without dvrscope installed.
# Read-only: every command below only reads state. Format: docs/capture-format.md.
#
#   sh capture-by-hand.sh OUTDIR [NODE_ID] [ROLE]
#   # copy OUTDIR back, then:  dvrscope diagnose OUTDIR   (or  dvrscope parse <kind> OUTDIR/captures/…)
#
# NODE_ID defaults to the short host name; ROLE is controller|network|compute|gateway|other.
set -u
out=${1:?usage: capture-by-hand.sh OUTDIR [NODE_ID] [ROLE]}
node=${2:-$(hostname -s)}
role=${3:-other}
dir="captures/nodes/$node"
mkdir -p "$out/$dir"
entries="$out/.entries"
: >"$entries"

ms() { # milliseconds since the epoch (GNU date), else seconds * 1000
	t=$(date +%s%3N 2>/dev/null)
	case $t in *N | '') echo $(($(date +%s) * 1000)) ;; *) echo "$t" ;; esac
}
json_str() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

# cap ID KIND PARAMS_JSON -- COMMAND [ARGS…]
#   ID: [A-Za-z0-9][A-Za-z0-9._@-]*, unique in the set.  KIND: a parser kind, or '' (kept, not parsed).
#   PARAMS_JSON: '' or e.g. '{"namespace": "qrouter-…"}'.  A non-zero exit is recorded, not fatal.
cap() {
	id=$1 kind=$2 params=$3
	shift 3
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
	[ -n "$kind" ] && extra="$extra, \"kind\": \"$kind\""
	[ -n "$params" ] && extra="$extra, \"params\": $params"
	if [ "$eb" -gt 0 ]; then extra="$extra, \"stderrFile\": \"$dir/$id.stderr\""; else rm -f "$out/$dir/$id.stderr"; fi
	[ -s "$entries" ] && printf ',\n' >>"$entries"
	printf '    {"id": "%s", "scope": "node", "node": "%s", "argv": [%s], "exitCode": %s, "startedAt": "%s", "durationMs": %s, "stdoutFile": "%s", "stdoutBytes": %s, "stderrBytes": %s, "via": "manual"%s}' \
		"$id" "$node" "$argv" "$rc" "$started" "$((t1 - t0))" "$dir/$id.stdout" "$ob" "$eb" "$extra" >>"$entries"
}

# ── the runbook ─────────────────────────────────────────────────────────────
cap netns ip-netns '' -- ip -j netns list
# Every namespace at once; each "netns: NAME" section is read with the "inner" kind.
cap all-neigh ip-all-netns '{"inner": "ip-neigh"}' -- ip -all netns exec ip -j neigh show
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(qrouter|snat|fip)-'); do
	cap "neigh-$ns" ip-neigh "{\"namespace\": \"$ns\"}" -- ip -n "$ns" -j neigh show
	cap "addr-$ns" ip-addr "{\"namespace\": \"$ns\"}" -- ip -n "$ns" -j addr show
	cap "rule-$ns" ip-rule "{\"namespace\": \"$ns\"}" -- ip -n "$ns" -j rule show
	cap "route-$ns" ip-route "{\"namespace\": \"$ns\"}" -- ip -n "$ns" -j route show table all
done
for br in br-int br-tun br-ex; do
	cap "flows-$br" ovs-flows "{\"bridge\": \"$br\"}" -- ovs-ofctl dump-flows "$br"
	cap "ofports-$br" ovs-ofctl-show "{\"bridge\": \"$br\"}" -- ovs-ofctl show "$br"
done
cap fdb-br-int ovs-fdb '{"bridge": "br-int"}' -- ovs-appctl fdb/show br-int
cap vsctl-show ovs-vsctl-show '' -- ovs-vsctl show
for d in /var/lib/neutron/ha_confs/*/; do
	[ -d "$d" ] || continue
	r=$(basename "$d")
	cap "ha-state-$r" neutron-ha-state "{\"router\": \"$r\", \"path\": \"${d}state\"}" -- cat "${d}state"
	cap "keepalived-$r" keepalived-conf "{\"router\": \"$r\", \"path\": \"${d}keepalived.conf\"}" -- cat "${d}keepalived.conf"
done
cap uname '' '' -- uname -a

# ── the manifest ────────────────────────────────────────────────────────────
cat >"$out/manifest.json" <<MANIFEST
{
  "format": "dvrscope-capture-set",
  "schemaVersion": 1,
  "createdAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "tool": {"name": "capture-by-hand.sh", "version": "1"},
  "description": "by hand on $node",
  "source": "manual",
  "nodes": [{"id": "$node", "roles": ["$role"], "transport": "manual"}],
  "captures": [
$(cat "$entries")
  ]
}
MANIFEST
rm -f "$entries"
echo "capture set written to $out"
