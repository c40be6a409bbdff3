/**
 * `ovs-ofctl dump-flows` → typed flows. Reads OpenFlow 1.0/NXM and 1.3+ output, with or without
 * `--names` and `--no-stats`, header lines anywhere (one per multipart reply), flow flags, learned
 * flows with timeouts. A hand-rolled single pass over the text (charCodeAt/indexOf, absolute
 * offsets, no regex per field) because a busy br-int or br-tun holds hundreds of thousands of flows.
 *
 * Line shape (ovs lib/ofp-flow.c `ofputil_flow_stats_format`):
 *   ` cookie=0x…, duration=1.5s, table=N, n_packets=N, n_bytes=N, [idle_timeout=N, hard_timeout=N,]
 *    [flag ...] [idle_age=N, [hard_age=N,]] [priority=N,]<match> actions=<actions>`
 */
import type {Flow, FlowAction, FlowDump, ParseWarning, Parser} from '../../model/facts.js';
import {
	Interner,
	checkActions,
	materializeActions,
	materializeMatch,
	needsEscape,
	parseFlowActions,
} from '../flows/body.js';
import {
	FlowScan,
	decodeScan,
	decodeSite,
	recordOf,
	writeScan,
	type FlowRecord,
} from '../flows/eager.js';
import {JsonBytes} from '../flows/json-bytes.js';
import {joinFlowLines} from '../flows/lines.js';
import {
	BACKSLASH,
	COMMA,
	CR,
	Key,
	KEY_LENGTH,
	QUOTE,
	SPACE,
	TAB,
	decimalAt,
	durationAt,
	eqAt,
	flagAt,
	prefixKeyAt,
	statAt,
} from '../flows/format.js';

export {parseFlowActions};

const NO_FLAGS: readonly string[] = Object.freeze([]);
const DEFAULT_PRIORITY = 32768;

const STAT_NAMES = [
	'cookie',
	'durationS',
	'packets',
	'bytes',
	'idleAge',
	'hardAge',
	'idleTimeout',
	'hardTimeout',
] as const;

type Lazy = {raw?: string; match?: Record<string, string>; actions?: FlowAction[]};

/**
 * One flow. Scalars are read when the line is read; `raw`, `match` and `actions` are prototype
 * getters that materialise from the dump text on first access and cache (a 200k-flow dump is read
 * in one pass; the rules then look at a few tables). `toJSON()` gives the complete plain object.
 * Read the fields; do not spread, Object.entries or structuredClone a flow — use `toJSON()`.
 */
class ParsedFlow implements Flow {
	readonly line: number;
	readonly table: number;
	readonly priority: number;
	readonly flags: readonly string[];
	/** Absolute offsets into the dump text: line start/end, match start (-1: none), actions start. */
	readonly #s: number;
	readonly #e: number;
	readonly #m: number;
	readonly #a: number;
	readonly #cache: Interner;
	#lazy: Lazy | undefined;

	constructor(
		line: number,
		table: number,
		priority: number,
		flags: readonly string[],
		s: number,
		e: number,
		m: number,
		a: number,
		cache: Interner,
	) {
		this.line = line;
		this.table = table;
		this.priority = priority;
		this.flags = flags;
		this.#s = s;
		this.#e = e;
		this.#m = m;
		this.#a = a;
		this.#cache = cache;
		this.#lazy = undefined;
	}

	/**
	 * The counters are read from the line when asked (validated when the line was read), not
	 * kept: eight numbers on each of 200,000 flows were a fifth of a big dump's memory.
	 */
	#stat(key: Key): number | undefined {
		const n = statAt(this.#cache.text, this.#s, this.#m >= 0 ? this.#m : this.#a - 8, key);
		return typeof n === 'number' && n >= 0 ? n : undefined;
	}

