import type {Snapshot} from '../model/snapshot.js';
import type {Finding} from '../diagnostics/types.js';
import {listVips, reconcileVip} from './vip.js';
import type {TimelineEntry} from './store.js';

/** What watch mode compares between rounds, per VIP: key → observed value. */
export type VipObservations = ReadonlyMap<
	string,
	ReadonlyMap<
		string,
		{
			readonly node?: string;
			readonly kind: TimelineEntry['kind'];
			readonly value: string;
			/** Where the value was seen (a namespace), kept out of `value` so a change reads short. */
			readonly where?: string;
		}
	>
>;

type Observation = {node?: string; kind: TimelineEntry['kind']; value: string; where?: string};

/** Observe every VIP: each node's qrouter entry (MAC + NUD state), L3-HA states, the owner. */
export function observeVips(snapshot: Snapshot, findings: readonly Finding[]): VipObservations {
	const out = new Map<string, Map<string, Observation>>();
	const haStates: {node: string; router: string; state: string}[] = [];
	for (const [node, ns] of Object.entries(snapshot.nodes))
		for (const [router, st] of Object.entries(ns.facts.haState ?? {}))
			haStates.push({node, router, state: st.data.state});
	for (const vip of listVips(snapshot, findings)) {
		const view = reconcileVip(snapshot, findings, vip);
		const obs = new Map<string, Observation>();
		obs.set('owner', {
			kind: 'owner',
			value: view.owner === undefined ? 'owner unknown' : `owner ${view.owner.mac}`,
		});
		for (const row of view.nodes)
			obs.set(`neigh|${row.node}|${row.namespace}`, {
				node: row.node,
				kind: 'neigh',
				// MAC first: at 80 columns the new MAC must be visible, the namespace may be cut.
				value:
					row.entry === undefined
						? 'no entry'
						: `${row.entry.mac ?? '?'} ${row.entry.states.join(',')}`,
				where: row.namespace.slice(0, 16),
			});
		for (const h of haStates)
			obs.set(`ka|${h.node}|${h.router}`, {
				node: h.node,
				kind: 'keepalived',
				value: `router ${h.router.slice(0, 8)} ${h.state}`,
			});
		out.set(vip, obs);
	}
	return out;
}

/**
 * Timeline entries for one round. Changes are entries with `changed`; neighbour entries that did
 * NOT change are listed too (that is the point of LP#1774459: the qrouter entry stays put).
 */
export function diffObservations(
	prev: VipObservations | undefined,
	next: VipObservations,
	round: number,
	at: string,
): TimelineEntry[] {
	const entries: TimelineEntry[] = [];
	for (const [vip, obs] of next) {
		const before = prev?.get(vip);
		for (const [key, o] of obs) {
			const old = before?.get(key);
			const base = {at, round, vip, kind: o.kind, ...(o.node === undefined ? {} : {node: o.node})};
			const where = o.where === undefined ? '' : ` in ${o.where}`;
			if (prev === undefined)
				entries.push({...base, kind: 'baseline', text: `${o.value}${where}`, changed: false});
			else if (old === undefined)
				entries.push({...base, text: `appeared: ${o.value}${where}`, changed: true});
			else if (old.value !== o.value)
				entries.push({
					...base,
					text:
						o.where !== undefined && old.where === o.where
							? `now ${o.value} (was ${old.value})${where}`
							: `${old.value} ⇒ ${o.value}`,
					changed: true,
				});
			else if (o.kind === 'neigh')
				entries.push({...base, text: `${o.value}${where}`, changed: false});
		}
		for (const [key, o] of before ?? new Map<string, Observation>())
			if (!obs.has(key))
				entries.push({
					at,
					round,
					vip,
					kind: o.kind,
					...(o.node === undefined ? {} : {node: o.node}),
					text: `gone: ${o.value}${o.where === undefined ? '' : ` in ${o.where}`}`,
					changed: true,
				});
	}
	return entries;
}
