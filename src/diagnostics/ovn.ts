import type {OvnDb, OvnRow, OvsdbValue} from '../model/facts.js';
import type {Snapshot, Sourced} from '../model/snapshot.js';
import {captureLine} from './evidence.js';
import {getModel, type Vip, type VipOwner} from './model.js';
import {memberMacs, ovnCounterHolder, ovnSpeakers, type OvnSpeaker} from './ovn-holder.js';
import {cidrContains, normalizeMac, sameIp} from './net.js';
import type {Evidence} from './types.js';

/**
 * The OVN side of a VRRP VIP on ml2/ovn (LAB-OVN.md, Neutron's OVN driver, ovn-nb(5)/ovn-sb(5)):
 *
 * - Neutron makes a port that holds the VIP as fixed IP an LSP `type=virtual` with
 *   `options:virtual-ip` = the VIP and `options:virtual-parents` = the ports that carry the VIP as
 *   an allowed address pair (matched by the exact address string).
 * - ovn-controller binds the virtual Port_Binding to the chassis and parent that last sent a GARP
 *   or ARP reply from the VIP (`bind_vport`): SB `Port_Binding.chassis` + `virtual_parent`.
 * - A router learns the VIP's MAC in SB `MAC_Binding` (ip = VIP, logical_port = router port); the
 *   row stays until a GARP rewrites it, unless `Logical_Router options:mac_binding_age_threshold`.
 * - Each LSP's `port_security` holds its MAC, fixed IPs and AAP addresses: ARPs from any other
 *   source IP are dropped, GARPs for the VIP included.
 */
export type OvnVip = {
	readonly ip: string;
	/** dvrscope's VIP model (carriers, owner), when the API or nodes know the VIP. */
	readonly vip?: Vip;
	/** NB LSP of a Neutron port whose fixed IP is the VIP (normal or virtual). */
	readonly vipLsp?: OvnRow;
	/** SB Port_Binding of that LSP. */
	readonly vipBinding?: OvnRow;
	/** LSP names `options:virtual-parents` lists. */
	readonly parents: readonly string[];
	/** LSPs whose `port_security` allows the VIP as a source (the members that can claim it). */
	readonly allowed: readonly OvnRow[];
	/** MAC_Binding rows for the VIP. */
	readonly macBindings: readonly OvnRow[];
	/**
	 * Who holds the VIP now: the model's owner from the members' interfaces or node data when it
	 * has one, else the chassis' OVN port-security counters ({@link ovnCounterHolder}).
	 */
	readonly owner?: VipOwner;
	/** Why no owner is known (the counters' reason when they were the last source tried). */
	readonly ownerUnknownReason?: string;
	/** Per chassis port: packets from / for the VIP (OVN port-security counters). */
	readonly speakers: readonly OvnSpeaker[];
};

export type OvnModel = {
	readonly nb: Sourced<OvnDb>;
	readonly sb: Sourced<OvnDb>;
	readonly vips: readonly OvnVip[];
	rows(db: 'nb' | 'sb', table: string): readonly OvnRow[];
	lsp(name: string): OvnRow | undefined;
	/** Chassis row by `_uuid` or by name. */
	chassis(ref: string): OvnRow | undefined;
	/** The LSP whose `addresses` start with `mac`. */
	lspByMac(mac: string): OvnRow | undefined;
	/** Evidence for one row: the capture, its document's line, the row cut out of it. */
	evidence(db: 'nb' | 'sb', row: OvnRow, note: string): Evidence;
};

export const str = (v: OvsdbValue | undefined): string | undefined =>
	typeof v === 'string' && v !== '' ? v : undefined;

export const map = (v: OvsdbValue | undefined): Readonly<Record<string, OvsdbValue>> =>
	typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, OvsdbValue>) : {};

/** A column that is a string or a set of strings (`addresses`, `port_security`). */
export const strings = (v: OvsdbValue | undefined): string[] =>
	typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter(x => typeof x === 'string') : [];

/** The words of `port_security`/`addresses` entries: MAC then IPs or CIDRs. */
const words = (v: OvsdbValue | undefined): string[] =>
	strings(v).flatMap(entry => entry.split(/\s+/).filter(Boolean));

