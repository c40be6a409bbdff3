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
	itemEnd,
	unquote,
} from './format.js';
import type {JsonBytes} from './json-bytes.js';

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
 * `IN_PORT` …): one shared object per distinct text (flyweight), in a direct-mapped table of this
 * many slots (a new text takes its slot over: the texts that repeat win it back, the one-off ones —
 * an ARP responder's MAC and IP loads — cannot fill the table up and lock the others out).
 */
const SLOTS = 1 << 12;

type ActionSlot = {
	readonly action: FlowAction;
	json: string | undefined;
	bytes: Uint8Array | undefined;
};

const utf8 = new TextEncoder();

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
 * our own hash of the text span and verified against the text: looking a fresh substring up in
 * a string-keyed Map costs far more than the object it would save.
 */
export class Interner {
	/** The whole dump: flows are materialised from it with absolute offsets (a flow's `raw` is a
	 * slice, and char-by-char reads of a slice are much slower than of the flat original). */
	readonly text: string;

	constructor(text: string) {
		this.text = text;
	}

	/** Each action with its JSON text, made when the JSON output first asks for it. */
	readonly #actions = new Array<ActionSlot | undefined>(SLOTS).fill(undefined);
	readonly #values = new Array<string | undefined>(SLOTS).fill(undefined);

	#slot(t: string, s: number, e: number): ActionSlot {
		const i = hashAt(t, s, e) & (SLOTS - 1);
		const hit = this.#actions[i];
		if (hit !== undefined && hit.action.raw.length === e - s && t.startsWith(hit.action.raw, s))
			return hit;
		const slot: ActionSlot = {
			action: actionOf(t, s, e, t.slice(s, e)),
			json: undefined,
			bytes: undefined,
		};
		this.#actions[i] = slot;
		return slot;
	}

	action(t: string, s: number, e: number): FlowAction {
		return this.#slot(t, s, e).action;
	}

	/** `JSON.stringify(this.action(t, s, e))`, the text kept with the shared action. */
	actionJson(t: string, s: number, e: number): string {
		const slot = this.#slot(t, s, e);
		return (slot.json ??= JSON.stringify(slot.action));
	}

	/**
	 * The action's JSON into `w`: the shared action keeps its text, and its bytes once it is
	 * seen again (a one-off action — an ARP responder's own MAC — is not worth encoding twice).
	 */
	writeAction(w: JsonBytes, t: string, s: number, e: number): void {
		const slot = this.#slot(t, s, e);
		if (slot.bytes !== undefined) w.bytes(slot.bytes);
		else if (slot.json === undefined) w.text((slot.json = JSON.stringify(slot.action)));
		else w.bytes((slot.bytes = utf8.encode(slot.json)));
	}

	/** The text of t[s, e) (unquoted when quoted), one string per distinct text. */
	value(t: string, s: number, e: number): string {
		if (t.charCodeAt(s) === QUOTE) return unquote(t.slice(s, e));
		const i = hashAt(t, s, e) & (SLOTS - 1);
		const hit = this.#values[i];
		if (hit !== undefined && hit.length === e - s && t.startsWith(hit, s)) return hit;
		const value = t.slice(s, e);
		this.#values[i] = value;
		return value;
	}
}

/** `load:V->F` with V starting at t[v] (`raw` is t[…, e)): the value decoded for address fields. */
function loadAt(t: string, v: number, e: number, raw: string): FlowAction {
	const i = t.indexOf('->', v);
	if (i < 0 || i + 2 > e) return {type: 'other', name: 'load', arg: t.slice(v, e), raw};
	const value = t.slice(v, i);
	const field = t.slice(i + 2, e);
	const decoded = decodeFieldValue(field, value);
	return decoded === undefined
		? {type: 'load', field, value, raw}
		: {type: 'load', field, value, decoded, raw};
}

/**
 * One action, `raw` exactly as printed (t[s, e)). The actions that are new in almost every flow
 * (an ARP responder's own MAC and IP `load:`s and `mod_dl_src:`) are read here, from the text,
 * without slicing the name and the argument first; the rest in {@link classifyRaw}.
 */
