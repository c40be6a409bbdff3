import type {CaptureId, NodeId} from '../model/ids.js';
import type {Flow, FlowAction} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import {arpResponderOf, tableName as neutronTableName} from '../collectors/neutron.js';
import {conjuncts, narrows, parseFilter, type FilterExpr, type FilterTerm} from './flow-filter.js';

/** One flow of one bridge on one node, with what the console decodes about it. */
export type FlowRow = {
	readonly id: number;
	readonly node: NodeId;
	readonly bridge: string;
	readonly capture: CaptureId;
	/** 1-based line in the capture's stdout. */
	readonly line: number;
	readonly flow: Flow;
	/** Neutron's name for the table on this kind of bridge (`ARP_RESPONDER`), when known. */
	readonly tableName?: string;
	/** Decoded meaning: `ARP reply 10.0.0.4 is-at fa:16:3e:…`, `DVR MAC of compute-2`, port names. */
	readonly notes: readonly string[];
};

/**
 * Every flow of a snapshot, pre-indexed once so the filter never re-parses: posting lists by
 * table and by match key / action name, ofport → name per node and bridge, DVR MAC → host.
 */
export type FlowIndex = {
	readonly rows: readonly FlowRow[];
	readonly byTable: ReadonlyMap<number, readonly number[]>;
	/** Match keys (`arp`, `arp_tpa`, `dl_vlan`) and action names (`drop`, `output`, `load`). */
	readonly byKey: ReadonlyMap<string, readonly number[]>;
	readonly byNode: ReadonlyMap<NodeId, readonly number[]>;
	readonly dvrMacs: ReadonlyMap<string, NodeId>;
	/** `node\0bridge` → ofport number → port name. */
	readonly portNames: ReadonlyMap<string, ReadonlyMap<string, string>>;
};

const DVR_MAC = /fa:16:3f(?::[0-9a-f]{2}){3}/g;

const ALIASES: Readonly<Record<string, string>> = {
	eth_src: 'dl_src',
	eth_dst: 'dl_dst',
	eth_type: 'dl_type',
	vlan_vid: 'dl_vlan',
	ip_src: 'nw_src',
	ip_dst: 'nw_dst',
	ip_proto: 'nw_proto',
	packets: 'n_packets',
	bytes: 'n_bytes',
	goto: 'goto_table',
};

const canonicalKey = (key: string): string => {
	const base = key.split('.')[0] ?? key;
	return ALIASES[base] ?? base;
};

const actionName = (action: FlowAction): string =>
	action.type === 'other' ? action.name.toLowerCase() : action.type;

/** The DVR MAC of each node: the source MAC br-tun / physical table 1 rewrites routed frames to. */
function findDvrMacs(snapshot: Snapshot): Map<string, NodeId> {
	const macs = new Map<string, NodeId>();
	for (const [node, ns] of Object.entries(snapshot.nodes)) {
		for (const dump of Object.values(ns.facts.flows ?? {})) {
			for (const flow of dump.data.flows) {
				if (flow.table !== 1) continue;
				for (const action of flow.actions) {
					if (
						(action.type === 'set_field' || action.type === 'load') &&
						/eth_src|dl_src/i.test(action.field)
					) {
						const mac = (action.decoded ?? action.value).toLowerCase();
						if (mac.startsWith('fa:16:3f')) macs.set(mac, node);
					}
				}
			}
		}
	}
	return macs;
}

function portMap(snapshot: Snapshot): Map<string, Map<string, string>> {
	const result = new Map<string, Map<string, string>>();
	for (const [node, ns] of Object.entries(snapshot.nodes)) {
		for (const [bridge, show] of Object.entries(ns.facts.ofports ?? {})) {
			const ports = new Map<string, string>();
			for (const port of show.data.ports) ports.set(String(port.ofport), port.name);
			result.set(`${node}\0${bridge}`, ports);
		}
	}
	return result;
}

/**
 * IP → MAC answered by a br-tun ARP-responder flow (table 21: `arp,…,arp_tpa=IP` whose actions
 * write the answering MAC to arp_sha — hex in OF1.0 `load:`, decoded by the parser). A cheap
 * pre-check keeps indexing 200,000 flows fast; Neutron's arpResponderOf gives the same answer.
 */