/** True when a port_security / addresses column lets `ip` through (exact or inside a CIDR). */
export function allowsIp(v: OvsdbValue | undefined, ip: string): boolean {
	return words(v).some(w => (w.includes('/') ? cidrContains(w, ip) : sameIp(w, ip)));
}

/** The MAC an LSP's `addresses` (or `port_security`) starts with. */
export const lspMac = (row: OvnRow): string | undefined => {
	const first = words(row['addresses'])[0] ?? words(row['port_security'])[0];
	return first !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(first)
		? normalizeMac(first)
		: undefined;
};

const cache = new WeakMap<Snapshot, OvnModel | null>();

/** The OVN model, or undefined when the NB or SB read is missing. Memoised per snapshot. */
export function getOvn(snapshot: Snapshot): OvnModel | undefined {
	const hit = cache.get(snapshot);
	if (hit !== undefined) return hit ?? undefined;
	const model = build(snapshot);
	cache.set(snapshot, model ?? null);
	return model;
}

function build(snapshot: Snapshot): OvnModel | undefined {
	const {ovnNb: nb, ovnSb: sb} = snapshot.cloud;
	if (nb === undefined || sb === undefined) return undefined;
	const rows = (db: 'nb' | 'sb', table: string): readonly OvnRow[] =>
		(db === 'nb' ? nb : sb).data.tables[table]?.rows ?? [];
	const lsps = rows('nb', 'Logical_Switch_Port');
	const lsp = (name: string): OvnRow | undefined => lsps.find(r => r['name'] === name);
	const chassis = (ref: string): OvnRow | undefined =>
		rows('sb', 'Chassis').find(r => r['_uuid'] === ref || r['name'] === ref);
	const lspByMac = (mac: string): OvnRow | undefined =>
		lsps.find(r => str(r['type']) === undefined && lspMac(r) === normalizeMac(mac));
	const evidence = (db: 'nb' | 'sb', row: OvnRow, note: string): Evidence => {
		const sourced = db === 'nb' ? nb : sb;
		// a table read on its own (sos: one `list T` per file) carries its own capture
		const from =
			Object.values(sourced.data.tables).find(t => t.rows.includes(row))?.source ?? sourced;
		const line = row.line + from.lineOffset;
		const text = captureLine(snapshot, from.capture, line);
		const uuid = str(row['_uuid']) ?? '';
		const record = /^_uuid\s*:/.test(text) ? textRecord(snapshot, from.capture, line) : undefined;
		const at = uuid === '' ? -1 : text.indexOf(`["uuid","${uuid}"]`);
		const excerpt =
			record !== undefined
				? record.text
				: text.length <= 240 || at < 0
					? text.slice(0, 240)
					: `…${text.slice(Math.max(0, at - 1), at + 239)}…`;
		const node = snapshot.captures[from.capture]?.node;
		return {
			...(node !== undefined ? {node} : {}),
			capture: from.capture,
			lines: record?.lines ?? [line],
			excerpt,
			note,
		};
	};
	const model = getModel(snapshot);
	const ips = new Map<string, Vip | undefined>();
	for (const v of model.vips) ips.set(v.ip, v);
	for (const r of lsps) {
		const vip = str(map(r['options'])['virtual-ip']);
		if (str(r['type']) === 'virtual' && vip !== undefined && !ips.has(vip)) ips.set(vip, undefined);
	}
	// A port that holds a VIP but is no virtual port (CIDR allowed address pair): an unbound normal
	// LSP whose address another port's port_security lets through.
	const bindings = rows('sb', 'Port_Binding');
	for (const r of lsps) {
		if (str(r['type']) !== undefined) continue;
		const name = str(r['name']);
		const pb = bindings.find(b => b['logical_port'] === name);
		if (pb === undefined || str(pb['chassis']) !== undefined) continue;
		for (const ip of words(r['addresses']).slice(1)) {
			if (ips.has(ip) || ip.includes('/')) continue;
			if (
				lsps.some(o => o !== r && str(o['type']) === undefined && allowsIp(o['port_security'], ip))
			)
				ips.set(
					ip,
					model.vips.find(v => sameIp(v.ip, ip)),
				);
		}
	}
	const vips: OvnVip[] = [];
	for (const [ip, vip] of ips) {
		const vipPortIds = new Set(vip?.vipPorts.map(p => p.id) ?? []);
		const vipLsp =
			lsps.find(r => vipPortIds.has(str(r['name']) ?? '')) ??
			lsps.find(r => str(r['type']) === 'virtual' && str(map(r['options'])['virtual-ip']) === ip);
		const name = vipLsp !== undefined ? str(vipLsp['name']) : undefined;
		const vipBinding =
			name === undefined
				? undefined
				: rows('sb', 'Port_Binding').find(r => r['logical_port'] === name);
		const parents = (str(map(vipLsp?.['options'])['virtual-parents']) ?? '')
			.split(',')
			.filter(Boolean);
		const allowed = lsps.filter(
			r => r !== vipLsp && str(r['type']) === undefined && allowsIp(r['port_security'], ip),
		);
		const macBindings = rows('sb', 'MAC_Binding').filter(r => {
			const bound = str(r['ip']);
			return bound !== undefined && sameIp(bound, ip);
		});
		const speakers = ovnSpeakers(snapshot, ip);
		const held = liveOwner(snapshot, ip, vip, speakers, [
			...allowed,
			...parents.flatMap(p => lsps.filter(r => r['name'] === p)),
			...(vip?.carriers ?? []).flatMap(c => lsps.filter(r => r['name'] === c.port.id)),
		]);
		vips.push({
			ip,
			...(vip !== undefined ? {vip} : {}),
			...(vipLsp !== undefined ? {vipLsp} : {}),
			...(vipBinding !== undefined ? {vipBinding} : {}),
			parents,
			allowed,
			macBindings,
			...held,
			speakers,
		});
	}
	return {nb, sb, vips, rows, lsp, chassis, lspByMac, evidence};
}

