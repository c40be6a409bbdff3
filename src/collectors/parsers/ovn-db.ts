/**
 * `ovn-nbctl|ovn-sbctl --format=json --columns=… list T1 -- --columns=… list T2 …` → the rows of
 * every table, datums decoded as for `ovs-vsctl` (`["map",…]` → record, `["set",…]` → array,
 * `["uuid",x]` → x). With several commands the tools print one JSON document per command, one per
 * line; the table of each is inferred from its columns (the JSON names none), so a dump with
 * every column (`list T` without `--columns`) is read as well. A document whose table cannot be
 * told is kept under `?N` with a warning.
 */
import type {
	OvnDb,
	OvnDbName,
	OvnRow,
	OvnTableDump,
	OvsdbValue,
	ParseWarning,
	Parser,
} from '../../model/facts.js';
import {isOvsdbListText, parseListText} from './ovn-text.js';
import {decodeDatum} from './ovsdb-json.js';

/** NB and SB tables dvrscope reads, and which database each belongs to. */
export const OVN_TABLE_DB: Readonly<Record<string, OvnDbName>> = {
	Logical_Switch: 'nb',
	Logical_Switch_Port: 'nb',
	Logical_Router: 'nb',
	Logical_Router_Port: 'nb',
	NAT: 'nb',
	HA_Chassis_Group: 'nb',
	HA_Chassis: 'nb',
	Gateway_Chassis: 'nb',
	Port_Binding: 'sb',
	MAC_Binding: 'sb',
	Chassis: 'sb',
	Chassis_Private: 'sb',
	Datapath_Binding: 'sb',
};

/** The table a document is from, told by columns only that table has among the ones read. */
export function inferOvnTable(headings: readonly string[]): string | undefined {
	const has = (...names: string[]): boolean => names.every(n => headings.includes(n));
	if (has('virtual_parent') || has('logical_port', 'tunnel_key') || has('logical_port', 'chassis'))
		return 'Port_Binding';
	if (has('logical_port', 'ip', 'mac')) return 'MAC_Binding';
	if (has('nb_cfg_timestamp') || has('chassis', 'name')) return 'Chassis_Private';
	if (has('encaps') || has('hostname')) return 'Chassis';
	if (has('tunnel_key') && !headings.includes('logical_port')) return 'Datapath_Binding';
	if (has('port_security') || has('dynamic_addresses') || has('addresses', 'type'))
		return 'Logical_Switch_Port';
	if (has('networks', 'mac')) return 'Logical_Router_Port';
	if (has('external_ip', 'logical_ip')) return 'NAT';
	if (has('ha_chassis')) return 'HA_Chassis_Group';
	if (has('chassis_name', 'priority'))
		return headings.includes('name') ? 'Gateway_Chassis' : 'HA_Chassis';
	if (has('nat') || has('static_routes') || has('policies')) return 'Logical_Router';
	if (has('ports') && (headings.includes('other_config') || headings.includes('acls')))
		return 'Logical_Switch';
	return undefined;
}

type Doc = {value: unknown; line: number};

/** One JSON document per line; or the whole text as one document (pretty-printed by hand). */
function documents(text: string, warnings: ParseWarning[]): Doc[] {
	const lines = text.split('\n');
	const docs: Doc[] = [];
	let failed = false;
	for (const [i, raw] of lines.entries()) {
		const body = raw.trim();
		if (body === '') continue;
		try {
			docs.push({value: JSON.parse(body) as unknown, line: i + 1});
		} catch {
			failed = true;
			break;
		}
	}
	if (!failed) return docs;
	try {
		return [{value: JSON.parse(text) as unknown, line: 1}];
	} catch (error) {
		const first = lines.findIndex(l => l.trim() !== '');
		warnings.push({
			line: first + 1,
			message: `not ovn-nbctl/ovn-sbctl --format=json output: ${(error as Error).message}`,
			text: (lines[first] ?? '').slice(0, 120),
		});
		return [];
	}
}