function actionOf(t: string, s: number, e: number, raw: string): FlowAction {
	if (t.charCodeAt(s + 4) === COLON && e - s > 5 && eqAt(t, s, 'load'))
		return loadAt(t, s + 5, e, raw);
	if (t.charCodeAt(s + 10) === COLON && e - s > 11 && eqAt(t, s, 'mod_dl_src'))
		return setField(raw, 'eth_src', t.slice(s + 11, e));
	return classifyRaw(t, s, e, raw);
}

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
	if (key.length === 9 && key === '__proto__') {
		Object.defineProperty(record, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	} else record[key] = value;
}

/**
 * Match fields of raw[s, …) up to the first unquoted space (priority left out: it is a Flow field).
 * `shareValues`: one string per distinct value (for flows kept with their dump), else slices.
 */
export function materializeMatch(
	raw: string,
	s: number,
	e: number,
	cache: Interner,
	shareValues = true,
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
					const key = cache.value(raw, itemStart, eq);
					// A lazy flow's match lives as long as the dump: its values are shared. An
					// eager record's is counted or written and dropped: a slice is cheaper.
					setKey(
						match,
						key,
						shareValues || raw.charCodeAt(eq + 1) === QUOTE
							? cache.value(raw, eq + 1, q)
							: raw.slice(eq + 1, q),
					);
				}
			}
			if (c !== COMMA) break;
			itemStart = q + 1;
			eq = -1;
		}
	}
	return match;
}

/** A string as JSON writes it; `clean`: the text holds nothing JSON escapes (see {@link needsEscape}). */
export const jsonString = (v: string, clean: boolean): string =>
	clean ? `"${v}"` : JSON.stringify(v);

/**
 * True when t holds a character JSON.stringify would escape in a string (a quote, a backslash, a
 * control character other than the line feed that separates lines, a surrogate). Text without
 * any — what OVS prints without `--names` — is written between quotes as it is; a decoded value
 * is never dirtier than its text (escapes come only from quoted names, which need a quote).
 */
export const needsEscape = (t: string): boolean =>
	// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
	/["\\\u0000-\u0009\u000b-\u001f\ud800-\udfff]/.test(t);

/** Match keys of the flow being written, to find a repeated key (scratch, emptied after each flow). */
const seenKeys: string[] = [];

/**
 * `JSON.stringify(materializeMatch(raw, s, e, cache))`, written while the fields are read
 * (no object per flow). Keys that could be array indices (a leading digit: JSON puts those
 * first) or that repeat (JSON keeps the first place, the last value) take the object path.
 */
export function matchJson(
	raw: string,
	s: number,
	e: number,
	cache: Interner,
	clean: boolean,
): string {
	if (s < 0) return '{}';
	let out = '';
	seenKeys.length = 0;
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
			if (q > itemStart && !(eq - itemStart === 8 && eqAt(raw, itemStart, 'priority'))) {
				const key = cache.value(raw, itemStart, eq < 0 ? q : eq);
				const k0 = key.charCodeAt(0);
				if ((k0 >= 48 && k0 <= 57) || seenKeys.includes(key)) {
					seenKeys.length = 0;
					return JSON.stringify(materializeMatch(raw, s, e, cache));
				}
				seenKeys.push(key);
				const value = eq < 0 ? '' : cache.value(raw, eq + 1, q);
				out += `${out === '' ? '{' : ','}${jsonString(key, clean)}:${jsonString(value, clean)}`;
			}
			if (c !== COMMA) break;
			itemStart = q + 1;
			eq = -1;
		}
	}
	seenKeys.length = 0; // holds no slice of this dump past the flow
	return out === '' ? '{}' : `${out}}`;
}

/** Spans of the match keys of the flow being written ([start, end) pairs), to find a repeat. */
let keySpans = new Int32Array(64);

/**
 * {@link matchJson} into bytes, for text that needs no escape (no quote, so no quoted name to
 * unquote): each field's key and value copied from the line. Keys that could be array indices or
 * that repeat take the object path, as in {@link matchJson}.
 */