	get cookie(): string | undefined {
		const v = statAt(this.#cache.text, this.#s, this.#m >= 0 ? this.#m : this.#a - 8, Key.Cookie);
		return typeof v === 'string' ? v : undefined;
	}
	get durationS(): number | undefined {
		return this.#stat(Key.Duration);
	}
	get packets(): number | undefined {
		return this.#stat(Key.Packets);
	}
	get bytes(): number | undefined {
		return this.#stat(Key.Bytes);
	}
	get idleAge(): number | undefined {
		return this.#stat(Key.IdleAge);
	}
	get hardAge(): number | undefined {
		return this.#stat(Key.HardAge);
	}
	get idleTimeout(): number | undefined {
		return this.#stat(Key.IdleTimeout);
	}
	get hardTimeout(): number | undefined {
		return this.#stat(Key.HardTimeout);
	}

	/** See {@link flowSpan}. */
	static span(flow: unknown, out: Int32Array): string | undefined {
		if (typeof flow !== 'object' || flow === null || !(#s in flow)) return undefined;
		const f = flow;
		out[0] = f.#s;
		out[1] = f.#e;
		out[2] = f.#m;
		out[3] = f.#a;
		return f.#cache.text;
	}

	/** See {@link decodeFlow}. */
	static decode(flow: Flow, lineOffset: number): FlowRecord {
		if (!(#s in flow)) return recordOf(flow, lineOffset);
		const f = flow;
		return decodeSite(
			{
				text: f.#cache.text,
				cache: f.#cache,
				s: f.#s,
				e: f.#e,
				m: f.#m,
				a: f.#a,
				line: f.line,
				table: f.table,
				priority: f.priority,
				flags: f.flags,
			},
			lineOffset,
		);
	}

	get raw(): string {
		const lazy = (this.#lazy ??= {});
		return (lazy.raw ??= this.#cache.text.slice(this.#s, this.#e));
	}

	get match(): Readonly<Record<string, string>> {
		const lazy = (this.#lazy ??= {});
		return (lazy.match ??= materializeMatch(this.#cache.text, this.#m, this.#a, this.#cache));
	}

	get actions(): readonly FlowAction[] {
		const lazy = (this.#lazy ??= {});
		return (lazy.actions ??= materializeActions(this.#cache.text, this.#a, this.#e, this.#cache));
	}

	toJSON(): Flow {
		const out: Record<string, unknown> = {line: this.line, raw: this.raw};
		for (const key of Object.keys(this)) out[key] = (this as Record<string, unknown>)[key];
		for (const key of STAT_NAMES) {
			const value = this[key];
			if (value !== undefined) out[key] = value;
		}
		out['match'] = this.match;
		out['actions'] = this.actions;
		return out as Flow;
	}
}

/**
 * Forward-only "next occurrence" cursors over the dump: each indexOf result is kept until the
 * reader has passed it, so finding "is there a ( or a quote before the end of this line" costs
 * O(text) over the whole dump instead of O(text) per line.
 */
class Next {
	#t = '';
	#space = -1;
	#quote = -1;
	#paren = -1;
	#rparen = -1;

	reset(t: string): void {
		this.#t = t;
		this.#space = this.#quote = this.#paren = this.#rparen = -1;
	}

	#find(at: number, from: number, what: string): number {
		if (at >= from) return at;
		const i = this.#t.indexOf(what, from);
		return i < 0 ? this.#t.length : i;
	}

	space(from: number): number {
		return (this.#space = this.#find(this.#space, from, ' '));
	}
	quote(from: number): number {
		return (this.#quote = this.#find(this.#quote, from, '"'));
	}
	paren(from: number): number {
		return (this.#paren = this.#find(this.#paren, from, '('));
	}
	rparen(from: number): number {
		return (this.#rparen = this.#find(this.#rparen, from, ')'));
	}
}

const next = new Next();

/**
 * The value t[vs, ve) of stats key `key`, validated (-1: bad) and kept in `scan`: the first of
 * each counter (what the lazy getters read), the last table.
 */
function keepStat(t: string, key: Key, vs: number, ve: number, scan: FlowScan): number {
	switch (key) {
		case Key.Cookie:
			if (ve === vs) return -1;
			if (scan.cookieS < 0) {
				scan.cookieS = vs;
				scan.cookieE = ve;
			}
			return 0;
		case Key.Duration: {
			const n = durationAt(t, vs, ve);
			if (scan.duration < 0) scan.duration = n;
			return n;
		}
		case Key.Table:
			return (scan.table = decimalAt(t, vs, ve));
		case Key.Importance:
		case Key.None:
		case Key.Actions:
			return decimalAt(t, vs, ve);
		case Key.Packets: {
			const n = decimalAt(t, vs, ve);
			if (scan.packets < 0) scan.packets = n;
			return n;
		}
		case Key.Bytes: {
			const n = decimalAt(t, vs, ve);
			if (scan.bytes < 0) scan.bytes = n;
			return n;
		}
		case Key.IdleAge: {
			const n = decimalAt(t, vs, ve);
			if (scan.idleAge < 0) scan.idleAge = n;
			return n;
		}
		case Key.HardAge: {
			const n = decimalAt(t, vs, ve);
			if (scan.hardAge < 0) scan.hardAge = n;
			return n;
		}
		case Key.IdleTimeout: {
			const n = decimalAt(t, vs, ve);
			if (scan.idleTimeout < 0) scan.idleTimeout = n;
			return n;
		}
		case Key.HardTimeout: {
			const n = decimalAt(t, vs, ve);
			if (scan.hardTimeout < 0) scan.hardTimeout = n;
			return n;
		}
	}
}

/**
 * Reads the flow in t[s, e) (no newline, no trailing CR/space) into `scan`: stats, match and
 * actions validated (quotes, parentheses, `actions=` present), the counters read on the way kept,
 * the rest left for {@link ParsedFlow} (or the eager decoder) to materialise. Returns an error
 * message, or undefined when the line is a flow.
 */
function scanFlowAt(t: string, s: number, e: number, scan: FlowScan): string | undefined {
	let flags: string[] | undefined;
	scan.reset(NO_FLAGS, DEFAULT_PRIORITY);

	let p = s;
	let matchStart = -1;
	let actionsStart = -1;

	// 1. comma/space separated key=value stats and flag words, up to the first match token.
	for (;;) {
		if (p >= e) return 'no "actions=" (truncated line?)';
		const ks = p;
		const key = prefixKeyAt(t, p);
		if (key === Key.Actions) {
			actionsStart = p + 8;
			break;
		}
		if (key === Key.None) {
			const flagEnd = flagAt(t, p, e);
			if (flagEnd < 0) {
				matchStart = ks;
				break;
			}
			(flags ??= []).push(t.slice(p, flagEnd));
			p = flagEnd;
		} else {
			const vs = p + KEY_LENGTH[key];
			let ve = vs;
			while (ve < e) {
				const d = t.charCodeAt(ve);
				if (d === COMMA || d === SPACE) break;
				ve++;
			}
			const n = keepStat(t, key, vs, ve, scan);
			if (n < 0) return `bad value for "${t.slice(ks, vs - 1)}": "${t.slice(vs, ve)}"`;
			p = ve;
		}
		let c: number;
		while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
	}

	// 2. the match: comma-separated fields up to the first unquoted space, then ` actions=`.
	if (matchStart >= 0) {
		let q = next.space(matchStart);
		if (q >= e) return 'no "actions=" (truncated line?)';
		if (next.quote(matchStart) < q) {
			// --names: a quoted port name may hold spaces and commas; walk it.
			q = matchStart;
			for (;;) {
				if (q >= e) return 'no "actions=" (truncated line?)';
				const c = t.charCodeAt(q);
				if (c === QUOTE) {
					for (q++; q < e; q++) {
						const d = t.charCodeAt(q);
						if (d === BACKSLASH) q++;
						else if (d === QUOTE) break;
					}
					if (q >= e) return 'unterminated quote in the match';
				} else if (c === SPACE || c === TAB) break;
				q++;
			}
		}
		// OVS prints the priority first; look further only when it is not there.
		let pAt = -1;
		if (eqAt(t, matchStart, 'priority=')) pAt = matchStart + 9;
		else {
			for (let i = matchStart; i < q; i++) {
				if (t.charCodeAt(i) === COMMA && eqAt(t, i + 1, 'priority=')) {
					pAt = i + 10;
					break;
				}
			}
		}
		if (pAt >= 0) {
			let pe = pAt;
			while (pe < q && t.charCodeAt(pe) !== COMMA) pe++;
			const priority = decimalAt(t, pAt, pe);
			if (priority < 0 || priority > 65535) return `bad priority "${t.slice(pAt, pe)}"`;
			scan.priority = priority;
		}
		while (q < e && t.charCodeAt(q) === SPACE) q++;
		if (!eqAt(t, q, 'actions=')) {
			return `expected "actions=" after the match, found "${t.slice(q, Math.min(e, q + 20))}"`;
		}
		actionsStart = q + 8;
	}

	// 3. actions, to the end of the line: validated here, classified on first access.
	let firstAction = actionsStart;
	while (firstAction < e && t.charCodeAt(firstAction) === COMMA) firstAction++;
	if (firstAction >= e) return 'empty actions';
	if (
		next.paren(actionsStart) < e ||
		next.rparen(actionsStart) < e ||
		next.quote(actionsStart) < e
	) {
		const err = checkActions(t, actionsStart, e);
		if (err !== undefined) return err;
		scan.nested = true;
	}
	if (flags !== undefined) scan.flags = flags;
	scan.m = matchStart;
	scan.a = actionsStart;
	return undefined;
}

/** `NXST_FLOW reply (xid=0x4):` → OpenFlow10; `OFPST_FLOW reply (OF1.3) (xid=0x2):` → OpenFlow13. */
function headerProtocol(t: string, s: number, e: number): string | undefined {
	if (t.startsWith('NXST_FLOW', s)) return 'OpenFlow10';
	if (!t.startsWith('OFPST_FLOW', s)) return undefined;
	const m = /\(OF1\.(\d)\)/.exec(t.slice(s, e));
	return m === null ? 'OpenFlow10' : `OpenFlow1${m[1] ?? ''}`;
}

/**
 * What is done with each flow line once validated (its file line `line`, the scan of it): the
 * lazy parser keeps a flow, the eager decoder writes or counts a record.
 */
type FlowSink = (t: string, s: number, e: number, line: number, scan: FlowScan, cache: Interner) => void;

const scan = new FlowScan();

/**
 * Reads a dump line by line and hands each flow to `sink`; `lineOf[i]` is the original line of
 * line i + 1 when the text was re-joined. Returns the protocol and the warnings.
 */
function readDump(
	text: string,
	lineOf: readonly number[] | undefined,
	sink: FlowSink,
): {protocol: string | undefined; warnings: ParseWarning[]} {
	const warnings: ParseWarning[] = [];
	next.reset(text);
	const cache = new Interner(text);
	let protocol: string | undefined;
	const len = text.length;
	let pos = 0;
	let lineNo = 0;
	try {
		while (pos < len) {
			let nl = text.indexOf('\n', pos);
			if (nl < 0) nl = len;
			lineNo++;
			let s = pos;
			let e = nl;
			pos = nl + 1;
			if (e > s && text.charCodeAt(e - 1) === CR) e--;
			while (e > s && (text.charCodeAt(e - 1) === SPACE || text.charCodeAt(e - 1) === TAB)) e--;
			while (s < e && (text.charCodeAt(s) === SPACE || text.charCodeAt(s) === TAB)) s++;
			if (s === e) continue;
			const c0 = text.charCodeAt(s);
			if (c0 === 78 /* N */ || c0 === 79 /* O */) {
				const proto = headerProtocol(text, s, e);
				if (proto !== undefined) {
					protocol ??= proto;
					continue;
				}
			}
			let error: string | undefined;
			const at = lineOf === undefined ? lineNo : (lineOf[lineNo - 1] ?? lineNo);
			try {
				error = scanFlowAt(text, s, e, scan);
				if (error === undefined) sink(text, s, e, at, scan, cache);
			} catch (err) {
				error = `internal parser error: ${err instanceof Error ? err.message : String(err)}`;
			}
			if (error !== undefined)
				warnings.push({line: at, message: error, text: text.slice(s, Math.min(e, s + 200))});
		}
	} finally {
		// Module-level scratch must not keep this dump's text alive.
		next.reset('');
		scan.reset(NO_FLAGS, DEFAULT_PRIORITY);
	}
	return {protocol, warnings};
}

/** Reads a dump into lazy flows. */
function parseDump(
	text: string,
	lineOf?: readonly number[],
): {facts: FlowDump; warnings: ParseWarning[]} {
	const flows: Flow[] = [];
	const {protocol, warnings} = readDump(text, lineOf, (t, s, e, line, f, cache) => {
		flows.push(
			new ParsedFlow(line, f.table, f.priority, f.flags, s, e, f.m, f.a, cache),
		);
	});
	return {facts: protocol === undefined ? {flows} : {protocol, flows}, warnings};
}

/** Reads a dump, re-joining wrapped lines first when it has any (what `parse` does). */
function readJoined(
	text: string,
	sink: FlowSink,
): {protocol: string | undefined; warnings: ParseWarning[]} {
	const joined = joinFlowLines(text);
	if (joined === undefined) return readDump(text, undefined, sink);
	const {protocol, warnings} = readDump(joined.text, joined.lines, sink);
	return {protocol, warnings: [...joined.warnings, ...warnings].sort((a, b) => a.line - b.line)};
}

/** What {@link decodeFlowText} gives for a text: its flows count, their JSON, warnings, protocol. */
export type DecodedText = {
	readonly flows: number;
	/**
	 * UTF-8 JSON (a view into the writer's buffer): `compact`, the records joined by commas;
	 * `ndjson`, one record and a newline each; empty for `records`.
	 */
	readonly json: Uint8Array;
	readonly warnings: ParseWarning[];
	readonly protocol: string | undefined;
};

const NO_BYTES = new Uint8Array(0);

/**
 * A dump decoded eagerly in one pass — each line validated and decoded together, never a lazy
 * flow: every record handed to `onRecord` (`records`), or written as JSON into `writer` (`compact`,
 * `ndjson`; byte for byte the UTF-8 of `JSON.stringify` of the record), which is reset first.
 * Records and warnings carry their line plus `lineOffset`. The same records as `decodeFlow` of the
 * parser's flows, the same warnings as the parser's (test/collectors/flows/eager.test.ts).
 */
export function decodeFlowText(
	text: string,
	lineOffset: number,
	mode: 'records' | 'compact' | 'ndjson',
	onRecord?: (record: FlowRecord) => void,
	writer?: JsonBytes,
): DecodedText {
	let flows = 0;
	let json: Uint8Array = NO_BYTES;
	let read: {protocol: string | undefined; warnings: ParseWarning[]};
	if (mode === 'records') {
		read = readJoined(text, (t, s, e, line, f, cache) => {
			flows++;
			onRecord?.(decodeScan(t, s, e, line + lineOffset, f, cache));
		});
	} else {
		const clean = !needsEscape(text);
		const sep = mode === 'ndjson' ? 10 /* \n */ : COMMA;
		const w = writer ?? new JsonBytes();
		w.reset();
		read = readJoined(text, (t, s, e, line, f, cache) => {
			if (flows++ > 0) w.byte(sep);
			writeScan(w, t, s, e, line + lineOffset, f, cache, clean);
		});
		if (mode === 'ndjson' && flows > 0) w.byte(10);
		json = w.view();
	}
	const warnings = read.warnings.map(w => ({...w, line: w.line + lineOffset}));
	return {flows, json, warnings, protocol: read.protocol};
}

/**
 * Where a flow this parser made lies in the text it read (what an index over 200,000 flows needs
 * without materialising them): writes [line start, line end, match start or -1, first character
 * after `actions=`] into `out` and returns the text. Undefined for any other object.
 */
export function flowSpan(flow: Flow, out: Int32Array): string | undefined {
	return ParsedFlow.span(flow, out);
}

/**
 * A flow decoded completely, now (every counter, match field and action), as a plain record
 * with `lineOffset` added to its line: what `dvrscope parse ovs-flows` writes and counts. Equal to
 * the flow's `toJSON()`; the flow itself stays lazy.
 */
export function decodeFlow(flow: Flow, lineOffset = 0): FlowRecord {
	return ParsedFlow.decode(flow, lineOffset);
}

export const ovsFlowsParser: Parser<'ovs-flows'> = {
	kind: 'ovs-flows',
	title: 'Open vSwitch OpenFlow flows',
	reads: [
		'ovs-ofctl dump-flows <bridge>',
		'ovs-ofctl -O OpenFlow13 dump-flows <bridge>',
		'ovs-ofctl --names|--no-stats dump-flows <bridge> [<flow>]',
	],
	parse(text) {
		// Pasted dumps: wrapped lines joined, a head-cut first line a warning (never a flow).
		const joined = joinFlowLines(text);
		if (joined === undefined) {
			const {facts, warnings} = parseDump(text);
			return {kind: 'ovs-flows', facts, warnings};
		}
		const {facts, warnings} = parseDump(joined.text, joined.lines);
		const all = [...joined.warnings, ...warnings].sort((a, b) => a.line - b.line);
		return {kind: 'ovs-flows', facts, warnings: all};
	},
};
