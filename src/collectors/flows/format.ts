import type {Flow, FlowAction} from '../../model/facts.js';

/**
 * The text format of `ovs-ofctl dump-flows` lines, in one place: character codes, the stats keys
 * and flag words printed before the match, the scanners over them, and where the match and the
 * actions of a line start. The parser (parsers/ovs-flows.ts) reads lines with these; the
 * console's flow index (state/flow-index.ts) scans the same lines with the same functions, so
 * neither knows the vocabulary on its own.
 *
 * Line shape (ovs lib/ofp-flow.c `ofputil_flow_stats_format`):
 *   ` cookie=0x…, duration=1.5s, table=N, n_packets=N, n_bytes=N, [idle_timeout=N, hard_timeout=N,]
 *    [flag ...] [idle_age=N, [hard_age=N,]] [priority=N,]<match> actions=<actions>`
 */

export const SPACE = 32;
export const TAB = 9;
export const CR = 13;
export const COMMA = 44;
export const EQ = 61;
export const QUOTE = 34;
export const BACKSLASH = 92;
export const LPAREN = 40;
export const RPAREN = 41;
export const COLON = 58;

/** Stat/prefix keys printed before the match. */
export const enum Key {
	None,
	Cookie,
	Duration,
	Table,
	Packets,
	Bytes,
	IdleTimeout,
	HardTimeout,
	IdleAge,
	HardAge,
	Importance,
	Actions,
}

/** The stats keys in {@link Key} order (Key.Cookie … Key.Importance), as printed before `=`. */
export const STAT_KEY_NAMES = [
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
] as const;

export const FLAG_WORDS = new Set([
	'send_flow_rem',
	'check_overlap',
	'reset_counts',
	'no_packet_counts',
	'no_byte_counts',
]);

/** Length of `key=` per key. */
export const KEY_LENGTH = [0, 7, 9, 6, 10, 8, 13, 13, 9, 9, 11, 8] as const;

/**
 * t.startsWith(lit, p) as a char-code loop: a builtin call per stats key is a measurable share of
 * reading 200k lines; a handful of inlined compares is not.
 */
export function eqAt(t: string, p: number, lit: string): boolean {
	const n = lit.length;
	if (p + n > t.length) return false;
	for (let i = 0; i < n; i++) if (t.charCodeAt(p + i) !== lit.charCodeAt(i)) return false;
	return true;
}

/**
 * The stats key (`cookie=` … `actions=`) that starts at t[p]: first letter, the `=` at the key's
 * length and two more distinguishing letters (no OVS match field shares all four), so no full
 * string compare per key per line.
 */
export function prefixKeyAt(t: string, p: number): Key {
	switch (t.charCodeAt(p)) {
		case 99 /* c */:
			return t.charCodeAt(p + 6) === EQ &&
				t.charCodeAt(p + 1) === 111 &&
				t.charCodeAt(p + 5) === 101
				? Key.Cookie
				: Key.None; // o e
		case 100 /* d */:
			return t.charCodeAt(p + 8) === EQ &&
				t.charCodeAt(p + 1) === 117 &&
				t.charCodeAt(p + 7) === 110
				? Key.Duration
				: Key.None; // u n
		case 116 /* t */:
			return t.charCodeAt(p + 5) === EQ && t.charCodeAt(p + 1) === 97 && t.charCodeAt(p + 4) === 101
				? Key.Table
				: Key.None; // a e
		case 110 /* n */:
			if (t.charCodeAt(p + 1) !== 95) return Key.None; // _
			if (t.charCodeAt(p + 9) === EQ && t.charCodeAt(p + 2) === 112 && t.charCodeAt(p + 8) === 115)
				return Key.Packets; // p s
			return t.charCodeAt(p + 7) === EQ && t.charCodeAt(p + 2) === 98 && t.charCodeAt(p + 6) === 115
				? Key.Bytes
				: Key.None; // b s
		case 105 /* i */:
			if (t.charCodeAt(p + 1) === 109)
				return t.charCodeAt(p + 10) === EQ && t.charCodeAt(p + 9) === 101
					? Key.Importance
					: Key.None; // m e
			if (t.charCodeAt(p + 1) !== 100 || t.charCodeAt(p + 4) !== 95) return Key.None; // d _
			if (t.charCodeAt(p + 8) === EQ && t.charCodeAt(p + 5) === 97) return Key.IdleAge; // a
			return t.charCodeAt(p + 12) === EQ && t.charCodeAt(p + 5) === 116
				? Key.IdleTimeout
				: Key.None; // t
		case 104 /* h */:
			if (t.charCodeAt(p + 1) !== 97 || t.charCodeAt(p + 4) !== 95) return Key.None; // a _
			if (t.charCodeAt(p + 8) === EQ && t.charCodeAt(p + 5) === 97) return Key.HardAge; // a
			return t.charCodeAt(p + 12) === EQ && t.charCodeAt(p + 5) === 116
				? Key.HardTimeout
				: Key.None; // t
		case 97 /* a */:
			return t.charCodeAt(p + 7) === EQ && t.charCodeAt(p + 1) === 99 && t.charCodeAt(p + 6) === 115
				? Key.Actions
				: Key.None; // c s
		default:
			return Key.None;
	}
}

