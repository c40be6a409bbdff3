/**
 * The eager decoder: a flow the parser read (lazily) decoded completely in one pass — every
 * counter, every match field, every action typed — into a plain object, and that object written
 * as JSON. What `dvrscope parse ovs-flows` prints and counts (`--stats`); the diagnosis keeps the
 * lazy flows, which decode a field on first access. Both give the same facts: the eager record
 * deep-equals the lazy flow's `toJSON()` and its JSON text equals `JSON.stringify(flow)`
 * (test/collectors/flows/eager.test.ts, on generated and fixture flows).
 */
import type {Flow, FlowAction} from '../../model/facts.js';
import {type Interner, materializeActions, materializeMatch} from './body.js';
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

/** A number as JSON writes it (NaN/Infinity cannot occur: counters are validated digits). */
const num = (n: number | undefined, key: string): string =>
	n === undefined ? '' : `,"${key}":${n}`;

/**
 * The JSON text of a record, byte for byte what `JSON.stringify` gives for the lazy flow, built
 * without walking the record's shape.
 */
export function recordJson(r: FlowRecord): string {
	return (
		`{"line":${r.line},"raw":${JSON.stringify(r.raw)},"table":${r.table},"priority":${r.priority},"flags":${r.flags.length === 0 ? '[]' : JSON.stringify(r.flags)}` +
		(r.cookie === undefined ? '' : `,"cookie":${JSON.stringify(r.cookie)}`) +
		num(r.durationS, 'durationS') +
		num(r.packets, 'packets') +
		num(r.bytes, 'bytes') +
		num(r.idleAge, 'idleAge') +
		num(r.hardAge, 'hardAge') +
		num(r.idleTimeout, 'idleTimeout') +
		num(r.hardTimeout, 'hardTimeout') +
		`,"match":${JSON.stringify(r.match)},"actions":${JSON.stringify(r.actions)}}`
	);
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
