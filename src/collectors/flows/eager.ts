/**
 * The eager decoder: a flow decoded completely — every counter, every match field, every action
 * typed — into a plain record, or written as that record's JSON. `dvrscope parse ovs-flows` runs
 * it in one pass with the parser's validating scan (`decodeScan`, `writeScan`: the parser's
 * `decodeFlowText`) and prints or counts (`--stats`) the records; `decodeSite` decodes a flow the
 * lazy parser already made (`decodeFlow`). The diagnosis keeps the lazy flows, which decode a
 * field on first access. All give the same facts: the eager record deep-equals the lazy flow's
 * `toJSON()` and its JSON is byte for byte `JSON.stringify` of it (test/collectors/flows/
 * eager.test.ts, on fixture, generated, awkward and mutated dumps).
 */
import type {Flow, FlowAction} from '../../model/facts.js';
import {
	type Interner,
	actionsJson,
	decodeActions,
	jsonString,
	matchJson,
	materializeActions,
	materializeMatch,
	writeActions,
	writeMatch,
} from './body.js';
import {
	COMMA,
	Key,
	KEY_LENGTH,
	SPACE,
	decimalAt,
	durationAt,
	flagAt,
	prefixKeyAt,
} from './format.js';
import type {JsonBytes} from './json-bytes.js';

/** Where a parsed flow lies in its dump text, and the scalars the parser kept. */
export type FlowSite = {
	readonly text: string;
	readonly cache: Interner;
	/** Line start and end, match start (-1: none), first character after `actions=`. */
	readonly s: number;
	readonly e: number;
	readonly m: number;
	readonly a: number;
	readonly line: number;
	readonly table: number;
	readonly priority: number;
	readonly flags: readonly string[];
};

/**
 * A flow as a plain object with one shape for every flow (a stat the line does not print is an
 * own property holding undefined, which JSON leaves out), in `toJSON()`'s key order.
 */
export type FlowRecord = {
	line: number;
	raw: string;
	table: number;
	priority: number;
	flags: readonly string[];
	cookie: string | undefined;
	durationS: number | undefined;
	packets: number | undefined;
	bytes: number | undefined;
	idleAge: number | undefined;
	hardAge: number | undefined;
	idleTimeout: number | undefined;
	hardTimeout: number | undefined;
	match: Readonly<Record<string, string>>;
	actions: readonly FlowAction[];
};

/**
 * Every counter of the stats part t[s, e) in one pass (the first occurrence of each, as the lazy
 * getters read them); the line was validated by the parser.
 */
function readStats(t: string, s: number, e: number, r: FlowRecord): void {
	let p = s;
	while (p < e) {
		const key = prefixKeyAt(t, p);
		if (key === Key.Actions) return;
		if (key === Key.None) {
			const flagEnd = flagAt(t, p, e + 1);
			if (flagEnd < 0) return;
			p = flagEnd;
		} else {
			const vs = p + KEY_LENGTH[key];
			let ve = vs;
			while (ve < e) {
				const d = t.charCodeAt(ve);
				if (d === COMMA || d === SPACE) break;
				ve++;
			}
			switch (key) {
				case Key.Cookie:
					r.cookie ??= t.slice(vs, ve);
					break;
				case Key.Duration:
					r.durationS ??= durationAt(t, vs, ve);
					break;
				case Key.Packets:
					r.packets ??= decimalAt(t, vs, ve);
					break;
				case Key.Bytes:
					r.bytes ??= decimalAt(t, vs, ve);
					break;
				case Key.IdleAge:
					r.idleAge ??= decimalAt(t, vs, ve);
					break;
				case Key.HardAge:
					r.hardAge ??= decimalAt(t, vs, ve);
					break;
				case Key.IdleTimeout:
					r.idleTimeout ??= decimalAt(t, vs, ve);
					break;
				case Key.HardTimeout:
					r.hardTimeout ??= decimalAt(t, vs, ve);
					break;
				case Key.Table: // kept by the parser (the last one printed)
				case Key.Importance:
					break;
			}
			p = ve;
		}
		let c: number;
		while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
	}
}

/** The flow at `site` decoded completely; `lineOffset` is added to its line number. */
export function decodeSite(site: FlowSite, lineOffset = 0): FlowRecord {
	const {text: t, cache, s, e, m, a} = site;
	const r: FlowRecord = {
		line: site.line + lineOffset,
		raw: t.slice(s, e),
		table: site.table,
		priority: site.priority,
		flags: site.flags,
		cookie: undefined,
		durationS: undefined,
		packets: undefined,
		bytes: undefined,
		idleAge: undefined,
		hardAge: undefined,
		idleTimeout: undefined,
		hardTimeout: undefined,
		match: materializeMatch(t, m, a, cache),
		actions: materializeActions(t, a, e, cache),
	};
	readStats(t, s, m >= 0 ? m : a - 8, r);
	return r;
}

/** Any flow (a parsed one, or a plain object) as a complete record. */
export function recordOf(flow: Flow, lineOffset = 0): FlowRecord {
	return {
		line: flow.line + lineOffset,
		raw: flow.raw,
		table: flow.table,
		priority: flow.priority,
		flags: flow.flags,
		cookie: flow.cookie,
		durationS: flow.durationS,
		packets: flow.packets,
		bytes: flow.bytes,
		idleAge: flow.idleAge,
		hardAge: flow.hardAge,
		idleTimeout: flow.idleTimeout,
		hardTimeout: flow.hardTimeout,
		match: flow.match,
		actions: flow.actions,
	};
}

// ─── the fused path: validated and decoded in one pass over the line ────────