export function decodeArpResponder(flow: Flow): {ip: string; mac: string} | undefined {
	if (flow.table !== 21) return undefined;
	const ip = flow.match['arp_tpa'];
	if (ip === undefined || flow.match['arp'] === undefined) return undefined;
	let mac: string | undefined;
	for (const action of flow.actions)
		if (
			(action.type === 'load' || action.type === 'set_field') &&
			action.decoded !== undefined &&
			ARP_SHA.test(action.field)
		)
			mac = action.decoded;
	if (mac !== undefined) return {ip, mac: mac.toLowerCase()};
	const arp = arpResponderOf(flow);
	return arp === undefined ? undefined : {ip: arp.ip, mac: arp.mac.toLowerCase()};
}

const ARP_SHA = /arp_sha/i;

const NO_NOTES: readonly string[] = Object.freeze([]);

function notesFor(
	flow: Flow,
	node: NodeId,
	dvrMacs: ReadonlyMap<string, NodeId>,
	ports: ReadonlyMap<string, string> | undefined,
): readonly string[] {
	const notes: string[] = [];
	const arp = decodeArpResponder(flow);
	if (arp !== undefined) notes.push(`ARP reply ${arp.ip} is-at ${arp.mac}`);
	const lower =
		flow.raw.includes('fa:16:3f') || flow.raw.includes('FA:16:3F') ? flow.raw.toLowerCase() : '';
	const seen = new Set<string>();
	for (const m of lower.matchAll(DVR_MAC)) {
		const mac = m[0];
		if (seen.has(mac)) continue;
		seen.add(mac);
		const host = dvrMacs.get(mac);
		if (host !== undefined) notes.push(`${mac} = DVR MAC of ${host === node ? 'this node' : host}`);
	}
	if (ports !== undefined) {
		const inPort = flow.match['in_port'];
		if (inPort !== undefined && /^\d+$/.test(inPort)) {
			const name = ports.get(inPort);
			if (name !== undefined) notes.push(`in_port ${inPort}=${name}`);
		}
		for (const action of flow.actions) {
			if (action.type === 'output' && /^\d+$/.test(action.port)) {
				const name = ports.get(action.port);
				if (name !== undefined) notes.push(`output ${action.port}=${name}`);
			}
		}
	}
	// 200,000 rows: most have no notes; share one empty array instead of allocating each.
	return notes.length === 0 ? NO_NOTES : notes;
}

/** Build the index. Linear in the number of flows; called once per snapshot. */
export function buildFlowIndex(snapshot: Snapshot): FlowIndex {
	const dvrMacs = findDvrMacs(snapshot);
	const portNames = portMap(snapshot);
	const rows: FlowRow[] = [];
	const byTable = new Map<number, number[]>();
	const byKey = new Map<string, number[]>();
	const byNode = new Map<NodeId, number[]>();
	const post = (map: Map<string, number[]>, key: string, id: number): void => {
		const list = map.get(key);
		if (list === undefined) map.set(key, [id]);
		else if (list[list.length - 1] !== id) list.push(id);
	};
	const nodeIds = Object.keys(snapshot.nodes).sort();
	for (const node of nodeIds) {
		const flows = snapshot.nodes[node]?.facts.flows ?? {};
		for (const bridge of Object.keys(flows).sort()) {
			const dump = flows[bridge];
			if (dump === undefined) continue;
			const ports = portNames.get(`${node}\0${bridge}`);
			for (const flow of dump.data.flows) {
				const id = rows.length;
				const tableName = neutronTableName(bridge, flow.table);
				const row: FlowRow = {
					id,
					node,
					bridge,
					capture: dump.capture,
					line: flow.line + dump.lineOffset,
					flow,
					notes: notesFor(flow, node, dvrMacs, ports),
					...(tableName === undefined ? {} : {tableName}),
				};
				rows.push(row);
				post(byNode, node, id);
				const t = byTable.get(flow.table);
				if (t === undefined) byTable.set(flow.table, [id]);
				else t.push(id);
				for (const key of Object.keys(flow.match)) post(byKey, canonicalKey(key), id);
				for (const action of flow.actions) post(byKey, actionName(action), id);
			}
		}
	}
	return {rows, byTable, byKey, byNode, dvrMacs, portNames};
}

