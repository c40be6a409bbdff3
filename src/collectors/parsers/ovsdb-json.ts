/**
 * `ovs-vsctl --format=json [--columns=…] list Bridge|Port|Interface` → rows with OVSDB datums
 * decoded (`["map",[[k,v],…]]` → record, `["set",[…]]` → array, `["uuid",x]` → x), plus
 * Neutron's reading of each Port/Interface row (`external_ids` iface-id, attached-mac, vm-uuid,
 * iface-status; Port `tag` and `other_config` net_uuid/segmentation_id/network_type/
 * physical_network). The plain-text `ovs-vsctl list` form (`name : value` records) is detected and
 * read too.
 */
import type {
	OvsdbNeutronPort,
	OvsdbRow,
	OvsdbTable,
	OvsdbValue,
	ParseWarning,
	Parser,
} from '../../model/facts.js';
import {unquote} from '../flows/format.js';

type Result = {facts: OvsdbTable; warnings: ParseWarning[]};

const EMPTY: OvsdbTable = {headings: [], rows: [], neutron: []};

/** Decodes one OVSDB JSON datum; undefined when it is not valid OVSDB encoding. */
export function decodeDatum(v: unknown): OvsdbValue | undefined {
	if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
	if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string') return undefined;
	const [tag, body] = v as [string, unknown];
	if (tag === 'uuid' || tag === 'named-uuid') return typeof body === 'string' ? body : undefined;
	if (tag === 'set') {
		if (!Array.isArray(body)) return undefined;
		const out: OvsdbValue[] = [];
		for (const item of body) {
			const d = decodeDatum(item);
			if (d === undefined) return undefined;
			out.push(d);
		}
		return out;
	}
	if (tag === 'map') {
		if (!Array.isArray(body)) return undefined;
		const out: Record<string, OvsdbValue> = Object.create(null) as Record<string, OvsdbValue>;
		for (const pair of body) {
			if (!Array.isArray(pair) || pair.length !== 2) return undefined;
			const k = decodeDatum(pair[0]);
			const val = decodeDatum(pair[1]);
			if (k === undefined || val === undefined || typeof k === 'object') return undefined;
			out[String(k)] = val;
		}
		return out;
	}
	return undefined;
}

function inferTable(headings: readonly string[]): string | undefined {
	const has = (...names: string[]): boolean => names.some(n => headings.includes(n));
	if (has('ovs_version', 'db_version', 'cur_cfg', 'system_type')) return 'Open_vSwitch';
	if (has('ports', 'fail_mode', 'datapath_type', 'protocols', 'controller', 'datapath_id')) {
		return 'Bridge';
	}
	if (has('interfaces', 'tag', 'trunks', 'vlan_mode', 'bond_mode', 'fake_bridge')) return 'Port';
	if (has('ofport', 'mac_in_use', 'link_state', 'admin_state', 'ifindex', 'options', 'type')) {
		return 'Interface';
	}
	return undefined;
}

function isRecord(v: OvsdbValue | undefined): v is {readonly [key: string]: OvsdbValue} {
	return typeof v === 'object' && !Array.isArray(v);
}

function str(v: OvsdbValue | undefined): string | undefined {
	if (typeof v === 'string') return v === '' ? undefined : v;
	if (typeof v === 'number') return String(v);
	return undefined;
}

/** Neutron writes Python's None as the string `None` into other_config. */
function neutronStr(v: OvsdbValue | undefined): string | undefined {
	const s = str(v);
	return s === 'None' ? undefined : s;
}

function int(v: OvsdbValue | undefined): number | undefined {
	if (typeof v === 'number' && Number.isInteger(v)) return v;
	if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
	return undefined;
}

