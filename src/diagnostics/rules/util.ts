import type {NodeId} from '../../model/ids.js';
import type {Snapshot} from '../../model/snapshot.js';
import {lineEvidence, neighFocus} from '../evidence.js';
import type {Model, RouterInfo, Vip} from '../model.js';
import {sameIp} from '../net.js';
import type {Evidence} from '../types.js';

/** `web-router (4d7928a0)` or the full id when the router has no name. */
export const routerLabel = (router: RouterInfo): string =>
	router.name !== undefined && router.name !== ''
		? `${router.name} (${router.id.slice(0, 8)})`
		: router.id;

export const listText = (items: readonly string[]): string => {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
};

export const nodesText = (nodes: readonly NodeId[]): string => listText([...nodes].sort());

export const subnetText = (vip: Vip): string =>
	vip.subnet !== undefined ? `subnet ${vip.subnet.cidr}` : 'the VIP subnet';

/**
 * Direct evidence that traffic to `ip` is being lost on `nodes`: the qrouter there has an entry
 * for it in FAILED or INCOMPLETE state (a client's packets were routed to it and nobody
 * answered). Makes a finding critical whatever the rule's default severity.
 */
export function lostTraffic(
	snapshot: Snapshot,
	model: Model,
	router: RouterInfo,
	nodes: readonly NodeId[],
	ip: string,
): {evidence: Evidence[]; text: string} {
	const evidence: Evidence[] = [];
	const seen: string[] = [];
	for (const node of nodes)
		for (const o of model.neigh(node, `qrouter-${router.id}`)) {
			if (!sameIp(o.entry.dst, ip)) continue;
			const state = o.entry.states.find(s => s === 'FAILED' || s === 'INCOMPLETE');
			if (state === undefined) continue;
			seen.push(`${state} on ${node}`);
			evidence.push(
				lineEvidence(
					snapshot,
					node,
					o.sourced,
					[o.entry.line],
					`${ip} ${state} in qrouter-${router.id} on ${node}: traffic was routed to it and nobody answered (lost)`,
					neighFocus(o.entry.dst),
				),
			);
		}
	return {
		evidence,
		text:
			seen.length > 0
				? ` Critical because traffic is being lost now: the qrouter's entry for ${ip} is ${listText(seen)} (a client's packets were routed there and got no answer).`
				: '',
	};
}