/**
 * What the parser learnt while validating a line (parsers/ovs-flows.ts `scanFlowAt`), reused
 * line after line: the scalars it keeps, where the match and the actions start, and every counter
 * it had to read to validate it (the first occurrence of each, as the lazy getters read them; -1:
 * not printed). The eager decoder takes the counters from here instead of reading the stats again.
 */
export class FlowScan {
	table = 0;
	priority = 0;
	flags: readonly string[] = [];
	/** Match start (-1: none); first character after `actions=`. */
	m = -1;
	a = -1;
	/** The actions hold a parenthesis or a quote (else they split at every comma). */
	nested = false;
	cookieS = -1;
	cookieE = -1;
	duration = -1;
	packets = -1;
	bytes = -1;
	idleAge = -1;
	hardAge = -1;
	idleTimeout = -1;
	hardTimeout = -1;

	reset(flags: readonly string[], priority: number): void {
		this.table = 0;
		this.priority = priority;
		this.flags = flags;
		this.m = this.a = -1;
		this.nested = false;
		this.cookieS = this.cookieE = -1;
		this.duration = this.packets = this.bytes = -1;
		this.idleAge = this.hardAge = this.idleTimeout = this.hardTimeout = -1;
	}
}

const opt = (n: number): number | undefined => (n < 0 ? undefined : n);

/** The validated line t[s, e) at file line `line` as its complete record (what `decodeFlow` gives). */
export function decodeScan(
	t: string,
	s: number,
	e: number,
	line: number,
	scan: FlowScan,
	cache: Interner,
): FlowRecord {
	return {
		line,
		raw: t.slice(s, e),
		table: scan.table,
		priority: scan.priority,
		flags: scan.flags,
		cookie: scan.cookieS < 0 ? undefined : t.slice(scan.cookieS, scan.cookieE),
		durationS: opt(scan.duration),
		packets: opt(scan.packets),
		bytes: opt(scan.bytes),
		idleAge: opt(scan.idleAge),
		hardAge: opt(scan.hardAge),
		idleTimeout: opt(scan.idleTimeout),
		hardTimeout: opt(scan.hardTimeout),
		match: materializeMatch(t, scan.m, scan.a, cache, false),
		actions: decodeActions(t, scan.a, e, scan.nested, cache),
	};
}

const num = (n: number, key: string): string => (n < 0 ? '' : `,"${key}":${n}`);

/**
 * `JSON.stringify(decodeScan(…))` as text, byte for byte, written while the line is decoded: no
 * record, match or action objects per flow (a shared action keeps its JSON text). `clean`: the
 * text holds nothing JSON escapes ({@link needsEscape}), so strings go between quotes as they are.
 * {@link writeScan} writes clean text as bytes itself and comes here for the rest.
 */
export function scanJson(
	t: string,
	s: number,
	e: number,
	line: number,
	scan: FlowScan,
	cache: Interner,
	clean: boolean,
): string {
	const {flags} = scan;
	return (
		`{"line":${line},"raw":${jsonString(t.slice(s, e), clean)},"table":${scan.table},"priority":${scan.priority},"flags":${flags.length === 0 ? '[]' : JSON.stringify(flags)}` +
		(scan.cookieS < 0 ? '' : `,"cookie":${jsonString(t.slice(scan.cookieS, scan.cookieE), clean)}`) +
		num(scan.duration, 'durationS') +
		num(scan.packets, 'packets') +
		num(scan.bytes, 'bytes') +
		num(scan.idleAge, 'idleAge') +
		num(scan.hardAge, 'hardAge') +
		num(scan.idleTimeout, 'idleTimeout') +
		num(scan.hardTimeout, 'hardTimeout') +
		`,"match":${matchJson(t, scan.m, scan.a, cache, clean)},"actions":${actionsJson(t, scan.a, e, scan.nested, cache)}}`
	);
}

/** The counters in the record's key order: the JSON before the value, the scan's field. */
const NUMBERS = [
	[',"durationS":', 'duration'],
	[',"packets":', 'packets'],
	[',"bytes":', 'bytes'],
	[',"idleAge":', 'idleAge'],
	[',"hardAge":', 'hardAge'],
	[',"idleTimeout":', 'idleTimeout'],
	[',"hardTimeout":', 'hardTimeout'],
] as const;

/**
 * {@link scanJson} written into bytes: for text that needs no JSON escape (`clean`), every string
 * copied from the line between quotes, the shared actions' bytes copied; else the JSON text of
 * {@link scanJson} encoded. Byte for byte the UTF-8 of `JSON.stringify(decodeScan(…))`.
 */
export function writeScan(
	w: JsonBytes,
	t: string,
	s: number,
	e: number,
	line: number,
	scan: FlowScan,
	cache: Interner,
	clean: boolean,
): void {
	if (!clean) {
		w.text(scanJson(t, s, e, line, scan, cache, false));
		return;
	}
	w.text('{"line":');
	w.number(line);
	w.text(',"raw":');
	w.quoted(t, s, e);
	w.text(',"table":');
	w.number(scan.table);
	w.text(',"priority":');
	w.number(scan.priority);
	w.text(',"flags":');
	w.text(scan.flags.length === 0 ? '[]' : JSON.stringify(scan.flags));
	if (scan.cookieS >= 0) {
		w.text(',"cookie":');
		w.quoted(t, scan.cookieS, scan.cookieE);
	}
	for (const [head, field] of NUMBERS) {
		const n = scan[field];
		if (n < 0) continue;
		w.text(head);
		w.number(n);
	}
	w.text(',"match":');
	writeMatch(w, t, scan.m, scan.a, cache);
	w.text(',"actions":');
	writeActions(w, t, scan.a, e, scan.nested, cache);
	w.byte(125 /* } */);
}
