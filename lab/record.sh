#!/bin/bash
# npm run lab:record -- <scenario> [OUT_DIR]
# Bring the running lab to <scenario> (healthy | failover | workaround | divergence | current) and
# collect a capture set from it with dvrscope itself: `dvrscope collect` over real SSH with the
# openstack CLI run locally against the lab's API (plus the compute ports' `port show`, which
# `port list` lacks), or lab/collect-lab.ts (the same collection session) through the real
# kubectl with LAB_RECORD_VIA=kubectl. Writes OUT_DIR (default .lab-state/records/<scenario>) and
# OUT_DIR/lab.json: the lab's real state at recording time (ids, MACs, MASTER, entries, ping).
# LAB_RECORD_OPENSTACK=none records what an engineer without OpenStack credentials collects: the
# nodes only (no API captures, no port-show augmentation).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
need_lab
scenario=${1:-}
out=${2:-$S/records/$scenario}
via=${LAB_RECORD_VIA:-ssh}
openstack=${LAB_RECORD_OPENSTACK:-local}
case $openstack in local | none) ;; *) die "LAB_RECORD_OPENSTACK must be local or none" ;; esac
case $scenario in
healthy | failover | workaround | divergence) "$LAB_DIR/scenario.sh" "$scenario" ;;
current) ;;
*) die "usage: npm run lab:record -- healthy|failover|workaround|divergence|current [OUT_DIR]" ;;
esac
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cd "$REPO"
if [ "$via" = ssh ] && [ -f src/cli/commands/collect.ts ] && [ -z "${LAB_RECORD_LIBRARY:-}" ]; then
	ts "recording '$scenario': dvrscope collect --inventory $S/inventory.yaml --openstack $openstack -o $out"
	OS_CLIENT_CONFIG_FILE=$S/clouds.yaml OS_CLOUD=lab npx tsx src/cli/main.ts collect --inventory "$S/inventory.yaml" \
		--known-hosts "$S/known_hosts" -i "$S/id_ed25519" --openstack "$openstack" -q -o "$out" || [ -f "$out/manifest.json" ] || die "dvrscope collect failed"
	# `openstack port list --long` has no allowed address pairs: add the compute ports' port-show
	[ "$openstack" = none ] || npx tsx lab/collect-lab.ts --augment "$out"
	# say what the recording is (the console shows it in its header), not the recorder's paths
	jq --arg d "recorded from the dvrscope lab (real Neutron DVR), scenario $scenario" '.description = $d' \
		"$out/manifest.json" >"$out/manifest.json.new" && mv "$out/manifest.json.new" "$out/manifest.json"
else
	ts "recording '$scenario' with lab/collect-lab.ts (dvrscope's collection session, via $via)"
	npx tsx lab/collect-lab.ts "$out" --via "$via" --description "dvrscope lab, scenario $scenario (via $via)"
fi
"$LAB_DIR/scenario.sh" state | jq . >"$out/lab.json"
ts "recorded $out ($(jq -r '.master' "$out/lab.json") is MASTER; entries: $(jq -c .entries "$out/lab.json"))"