/** Neutron's reading of a Port or Interface row (empty sets and `-1` ofports are absent). */
export function neutronPortOf(row: OvsdbRow): OvsdbNeutronPort | undefined {
	const name = str(row['name']);
	if (name === undefined) return undefined;
	const ext = isRecord(row['external_ids']) ? row['external_ids'] : {};
	const other = isRecord(row['other_config']) ? row['other_config'] : {};
	const optionsIn = isRecord(row['options']) ? row['options'] : {};
	const options: Record<string, string> = Object.create(null) as Record<string, string>;
	for (const [k, v] of Object.entries(optionsIn))
		options[k] = typeof v === 'string' ? v : JSON.stringify(v);
	const ofport = int(row['ofport']);
	const tag = int(row['tag']) ?? int(other['tag']);
	const fields: Record<string, string | number | undefined> = {
		ofport: ofport !== undefined && ofport >= 0 ? ofport : undefined,
		type: str(row['type']),
		ifaceId: str(ext['iface-id']),
		attachedMac: str(ext['attached-mac']),
		vmUuid: str(ext['vm-uuid']),
		ifaceStatus: str(ext['iface-status']),
		tag,
		netUuid: neutronStr(other['net_uuid']),
		segmentationId: neutronStr(other['segmentation_id']),
		networkType: neutronStr(other['network_type']),
		physicalNetwork: neutronStr(other['physical_network']),
	};
	const out: Record<string, unknown> = {name};
	for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
	out['options'] = options;
	return out as OvsdbNeutronPort;
}

function finish(table: string | undefined, headings: string[], rows: OvsdbRow[]): OvsdbTable {
	const t = table ?? inferTable(headings);
	const neutron =
		t === 'Bridge'
			? []
			: rows.map(neutronPortOf).filter((p): p is OvsdbNeutronPort => p !== undefined);
	return t === undefined ? {headings, rows, neutron} : {table: t, headings, rows, neutron};
}