// ─── evaluation ─────────────────────────────────────────────────────────────

const NUMBER = /^(?:0x[0-9a-f]+|-?\d+(?:\.\d+)?)$/i;
const toNumber = (s: string): number | undefined =>
	NUMBER.test(s)
		? s.toLowerCase().startsWith('0x')
			? Number.parseInt(s, 16)
			: Number(s)
		: undefined;

const ipv4ToInt = (ip: string): number | undefined => {
	const parts = ip.split('.');
	if (parts.length !== 4) return undefined;
	let n = 0;
	for (const part of parts) {
		if (!/^\d{1,3}$/.test(part)) return undefined;
		const v = Number(part);
		if (v > 255) return undefined;
		n = n * 256 + v;
	}
	return n;
};

function inCidr(ip: string, cidr: string): boolean | undefined {
	const [base, lenText] = cidr.split('/');
	const len = Number(lenText);
	const a = ipv4ToInt(ip);
	const b = ipv4ToInt(base ?? '');
	if (a === undefined || b === undefined || !Number.isInteger(len) || len < 0 || len > 32)
		return undefined;
	const size = 2 ** (32 - len);
	return Math.floor(a / size) === Math.floor(b / size);
}

/** Compare one actual value with what the user typed. */
export function compareValue(actual: string, op: FilterTerm['op'], wanted: string): boolean {
	const a = actual.toLowerCase();
	const w = wanted.toLowerCase();
	switch (op) {
		case '~=':
			return a.includes(w);
		case '=':
		case '!=': {
			let equal = a === w;
			if (!equal && w.includes('/') && !a.includes('/')) equal = inCidr(a, w) ?? false;
			if (!equal) {
				const an = toNumber(a);
				const wn = toNumber(w);
				equal = an !== undefined && wn !== undefined && an === wn;
			}
			return op === '=' ? equal : !equal;
		}
		case '<':
		case '>':
		case '<=':
		case '>=': {
			const an = toNumber(a);
			const wn = toNumber(w);
			if (an === undefined || wn === undefined) return false;
			return op === '<' ? an < wn : op === '>' ? an > wn : op === '<=' ? an <= wn : an >= wn;
		}
		case undefined:
			return true;
	}
}

type Pred = (row: FlowRow) => boolean;

function actionTargets(
	action: FlowAction,
	ports: ReadonlyMap<string, string> | undefined,
): string[] {
	switch (action.type) {
		case 'output': {
			const name = ports?.get(action.port);
			return name === undefined ? [action.port] : [action.port, name];
		}
		case 'resubmit':
			return [String(action.table ?? ''), action.port ?? ''];
		case 'goto_table':
			return [String(action.table)];
		case 'load':
		case 'set_field':
			return [action.decoded ?? action.value, action.field];
		case 'move':
			return [action.src, action.dst];
		case 'learn':
			return [action.spec];
		case 'other':
			return [action.arg ?? ''];
		case 'drop':
		case 'normal':
			return [''];
	}
}

const STAT_KEYS = new Set([
	'priority',
	'cookie',
	'n_packets',
	'n_bytes',
	'duration',
	'idle_age',
	'hard_age',
]);

function statValue(flow: Flow, key: string): string | undefined {
	switch (key) {
		case 'priority':
			return String(flow.priority);
		case 'cookie':
			return flow.cookie;
		case 'n_packets':
			return flow.packets === undefined ? undefined : String(flow.packets);
		case 'n_bytes':
			return flow.bytes === undefined ? undefined : String(flow.bytes);
		case 'duration':
			return flow.durationS === undefined ? undefined : String(flow.durationS);
		case 'idle_age':
			return flow.idleAge === undefined ? undefined : String(flow.idleAge);
		case 'hard_age':
			return flow.hardAge === undefined ? undefined : String(flow.hardAge);
		default:
			return undefined;
	}
}

