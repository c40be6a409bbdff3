/**
 * The body of an `ovs-ofctl dump-flows` line — the match fields and the action grammar — read
 * from absolute offsets into the dump text (charCodeAt, no regex per field), with per-dump
 * flyweight caches: flow dumps repeat the same actions and match values across thousands of
 * flows. Used by the parser's lazy flows (parsers/ovs-flows.ts) and the eager decoder (eager.ts).
 */
import type {FlowAction} from '../../model/facts.js';
import {decodeFieldValue} from '../neutron.js';
import {
	BACKSLASH,
	COLON,
	COMMA,
	EQ,
	LPAREN,
	QUOTE,
	RPAREN,
	SPACE,
	TAB,
	decimalAt,
	eqAt,
	unquote,
} from './format.js';

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
export class Interner {
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
export function parseActionsInto(
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
export function checkActions(t: string, s: number, e: number): string | undefined {
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

// ─── the match ───────────────────────────────────────────────────────────────

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
export function materializeMatch(
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

export function materializeActions(t: string, s: number, e: number, cache: Interner): FlowAction[] {
	const out: FlowAction[] = [];
	// The line was validated when it was read, so this cannot report an error; keep what parsed.
	parseActionsInto(t, s, e, out, cache);
	return out;
}