/**
 * The VIP's live holder on ml2/ovn: the model's owner when the members' interfaces or other node
 * data show one (never Octavia's configured role alone), else the chassis' port-security counters
 * over every member (port_security allows the VIP, a virtual parent, a Neutron carrier).
 */
function liveOwner(
	snapshot: Snapshot,
	ip: string,
	vip: Vip | undefined,
	speakers: readonly OvnSpeaker[],
	members: readonly OvnRow[],
): {owner: VipOwner} | {ownerUnknownReason: string} {
	if (vip?.owner !== undefined && !vip.owner.configuredOnly) return {owner: vip.owner};
	const macs = memberMacs(members, lspMac, row => portText(snapshot, str(row['name']) ?? '?'));
	const counted = ovnCounterHolder(ip, speakers, macs);
	if ('owner' in counted) return {owner: counted.owner};
	const before = vip?.ownerUnknownReason;
	return {
		ownerUnknownReason:
			before !== undefined && speakers.length === 0
				? before
				: `${before !== undefined ? `${before}; ` : ''}${counted.reason}`,
	};
}

/** Columns of a text-form record worth quoting (the rest is cut from the excerpt). */
const RECORD_COLUMNS =
	/^(_uuid|name|logical_port|type|addresses|port_security|options|chassis|virtual_parent|ip|mac|up|hostname)\s*:/;

/**
 * A record of `ovn-nbctl|ovn-sbctl list T` in text form (sos), from its `_uuid` line to the blank
 * line: the lines of the columns the OVN rules read, joined, at most 480 characters.
 */
function textRecord(
	snapshot: Snapshot,
	capture: string,
	line: number,
): {text: string; lines: number[]} {
	const lines: number[] = [];
	const parts: string[] = [];
	const body = (snapshot.captures[capture]?.stdout ?? '').split('\n', line + 64);
	for (let n = line; n < line + 64; n++) {
		const text = (body[n - 1] ?? '').trimEnd();
		if (text.trim() === '' || (n > line && /^_uuid\s*:/.test(text))) break;
		if (!RECORD_COLUMNS.test(text)) continue;
		lines.push(n);
		parts.push(text.replace(/\s+:\s/, ': '));
	}
	const joined = parts.join(' | ');
	return {text: joined.length <= 480 ? joined : `${joined.slice(0, 479)}…`, lines};
}

/** `port vm2 (22222222)`: a Neutron port id with its name from the API, when known. */
export function portText(snapshot: Snapshot, id: string): string {
	const port = getModel(snapshot).ports.find(p => p.id === id);
	return port?.name !== undefined && port.name !== ''
		? `port ${port.name} (${id.slice(0, 8)})`
		: `port ${id.slice(0, 8)}`;
}