const actionsText = (row: FlowRow): string => {
	const at = row.flow.raw.indexOf('actions=');
	return at < 0 ? '' : row.flow.raw.slice(at + 8);
};

const escapeRe = (text: string): RegExp =>
	new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');

/** Case-insensitive search without lower-casing 200,000 lines per keystroke. */
function freeText(value: string): Pred {
	const re = escapeRe(value);
	// Digits, dots and colons (IPs, MACs in lower case) need no case folding: plain includes().
	if (value === value.toLowerCase() && !/[a-z]/.test(value.replace(/[a-f]/g, ''))) {
		return row =>
			row.flow.raw.includes(value) || (row.notes.length > 0 && row.notes.some(n => re.test(n)));
	}
	return row => re.test(row.flow.raw) || (row.notes.length > 0 && row.notes.some(n => re.test(n)));
}

/** A comparator for one typed value, with everything about the value worked out once. */
function comparator(op: NonNullable<FilterTerm['op']>, value: string): (actual: string) => boolean {
	const w = value.toLowerCase();
	const wn = toNumber(w);
	const cidr = w.includes('/') && ipv4ToInt(w.split('/')[0] ?? '') !== undefined;
	switch (op) {
		case '~=': {
			const re = escapeRe(value);
			return a => re.test(a);
		}
		case '=':
		case '!=': {
			const eq = (a: string): boolean => {
				if (a === w) return true;
				const al = a.toLowerCase();
				if (al === w) return true;
				if (cidr && !a.includes('/') && inCidr(a, w) === true) return true;
				if (wn !== undefined) return toNumber(al) === wn;
				return false;
			};
			return op === '=' ? eq : a => !eq(a);
		}
		case '<':
		case '>':
		case '<=':
		case '>=': {
			if (wn === undefined) return () => false;
			const cmp = numberComparator(op, wn);
			return a => {
				const an = toNumber(a);
				return an !== undefined && cmp(an);
			};
		}
	}
}

function numberComparator(op: NonNullable<FilterTerm['op']>, wn: number): (n: number) => boolean {
	switch (op) {
		case '=':
			return n => n === wn;
		case '!=':
			return n => n !== wn;
		case '<':
			return n => n < wn;
		case '>':
			return n => n > wn;
		case '<=':
			return n => n <= wn;
		case '>=':
			return n => n >= wn;
		case '~=': {
			const text = String(wn);
			return n => String(n).includes(text);
		}
	}
}

const NUMERIC_STATS: Readonly<Record<string, (flow: Flow) => number | undefined>> = {
	priority: f => f.priority,
	n_packets: f => f.packets,
	n_bytes: f => f.bytes,
	duration: f => f.durationS,
	idle_age: f => f.idleAge,
	hard_age: f => f.hardAge,
};

/** The names a canonical match key may be printed under (`dl_src` and `eth_src`). */
const namesOf = (key: string): readonly string[] => [
	key,
	...Object.entries(ALIASES)
		.filter(([, canonical]) => canonical === key)
		.map(([alias]) => alias),
];

