/**
 * The packet-path proof of a finding (issue 22): for each stale qrouter entry finding, a client
 * behind a node whose qrouter holds the stale entry, traced to the VIP. Live `diagnose` runs the
 * trace rounds of these pairs (src/session/trace-rounds.ts) and files them in the capture set;
 * here, pure, the proof is rebuilt from the set and attached to the finding — so a saved set or a
 * bundle replays it. A set without the finding's trace reads leaves the finding without a proof.
 */
import type {Snapshot} from '../model/snapshot.js';
import {getModel} from './model.js';
import {sameIp, sameMac} from './net.js';
import {getOvn} from './ovn.js';
import {provePath} from './path.js';
import {ovnProofClient} from './path-ovn.js';
import {legFor, ovsInterfaces, routerLegs} from './path-node.js';
import type {Finding} from './types.js';

/** Rules whose findings a path proof checks (a stale router entry for a VIP); on ml2/ovn every `ovn/` finding with a VIP. */
const PROVEN_RULES: ReadonlySet<string> = new Set(['dvr/stale-permanent-arp']);

/** A client and destination to prove, for one finding. */
export type ProofPair = {readonly from: string; readonly to: string};

/**
 * The client of a finding's proof: an IPv4 address on another subnet of the finding's router,
 * whose PERMANENT qrouter entry on a stale node names a MAC plugged into that node's br-int (a VM
 * there, whose packets to the VIP take that qrouter's stale entry). Deterministic: the first stale
 * node, then the lowest address. Undefined when no such VM is in the set.
 */
export function proofPair(snapshot: Snapshot, finding: Finding): ProofPair | undefined {
	const {vip, router} = finding;
	if (finding.ruleId.startsWith('ovn/')) {
		// ml2/ovn: a VM behind the VIP's router (src/diagnostics/path-ovn.ts), one ovn-trace
		const ovn = getOvn(snapshot);
		const from =
			ovn === undefined || vip === undefined ? undefined : ovnProofClient(snapshot, ovn, vip);
		return from === undefined || vip === undefined ? undefined : {from, to: vip};
	}
	if (!PROVEN_RULES.has(finding.ruleId) || vip === undefined || router === undefined)
		return undefined;
	const ns = `qrouter-${router}`;
	const model = getModel(snapshot);
	for (const node of [...finding.nodes].sort()) {
		const legs = routerLegs(snapshot, node).filter(l => l.namespace === ns);
		const vipLeg = legFor(legs, vip, ns);
		const taps = ovsInterfaces(snapshot, node);
		const ips = model
			.neigh(node, ns)
			.map(o => o.entry)
			.filter(
				e =>
					e.states.includes('PERMANENT') &&
					e.lladdr !== undefined &&
					!e.dst.includes(':') &&
					!sameIp(e.dst, vip) &&
					legFor(legs, e.dst, ns) !== undefined &&
					legFor(legs, e.dst, ns)?.dev !== vipLeg?.dev &&
					taps.some(t => t.attachedMac !== undefined && sameMac(t.attachedMac, e.lladdr ?? '')),
			)
			.map(e => e.dst)
			.sort((a, b) => a.localeCompare(b, 'en', {numeric: true}));
		const from = ips[0];
		if (from !== undefined) return {from, to: vip};
	}
	return undefined;
}

/** True when the set holds at least one trace read towards `to` (a proof was run for it). */
function traced(snapshot: Snapshot, to: string): boolean {
	return Object.values(snapshot.captures).some(
		c =>
			c.catalogId?.startsWith('trace.') === true &&
			c.argv.some(
				w => w === to || w.split(',').includes(`nw_dst=${to}`) || w.includes(`ip4.dst == ${to} `),
			),
	);
}

/** The findings, each stale-entry finding with its path proof when the set holds its reads. */
export function withPathProofs(snapshot: Snapshot, findings: readonly Finding[]): Finding[] {
	return findings.map(finding => {
		const pair = proofPair(snapshot, finding);
		if (pair === undefined || !traced(snapshot, pair.to)) return finding;
		const proof = provePath(snapshot, pair.from, pair.to);
		return typeof proof === 'string' ? finding : {...finding, path: proof};
	});
}