export function writeMatch(w: JsonBytes, raw: string, s: number, e: number, cache: Interner): void {
	if (s < 0) {
		w.text('{}');
		return;
	}
	const mark = w.length;
	let keys = 0;
	let itemStart = s;
	let eq = -1;
	for (let q = s; q <= e; q++) {
		const c = q === e ? SPACE : raw.charCodeAt(q);
		if (c === EQ) {
			if (eq < 0) eq = q;
		} else if (c === COMMA || c === SPACE || c === TAB) {
			if (q > itemStart && !(eq - itemStart === 8 && eqAt(raw, itemStart, 'priority'))) {
				const ke = eq < 0 ? q : eq;
				const k0 = raw.charCodeAt(itemStart);
				if ((k0 >= 48 && k0 <= 57) || repeatsKey(raw, itemStart, ke, keys)) {
					w.truncate(mark);
					w.text(JSON.stringify(materializeMatch(raw, s, e, cache)));
					return;
				}
				if (keys * 2 + 2 > keySpans.length) {
					const bigger = new Int32Array(keySpans.length * 2);
					bigger.set(keySpans);
					keySpans = bigger;
				}
				keySpans[keys * 2] = itemStart;
				keySpans[keys * 2 + 1] = ke;
				w.byte(keys++ === 0 ? 123 /* { */ : COMMA);
				w.quoted(raw, itemStart, ke);
				w.byte(COLON);
				if (eq < 0) w.text('""');
				else w.quoted(raw, eq + 1, q);
			}
			if (c !== COMMA) break;
			itemStart = q + 1;
			eq = -1;
		}
	}
	if (keys === 0) w.text('{}');
	else w.byte(125 /* } */);
}

/** raw[ks, ke) equals one of the first `keys` keys in {@link keySpans}. */
function repeatsKey(raw: string, ks: number, ke: number, keys: number): boolean {
	const len = ke - ks;
	for (let k = 0; k < keys; k++) {
		const s = keySpans[k * 2] ?? 0;
		if ((keySpans[k * 2 + 1] ?? 0) - s !== len) continue;
		let i = 0;
		while (i < len && raw.charCodeAt(s + i) === raw.charCodeAt(ks + i)) i++;
		if (i === len) return true;
	}
	return false;
}

/** The actions of a validated line into `w` as {@link actionsJson} writes them. */
export function writeActions(
	w: JsonBytes,
	t: string,
	s: number,
	e: number,
	nested: boolean,
	cache: Interner,
): void {
	let first = true;
	for (let p = s; p < e; ) {
		const end = actionEnd(t, p, e, nested);
		if (end > p) {
			w.byte(first ? 91 /* [ */ : COMMA);
			first = false;
			cache.writeAction(w, t, p, end);
		}
		p = end + 1;
	}
	if (first) w.text('[]');
	else w.byte(93 /* ] */);
}

/**
 * End of the action item that starts at t[p]: the next top-level comma, or e. `nested` says the
 * actions hold a parenthesis or a quote (validated when the line was read); without them the
 * next comma is found by indexOf instead of a walk over every character.
 */
export function actionEnd(t: string, p: number, e: number, nested: boolean): number {
	if (nested) return itemEnd(t, p, e, false);
	const c = t.indexOf(',', p);
	return c < 0 || c > e ? e : c;
}

/**
 * The actions of a validated line t[s, e), as {@link parseActionsInto} splits and classifies them
 * (empty items skipped).
 */
export function decodeActions(
	t: string,
	s: number,
	e: number,
	nested: boolean,
	cache: Interner,
): FlowAction[] {
	const out: FlowAction[] = [];
	for (let p = s; p < e; ) {
		const end = actionEnd(t, p, e, nested);
		if (end > p) out.push(cache.action(t, p, end));
		p = end + 1;
	}
	return out;
}

/** The JSON text of {@link decodeActions}' array, from the shared actions' kept JSON texts. */
export function actionsJson(
	t: string,
	s: number,
	e: number,
	nested: boolean,
	cache: Interner,
): string {
	let out = '';
	for (let p = s; p < e; ) {
		const end = actionEnd(t, p, e, nested);
		if (end > p) out += (out === '' ? '[' : ',') + cache.actionJson(t, p, end);
		p = end + 1;
	}
	return out === '' ? '[]' : `${out}]`;
}

export function materializeActions(t: string, s: number, e: number, cache: Interner): FlowAction[] {
	const out: FlowAction[] = [];
	// The line was validated when it was read, so this cannot report an error; keep what parsed.
	parseActionsInto(t, s, e, out, cache);
	return out;
}
