import {
	allowsIp,
	getOvn,
	map,
	portText,
	str,
	type OvnModel,
	type OvnVip,
} from '../diagnostics/ovn.js';
import type {OvnRow} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import type {Finding} from '../diagnostics/types.js';

/** A row's place in its capture (NB or SB document line), for Enter. */
const openAt = (ovn: OvnModel, db: 'nb' | 'sb', row: OvnRow) => {
	const sourced = db === 'nb' ? ovn.nb : ovn.sb;
	const line = row.line + sourced.lineOffset;
	return {kind: 'capture', capture: sourced.capture, line, lines: [line]} as const;
};

/** The most severe finding whose evidence quotes this row (by its `_uuid`). */
function citedBy(findings: readonly Finding[], row: OvnRow): Finding | undefined {
	const uuid = str(row['_uuid']);
	if (uuid === undefined) return undefined;
	const rank = {critical: 0, warning: 1, info: 2} as const;
	let best: Finding | undefined;
	for (const f of findings)
		if (f.ruleId.startsWith('ovn/') && f.evidence.some(e => e.excerpt.includes(uuid)))
			if (best === undefined || rank[f.severity] < rank[best.severity]) best = f;
	return best;
}

const port = (snapshot: Snapshot, id: string | undefined): string =>
	id === undefined ? '—' : portText(snapshot, id).replace(/^port /, '');

/** One VIP's rows: its virtual port, the SB binding, the members' port_security, MAC_Binding. */
function vipRows(snapshot: Snapshot, ovn: OvnModel, v: OvnVip, findings: readonly Finding[]) {
	const rows: {kind: string; db: 'nb' | 'sb'; row: OvnRow; what: string; detail: string}[] = [];
	if (v.vipLsp !== undefined) {
		const options = map(v.vipLsp['options']);
		rows.push({
			kind: 'VIP PORT',
			db: 'nb',
			row: v.vipLsp,
			what: port(snapshot, str(v.vipLsp['name'])),
			detail: `type ${str(v.vipLsp['type']) ?? 'normal'}; virtual-ip ${str(options['virtual-ip']) ?? '—'}; virtual-parents ${v.parents.map(p => port(snapshot, p)).join(', ') || '—'}`,
		});
	} else
		rows.push({
			kind: 'VIP PORT',
			db: 'nb',
			row: {line: 0},
			what: '—',
			detail: 'no port holds the VIP as fixed IP (no virtual port)',
		});
	if (v.vipBinding !== undefined) {
		const chassisRef = str(v.vipBinding['chassis']);
		const chassis = chassisRef === undefined ? undefined : ovn.chassis(chassisRef);
		rows.push({
			kind: 'SB BINDING',
			db: 'sb',
			row: v.vipBinding,
			what: `parent ${port(snapshot, str(v.vipBinding['virtual_parent']))}`,
			detail: `chassis ${str(chassis?.['name']) ?? chassisRef ?? 'none'} (what OVN believes holds the VIP)`,
		});
	}
	const members = new Set([...v.parents, ...v.allowed.flatMap(r => str(r['name']) ?? [])]);
	for (const id of [...members].sort()) {
		const lsp = ovn.lsp(id);
		if (lsp === undefined) continue;
		const security = lsp['port_security'];
		const empty = Array.isArray(security) && security.length === 0;
		rows.push({
			kind: 'MEMBER',
			db: 'nb',
			row: lsp,
			what: port(snapshot, id),
			detail: empty
				? 'port security off'
				: allowsIp(security, v.ip)
					? `port_security allows ${v.ip}`
					: `port_security WITHOUT ${v.ip}: its GARPs are dropped`,
		});
	}
	for (const mb of v.macBindings)
		rows.push({
			kind: 'MAC_BINDING',
			db: 'sb',
			row: mb,
			what: str(mb['logical_port']) ?? '?',
			detail: `${v.ip} → ${str(mb['mac']) ?? '?'}${(() => {
				const mac = str(mb['mac']);
				const owner = mac === undefined ? undefined : ovn.lspByMac(mac);
				const name = owner === undefined ? undefined : str(owner['name']);
				return name === undefined ? '' : ` (${port(snapshot, name)})`;
			})()}`,
		});
	return rows.map(r => ({...r, finding: r.row.line > 0 ? citedBy(findings, r.row) : undefined}));
}

/** One row of the console's OVN screen (src/ui/screens/OvnScreen.tsx). */
export type OvnScreenRow = {
	readonly key: string;
	readonly vip: string;
	readonly kind: string;
	readonly what: string;
	readonly detail: string;
	readonly finding?: Finding;
	readonly open?: ReturnType<typeof openAt>;
};

/** The OVN screen's rows, per VIP in the NB/SB reads; undefined when there is no NB and SB. */
export function ovnScreenRows(
	snapshot: Snapshot | undefined,
	findings: readonly Finding[],
): readonly OvnScreenRow[] | undefined {
	const ovn = snapshot === undefined ? undefined : getOvn(snapshot);
	if (snapshot === undefined || ovn === undefined) return undefined;
	return ovn.vips.flatMap(v =>
		vipRows(snapshot, ovn, v, findings).map((r, i) => ({
			key: `${v.ip}|${i}`,
			vip: v.ip,
			kind: r.kind,
			what: r.what,
			detail: r.detail,
			...(r.finding === undefined ? {} : {finding: r.finding}),
			...(r.row.line > 0 ? {open: openAt(ovn, r.db, r.row)} : {}),
		})),
	);
}