/** End of a flow flag word (`reset_counts`, …) at t[p] followed by a space or comma, or -1. */
export function flagAt(t: string, p: number, e: number): number {
	const c0 = t.charCodeAt(p);
	if (c0 !== 115 && c0 !== 99 && c0 !== 114 && c0 !== 110) return -1; // s c r n
	for (const word of FLAG_WORDS) {
		const end = p + word.length;
		if (end < e && t.startsWith(word, p)) {
			const c = t.charCodeAt(end);
			if (c === SPACE || c === COMMA) return end;
		}
	}
	return -1;
}

/** Non-negative decimal integer in t[s, e), or -1. */
export function decimalAt(t: string, s: number, e: number): number {
	if (s >= e) return -1;
	let n = 0;
	for (let i = s; i < e; i++) {
		const d = t.charCodeAt(i) - 48;
		if (d < 0 || d > 9) return -1;
		n = n * 10 + d;
	}
	return n;
}

/** `12.345s` in t[s, e) as seconds, or -1. */
export function durationAt(t: string, s: number, e: number): number {
	if (e > s && t.charCodeAt(e - 1) === 115 /* s */) e--;
	let n = 0;
	let i = s;
	for (; i < e; i++) {
		const d = t.charCodeAt(i) - 48;
		if (d < 0 || d > 9) break;
		n = n * 10 + d;
	}
	if (i === s) return -1;
	if (i === e) return n;
	if (t.charCodeAt(i) !== 46 /* . */) return -1;
	let frac = 0;
	let scale = 1;
	for (i++; i < e; i++) {
		const d = t.charCodeAt(i) - 48;
		if (d < 0 || d > 9) return -1;
		frac = frac * 10 + d;
		scale *= 10;
	}
	return n + frac / scale;
}

/** Strips the quotes OVS puts around port names with `--names` (JSON-style escapes). */
export function unquote(s: string): string {
	if (s.length < 2 || s.charCodeAt(0) !== QUOTE || s.charCodeAt(s.length - 1) !== QUOTE) return s;
	const body = s.slice(1, -1);
	if (!body.includes('\\')) return body;
	let out = '';
	for (let i = 0; i < body.length; i++) {
		const c = body.charAt(i);
		if (c !== '\\' || i === body.length - 1) {
			out += c;
			continue;
		}
		const n = body.charAt(++i);
		if (n === 'n') out += '\n';
		else if (n === 't') out += '\t';
		else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
			out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
			i += 4;
		} else out += n;
	}
	return out;
}

/**
 * The value of one stats key in t[s, e) (the stats part of a line already validated by
 * parseFlowAt): the cookie text, a number, or undefined when the line does not print it.
 */
