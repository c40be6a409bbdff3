import type {CaptureId, NodeId} from '../model/ids.js';
import type {Flow} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import {arpResponderOf, tableName as neutronTableName} from '../collectors/neutron.js';
import {IntList} from './int-list.js';
import {
	FlowLocator,
	actionName,
	canonicalKey,
	isDigitsAt,
	namesOf,
	parseFlowActions,
	scanBody,
	unquote,
	type FlowBodySink,
} from '../collectors/flows/index.js';

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
export const dumpAt = (index: FlowIndex, id: number): IndexedDump | undefined =>
	index.dumps[index.dumpOf[id] ?? -1];

/** The OpenFlow table of a row. */
export const tableOf = (index: FlowIndex, id: number): number =>
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

/**
 * The DVR MAC of each node: the source MAC br-tun / physical table 1 rewrites routed frames to.
 * Read from the capture text (the actions of table-1 lines that mention the prefix, parsed for
 * this look only): reading `flow.actions` would materialise and keep the actions of every
 * table-1 flow (tens of thousands on a big dump) for the rest of the session.
 */
function* findDvrMacs(snapshot: Snapshot): Generator<void, Map<string, NodeId>, void> {
	const macs = new Map<string, NodeId>();
	const span = new Int32Array(4);
	const items = new DvrMacItems();
	const byActions = new Map<string, readonly string[]>();
	let seen = 0;
	for (const [node, ns] of Object.entries(snapshot.nodes)) {
		for (const dump of Object.values(ns.facts.flows ?? {})) {
			const locator = new FlowLocator(snapshot.captures[dump.capture]?.stdout, dump.lineOffset);
			for (const flow of dump.data.flows) {
				if ((++seen & 4095) === 0) yield;
				if (flow.table !== 1) continue;
				const t = locator.locate(flow, span);
				const a = span[3] ?? 0;
				const e = span[1] ?? 0;
				const actions = t.slice(a, e);
				// Thousands of table-1 flows share a few action lists (one DVR MAC a node).
				let found = byActions.get(actions);
				if (found === undefined) {
					items.found.length = 0;
					if (DVR_MAC_TEXT.test(actions)) scanBody(t, -1, a, e, items);
					found = [...items.found];
					if (byActions.size < 4096) byActions.set(actions, found);
				}
				for (const mac of found) macs.set(mac, node);
			}
		}
	}
	return macs;
}

/**
 * The DVR MACs a line's action items write as the source MAC (`mod_dl_src:fa:16:3f:…`,
 * `set_field:…->eth_src`, OF1.0 `load:0xfa163f…->NXM_OF_ETH_SRC[]`): each distinct item is
 * parsed once by the OVS parser (a node has one DVR MAC, written by thousands of flows).
 */
class DvrMacItems implements FlowBodySink {
	readonly found: string[] = [];
	readonly #known = new Map<string, string | null>();
	field(): void {}
	action(t: string, s: number, e: number): void {
		const item = t.slice(s, e);
		if (!DVR_MAC_TEXT.test(item)) return;
		let mac = this.#known.get(item);
		if (mac === undefined) {
			mac = null;
			const action = parseFlowActions(item)[0];
			if (
				(action?.type === 'set_field' || action?.type === 'load') &&
				/eth_src|dl_src/i.test(action.field)
			) {
				const value = (action.decoded ?? action.value).toLowerCase();
				if (value.startsWith('fa:16:3f')) mac = value;
			}
			if (this.#known.size < 4096) this.#known.set(item, mac);
		}
		if (mac !== null) this.found.push(mac);
	}
}

/** A DVR MAC in an action: `fa:16:3f:…`, or hex in an OF1.0 `load:0xfa163f…`. */
const DVR_MAC_TEXT = /fa:?16:?3f/i;

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
class RowScan implements FlowBodySink {
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
			if (p >= 0 && p < e && isDigitsAt(t, p, e)) this.outPorts.push(t.slice(p, e));
		}
		if (this.wantArp && (name === 'load' || name === 'set_field')) {
			const item = t.slice(s, e);
			if (ARP_SHA.test(item)) this.arpSha.push(item);
		}
	}
}