function lineOfOffset(text: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

/**
 * Offset of the first JSON syntax error in text (a small recursive-descent check, used only after
 * JSON.parse failed, because Node's message does not always carry a position).
 */
export function jsonErrorOffset(text: string): number {
	let i = 0;
	const ws = (): void => {
		while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
	};
	class JsonSyntax extends Error {
		constructor(readonly at: number) {
			super('json syntax');
		}
	}
	const fail = (): never => {
		throw new JsonSyntax(i);
	};
	const lit = (word: string): void => {
		if (!text.startsWith(word, i)) fail();
		i += word.length;
	};
	const str = (): void => {
		i++;
		while (i < text.length && text[i] !== '"') {
			if (text.charCodeAt(i) < 32) fail();
			i += text[i] === '\\' ? 2 : 1;
		}
		if (i >= text.length) fail();
		i++;
	};
	const value = (depth: number): void => {
		if (depth > 10000) fail();
		ws();
		const c = text.charAt(i);
		if (c === '{' || c === '[') {
			const close = c === '{' ? '}' : ']';
			i++;
			ws();
			if (text[i] === close) {
				i++;
				return;
			}
			for (;;) {
				if (c === '{') {
					ws();
					if (text[i] !== '"') fail();
					str();
					ws();
					if (text[i] !== ':') fail();
					i++;
				}
				value(depth + 1);
				ws();
				if (text[i] === ',') i++;
				else if (text[i] === close) {
					i++;
					return;
				} else fail();
			}
		}
		if (c === '"') {
			str();
			return;
		}
		const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
		if (word !== undefined) {
			lit(word);
			return;
		}
		const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
		if (m === null) fail();
		else i += m[0].length;
	};
	try {
		value(0);
		ws();
		if (i < text.length) fail();
		return text.length;
	} catch (error) {
		return error instanceof JsonSyntax ? error.at : text.length;
	}
}

function parseJson(text: string): Result {
	const warnings: ParseWarning[] = [];
	let doc: unknown;
	try {
		doc = JSON.parse(text);
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const line = lineOfOffset(text, jsonErrorOffset(text));
		return {facts: EMPTY, warnings: [{line, message: `not valid JSON: ${message}`}]};
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
		return {
			facts: EMPTY,
			warnings: [{line: 1, message: 'expected {"data": […], "headings": […]}'}],
		};
	}
	const {data, headings} = doc as {data?: unknown; headings?: unknown};
	if (!Array.isArray(headings) || !headings.every(h => typeof h === 'string')) {
		return {
			facts: EMPTY,
			warnings: [{line: 1, message: '"headings" missing or not a list of names'}],
		};
	}
	if (!Array.isArray(data)) {
		return {facts: EMPTY, warnings: [{line: 1, message: '"data" missing or not a list'}]};
	}
	const names = headings;
	const rows: OvsdbRow[] = [];
	data.forEach((rowIn: unknown, index) => {
		if (!Array.isArray(rowIn) || rowIn.length !== names.length) {
			warnings.push({line: 1, message: `row ${index}: expected ${names.length} values`});
			return;
		}
		const row: Record<string, OvsdbValue> = Object.create(null) as Record<string, OvsdbValue>;
		for (let i = 0; i < names.length; i++) {
			const d = decodeDatum(rowIn[i]);
			const name = names[i] ?? String(i);
			if (d === undefined) {
				warnings.push({line: 1, message: `row ${index}, column "${name}": not an OVSDB datum`});
			} else row[name] = d;
		}
		rows.push(row);
	});
	return {facts: finish(undefined, names, rows), warnings};
}

// ─── text form: `ovs-vsctl list Interface` ──────────────────────────────────

/** Reads one OVSDB text datum (`{k=v}`, `[a, b]`, `"s"`, `12`, `true`, bare word) from s at i. */
export function readTextDatum(s: string, start: number): {value: OvsdbValue; end: number} | undefined {
	let i = start;
	while (s[i] === ' ') i++;
	const c = s[i];
	if (c === undefined) return undefined;
	if (c === '"') {
		let j = i + 1;
		for (; j < s.length; j++) {
			if (s[j] === '\\') j++;
			else if (s[j] === '"') break;
		}
		if (j >= s.length) return undefined;
		return {value: unquote(s.slice(i, j + 1)), end: j + 1};
	}
	if (c === '{' || c === '[') {
		const isMap = c === '{';
		const close = isMap ? '}' : ']';
		const map: Record<string, OvsdbValue> = Object.create(null) as Record<string, OvsdbValue>;
		const list: OvsdbValue[] = [];
		i++;
		for (;;) {
			while (s[i] === ' ' || s[i] === ',') i++;
			if (s[i] === close) return {value: isMap ? map : list, end: i + 1};
			if (i >= s.length) return undefined;
			const key = readTextDatum(s, i);
			if (key === undefined) return undefined;
			i = key.end;
			if (isMap) {
				if (s[i] !== '=') return undefined;
				const val = readTextDatum(s, i + 1);
				if (val === undefined || typeof key.value === 'object') return undefined;
				map[String(key.value)] = val.value;
				i = val.end;
			} else list.push(key.value);
		}
	}
	let j = i;
	while (j < s.length && !' ,=}]'.includes(s[j] ?? ' ')) j++;
	if (j === i) return undefined;
	const word = s.slice(i, j);
	const value: OvsdbValue =
		word === 'true' ? true : word === 'false' ? false : /^-?\d+$/.test(word) ? Number(word) : word;
	return {value, end: j};
}

function parseText(text: string): Result {
	const warnings: ParseWarning[] = [];
	const rows: OvsdbRow[] = [];
	const headings: string[] = [];
	let row: Record<string, OvsdbValue> | undefined;
	text.split('\n').forEach((rawLine, i) => {
		const line = rawLine.replace(/\r$/, '');
		if (line.trim() === '') {
			row = undefined;
			return;
		}
		const m = /^([A-Za-z_][\w:-]*)\s*:\s?(.*)$/.exec(line);
		if (m?.[1] === undefined || m[2] === undefined) {
			warnings.push({line: i + 1, message: 'expected "column : value"', text: line.slice(0, 200)});
			return;
		}
		const [, column, valueText] = m;
		const datum = readTextDatum(valueText, 0);
		if (datum === undefined || valueText.slice(datum.end).trim() !== '') {
			warnings.push({
				line: i + 1,
				message: `unreadable value for "${column}"`,
				text: line.slice(0, 200),
			});
			return;
		}
		if (row === undefined) {
			row = {};
			rows.push(row);
		}
		row[column] = datum.value;
		if (!headings.includes(column)) headings.push(column);
	});
	return {facts: finish(undefined, headings, rows), warnings};
}

export const ovsdbJsonParser: Parser<'ovsdb-json'> = {
	kind: 'ovsdb-json',
	title: 'OVSDB table rows (Bridge, Port, Interface)',
	reads: [
		'ovs-vsctl --format=json --columns=… list Bridge|Port|Interface',
		'ovs-vsctl --columns=… list Interface (text form)',
	],
	parse(text) {
		try {
			const {facts, warnings} = text.trimStart().startsWith('{')
				? parseJson(text)
				: parseText(text);
			return {kind: 'ovsdb-json', facts, warnings};
		} catch (error) {
			return {
				kind: 'ovsdb-json',
				facts: EMPTY,
				warnings: [{line: 1, message: `internal parser error: ${String(error)}`}],
			};
		}
	},
};