function compileTerm(term: FilterTerm, index: FlowIndex): Pred {
	if (term.key === undefined) return freeText(term.value ?? '');
	const key = canonicalKey(term.key);
	const op = term.op;
	const value = term.value ?? '';
	const portsOf = (row: FlowRow) => index.portNames.get(`${row.node}\0${row.bridge}`);
	if (
		op === undefined &&
		(key === 'table' || key === 'node' || key === 'bridge' || key === 'actions')
	)
		return () => true;
	if (key === 'table') {
		if (op === undefined) return () => true;
		const wn = toNumber(value);
		if (wn === undefined) {
			const cmp = comparator(op, value);
			return row => cmp(row.tableName ?? '');
		}
		const cmp = numberComparator(op, wn);
		return row => cmp(row.flow.table);
	}
	if (op === undefined) {
		if (key === 'note' || key === 'notes') return row => row.notes.length > 0;
		if (STAT_KEYS.has(key)) return row => statValue(row.flow, key) !== undefined;
		if (!index.byKey.has(key) && !KNOWN_WORDS.has(key)) return freeText(term.text);
		const names = namesOf(key);
		return row =>
			names.some(n => Object.hasOwn(row.flow.match, n)) ||
			row.flow.actions.some(a => actionName(a) === key);
	}
	const cmp = comparator(op, value);
	if (key === 'node') return row => cmp(row.node);
	if (key === 'bridge') return row => cmp(row.bridge);
	if (key === 'actions') return row => cmp(actionsText(row));
	if (key === 'note' || key === 'notes') {
		const contains = comparator(op === '=' ? '~=' : op, value);
		return row => row.notes.some(contains);
	}
	const numeric = NUMERIC_STATS[key];
	const wn = toNumber(value);
	if (numeric !== undefined && wn !== undefined) {
		const ncmp = numberComparator(op, wn);
		return row => {
			const n = numeric(row.flow);
			return n !== undefined && ncmp(n);
		};
	}
	if (STAT_KEYS.has(key)) {
		return row => {
			const actual = statValue(row.flow, key);
			return actual !== undefined && cmp(actual);
		};
	}
	if (ACTION_NAMES.has(key)) {
		return row =>
			row.flow.actions.some(a => actionName(a) === key && actionTargets(a, portsOf(row)).some(cmp));
	}
	const names = namesOf(key);
	return row => {
		let actual: string | undefined;
		for (const n of names) {
			actual = row.flow.match[n];
			if (actual !== undefined) break;
		}
		if (actual === undefined) return op === '!=';
		if (cmp(actual)) return true;
		if (key === 'in_port' && (op === '=' || op === '~=')) {
			const name = portsOf(row)?.get(actual);
			return name !== undefined && cmp(name);
		}
		return false;
	};
}

const ACTION_NAMES = new Set([
	'output',
	'resubmit',
	'goto_table',
	'drop',
	'normal',
	'load',
	'set_field',
	'move',
	'learn',
	'mod_dl_src',
	'mod_vlan_vid',
	'strip_vlan',
	'pop_vlan',
	'push_vlan',
	'ct',
]);

const KNOWN_WORDS = new Set([
	'arp',
	'rarp',
	'ip',
	'ipv6',
	'icmp',
	'icmp6',
	'tcp',
	'tcp6',
	'udp',
	'udp6',
	'drop',
	'normal',
	'output',
	'resubmit',
	'goto_table',
	'learn',
]);

function compile(expr: FilterExpr, index: FlowIndex): Pred {
	switch (expr.type) {
		case 'term':
			return compileTerm(expr, index);
		case 'not': {
			const inner = compile(expr.expr, index);
			return row => !inner(row);
		}
		case 'and': {
			const items = expr.items.map(e => compile(e, index));
			return row => items.every(p => p(row));
		}
		case 'or': {
			const items = expr.items.map(e => compile(e, index));
			return row => items.some(p => p(row));
		}
	}
}

/** Candidate rows from posting lists: the smallest list among the indexable AND terms. */
function candidates(expr: FilterExpr, index: FlowIndex): readonly number[] | undefined {
	let best: readonly number[] | undefined;
	for (const item of conjuncts(expr)) {
		if (item.type !== 'term' || item.key === undefined) continue;
		const key = canonicalKey(item.key);
		let list: readonly number[] | undefined;
		if (key === 'table' && item.op === '=' && toNumber(item.value ?? '') !== undefined)
			list = index.byTable.get(toNumber(item.value ?? '') ?? -1) ?? [];
		else if (key === 'node' && item.op === '=' && index.byNode.has(item.value ?? ''))
			list = index.byNode.get(item.value ?? '');
		else if (
			STAT_KEYS.has(key) ||
			key === 'table' ||
			key === 'node' ||
			key === 'bridge' ||
			key === 'actions' ||
			key === 'note' ||
			key === 'notes'
		)
			list = undefined;
		else if (
			item.op === undefined ||
			item.op === '=' ||
			item.op === '~=' ||
			item.op === '<' ||
			item.op === '>' ||
			item.op === '<=' ||
			item.op === '>='
		) {
			if (index.byKey.has(key)) list = index.byKey.get(key);
			else if (item.op !== undefined) list = [];
		}
		if (list !== undefined && (best === undefined || list.length < best.length)) best = list;
	}
	return best;
}