/** The snapshot's flow dumps in row order (nodes, then bridges, sorted) and the row count. */
function dumpsInRowOrder(snapshot: Snapshot): {dumps: IndexedDump[]; size: number} {
	const dumps: IndexedDump[] = [];
	let size = 0;
	for (const node of Object.keys(snapshot.nodes).sort()) {
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
	return {dumps, size};
}

/** Distinct note lists, which the rows share (`… = DVR MAC of this node`); list 0 is no notes. */
class NoteLists {
	readonly lists: (readonly string[])[] = [NO_NOTES];
	readonly #ids = new Map<string, number>();

	/** The id of this list of notes, adding it when new. */
	share(notes: readonly string[]): number {
		if (notes.length === 0) return 0;
		const key = notes.join('\n');
		let known = this.#ids.get(key);
		if (known === undefined) {
			// Flat copies: a template result is a tree of parts that keeps the line it came from.
			known = this.lists.length;
			this.lists.push(key.split('\n'));
			this.#ids.set(key, known);
		}
		return known;
	}
}

/** Adds row `id` to `key`'s posting list; false when the row is already its last entry. */
function post(map: Map<string, IntList>, key: string, id: number): boolean {
	let list = map.get(key);
	if (list === undefined) map.set(key, (list = new IntList()));
	else if (list.last === id) return false;
	list.push(id);
	return true;
}

/**
 * Posts one scanned row under its match keys (canonical names, with the key's value beside it
 * in `values`) and its action names.
 */
function postRowKeys(
	row: RowScan,
	id: number,
	byKey: Map<string, IntList>,
	values: Map<string, (string | undefined)[]>,
): void {
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

/** Runs of rows `first`..`end - 1` that share one text, for whole-text search. */
function pushTextRuns(
	textOf: Int32Array,
	first: number,
	end: number,
	runs: [number, number, number][],
): void {
	let runStart = first;
	for (let id = first; id <= end; id++) {
		if (id === end || textOf[id] !== textOf[runStart]) {
			if (id > runStart) runs.push([textOf[runStart] ?? 0, runStart, id - 1]);
			runStart = id;
		}
	}
}

/** Build the index. Linear in the number of flows; called once per snapshot. */
export function buildFlowIndex(snapshot: Snapshot): FlowIndex {
	const steps = flowIndexSteps(snapshot, {rows: 0, total: 0, soFar: undefined});
	for (;;) {
		const step = steps.next();
		if (step.done === true) return step.value;
	}
}

/** Rows indexed between two pauses of {@link flowIndexSteps} (a few milliseconds of work). */
const ROWS_PER_STEP = 1024;

/** How far a build has got, and the index of the rows indexed so far once rows are indexed. */
type BuildState = {
	rows: number;
	total: number;
	soFar: (() => FlowIndex) | undefined;
};

/**
 * The index build, pausing every {@link ROWS_PER_STEP} rows so idle time can do it in slices.
 * Rows are indexed in row order, so at each pause `state.soFar()` is a complete index of rows
 * 0 … rows-1: a Flows screen shows and filters those while the rest is indexed.
 */
function* flowIndexSteps(snapshot: Snapshot, state: BuildState): Generator<void, FlowIndex, void> {
	// The dumps in row order, so every per-row column can be sized once.
	const {dumps, size} = dumpsInRowOrder(snapshot);
	state.total = size;
	const dvrMacs = yield* findDvrMacs(snapshot);
	const portNames = portMap(snapshot);
	const dumpOf = new Int32Array(size);
	const notesOfRow = new Int32Array(size);
	const tablePriority = new Int32Array(size);
	const textOf = new Int32Array(size);
	const starts = new Int32Array(size);
	const ends = new Int32Array(size);
	const byTable = new Map<number, IntList>();
	const byKey = new Map<string, IntList>();
	const values = new Map<string, (string | undefined)[]>();
	const byNode = new Map<NodeId, IntList>();
	const noted = new IntList();
	const texts: string[] = [];
	const textIds = new Map<string, number>();
	const runs: [number, number, number][] = [];
	const noteLists = new NoteLists();
	// The first row of the dump being indexed (its text runs are pushed when it is done).
	let dumpFirst = 0;
	const parts = {dumps, dumpOf, notesOfRow, noteLists, tablePriority, byTable, byKey, byNode};
	const rest = {dvrMacs, portNames, texts, textOf, starts, ends, values, noted};
	state.soFar = () => {
		const soFarRuns = runs.slice();
		if (state.rows > dumpFirst) pushTextRuns(textOf, dumpFirst, state.rows, soFarRuns);
		return assemble(parts, rest, state.rows, soFarRuns, list => list.view());
	};
	// Scratch of the row being read, reused for every row.
	const row = new RowScan();
	const span = new Int32Array(4);
	const dvrMacText = /fa:16:3f/gi;
	for (let di = 0; di < dumps.length; di++) {
		const {node, bridge, capture, lineOffset, flows, first} = dumps[di] as IndexedDump;
		dumpFirst = first;
		const ports = portNames.get(`${node}\0${bridge}`);
		let nodeRows = byNode.get(node);
		if (nodeRows === undefined) byNode.set(node, (nodeRows = new IntList()));
		// Flows the parser did not make are found in the capture text by line number.
		const locator = new FlowLocator(snapshot.captures[capture]?.stdout, lineOffset);
		let lastText: string | undefined;
		let lastTextId = -1;
		// Next `fa:16:3f` in the current text at or after the current row (rows come in text order).
		let dvrAt = -1;
		let dvrFrom = Number.MAX_SAFE_INTEGER;
		for (let i = 0; i < flows.length; i++) {
			const flow = flows[i] as Flow;
			const id = first + i;
			if ((id & (ROWS_PER_STEP - 1)) === ROWS_PER_STEP - 1) {
				state.rows = id;
				yield;
			}
			dumpOf[id] = di;
			tablePriority[id] = flow.table * 65536 + flow.priority;
			const t = locator.locate(flow, span);
			const s = span[0] ?? 0;
			const e = span[1] ?? 0;
			const m = span[2] ?? -1;
			const a = span[3] ?? 0;
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
			const notes = noteLists.share(notesFor(t, s, e, row, flow, hasDvrMac, node, dvrMacs, ports));
			notesOfRow[id] = notes;
			if (notes !== 0) noted.push(id);
			nodeRows.push(id);
			let tl = byTable.get(flow.table);
			if (tl === undefined) byTable.set(flow.table, (tl = new IntList()));
			tl.push(id);
			postRowKeys(row, id, byKey, values);
		}
		pushTextRuns(textOf, first, first + flows.length, runs);
		dumpFirst = first + flows.length;
		state.rows = dumpFirst;
	}
	return assemble(parts, rest, size, runs, list => list.trimmed());
}

/** The index of rows 0 … size-1 from the build's columns; `ids` gives each id list's array. */
function assemble(
	parts: {
		dumps: IndexedDump[];
		dumpOf: Int32Array;
		notesOfRow: Int32Array;
		noteLists: NoteLists;
		tablePriority: Int32Array;
		byTable: Map<number, IntList>;
		byKey: Map<string, IntList>;
		byNode: Map<NodeId, IntList>;
	},
	rest: Pick<FlowIndex, 'dvrMacs' | 'portNames' | 'values'> & {
		texts: string[];
		textOf: Int32Array;
		starts: Int32Array;
		ends: Int32Array;
		noted: IntList;
	},
	size: number,
	runs: [number, number, number][],
	ids: (list: IntList) => Int32Array,
): FlowIndex {
	const lists = <K>(map: Map<K, IntList>): Map<K, Int32Array> =>
		new Map([...map].map(([k, list]) => [k, ids(list)]));
	return {
		size,
		dumps: parts.dumps,
		dumpOf: parts.dumpOf,
		notesOf: parts.notesOfRow,
		noteLists: parts.noteLists.lists,
		tablePriority: parts.tablePriority,
		byTable: lists(parts.byTable),
		byKey: lists(parts.byKey),
		byNode: lists(parts.byNode),
		dvrMacs: rest.dvrMacs,
		portNames: rest.portNames,
		text: {texts: rest.texts, textOf: rest.textOf, start: rest.starts, end: rest.ends, runs},
		values: rest.values,
		noted: ids(rest.noted),
	};
}

// ─── evaluation ─────────────────────────────────────────────────────────────

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
/** A build begun in idle time or by a Flows screen, with the index of its rows so far. */
type Build = {
	readonly steps: Generator<void, FlowIndex, void>;
	readonly state: BuildState;
	soFar?: FlowIndex;
};
const building = new WeakMap<Snapshot, Build>();

/** Whether the flow index of `snapshot` is built (opening Flows will not wait for it). */
export const hasFlowIndex = (snapshot: Snapshot): boolean => indexCache.has(snapshot);

function countFlows(snapshot: Snapshot): number {
	let total = 0;
	for (const node of Object.values(snapshot.nodes))
		for (const dump of Object.values(node.facts.flows ?? {})) total += dump.data.flows.length;
	return total;
}

/** How far an index build begun in idle time has got: rows indexed of the total. */
export function flowIndexProgress(snapshot: Snapshot): {rows: number; total: number} {
	const index = indexCache.get(snapshot);
	if (index !== undefined) return {rows: index.size, total: index.size};
	const build = building.get(snapshot);
	if (build !== undefined && build.state.total > 0)
		return {rows: build.state.rows, total: build.state.total};
	return {rows: 0, total: countFlows(snapshot)};
}

function buildOf(snapshot: Snapshot): Build {
	let build = building.get(snapshot);
	if (build === undefined) {
		const state: BuildState = {rows: 0, total: 0, soFar: undefined};
		build = {steps: flowIndexSteps(snapshot, state), state};
		building.set(snapshot, build);
	}
	return build;
}

/** One step of a build; the index once it is done. A build that fails is dropped (not resumed). */
function step(snapshot: Snapshot, build: Build): FlowIndex | undefined {
	let next: IteratorResult<void, FlowIndex>;
	try {
		next = build.steps.next();
	} catch (error) {
		building.delete(snapshot);
		throw error;
	}
	if (next.done !== true) return undefined;
	building.delete(snapshot);
	indexCache.set(snapshot, next.value);
	return next.value;
}

/**
 * The index of a snapshot, built on first use (or finished, when idle time has begun it) and
 * kept while the snapshot lives.
 */
export function getFlowIndex(snapshot: Snapshot): FlowIndex {
	const known = indexCache.get(snapshot);
	if (known !== undefined) return known;
	const build = buildOf(snapshot);
	for (;;) {
		const index = step(snapshot, build);
		if (index !== undefined) return index;
	}
}

/**
 * The index as far as it is built, for a Flows screen opened before idle time has finished it:
 * the whole index when built; otherwise an index of the first rows (at least `minRows`, or all),
 * indexing what is missing of those now — a screenful takes a step or two, not the whole build.
 * The same object is returned until more rows are indexed.
 */
export function flowIndexSoFar(snapshot: Snapshot, minRows: number): FlowIndex {
	const known = indexCache.get(snapshot);
	if (known !== undefined) return known;
	const build = buildOf(snapshot);
	const {state} = build;
	while (state.soFar === undefined || state.rows < Math.min(minRows, state.total)) {
		const index = step(snapshot, build);
		if (index !== undefined) return index;
	}
	if (build.soFar?.size !== state.rows) build.soFar = state.soFar();
	return build.soFar;
}

/**
 * Builds the index of `snapshot` for about `budgetMs` and pauses; true once it is built. The
 * console calls it in idle time after showing the verdict, so opening Flows on 200,000 flows
 * does not wait for the index (flowIndexSoFar shows the rows indexed so far meanwhile).
 */
export function warmFlowIndex(snapshot: Snapshot, budgetMs: number): boolean {
	if (indexCache.has(snapshot)) return true;
	const build = buildOf(snapshot);
	const until = performance.now() + budgetMs;
	do {
		if (step(snapshot, build) !== undefined) return true;
	} while (performance.now() < until);
	return false;
}
