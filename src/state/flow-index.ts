import type {CaptureId, NodeId} from '../model/ids.js';
import type {Flow, FlowAction} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import {arpResponderOf, tableName as neutronTableName} from '../collectors/neutron.js';
import {flowSpan, parseFlowActions, unquote} from '../collectors/parsers/ovs-flows.js';
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
	/** How many rows (flows) the index holds; row ids are 0 … size-1. */
	readonly size: number;
	/**
	 * The dumps the rows come from, in row order: rows first … first+flows.length-1 are one
	 * dump's flows. A row is three numbers (its dump, its note list, its line in the text), not
	 * an object: {@link rowOf} makes the FlowRow of the few rows a screen shows.
	 */
	readonly dumps: readonly IndexedDump[];
	readonly dumpOf: Int32Array;
	/** Row → index into `noteLists` (0: no notes). */
	readonly notesOf: Int32Array;
	/** Row → table × 65536 + priority: `table=`, `priority>` and their ORs test no flow object. */
	readonly tablePriority: Int32Array;
	/** Distinct note lists; rows share them (`… = DVR MAC of this node`). */
	readonly noteLists: readonly (readonly string[])[];
	readonly byTable: ReadonlyMap<number, Int32Array>;
	/** Match keys (`arp`, `arp_tpa`, `dl_vlan`) and action names (`drop`, `output`, `load`). */
	readonly byKey: ReadonlyMap<string, Int32Array>;
	readonly byNode: ReadonlyMap<NodeId, Int32Array>;
	readonly dvrMacs: ReadonlyMap<string, NodeId>;
	/** `node\0bridge` → ofport number → port name. */
	readonly portNames: ReadonlyMap<string, ReadonlyMap<string, string>>;
	/** Where each row's line is in its capture text (the filter searches that, never `flow.raw`). */
	readonly text: RowText;
	/** Match key → its value per row of the key's posting list (same order as `byKey`). */
	readonly values: ReadonlyMap<string, readonly (string | undefined)[]>;
	/** Rows with at least one note (free text searches notes too). */
	readonly noted: Int32Array;
};

/** One node's dump of one bridge, as the index sees it. */
export type IndexedDump = {
	readonly node: NodeId;
	readonly bridge: string;
	readonly capture: CaptureId;
	readonly lineOffset: number;
	readonly flows: readonly Flow[];
	/** Row id of `flows[0]`. */
	readonly first: number;
};

/** The flow of a row. */
export function flowOf(index: FlowIndex, id: number): Flow | undefined {
	const dump = index.dumps[index.dumpOf[id] ?? -1];
	return dump?.flows[id - dump.first];
}

/** The dump of a row. */
const dumpAt = (index: FlowIndex, id: number): IndexedDump | undefined =>
	index.dumps[index.dumpOf[id] ?? -1];

/** The OpenFlow table of a row. */
const tableOf = (index: FlowIndex, id: number): number =>
	Math.floor((index.tablePriority[id] ?? 0) / 65536);

/** The notes of a row. */
export const notesOf = (index: FlowIndex, id: number): readonly string[] =>
	index.noteLists[index.notesOf[id] ?? 0] ?? NO_NOTES;

/** The FlowRow of one row, made when a screen asks for it (a few per frame). */
export function rowOf(index: FlowIndex, id: number): FlowRow | undefined {
	const dump = dumpAt(index, id);
	const flow = dump?.flows[id - dump.first];
	if (dump === undefined || flow === undefined) return undefined;
	const {node, bridge, capture} = dump;
	const line = flow.line + dump.lineOffset;
	const notes = notesOf(index, id);
	const tableName = neutronTableName(bridge, flow.table);
	return tableName === undefined
		? {id, node, bridge, capture, line, flow, notes}
		: {id, node, bridge, capture, line, flow, notes, tableName};
}

/**
 * The flow lines as offsets into the capture texts the parser read: 200,000 rows cost three
 * Int32Arrays instead of 200,000 strings, and free text is searched in the dump text at once.
 */