export function statAt(t: string, s: number, e: number, want: Key): string | number | undefined {
	let p = s;
	while (p < e) {
		const key = prefixKeyAt(t, p);
		if (key === Key.Actions) return undefined;
		if (key === Key.None) {
			const flagEnd = flagAt(t, p, e + 1);
			if (flagEnd < 0) return undefined;
			p = flagEnd;
		} else {
			const vs = p + KEY_LENGTH[key];
			let ve = vs;
			while (ve < e) {
				const d = t.charCodeAt(ve);
				if (d === COMMA || d === SPACE) break;
				ve++;
			}
			if (key === want) {
				if (key === Key.Cookie) return t.slice(vs, ve);
				return key === Key.Duration ? durationAt(t, vs, ve) : decimalAt(t, vs, ve);
			}
			p = ve;
		}
		let c: number;
		while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
	}
	return undefined;
}

// ─── scanning lines without building flows (the console's index) ─────────────

/** End of the item starting at t[p]: the next top-level comma (or `stop`), skipping (…) and "…". */
export function itemEnd(t: string, p: number, e: number, stopAtSpace: boolean): number {
	let depth = 0;
	for (let q = p; q < e; q++) {
		const c = t.charCodeAt(q);
		if (c === QUOTE) {
			for (q++; q < e && t.charCodeAt(q) !== QUOTE; q++) if (t.charCodeAt(q) === BACKSLASH) q++;
		} else if (c === LPAREN) depth++;
		else if (c === RPAREN) depth--;
		else if (depth <= 0 && (c === COMMA || (stopAtSpace && (c === SPACE || c === TAB)))) return q;
	}
	return e;
}

/**
 * Where the match and the actions of the flow line t[s, e) start, for a flow the parser did not
 * make (the stats and flags are skipped with the parser's own scanners): [m, a] (m = -1: no
 * match), or undefined when the line does not look like a flow.
 */
export function bodyOf(t: string, s: number, e: number): readonly [number, number] | undefined {
	let p = s;
	let matchStart = -1;
	for (;;) {
		if (p >= e) return undefined;
		const key = prefixKeyAt(t, p);
		if (key === Key.Actions) break;
		if (key === Key.None) {
			const flagEnd = flagAt(t, p, e);
			if (flagEnd < 0) {
				matchStart = p;
				break;
			}
			p = flagEnd;
		} else {
			p += KEY_LENGTH[key];
			while (p < e && t.charCodeAt(p) !== COMMA && t.charCodeAt(p) !== SPACE) p++;
		}
		let c: number;
		while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
	}
	if (matchStart < 0) return [-1, p + 8];
	let q = itemEnd(t, matchStart, e, true);
	while (q < e && t.charCodeAt(q) === COMMA) q = itemEnd(t, q + 1, e, true);
	while (q < e && (t.charCodeAt(q) === SPACE || t.charCodeAt(q) === TAB)) q++;
	return eqAt(t, q, 'actions=') ? [matchStart, q + 8] : undefined;
}

/** What {@link scanBody} reports, item by item, with offsets into the text (no strings made). */
export type FlowBodySink = {
	/** A match field t[ks, ve); `eq` is its `=` (-1: a bare word such as `arp`). */
	field(t: string, ks: number, eq: number, ve: number): void;
	/** An action item t[s, e); `h` ends its head (`output` of `output:5`). */
	action(t: string, s: number, e: number, h: number): void;
};

/**
 * Match fields and action items of a flow line, read from the text the way the parser reads
 * them, with no object per flow. `m` is where the match starts (-1: none), `a` the first
 * character after `actions=`, `e` the line's end. The priority is not reported (a Flow field).
 */