/** Result of one filter evaluation; keep it and pass it back for incremental narrowing. */
export type FlowFilterResult = {
	readonly text: string;
	readonly expr: FilterExpr | undefined;
	readonly error?: string;
	/** Row ids in index order. */
	readonly ids: Int32Array;
	/** How many rows the predicate looked at (to prove the incremental path in tests). */
	readonly scanned: number;
};

/**
 * Filter the index. Given the previous result, narrows it when the new filter only adds
 * conditions (typing more characters); otherwise starts from the smallest posting list. A filter
 * that does not parse keeps the previous rows and reports the error.
 */
export function filterFlows(
	index: FlowIndex,
	text: string,
	previous?: FlowFilterResult,
): FlowFilterResult {
	const parsed = parseFilter(text);
	if (!parsed.ok) {
		const ids = previous?.ids ?? allIds(index);
		return {text, expr: previous?.expr, error: parsed.error, ids, scanned: 0};
	}
	const expr = parsed.expr;
	if (expr === undefined) return {text, expr, ids: allIds(index), scanned: 0};
	const pred = compile(expr, index);
	let source: ArrayLike<number> | undefined;
	if (previous !== undefined && previous.error === undefined && narrows(previous.expr, expr))
		source = previous.ids;
	const posting = candidates(expr, index);
	if (posting !== undefined && (source === undefined || posting.length < source.length))
		source = posting;
	const out: number[] = [];
	const rows = index.rows;
	if (source === undefined) {
		for (let i = 0; i < rows.length; i++) {
			const row = rows[i];
			if (row !== undefined && pred(row)) out.push(i);
		}
		return {text, expr, ids: Int32Array.from(out), scanned: rows.length};
	}
	for (let i = 0; i < source.length; i++) {
		const id = source[i] ?? -1;
		const row = rows[id];
		if (row !== undefined && pred(row)) out.push(id);
	}
	return {text, expr, ids: Int32Array.from(out), scanned: source.length};
}

const allCache = new WeakMap<FlowIndex, Int32Array>();
function allIds(index: FlowIndex): Int32Array {
	let ids = allCache.get(index);
	if (ids === undefined) {
		ids = new Int32Array(index.rows.length);
		for (let i = 0; i < ids.length; i++) ids[i] = i;
		allCache.set(index, ids);
	}
	return ids;
}

/** `t22 FLOOD_TO_TUN` style label. */
export const tableLabel = (row: FlowRow): string =>
	row.tableName === undefined ? `t${row.flow.table}` : `t${row.flow.table} ${row.tableName}`;

/** Match fields as `k=v,k2` text (protocol words bare). */
export const matchText = (flow: Flow): string =>
	Object.entries(flow.match)
		.map(([k, v]) => (v === '' ? k : `${k}=${v}`))
		.join(',');

export const actionsTextOf = (flow: Flow): string => flow.actions.map(a => a.raw).join(',');

const indexCache = new WeakMap<Snapshot, FlowIndex>();

/** The index of a snapshot, built on first use and kept while the snapshot lives. */
export function getFlowIndex(snapshot: Snapshot): FlowIndex {
	let index = indexCache.get(snapshot);
	if (index === undefined) {
		index = buildFlowIndex(snapshot);
		indexCache.set(snapshot, index);
	}
	return index;
}

const lastResult = new WeakMap<FlowIndex, FlowFilterResult>();

/**
 * `filterFlows` with the previous result of the same index remembered, so each keystroke of a
 * filter narrows the last result instead of rescanning (the Flows screen and the bench use it).
 */
export function filterFlowsIncremental(index: FlowIndex, text: string): FlowFilterResult {
	const prev = lastResult.get(index);
	if (prev !== undefined && prev.text === text) return prev;
	const result = filterFlows(index, text, prev);
	lastResult.set(index, result);
	return result;
}