export type RowText = {
	readonly texts: readonly string[];
	readonly textOf: Int32Array;
	readonly start: Int32Array;
	readonly end: Int32Array;
	/** Runs of consecutive rows in one text: [textIndex, firstRow, lastRow] triples. */
	readonly runs: readonly (readonly [number, number, number])[];
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

const canonicalKeys = new Map<string, string>();
const canonicalKey = (key: string): string => {
	let canonical = canonicalKeys.get(key);
	if (canonical === undefined) {
		const base = key.split('.')[0] ?? key;
		canonical = ALIASES[base] ?? base;
		if (canonicalKeys.size < 4096) canonicalKeys.set(key, canonical);
	}
	return canonical;
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

/** A plain flow of a line for decoding (match and actions parsed for this flow only). */
/** `ARP reply …` of an ARP-responder candidate (table 21 with arp and arp_tpa), if it is one. */
function arpReply(row: RowScan, flow: Flow): string | undefined {
	const at = row.keys.lastIndexOf('arp_tpa');
	const ip = at < 0 ? undefined : row.vals[at];
	if (ip === undefined || !row.keys.includes('arp')) return undefined;
	// The items that write arp_sha decode the MAC (hex in OF1.0 `load:`); otherwise Neutron's
	// reading of the whole flow (materialised for this flow only).
	let mac: string | undefined;
	for (const item of row.arpSha) {
		const action = parseFlowActions(item)[0];
		if ((action?.type === 'load' || action?.type === 'set_field') && action.decoded !== undefined)
			mac = action.decoded;
	}
	if (mac !== undefined) return `ARP reply ${ip} is-at ${mac.toLowerCase()}`;
	const arp = decodeArpResponder(flow);
	return arp === undefined ? undefined : `ARP reply ${arp.ip} is-at ${arp.mac}`;
}

/**
 * What the console decodes about one row: the ARP reply it makes, DVR MACs it mentions (with
 * their host) and port numbers with their names. `hasDvrMac` says the line holds `fa:16:3f`.
 */
function notesFor(
	t: string,
	s: number,
	e: number,
	row: RowScan,
	flow: Flow,
	hasDvrMac: boolean,
	node: NodeId,
	dvrMacs: ReadonlyMap<string, NodeId>,
	ports: ReadonlyMap<string, string> | undefined,
): readonly string[] {
	let notes: string[] | undefined;
	if (row.wantArp) {
		const reply = arpReply(row, flow);
		if (reply !== undefined) (notes ??= []).push(reply);
	}
	if (hasDvrMac) {
		const seen = new Set<string>();
		for (const m of t.slice(s, e).toLowerCase().matchAll(DVR_MAC)) {
			const mac = m[0];
			if (seen.has(mac)) continue;
			seen.add(mac);
			const host = dvrMacs.get(mac);
			if (host !== undefined)
				(notes ??= []).push(`${mac} = DVR MAC of ${host === node ? 'this node' : host}`);
		}
	}
	if (ports !== undefined) {
		const at = row.keys.lastIndexOf('in_port');
		const inPort = at < 0 ? undefined : row.vals[at];
		if (inPort !== undefined && /^\d+$/.test(inPort)) {
			const name = ports.get(inPort);
			if (name !== undefined) (notes ??= []).push(`in_port ${inPort}=${name}`);
		}
		for (const port of row.outPorts) {
			const name = ports.get(port);
			if (name !== undefined) (notes ??= []).push(`output ${port}=${name}`);
		}
	}
	// 200,000 rows: most have no notes; share one empty array instead of allocating each.
	return notes ?? NO_NOTES;
}

const actionNames = new Map<string, string>();
/** The action name the parser gives an action item, worked out once per distinct head. */
function actionNameOf(token: string, head: string): string {
	const key = /^\d+$/.test(head) ? '#' : head;
	let name = actionNames.get(key);
	if (name === undefined) {
		const action = parseFlowActions(token)[0];
		name = action === undefined ? head.toLowerCase() : actionName(action);
		if (actionNames.size < 4096) actionNames.set(key, name);
	}
	return name;
}

/** 1-based line → [start, end) of the line in `text`, trimmed like the parser trims it. */
function lineSpans(text: string): Int32Array {
	let count = 1;
	for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) count++;
	const starts = new Int32Array(count + 1);
	let n = 1;
	for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) starts[n++] = p + 1;
	starts[count] = text.length + 1;
	return starts;
}

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

const STATS_PREFIX = new Set([
	'cookie',
	'duration',
	'table',
	'n_packets',
	'n_bytes',
	'idle_timeout',
	'hard_timeout',
	'idle_age',
	'hard_age',
	'importance',
]);
const FLAG_WORDS = new Set([
	'send_flow_rem',
	'check_overlap',
	'reset_counts',
	'no_packet_counts',
	'no_byte_counts',
]);

/** End of the item starting at t[p]: the next top-level comma (or `stop`), skipping (…) and "…". */
function itemEnd(t: string, p: number, e: number, stopAtSpace: boolean): number {
	let depth = 0;
	for (let q = p; q < e; q++) {
		const c = t.charCodeAt(q);
		if (c === 34 /* " */) {
			for (q++; q < e && t.charCodeAt(q) !== 34; q++) if (t.charCodeAt(q) === 92) q++;
		} else if (c === 40 /* ( */) depth++;
		else if (c === 41 /* ) */) depth--;
		else if (depth <= 0 && (c === 44 || (stopAtSpace && (c === 32 || c === 9)))) return q;
	}
	return e;
}

/**
 * Strings for short pieces of the capture texts (match keys, action names, `dl_vlan=5`), one per
 * distinct text, looked up by a hash of the characters so that a piece already seen costs no
 * allocation — 200,000 rows hold over a million of them. Longer pieces are slices (V8 makes a
 * view into the capture text, no copy).
 */
class Pieces {
	readonly #byHash = new Map<number, string>();
	get(t: string, s: number, e: number): string {
		const n = e - s;
		if (n >= 13) return t.slice(s, e);
		let h = n;
		for (let i = s; i < e; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
		const known = this.#byHash.get(h);
		if (known !== undefined && known.length === n && t.startsWith(known, s)) return known;
		const text = t.slice(s, e);
		this.#byHash.set(h, text);
		return text;
	}
}

/** What scanning one flow line yields: match fields, action names, and what notes need. */
class RowScan {
	readonly keys: string[] = [];
	readonly vals: string[] = [];
	readonly names: string[] = [];
	/** Port numbers of `output:N` actions (when the bridge's ports are known). */
	readonly outPorts: string[] = [];
	/** `load`/`set_field` items writing arp_sha (ARP-responder candidates only). */
	readonly arpSha: string[] = [];
	wantPorts = false;
	wantArp = false;
	readonly #pieces = new Pieces();
	readonly #names = new Map<string, string>();

