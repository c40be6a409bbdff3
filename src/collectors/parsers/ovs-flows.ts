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
import {decodeFieldValue} from '../neutron.js';
import {joinFlowLines} from '../flows/lines.js';
import {
	BACKSLASH,
	COLON,
	COMMA,
	CR,
	EQ,
	Key,
	KEY_LENGTH,
	LPAREN,
	QUOTE,
	RPAREN,
	SPACE,
	TAB,
	decimalAt,
	durationAt,
	eqAt,
	flagAt,
	prefixKeyAt,
	statAt,
	unquote,
} from '../flows/format.js';

const NO_FLAGS: readonly string[] = Object.freeze([]);
const DEFAULT_PRIORITY = 32768;

// ─── actions ─────────────────────────────────────────────────────────────────

const MOD_FIELDS: Readonly<Record<string, string>> = {
	mod_dl_src: 'eth_src',
	mod_dl_dst: 'eth_dst',
	mod_nw_src: 'ip_src',
	mod_nw_dst: 'ip_dst',
	mod_nw_tos: 'nw_tos',
	mod_nw_ecn: 'nw_ecn',
	mod_nw_ttl: 'nw_ttl',
	mod_tp_src: 'tp_src',
	mod_tp_dst: 'tp_dst',
	mod_vlan_vid: 'vlan_vid',
	mod_vlan_pcp: 'vlan_pcp',
	set_tunnel: 'tun_id',
	set_tunnel64: 'tun_id',
};

/** Bare words that OVS prints for an output to a reserved port. */
const RESERVED_OUTPUTS = new Set(['IN_PORT', 'LOCAL', 'FLOOD', 'ALL', 'in_port', 'local']);

function setField(raw: string, field: string, value: string): FlowAction {
	const decoded = decodeFieldValue(field, value);
	return decoded === undefined
		? {type: 'set_field', field, value, raw}
		: {type: 'set_field', field, value, decoded, raw};
}

/** Splits `V->F` at the arrow; undefined when there is none. */
function arrow(arg: string): readonly [string, string] | undefined {
	const i = arg.indexOf('->');
	return i < 0 ? undefined : [arg.slice(0, i), arg.slice(i + 2)];
}

/** Index of the first top-level comma in s (outside parentheses and quotes), or -1. */
function topLevelComma(s: string): number {
	let depth = 0;
	let quoted = false;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (quoted) {
			if (c === BACKSLASH) i++;
			else if (c === QUOTE) quoted = false;
		} else if (c === QUOTE) quoted = true;
		else if (c === LPAREN) depth++;
		else if (c === RPAREN) depth--;
		else if (c === COMMA && depth === 0) return i;
	}
	return -1;
}

function isDigits(s: string): boolean {
	if (s.length === 0) return false;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 48 || c > 57) return false;
	}
	return true;
}

/**
 * Actions are immutable and repeat across flows (`resubmit(,22)`, `load:0x2->NXM_OF_ARP_OP[]`,
 * `IN_PORT` …): one shared object per distinct text (flyweight), bounded.
 */
const CACHE_MAX = 1 << 12;

/**
 * FNV-1a over the length and the first and last 8 characters of t[s, e), folded to a small
 * integer (a Map key V8 hashes for free). Cheap rather than perfect: hits are verified.
 */