export function scanBody(t: string, m: number, a: number, e: number, sink: FlowBodySink): void {
	if (m >= 0) {
		let q = m;
		for (;;) {
			const end = itemEnd(t, q, e, true);
			if (end > q) {
				let eq = -1;
				for (let i = q; i < end; i++) {
					const c = t.charCodeAt(i);
					if (c === EQ) {
						eq = i;
						break;
					}
					if (c === QUOTE) break;
				}
				if (!(eq - q === 8 && t.startsWith('priority', q))) sink.field(t, q, eq, end);
			}
			if (end >= e || t.charCodeAt(end) !== COMMA) break;
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
				if (c === COLON || c === LPAREN) break;
				h++;
			}
			sink.action(t, q, end, h);
		}
		q = end + 1;
	}
}

/** 1-based line → [start, end) of the line in `text` (untrimmed: callers skip blanks with {@link isBlank}). */
export function lineSpans(text: string): Int32Array {
	let count = 1;
	for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) count++;
	const starts = new Int32Array(count + 1);
	let n = 1;
	for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) starts[n++] = p + 1;
	starts[count] = text.length + 1;
	return starts;
}

export const isBlank = (c: number): boolean => c === SPACE || c === TAB || c === CR;

/** t[s, e) is a non-empty run of decimal digits. */
export const isDigitsAt = (t: string, s: number, e: number): boolean => {
	for (let i = s; i < e; i++) {
		const c = t.charCodeAt(i);
		if (c < 48 || c > 57) return false;
	}
	return e > s;
};

/** The stats a flow line prints (and `priority`), by the printed name, with the Flow field for each. */
export const FLOW_STAT_FIELDS = {
	priority: 'priority',
	cookie: 'cookie',
	n_packets: 'packets',
	n_bytes: 'bytes',
	duration: 'durationS',
	idle_age: 'idleAge',
	hard_age: 'hardAge',
	idle_timeout: 'idleTimeout',
	hard_timeout: 'hardTimeout',
} as const satisfies Readonly<Record<string, keyof Flow>>;

export type FlowStatName = keyof typeof FLOW_STAT_FIELDS;

export const isFlowStatName = (key: string): key is FlowStatName =>
	Object.hasOwn(FLOW_STAT_FIELDS, key);

/** A stat of a flow as text (`n_packets` → `"12"`), undefined when the line does not print it. */
export function flowStat(flow: Flow, key: FlowStatName): string | undefined {
	const value = flow[FLOW_STAT_FIELDS[key]];
	return value === undefined ? undefined : String(value);
}

/** A numeric stat of a flow (every stat but the hex `cookie`). */
export function flowStatNumber(flow: Flow, key: FlowStatName): number | undefined {
	if (key === 'cookie') return undefined;
	return flow[FLOW_STAT_FIELDS[key]];
}

// ─── names ───────────────────────────────────────────────────────────────────

/** Names a field may be written under → the name the index keys it by (`eth_src` → `dl_src`). */
export const FIELD_ALIASES: Readonly<Record<string, string>> = {
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
/** The canonical name of a match key (`eth_src.1` → `dl_src`). */
export const canonicalKey = (key: string): string => {
	let canonical = canonicalKeys.get(key);
	if (canonical === undefined) {
		const base = key.split('.')[0] ?? key;
		canonical = FIELD_ALIASES[base] ?? base;
		if (canonicalKeys.size < 4096) canonicalKeys.set(key, canonical);
	}
	return canonical;
};

/** The name of an action as the filter and the index use it (`output`, `drop`, `resubmit`). */
export const actionName = (action: FlowAction): string =>
	action.type === 'other' ? action.name.toLowerCase() : action.type;

/** The names a canonical match key may be printed under (`dl_src` and `eth_src`). */
const namesCache = new Map<string, readonly string[]>();
export const namesOf = (key: string): readonly string[] => {
	let names = namesCache.get(key);
	if (names === undefined) {
		names = [
			key,
			...Object.entries(FIELD_ALIASES)
				.filter(([, canonical]) => canonical === key)
				.map(([alias]) => alias),
		];
		namesCache.set(key, names);
	}
	return names;
};