	reset(wantPorts: boolean, wantArp: boolean): void {
		this.keys.length = this.vals.length = this.names.length = 0;
		this.outPorts.length = this.arpSha.length = 0;
		this.wantPorts = wantPorts;
		this.wantArp = wantArp;
	}

	field(t: string, ks: number, eq: number, ve: number): void {
		// eq < 0: a bare word (`arp`, `ip`).
		if (eq < 0) {
			this.keys.push(this.#pieces.get(t, ks, ve));
			this.vals.push('');
			return;
		}
		this.keys.push(this.#pieces.get(t, ks, eq));
		this.vals.push(
			t.charCodeAt(eq + 1) === 34 ? unquote(t.slice(eq + 1, ve)) : this.#pieces.get(t, eq + 1, ve),
		);
	}

	action(t: string, s: number, e: number, h: number): void {
		const head = this.#pieces.get(t, s, h);
		let name = this.#names.get(head);
		if (name === undefined) {
			name = actionNameOf(t.slice(s, e), head);
			this.#names.set(head, name);
		}
		this.names.push(name);
		if (this.wantPorts && name === 'output') {
			// `output:5`, or a bare port number as OVS prints some outputs.
			const p = h === e ? s : t.charCodeAt(h) === 58 ? h + 1 : -1;
			if (p >= 0 && p < e && isDigits(t, p, e)) this.outPorts.push(t.slice(p, e));
		}
		if (this.wantArp && (name === 'load' || name === 'set_field')) {
			const item = t.slice(s, e);
			if (ARP_SHA.test(item)) this.arpSha.push(item);
		}
	}
}

const isDigits = (t: string, s: number, e: number): boolean => {
	for (let i = s; i < e; i++) {
		const c = t.charCodeAt(i);
		if (c < 48 || c > 57) return false;
	}
	return e > s;
};

/**
 * Match fields and action items of a flow line, read from the text the way the parser reads
 * them, with no object per flow: reading `match`/`actions` of the snapshot's lazy flows would
 * materialise and keep them for all 200,000 flows. `m` is where the match starts (-1: none), `a`
 * the first character after `actions=`, `e` the line's end.
 */
function scanBody(t: string, m: number, a: number, e: number, row: RowScan): void {
	if (m >= 0) {
		let q = m;
		for (;;) {
			const end = itemEnd(t, q, e, true);
			if (end > q) {
				let eq = -1;
				for (let i = q; i < end; i++) {
					const c = t.charCodeAt(i);
					if (c === 61) {
						eq = i;
						break;
					}
					if (c === 34) break;
				}
				if (!(eq - q === 8 && t.startsWith('priority', q))) row.field(t, q, eq, end);
			}
			if (end >= e || t.charCodeAt(end) !== 44) break;
			q = end + 1;
		}
	}
	let q = a;
	while (q < e) {
		const end = itemEnd(t, q, e, false);
		if (end > q) {
			let h = q;
			while (h < end) {
				const c = t.charCodeAt(h);
				if (c === 58 || c === 40) break;
				h++;
			}
			row.action(t, q, end, h);
		}
		q = end + 1;
	}
}

/**
 * Where the match and the actions of the flow line t[s, e) start, for a flow the parser did not
 * make (the stats and flags are skipped as the parser skips them): [m, a], or undefined when the
 * line does not look like a flow.
 */
function bodyOf(t: string, s: number, e: number): readonly [number, number] | undefined {
	let p = s;
	let matchStart = -1;
	for (;;) {
		if (p >= e) return undefined;
		if (t.startsWith('actions=', p)) break;
		let q = p;
		while (q < e) {
			const c = t.charCodeAt(q);
			if (c === 61 || c === 44 || c === 32 || c === 9) break;
			q++;
		}
		const word = t.slice(p, q);
		if (t.charCodeAt(q) === 61 && STATS_PREFIX.has(word)) {
			while (q < e && t.charCodeAt(q) !== 44 && t.charCodeAt(q) !== 32) q++;
		} else if (!FLAG_WORDS.has(word) || q >= e) {
			matchStart = p;
			break;
		}
		p = q;
		let c: number;
		while (p < e && ((c = t.charCodeAt(p)) === 44 || c === 32)) p++;
	}
	if (matchStart < 0) return [-1, p + 8];
	let q = itemEnd(t, matchStart, e, true);
	while (q < e && t.charCodeAt(q) === 44) q = itemEnd(t, q + 1, e, true);
	while (q < e && (t.charCodeAt(q) === 32 || t.charCodeAt(q) === 9)) q++;
	return t.startsWith('actions=', q) ? [matchStart, q + 8] : undefined;
}

/** Build the index. Linear in the number of flows; called once per snapshot. */
export function buildFlowIndex(snapshot: Snapshot): FlowIndex {
	const steps = flowIndexSteps(snapshot);
	for (;;) {
		const step = steps.next();
		if (step.done === true) return step.value;
	}
}

/** Rows indexed between two pauses of {@link flowIndexSteps} (a few milliseconds of work). */
const ROWS_PER_STEP = 1024;

/** The index build, pausing every {@link ROWS_PER_STEP} rows so idle time can do it in slices. */
function* flowIndexSteps(snapshot: Snapshot): Generator<void, FlowIndex, void> {
	const dvrMacs = findDvrMacs(snapshot);
	const portNames = portMap(snapshot);
	const nodeIds = Object.keys(snapshot.nodes).sort();
	// The dumps in row order, so every per-row column can be sized once.
	const dumps: IndexedDump[] = [];
	let size = 0;
	for (const node of nodeIds) {
		const flows = snapshot.nodes[node]?.facts.flows ?? {};
		for (const bridge of Object.keys(flows).sort()) {
			const dump = flows[bridge];
			if (dump === undefined) continue;
			const d = dump.data.flows;
			dumps.push({
				node,
				bridge,
				capture: dump.capture,
				lineOffset: dump.lineOffset,
				flows: d,
				first: size,
			});
			size += d.length;
		}
	}
	const dumpOf = new Int32Array(size);
	const notesOfRow = new Int32Array(size);
	const tablePriority = new Int32Array(size);
	const textOf = new Int32Array(size);
	const starts = new Int32Array(size);
	const ends = new Int32Array(size);
	const byTable = new Map<number, number[]>();
	const byKey = new Map<string, number[]>();
	const values = new Map<string, (string | undefined)[]>();
	const byNode = new Map<NodeId, number[]>();
	const noted: number[] = [];
	const texts: string[] = [];
	const textIds = new Map<string, number>();
	const runs: [number, number, number][] = [];
	const post = (map: Map<string, number[]>, key: string, id: number): boolean => {
		const list = map.get(key);
		if (list === undefined) map.set(key, [id]);
		else if (list[list.length - 1] !== id) list.push(id);
		else return false;
		return true;
	};
	const noteLists: (readonly string[])[] = [NO_NOTES];
	const noteIds = new Map<string, number>();
	const shareNotes = (notes: readonly string[]): number => {
		if (notes.length === 0) return 0;
		const key = notes.join('\n');
		let known = noteIds.get(key);
		if (known === undefined) {
			// Flat copies: a template result is a tree of parts that keeps the line it came from.
			known = noteLists.length;
			noteLists.push(key.split('\n'));
			noteIds.set(key, known);
		}
		return known;
	};
	// Scratch of the row being read, reused for every row.
	const row = new RowScan();
	const span = new Int32Array(4);
	const dvrMacText = /fa:16:3f/gi;
	for (let di = 0; di < dumps.length; di++) {
		const {node, bridge, capture, lineOffset, flows, first} = dumps[di] as IndexedDump;
		const ports = portNames.get(`${node}\0${bridge}`);
		const nodeRows = byNode.get(node) ?? byNode.set(node, []).get(node) ?? [];
		// Flows the parser did not make are found in the capture text by line number.
		const stdout = snapshot.captures[capture]?.stdout;
		let spans: Int32Array | undefined;
		let lastText: string | undefined;
		let lastTextId = -1;
		// Next `fa:16:3f` in the current text at or after the current row (rows come in text order).
		let dvrAt = -1;
		let dvrFrom = Number.MAX_SAFE_INTEGER;
		for (let i = 0; i < flows.length; i++) {
			const flow = flows[i] as Flow;
			const id = first + i;
			if ((id & (ROWS_PER_STEP - 1)) === ROWS_PER_STEP - 1) {
				progress.set(snapshot, {rows: id, total: size});
				yield;
			}
			dumpOf[id] = di;
			tablePriority[id] = flow.table * 65536 + flow.priority;
			let t = flowSpan(flow, span);
			let s = span[0] ?? 0;
			let e = span[1] ?? 0;
			let m = span[2] ?? -1;
			let a = span[3] ?? 0;
			if (t === undefined && stdout !== undefined) {
				spans ??= lineSpans(stdout);
				const line = flow.line + lineOffset;
				s = spans[line - 1] ?? -1;
				e = (spans[line] ?? 0) - 1;
				if (s >= 0 && e >= s) {
					while (s < e && isBlank(stdout.charCodeAt(s))) s++;
					while (e > s && isBlank(stdout.charCodeAt(e - 1))) e--;
					const body = bodyOf(stdout, s, e);
					if (body !== undefined) {
						t = stdout;
						[m, a] = body;
					}
				}
			}
			if (t === undefined) {
				// Not in any text as expected: the flow's own line.
				t = flow.raw;
				s = 0;
				e = t.length;
				const body = bodyOf(t, s, e) ?? [-1, e];
				[m, a] = body;
			}
			if (t !== lastText) {
				lastText = t;
				lastTextId = textIds.get(t) ?? texts.length;
				if (lastTextId === texts.length) {
					texts.push(t);
					textIds.set(t, lastTextId);
				}
				dvrFrom = Number.MAX_SAFE_INTEGER;
			}
			textOf[id] = lastTextId;
			starts[id] = s;
			ends[id] = e;
			row.reset(ports !== undefined, flow.table === 21);
			scanBody(t, m, a, e, row);
			if (s < dvrFrom || (dvrAt >= 0 && dvrAt < s)) {
				dvrMacText.lastIndex = s;
				dvrAt = dvrMacText.test(t) ? dvrMacText.lastIndex - 8 : -1;
				dvrFrom = s;
			}
			const hasDvrMac = dvrAt >= s && dvrAt < e;
			const notes = shareNotes(notesFor(t, s, e, row, flow, hasDvrMac, node, dvrMacs, ports));
			notesOfRow[id] = notes;
			if (notes !== 0) noted.push(id);
			nodeRows.push(id);
			const tl = byTable.get(flow.table);
			if (tl === undefined) byTable.set(flow.table, [id]);
			else tl.push(id);
			const {keys, vals} = row;
			for (let f = 0; f < keys.length; f++) {
				const canonical = canonicalKey(keys[f] ?? '');
				if (!post(byKey, canonical, id)) continue;
				// As match[name] would give: the last value of the first name present.
				let value: string | undefined;
				for (const n of namesOf(canonical)) {
					for (let g = 0; g < keys.length; g++) if (keys[g] === n) value = vals[g];
					if (value !== undefined) break;
				}
				(values.get(canonical) ?? values.set(canonical, []).get(canonical))?.push(value);
			}
			for (const name of row.names) post(byKey, name, id);
		}
		// Runs of rows in one text, for whole-text search.
		const end = first + flows.length;
		let runStart = first;
		for (let id = first; id <= end; id++) {
			if (id === end || textOf[id] !== textOf[runStart]) {
				if (id > runStart) runs.push([textOf[runStart] ?? 0, runStart, id - 1]);
				runStart = id;
			}
		}
	}
	const typed = <K>(map: Map<K, number[]>): Map<K, Int32Array> =>
		new Map([...map].map(([k, list]) => [k, Int32Array.from(list)]));
	const text: RowText = {texts, textOf, start: starts, end: ends, runs};
	return {
		size,
		dumps,
		dumpOf,
		notesOf: notesOfRow,
		noteLists,
		tablePriority,
		byTable: typed(byTable),
		byKey: typed(byKey),
		byNode: typed(byNode),
		dvrMacs,
		portNames,
		text,
		values,
		noted: Int32Array.from(noted),
	};
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

type Pred = (id: number) => boolean;

/** The row's line as printed: a slice of its capture text, made when asked and not kept. */
export function rowRaw(index: FlowIndex, id: number): string {
	const t = index.text;
	return (t.texts[t.textOf[id] ?? -1] ?? '').slice(t.start[id] ?? 0, t.end[id] ?? 0);
}

/**
 * Position of `id` in a sorted posting list, or -1, for ids asked in ascending order (as
 * filterFlows does): walks on from the last answer, and bisects only over a long gap.
 */
function cursor(ids: Int32Array): (id: number) => number {
	let at = 0;
	return id => {
		if (at > 0 && (ids[at - 1] ?? 0) > id) at = 0;
		if (at + 8 < ids.length && (ids[at + 8] ?? 0) < id) {
			const found = lookup(ids, id);
			at = found >= 0 ? found : at;
			if (found >= 0) return found;
		}
		while (at < ids.length && (ids[at] ?? 0) < id) at++;
		return at < ids.length && ids[at] === id ? at : -1;
	};
}

/** Position of `id` in a sorted posting list, or -1. */
function lookup(ids: Int32Array, id: number): number {
	let lo = 0;
	let hi = ids.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const v = ids[mid] ?? 0;
		if (v === id) return mid;
		if (v < id) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

/**
 * Scratch buffers of one filterFlows call (row marks, the id list), reused across keystrokes: a
 * fresh 200,000-entry typed array per keystroke is memory outside the JS heap that the garbage
 * collector returns late, and it showed in the console's peak RSS.
 */
const marksPool: Uint8Array[] = [];
const marksLeased: Uint8Array[] = [];
function leaseMarks(size: number): Uint8Array {
	let marks = marksPool.pop();
	if (marks === undefined || marks.length !== size) marks = new Uint8Array(size);
	else marks.fill(0);
	marksLeased.push(marks);
	return marks;
}
let idScratch = new Int32Array(0);

/**
 * Case-insensitive search in the original capture text, with no lower-cased copy (one per 5 MB
 * dump was 40 MB held for the rest of the session): a `gi` regular expression moved along with
 * lastIndex and run with test() — as fast as indexOf over a copy (faster for IPs, whose dots
 * slow indexOf down), and no match array per hit. `end` is where the last hit ends (a literal
 * matched case-insensitively is as long as the value).
 */
/** How far (characters, a few flow lines) a hit counts as near the last. */
const NEAR = 2048;

class Finder {
	readonly #re: RegExp;
	readonly #length: number;
	/** The value itself when it has no letters: case cannot matter, so indexOf finds it too. */
	readonly #plain: string | undefined;
	/** The last hit was close to where the search began: the next is likely close too. */
	#dense = false;
	end = -1;
	constructor(value: string) {
		this.#length = value.length;
		this.#re = new RegExp(escapeText(value), 'gi');
		this.#plain = value !== '' && value.toLowerCase() === value.toUpperCase() ? value : undefined;
	}
	/**
	 * Start of the first hit at or after `from`, or -1. Dense hits (`10.` on every line) go
	 * through indexOf, whose call costs a fifth of a regular expression's; sparse ones through
	 * the regular expression, whose scan over megabytes is twice as fast.
	 */
	next(text: string, from: number): number {
		let at = -1;
		let rest = from;
		if (this.#dense && this.#plain !== undefined) {
			// Within the next few lines only: a miss there goes on with the regular expression.
			const near = text.slice(from, from + NEAR).indexOf(this.#plain);
			if (near >= 0) at = from + near;
			else rest = Math.max(from, from + NEAR - this.#length + 1);
		}
		if (at < 0) {
			const re = this.#re;
			re.lastIndex = rest;
			at = re.test(text) ? re.lastIndex - this.#length : -1;
		}
		if (at < 0) {
			this.end = -1;
			return -1;
		}
		this.#dense = at - from < NEAR;
		// An empty value matches everywhere without moving: step on so callers advance.
		this.end = Math.max(at + this.#length, from + 1);
		return at;
	}
}

/**
 * Whether a row's line contains `value` (any case), each line tested on its own: how a small
 * narrowed result (at most a sixteenth of the rows) is tested.
 */
function containsInRow(
	index: FlowIndex,
	value: string,
	inActions = false,
): (id: number) => boolean {
	const t = index.text;
	const re = escapeRe(value);
	return id => {
		const ti = t.textOf[id] ?? 0;
		const s = t.start[id] ?? 0;
		const e = t.end[id] ?? 0;
		const text = t.texts[ti] ?? '';
		let from = s;
		if (inActions) {
			const at = text.indexOf('actions=', s);
			if (at < 0 || at >= e) return false;
			from = at + 8;
		}
		// The line alone (a view into the text, no copy): a search from the row on would scan to
		// the next hit, megabytes away when hits are rare.
		return re.test(text.slice(from, e));
	};
}

function markText(index: FlowIndex, value: string, inActions = false): Uint8Array {
	const t = index.text;
	const marks = leaseMarks(index.size);
	const find = new Finder(value);
	for (const [ti, first, last] of t.runs) {
		const text = t.texts[ti] ?? '';
		const limit = t.end[last] ?? 0;
		let p = find.next(text, t.start[first] ?? 0);
		let id = first;
		let actionsOf = -1;
		let actionsAt = 0;
		while (p >= 0 && find.end <= limit) {
			while (id <= last && (t.end[id] ?? 0) < find.end) id++;
			if (id > last) break;
			const s = t.start[id] ?? 0;
			if (p < s) {
				p = find.next(text, s);
				continue;
			}
			if (inActions) {
				// Only hits after the row's `actions=` count (as actionsText(raw) would give).
				if (actionsOf !== id) {
					actionsOf = id;
					const at = text.indexOf('actions=', s);
					actionsAt = at < 0 || at >= (t.end[id] ?? 0) ? Infinity : at + 8;
				}
				if (p < actionsAt) {
					if (actionsAt === Infinity) {
						p = find.next(text, t.end[id] ?? 0);
						id++;
					} else p = find.next(text, actionsAt);
					continue;
				}
			}
			marks[id] = 1;
			p = find.next(text, t.end[id] ?? 0);
			id++;
		}
	}
	return marks;
}

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

function actionsText(raw: string): string {
	const at = raw.indexOf('actions=');
	return at < 0 ? '' : raw.slice(at + 8);
}

const escapeText = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escapeRe = (text: string): RegExp => new RegExp(escapeText(text), 'i');

/**
 * Case-insensitive search in the flow line and its notes. Over many rows the capture texts are
 * searched once (`wide`); over a few (narrowing a small result) each line is tested.
 */
function freeText(value: string, index: FlowIndex, wide: boolean): Pred {
	if (value === '') return () => true;
	const re = escapeRe(value);
	const inNotes = (id: number): boolean => {
		const notes = notesOf(index, id);
		return notes.length > 0 && notes.some(n => re.test(n));
	};
	if (wide) {
		let marks: Uint8Array | undefined;
		return id => {
			if (marks === undefined) {
				marks = markText(index, value);
				// Notes too: rows share note lists (`… = DVR MAC of this node`), test each list once.
				const hits = new Uint8Array(index.noteLists.length);
				let any = false;
				for (let i = 0; i < index.noteLists.length; i++)
					if (index.noteLists[i]?.some(n => re.test(n)) === true) {
						hits[i] = 1;
						any = true;
					}
				if (any) {
					const listOf = index.notesOf;
					for (const noted of index.noted) if (hits[listOf[noted] ?? 0] === 1) marks[noted] = 1;
				}
			}
			return marks[id] === 1;
		};
	}
	const contains = containsInRow(index, value);
	return id => contains(id) || inNotes(id);
}

/** a equals w (lower case) ignoring ASCII case, without a lower-cased copy per row. */
function sameIgnoringCase(a: string, w: string): boolean {
	// From the end: MACs and IPs of one network share their start.
	for (let i = a.length - 1; i >= 0; i--) {
		let c = a.charCodeAt(i);
		if (c > 127) return a.toLowerCase() === w;
		if (c >= 65 && c <= 90) c += 32;
		if (c !== w.charCodeAt(i)) return false;
	}
	return true;
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
				// Lower-casing keeps an ASCII value's length: only same-length values can be equal.
				if (a.length === w.length && sameIgnoringCase(a, w)) return true;
				if (cidr && !a.includes('/') && inCidr(a, w) === true) return true;
				if (wn !== undefined) return toNumber(a) === wn;
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
const namesCache = new Map<string, readonly string[]>();
const namesOf = (key: string): readonly string[] => {
	let names = namesCache.get(key);
	if (names === undefined) {
		names = [
			key,
			...Object.entries(ALIASES)
				.filter(([, canonical]) => canonical === key)
				.map(([alias]) => alias),
		];
		namesCache.set(key, names);
	}
	return names;
};

function compileTerm(term: FilterTerm, index: FlowIndex, wide: boolean): Pred {
	if (term.key === undefined) return freeText(term.value ?? '', index, wide);
	const key = canonicalKey(term.key);
	const op = term.op;
	const value = term.value ?? '';
	const portsOf = (id: number): ReadonlyMap<string, string> | undefined => {
		const dump = dumpAt(index, id);
		return dump === undefined ? undefined : index.portNames.get(`${dump.node}\0${dump.bridge}`);
	};
	const flow = (id: number): Flow | undefined => flowOf(index, id);
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
			return id => {
				const dump = dumpAt(index, id);
				const table = tableOf(index, id);
				return cmp((dump === undefined ? undefined : neutronTableName(dump.bridge, table)) ?? '');
			};
		}
		const cmp = numberComparator(op, wn);
		return id => cmp(tableOf(index, id));
	}
	if (op === undefined) {
		if (key === 'note' || key === 'notes') return id => (index.notesOf[id] ?? 0) !== 0;
		// Every flow has a priority (OVS prints the default 32768 too when it is the default).
		if (key === 'priority') return () => true;
		if (STAT_KEYS.has(key))
			return id => {
				const f = flow(id);
				return f !== undefined && statValue(f, key) !== undefined;
			};
		const posting = index.byKey.get(key);
		if (posting === undefined)
			return KNOWN_WORDS.has(key) ? () => false : freeText(term.text, index, wide);
		// Match keys and action names, from the posting list built at load.
		const find = cursor(posting);
		return id => find(id) >= 0;
	}
	const cmp = comparator(op, value);
	if (key === 'node') return id => cmp(dumpAt(index, id)?.node ?? '');
	if (key === 'bridge') return id => cmp(dumpAt(index, id)?.bridge ?? '');
	if (key === 'actions') {
		// `actions~=` before the value is typed: every flow has actions.
		if (op === '~=' && value === '') return () => true;
		if (op === '~=' && wide) {
			let marks: Uint8Array | undefined;
			return id => {
				marks ??= markText(index, value, true);
				return marks[id] === 1;
			};
		}
		if (op === '~=') {
			const contains = containsInRow(index, value, true);
			return id => contains(id);
		}
		return id => cmp(actionsText(rowRaw(index, id)));
	}
	if (key === 'note' || key === 'notes') {
		const contains = comparator(op === '=' ? '~=' : op, value);
		return id => notesOf(index, id).some(contains);
	}
	const numeric = NUMERIC_STATS[key];
	const wn = toNumber(value);
	if (key === 'priority') {
		const priorityOf = (id: number): number => (index.tablePriority[id] ?? 0) & 65535;
		if (wn === undefined) return id => cmp(String(priorityOf(id)));
		const ncmp = numberComparator(op, wn);
		return id => ncmp(priorityOf(id));
	}
	if (numeric !== undefined && wn !== undefined) {
		const ncmp = numberComparator(op, wn);
		return id => {
			const f = flow(id);
			const n = f === undefined ? undefined : numeric(f);
			return n !== undefined && ncmp(n);
		};
	}
	if (STAT_KEYS.has(key)) {
		return id => {
			const f = flow(id);
			const actual = f === undefined ? undefined : statValue(f, key);
			return actual !== undefined && cmp(actual);
		};
	}
	if (ACTION_NAMES.has(key)) {
		// Actions parsed from the line for this test only (the flow's own stay unmaterialised).
		const posting = index.byKey.get(key);
		return id =>
			posting !== undefined &&
			lookup(posting, id) >= 0 &&
			parseFlowActions(actionsText(rowRaw(index, id))).some(
				a => actionName(a) === key && actionTargets(a, portsOf(id)).some(cmp),
			);
	}
	const posting = index.byKey.get(key);
	const vals = index.values.get(key);
	const find = posting === undefined ? () => -1 : cursor(posting);
	return id => {
		const at = find(id);
		const actual = at < 0 ? undefined : vals?.[at];
		if (actual === undefined) return op === '!=';
		if (cmp(actual)) return true;
		if (key === 'in_port' && (op === '=' || op === '~=')) {
			const name = portsOf(id)?.get(actual);
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

function compile(expr: FilterExpr, index: FlowIndex, wide: boolean): Pred {
	switch (expr.type) {
		case 'term':
			return compileTerm(expr, index, wide);
		case 'not': {
			const inner = compile(expr.expr, index, wide);
			return id => !inner(id);
		}
		case 'and': {
			const items = expr.items.map(e => compile(e, index, wide));
			return id => items.every(p => p(id));
		}
		case 'or': {
			const items = expr.items.map(e => compile(e, index, wide));
			return id => items.some(p => p(id));
		}
	}
}

/** Candidate rows from posting lists: the smallest list among the indexable AND terms. */
const NONE = new Int32Array(0);

function candidates(expr: FilterExpr, index: FlowIndex): Int32Array | undefined {
	let best: Int32Array | undefined;
	for (const item of conjuncts(expr)) {
		if (item.type !== 'term' || item.key === undefined) continue;
		const key = canonicalKey(item.key);
		let list: Int32Array | undefined;
		if (key === 'table' && item.op === '=' && toNumber(item.value ?? '') !== undefined)
			list = index.byTable.get(toNumber(item.value ?? '') ?? -1) ?? NONE;
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
			else if (item.op !== undefined) list = NONE;
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
	/**
	 * Rows matching every AND-ed condition but the last, while the last one is being typed
	 * (`actions~=drop && node=cm…`): the next keystroke tests only the last condition on them.
	 */
	readonly head?: {readonly key: string; readonly ids: Int32Array};
};

/** A bare word that searches as free text (neither a match key, an action name nor a keyword). */
function searchesAsText(term: FilterTerm, index: FlowIndex): boolean {
	if (term.key === undefined || term.op !== undefined) return false;
	const key = canonicalKey(term.key);
	return (
		!SPECIAL_KEYS.has(key) && !STAT_KEYS.has(key) && !index.byKey.has(key) && !KNOWN_WORDS.has(key)
	);
}
const SPECIAL_KEYS = new Set(['table', 'node', 'bridge', 'actions', 'note', 'notes']);

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
	const usable = previous !== undefined && previous.error === undefined ? previous : undefined;
	// `arp` → `arp ` → `arp &&`: the same filter; keep the rows.
	if (usable !== undefined && sameExpr(usable.expr, expr))
		return {
			text,
			expr,
			ids: usable.ids,
			scanned: 0,
			...(usable.head === undefined ? {} : {head: usable.head}),
		};
	const asText = (term: FilterTerm): boolean => searchesAsText(term, index);
	const narrowing = usable !== undefined && narrows(usable.expr, expr, asText);
	// While the last AND-ed condition is typed, the ones before it are already settled.
	const terms = conjuncts(expr);
	const last = terms.length >= 2 ? terms[terms.length - 1] : undefined;
	const headKey = last === undefined ? undefined : JSON.stringify(terms.slice(0, -1));
	let head: {key: string; ids: Int32Array} | undefined;
	if (usable !== undefined && headKey !== undefined) {
		if (usable.head?.key === headKey) head = usable.head;
		else if (JSON.stringify(conjuncts(usable.expr)) === headKey)
			head = {key: headKey, ids: usable.ids};
	}
	let source: ArrayLike<number> | undefined;
	let test: FilterExpr = expr;
	if (head !== undefined && last !== undefined) {
		test = last;
		source = head.ids;
		// The previous rows also passed the same head, and are fewer when the last one narrows.
		if (narrowing && usable.head === head && usable.ids.length < source.length) source = usable.ids;
	} else {
		if (narrowing) source = usable.ids;
		const posting = candidates(expr, index);
		if (posting !== undefined && (source === undefined || posting.length < source.length))
			source = posting;
	}
	const total = index.size;
	const size = source === undefined ? total : source.length;
	const pred = compile(test, index, size > total / 16);
	if (idScratch.length < size) idScratch = new Int32Array(total);
	const out = idScratch;
	let n = 0;
	if (source === undefined) {
		for (let i = 0; i < total; i++) if (pred(i)) out[n++] = i;
	} else {
		for (let i = 0; i < source.length; i++) {
			const id = source[i] ?? -1;
			if (id >= 0 && id < total && pred(id)) out[n++] = id;
		}
	}
	marksPool.push(...marksLeased.splice(0));
	return {text, expr, ids: out.slice(0, n), scanned: size, ...(head === undefined ? {} : {head})};
}

const sameExpr = (a: FilterExpr | undefined, b: FilterExpr | undefined): boolean =>
	a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

const allCache = new WeakMap<FlowIndex, Int32Array>();
function allIds(index: FlowIndex): Int32Array {
	let ids = allCache.get(index);
	if (ids === undefined) {
		ids = new Int32Array(index.size);
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
const building = new WeakMap<Snapshot, Generator<void, FlowIndex, void>>();
const progress = new WeakMap<Snapshot, {readonly rows: number; readonly total: number}>();

/** Whether the flow index of `snapshot` is built (opening Flows will not wait for it). */
export const hasFlowIndex = (snapshot: Snapshot): boolean => indexCache.has(snapshot);

/** How far an index build begun in idle time has got: rows indexed of the total. */
export function flowIndexProgress(snapshot: Snapshot): {rows: number; total: number} {
	const index = indexCache.get(snapshot);
	if (index !== undefined) return {rows: index.size, total: index.size};
	const known = progress.get(snapshot);
	if (known !== undefined) return {...known};
	let total = 0;
	for (const node of Object.values(snapshot.nodes))
		for (const dump of Object.values(node.facts.flows ?? {})) total += dump.data.flows.length;
	return {rows: 0, total};
}

/**
 * The index of a snapshot, built on first use (or finished, when idle time has begun it) and
 * kept while the snapshot lives.
 */
export function getFlowIndex(snapshot: Snapshot): FlowIndex {
	let index = indexCache.get(snapshot);
	if (index === undefined) {
		const steps = building.get(snapshot) ?? flowIndexSteps(snapshot);
		building.delete(snapshot);
		for (;;) {
			const step = steps.next();
			if (step.done === true) {
				index = step.value;
				break;
			}
		}
		indexCache.set(snapshot, index);
	}
	return index;
}

/**
 * Builds the index of `snapshot` for about `budgetMs` and pauses; true once it is built. The
 * console calls it in idle time after showing the verdict, so opening Flows on 200,000 flows
 * does not wait for the index (getFlowIndex finishes whatever is left).
 */
export function warmFlowIndex(snapshot: Snapshot, budgetMs: number): boolean {
	if (indexCache.has(snapshot)) return true;
	let steps = building.get(snapshot);
	if (steps === undefined) {
		steps = flowIndexSteps(snapshot);
		building.set(snapshot, steps);
	}
	const until = performance.now() + budgetMs;
	do {
		let step: IteratorResult<void, FlowIndex>;
		try {
			step = steps.next();
		} catch (error) {
			// A build that failed is not resumed: getFlowIndex starts over (and reports it).
			building.delete(snapshot);
			throw error;
		}
		if (step.done === true) {
			building.delete(snapshot);
			indexCache.set(snapshot, step.value);
			return true;
		}
	} while (performance.now() < until);
	return false;
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