function hashAt(t: string, s: number, e: number): number {
	let h = Math.imul(0x811c9dc5 ^ (e - s), 0x01000193);
	const head = Math.min(e, s + 8);
	for (let i = s; i < head; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
	for (let i = Math.max(head, e - 8); i < e; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
	return h & 0x3fffffff;
}

/**
 * Per-dump flyweight caches, so nothing outlives the dump and every dump starts cold. Keyed by
 * our own hash of the text span and verified char by char: looking a fresh substring up in a
 * string-keyed Map costs far more than the object it would save.
 */
class Interner {
	/** The whole dump: flows are materialised from it with absolute offsets (a flow's `raw` is a
	 * slice, and char-by-char reads of a slice are much slower than of the flat original). */
	readonly text: string;

	constructor(text: string) {
		this.text = text;
	}

	readonly actions = new Map<number, FlowAction>();
	readonly values = new Map<number, string>();

	action(t: string, s: number, e: number): FlowAction {
		const h = hashAt(t, s, e);
		const hit = this.actions.get(h);
		if (hit !== undefined && hit.raw.length === e - s && eqAt(t, s, hit.raw)) return hit;
		const action = classifyRaw(t, s, e, t.slice(s, e));
		if (hit === undefined && this.actions.size < CACHE_MAX) this.actions.set(h, action);
		return action;
	}

	/** The text of t[s, e) (unquoted when quoted), one string per distinct text. */
	value(t: string, s: number, e: number): string {
		if (t.charCodeAt(s) === QUOTE) return unquote(t.slice(s, e));
		const h = hashAt(t, s, e);
		const hit = this.values.get(h);
		if (hit !== undefined && hit.length === e - s && eqAt(t, s, hit)) return hit;
		const value = t.slice(s, e);
		if (hit === undefined && this.values.size < CACHE_MAX) this.values.set(h, value);
		return value;
	}
}

/** One action, `raw` exactly as printed (t[s, e)). */
function classifyRaw(t: string, s: number, e: number, raw: string): FlowAction {
	let k = s;
	for (; k < e; k++) {
		const c = t.charCodeAt(k);
		if (c === COLON || c === LPAREN) break;
	}
	if (k === e) {
		if (raw === 'drop') return {type: 'drop', raw};
		if (raw === 'NORMAL' || raw === 'normal') return {type: 'normal', raw};
		if (RESERVED_OUTPUTS.has(raw) || isDigits(raw)) return {type: 'output', port: raw, raw};
		if (raw.charCodeAt(0) === QUOTE) return {type: 'output', port: unquote(raw), raw};
		return {type: 'other', name: raw, raw};
	}
	const name = t.slice(s, k);
	if (t.charCodeAt(k) === COLON) {
		const arg = t.slice(k + 1, e);
		switch (name) {
			case 'output':
				return {type: 'output', port: unquote(arg), raw};
			case 'goto_table': {
				const table = decimalAt(arg, 0, arg.length);
				return table < 0 ? {type: 'other', name, arg, raw} : {type: 'goto_table', table, raw};
			}
			case 'resubmit':
				return {type: 'resubmit', port: unquote(arg), raw};
			case 'load': {
				const parts = arrow(arg);
				if (parts === undefined) return {type: 'other', name, arg, raw};
				const [value, field] = parts;
				const decoded = decodeFieldValue(field, value);
				return decoded === undefined
					? {type: 'load', field, value, raw}
					: {type: 'load', field, value, decoded, raw};
			}
			case 'set_field': {
				const parts = arrow(arg);
				return parts === undefined
					? {type: 'other', name, arg, raw}
					: setField(raw, parts[1], parts[0]);
			}
			case 'move': {
				const parts = arrow(arg);
				return parts === undefined
					? {type: 'other', name, arg, raw}
					: {type: 'move', src: parts[0], dst: parts[1], raw};
			}
			default: {
				const field = MOD_FIELDS[name];
				return field === undefined ? {type: 'other', name, arg, raw} : setField(raw, field, arg);
			}
		}
	}
	// name(…)[suffix]
	const close = t.charCodeAt(e - 1) === RPAREN ? e - 1 : e;
	const inner = t.slice(k + 1, close);
	switch (name) {
		case 'learn':
			return {type: 'learn', spec: inner, raw};
		case 'resubmit': {
			const comma = topLevelComma(inner);
			const portText = comma < 0 ? inner : inner.slice(0, comma);
			const rest = comma < 0 ? '' : inner.slice(comma + 1);
			const tableEnd = rest.indexOf(',');
			const tableText = tableEnd < 0 ? rest : rest.slice(0, tableEnd);
			const table = decimalAt(tableText, 0, tableText.length);
			const port = portText === '' ? undefined : unquote(portText);
			if (port === undefined && table < 0) return {type: 'other', name, arg: inner, raw};
			if (port === undefined) return {type: 'resubmit', table, raw};
			return table < 0 ? {type: 'resubmit', port, raw} : {type: 'resubmit', port, table, raw};
		}
		case 'output': {
			const m = /(?:^|,)port=("(?:[^"\\]|\\.)*"|[^,]+)/.exec(inner);
			return m?.[1] === undefined
				? {type: 'other', name, arg: inner, raw}
				: {type: 'output', port: unquote(m[1]), raw};
		}
		default:
			return {type: 'other', name, arg: t.slice(k + 1, close === e ? e : close), raw};
	}
}

/**
 * Splits t[s, e) at top-level commas and classifies each action into `out` (empty items, which
 * OVS never prints, are skipped). Returns an error message (unbalanced parentheses or quotes, no
 * action at all) or undefined.
 */
function parseActionsInto(
	t: string,
	s: number,
	e: number,
	out: FlowAction[],
	cache: Interner,
): string | undefined {
	if (s >= e) return 'empty actions';
	let depth = 0;
	let itemStart = s;
	for (let i = s; i < e; i++) {
		const c = t.charCodeAt(i);
		if (c === QUOTE) {
			for (i++; i < e; i++) {
				const q = t.charCodeAt(i);
				if (q === BACKSLASH) i++;
				else if (q === QUOTE) break;
			}
			if (i >= e) return 'unterminated quote in actions';
		} else if (c === LPAREN) depth++;
		else if (c === RPAREN) {
			if (--depth < 0) return 'unbalanced ")" in actions';
		} else if (c === COMMA && depth === 0) {
			if (i > itemStart) out.push(cache.action(t, itemStart, i));
			itemStart = i + 1;
		}
	}
	if (depth !== 0) return 'unbalanced "(" in actions (truncated line?)';
	if (e > itemStart) out.push(cache.action(t, itemStart, e));
	return out.length === 0 ? 'empty actions' : undefined;
}

/** Same checks as {@link parseActionsInto} without building anything. */
function checkActions(t: string, s: number, e: number): string | undefined {
	let depth = 0;
	let items = 0;
	for (let i = s; i < e; i++) {
		const c = t.charCodeAt(i);
		if (c === QUOTE) {
			for (i++; i < e; i++) {
				const q = t.charCodeAt(i);
				if (q === BACKSLASH) i++;
				else if (q === QUOTE) break;
			}
			if (i >= e) return 'unterminated quote in actions';
			items++;
		} else if (c === LPAREN) depth++;
		else if (c === RPAREN) {
			if (--depth < 0) return 'unbalanced ")" in actions';
		} else if (c !== COMMA) items++;
	}
	if (depth !== 0) return 'unbalanced "(" in actions (truncated line?)';
	return items === 0 ? 'empty actions' : undefined;
}

/** The actions of an `actions=` text (for learn specs, traces, tests). Malformed → []. */
export function parseFlowActions(text: string): FlowAction[] {
	const out: FlowAction[] = [];
	return parseActionsInto(text, 0, text.length, out, new Interner(text)) === undefined ? out : [];
}

// ─── one flow line ───────────────────────────────────────────────────────────

/** `record[key] = value`, with a `__proto__` key kept as an ordinary own key. */
function setKey(record: Record<string, string>, key: string, value: string): void {
	if (key === '__proto__') {
		Object.defineProperty(record, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	} else record[key] = value;
}

/** Match fields of raw[s, …) up to the first unquoted space (priority left out: it is a Flow field). */
function materializeMatch(
	raw: string,
	s: number,
	e: number,
	cache: Interner,
): Record<string, string> {
	const match: Record<string, string> = {};
	if (s < 0) return match;
	let itemStart = s;
	let eq = -1;
	for (let q = s; q <= e; q++) {
		const c = q === e ? SPACE : raw.charCodeAt(q);
		if (c === QUOTE) {
			for (q++; q < e; q++) {
				const d = raw.charCodeAt(q);
				if (d === BACKSLASH) q++;
				else if (d === QUOTE) break;
			}
			continue;
		}
		if (c === EQ) {
			if (eq < 0) eq = q;
		} else if (c === COMMA || c === SPACE || c === TAB) {
			if (q > itemStart) {
				if (eq < 0) setKey(match, cache.value(raw, itemStart, q), '');
				else if (!(eq - itemStart === 8 && eqAt(raw, itemStart, 'priority'))) {
					setKey(match, cache.value(raw, itemStart, eq), cache.value(raw, eq + 1, q));
				}
			}
			if (c !== COMMA) break;
			itemStart = q + 1;
			eq = -1;
		}
	}
	return match;
}

function materializeActions(t: string, s: number, e: number, cache: Interner): FlowAction[] {
	const out: FlowAction[] = [];
	// The line was validated when it was read, so this cannot report an error; keep what parsed.
	parseActionsInto(t, s, e, out, cache);
	return out;
}

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
 * Reads the flow in t[s, e) (no newline, no trailing CR/space): stats, match and actions
 * validated (quotes, parentheses, `actions=` present) and left for {@link ParsedFlow} to
 * materialise. Returns the flow or an error message.
 */
function parseFlowAt(
	t: string,
	s: number,
	e: number,
	lineNo: number,
	cache: Interner,
): Flow | string {
	let table = 0;
	let priority = DEFAULT_PRIORITY;
	let flags: string[] | undefined;

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
			// Validated here, read again only when asked (statAt): the table is the one kept.
			const n =
				key === Key.Cookie
					? ve === vs
						? -1
						: 0
					: key === Key.Duration
						? durationAt(t, vs, ve)
						: decimalAt(t, vs, ve);
			if (key === Key.Table) table = n;
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
			priority = decimalAt(t, pAt, pe);
			if (priority < 0 || priority > 65535) return `bad priority "${t.slice(pAt, pe)}"`;
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
	}

	return new ParsedFlow(
		lineNo,
		table,
		priority,
		flags ?? NO_FLAGS,
		s,
		e,
		matchStart,
		actionsStart,
		cache,
	);
}

/** `NXST_FLOW reply (xid=0x4):` → OpenFlow10; `OFPST_FLOW reply (OF1.3) (xid=0x2):` → OpenFlow13. */
function headerProtocol(t: string, s: number, e: number): string | undefined {
	if (t.startsWith('NXST_FLOW', s)) return 'OpenFlow10';
	if (!t.startsWith('OFPST_FLOW', s)) return undefined;
	const m = /\(OF1\.(\d)\)/.exec(t.slice(s, e));
	return m === null ? 'OpenFlow10' : `OpenFlow1${m[1] ?? ''}`;
}

/** Reads a dump; `lineOf[i]` is the original line of line i + 1 when the text was re-joined. */
function parseDump(
	text: string,
	lineOf?: readonly number[],
): {facts: FlowDump; warnings: ParseWarning[]} {
	const flows: Flow[] = [];
	const warnings: ParseWarning[] = [];
	next.reset(text);
	const cache = new Interner(text);
	let protocol: string | undefined;
	const len = text.length;
	let pos = 0;
	let lineNo = 0;
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
		let result: Flow | string;
		const at = lineOf === undefined ? lineNo : (lineOf[lineNo - 1] ?? lineNo);
		try {
			result = parseFlowAt(text, s, e, at, cache);
		} catch (error) {
			result = `internal parser error: ${error instanceof Error ? error.message : String(error)}`;
		}
		if (typeof result === 'string') {
			warnings.push({line: at, message: result, text: text.slice(s, Math.min(e, s + 200))});
		} else flows.push(result);
	}
	// Module-level scratch must not keep this dump's text alive.
	next.reset('');
	return {facts: protocol === undefined ? {flows} : {protocol, flows}, warnings};
}

/**
 * Where a flow this parser made lies in the text it read (what an index over 200,000 flows needs
 * without materialising them): writes [line start, line end, match start or -1, first character
 * after `actions=`] into `out` and returns the text. Undefined for any other object.
 */
export function flowSpan(flow: Flow, out: Int32Array): string | undefined {
	return ParsedFlow.span(flow, out);
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