function readDoc(doc: Doc, warnings: ParseWarning[]): Omit<OvnTableDump, 'table'> | undefined {
	const value = doc.value;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		warnings.push({line: doc.line, message: 'not a {"data","headings"} document'});
		return undefined;
	}
	const {data, headings} = value as {data?: unknown; headings?: unknown};
	if (!Array.isArray(headings) || !headings.every(h => typeof h === 'string')) {
		warnings.push({line: doc.line, message: 'no "headings" list'});
		return undefined;
	}
	if (!Array.isArray(data)) {
		warnings.push({line: doc.line, message: 'no "data" list'});
		return undefined;
	}
	const rows: OvnRow[] = [];
	for (const [r, row] of (data as unknown[]).entries()) {
		if (!Array.isArray(row) || row.length !== headings.length) {
			warnings.push({line: doc.line, message: `row ${r + 1}: not ${headings.length} cells`});
			continue;
		}
		const out: Record<string, OvsdbValue | number> = {line: doc.line};
		let bad = false;
		for (const [c, cell] of (row as unknown[]).entries()) {
			const decoded = decodeDatum(cell);
			if (decoded === undefined) bad = true;
			else out[headings[c] as string] = decoded;
		}
		if (bad) warnings.push({line: doc.line, message: `row ${r + 1}: a cell is not OVSDB JSON`});
		rows.push(out as OvnRow);
	}
	return {headings: headings, rows, line: doc.line};
}

const EMPTY: OvnDb = {tables: {}};

/**
 * The text form of one `list T` (what sos saves): one table, told by its columns here; the
 * capture's own `list T` names it when the columns cannot (src/collectors/assemble.ts).
 */
function parseText(text: string, warnings: ParseWarning[]): OvnDb {
	const {records, headings} = parseListText(text, warnings);
	if (records.length === 0) return EMPTY;
	const table = inferOvnTable(headings) ?? '?1';
	const rows = records.map(r => ({...r.row, line: r.line}));
	const db = OVN_TABLE_DB[table];
	return {
		...(db !== undefined ? {db} : {}),
		tables: {[table]: {table, headings, rows, line: records[0]?.line ?? 1}},
	};
}

export const ovnDbParser: Parser<'ovn-db'> = {
	kind: 'ovn-db',
	title: 'OVN northbound / southbound tables (ml2/ovn)',
	reads: [
		'ovn-nbctl --no-leader-only --format=json --columns=… list Logical_Switch_Port -- … list NAT …',
		'ovn-sbctl --no-leader-only --format=json --columns=… list Port_Binding -- … list Chassis …',
		'ovn-nbctl list Logical_Switch_Port, ovn-sbctl list Port_Binding … (text form, one table each: sos)',
	],
	parse(text) {
		const warnings: ParseWarning[] = [];
		if (text.trim() === '') return {kind: 'ovn-db', facts: EMPTY, warnings};
		if (isOvsdbListText(text)) return {kind: 'ovn-db', facts: parseText(text, warnings), warnings};
		const tables: Record<string, OvnTableDump> = {};
		const dbs = new Set<OvnDbName>();
		let unknown = 0;
		for (const doc of documents(text, warnings)) {
			const dump = readDoc(doc, warnings);
			if (dump === undefined) continue;
			let table = inferOvnTable(dump.headings);
			if (table === undefined) {
				unknown++;
				table = `?${unknown}`;
				warnings.push({
					line: doc.line,
					message: `cannot tell which OVN table has columns ${dump.headings.join(',')}`,
				});
			} else if (tables[table] !== undefined) {
				warnings.push({line: doc.line, message: `${table} listed twice; the first is kept`});
				continue;
			}
			const db = OVN_TABLE_DB[table];
			if (db !== undefined) dbs.add(db);
			tables[table] = {table, ...dump};
		}
		if (dbs.size > 1)
			warnings.push({line: 1, message: 'tables of both NB and SB in one capture; kept as one'});
		const db = dbs.size === 1 ? [...dbs][0] : undefined;
		return {kind: 'ovn-db', facts: {...(db !== undefined ? {db} : {}), tables}, warnings};
	},
};
