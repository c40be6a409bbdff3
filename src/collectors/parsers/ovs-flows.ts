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

const SPACE = 32;
const TAB = 9;
const CR = 13;
const COMMA = 44;
const EQ = 61;
const QUOTE = 34;
const BACKSLASH = 92;
const LPAREN = 40;
const RPAREN = 41;
const COLON = 58;

const NO_FLAGS: readonly string[] = Object.freeze([]);
const DEFAULT_PRIORITY = 32768;

/** Stat/prefix keys printed before the match. */
const enum Key {
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

const FLAG_WORDS = new Set([
	'send_flow_rem',
	'check_overlap',
	'reset_counts',
	'no_packet_counts',
	'no_byte_counts',
]);

function prefixKey(t: string, s: number, len: number): Key {
	switch (len) {
		case 5:
			return t.startsWith('table', s) ? Key.Table : Key.None;
		case 6:
			return t.startsWith('cookie', s) ? Key.Cookie : Key.None;
		case 7:
			if (t.startsWith('n_bytes', s)) return Key.Bytes;
			return t.startsWith('actions', s) ? Key.Actions : Key.None;
		case 8:
			if (t.startsWith('duration', s)) return Key.Duration;
			if (t.startsWith('idle_age', s)) return Key.IdleAge;
			return t.startsWith('hard_age', s) ? Key.HardAge : Key.None;
		case 9:
			return t.startsWith('n_packets', s) ? Key.Packets : Key.None;
		case 10:
			return t.startsWith('importance', s) ? Key.Importance : Key.None;
		case 12:
			if (t.startsWith('idle_timeout', s)) return Key.IdleTimeout;
			return t.startsWith('hard_timeout', s) ? Key.HardTimeout : Key.None;
		default:
			return Key.None;
	}
}

/** [a-z0-9_] — the characters of a prefix key or flag word. */
function isWordChar(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
}

/** Non-negative decimal integer in t[s, e), or -1. */
function decimalAt(t: string, s: number, e: number): number {
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
function durationAt(t: string, s: number, e: number): number {
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
		const c = body[i];
		if (c !== '\\' || i === body.length - 1) {
			out += c;
			continue;
		}
		const n = body[++i];
		if (n === 'n') out += '\n';
		else if (n === 't') out += '\t';
		else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
			out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
			i += 4;
		} else out += n;
	}
	return out;
}

function valueAt(t: string, s: number, e: number): string {
	return t.charCodeAt(s) === QUOTE ? unquote(t.slice(s, e)) : t.slice(s, e);
}

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

/** One action, `raw` exactly as printed (t[s, e)). */
function classifyAction(t: string, s: number, e: number): FlowAction {
	const raw = t.slice(s, e);
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
 * Splits t[s, e) at top-level commas and classifies each action into `out`. Returns an error
 * message (unbalanced parentheses or quotes, empty action) or undefined.
 */
function parseActionsInto(t: string, s: number, e: number, out: FlowAction[]): string | undefined {
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
			if (i === itemStart) return 'empty action';
			out.push(classifyAction(t, itemStart, i));
			itemStart = i + 1;
		}
	}
	if (depth !== 0) return 'unbalanced "(" in actions (truncated line?)';
	if (itemStart === e) return 'empty action';
	out.push(classifyAction(t, itemStart, e));
	return undefined;
}

/** The actions of an `actions=` text (for learn specs, traces, tests). Malformed → []. */
export function parseFlowActions(text: string): FlowAction[] {
	const out: FlowAction[] = [];
	return parseActionsInto(text, 0, text.length, out) === undefined ? out : [];
}

// ─── one flow line ───────────────────────────────────────────────────────────

type LineResult = Flow | string;

/** Parses the flow in t[s, e) (no newline, no trailing CR). Returns the flow or an error message. */
function parseFlowAt(t: string, s: number, e: number, lineNo: number): LineResult {
	let table = 0;
	let priority = DEFAULT_PRIORITY;
	let cookie: string | undefined;
	let durationS: number | undefined;
	let packets: number | undefined;
	let bytes: number | undefined;
	let idleAge: number | undefined;
	let hardAge: number | undefined;
	let idleTimeout: number | undefined;
	let hardTimeout: number | undefined;
	let flags: string[] | undefined;

	let p = s;
	while (p < e && t.charCodeAt(p) === SPACE) p++;
	let matchStart = -1;
	let actionsStart = -1;

	// 1. comma/space separated key=value stats and flag words, up to the first match token.
	for (;;) {
		if (p >= e) return 'no "actions=" (truncated line?)';
		const ks = p;
		let c = t.charCodeAt(p);
		while (isWordChar(c) && ++p < e) c = t.charCodeAt(p);
		if (p < e && c === EQ && p > ks) {
			const key = prefixKey(t, ks, p - ks);
			if (key === Key.Actions) {
				actionsStart = p + 1;
				break;
			}
			if (key === Key.None) {
				matchStart = ks;
				break;
			}
			const vs = p + 1;
			let ve = vs;
			while (ve < e) {
				const d = t.charCodeAt(ve);
				if (d === COMMA || d === SPACE) break;
				ve++;
			}
			let n = 0;
			switch (key) {
				case Key.Cookie:
					cookie = t.slice(vs, ve);
					break;
				case Key.Duration:
					n = durationAt(t, vs, ve);
					durationS = n;
					break;
				case Key.Table:
					n = decimalAt(t, vs, ve);
					table = n;
					break;
				case Key.Packets:
					n = decimalAt(t, vs, ve);
					packets = n;
					break;
				case Key.Bytes:
					n = decimalAt(t, vs, ve);
					bytes = n;
					break;
				case Key.IdleTimeout:
					n = decimalAt(t, vs, ve);
					idleTimeout = n;
					break;
				case Key.HardTimeout:
					n = decimalAt(t, vs, ve);
					hardTimeout = n;
					break;
				case Key.IdleAge:
					n = decimalAt(t, vs, ve);
					idleAge = n;
					break;
				case Key.HardAge:
					n = decimalAt(t, vs, ve);
					hardAge = n;
					break;
				case Key.Importance:
					n = decimalAt(t, vs, ve);
					break;
			}
			if (n < 0) return `bad value for "${t.slice(ks, p)}": "${t.slice(vs, ve)}"`;
			p = ve;
			while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
			continue;
		}
		if (p < e && (c === SPACE || c === COMMA) && p > ks && FLAG_WORDS.has(t.slice(ks, p))) {
			(flags ??= []).push(t.slice(ks, p));
			while (p < e && ((c = t.charCodeAt(p)) === COMMA || c === SPACE)) p++;
			continue;
		}
		matchStart = ks;
		break;
	}

	// 2. the match: comma-separated fields up to the first unquoted space, then ` actions=`.
	const match: Record<string, string> = {};
	if (matchStart >= 0) {
		let q = matchStart;
		let itemStart = q;
		let eq = -1;
		for (;;) {
			if (q >= e) return 'no "actions=" (truncated line?)';
			const c = t.charCodeAt(q);
			if (c === QUOTE) {
				for (q++; q < e; q++) {
					const d = t.charCodeAt(q);
					if (d === BACKSLASH) q++;
					else if (d === QUOTE) break;
				}
				q++;
				continue;
			}
			if (c === EQ) {
				if (eq < 0) eq = q;
			} else if (c === COMMA || c === SPACE || c === TAB) {
				if (q > itemStart) {
					if (eq < 0) match[t.slice(itemStart, q)] = '';
					else if (eq - itemStart === 8 && t.startsWith('priority', itemStart)) {
						priority = decimalAt(t, eq + 1, q);
						if (priority < 0) return `bad priority "${t.slice(eq + 1, q)}"`;
					} else match[t.slice(itemStart, eq)] = valueAt(t, eq + 1, q);
				}
				if (c !== COMMA) break;
				itemStart = q + 1;
				eq = -1;
			}
			q++;
		}
		while (q < e && t.charCodeAt(q) === SPACE) q++;
		if (!t.startsWith('actions=', q)) {
			return `expected "actions=" after the match, found "${t.slice(q, Math.min(e, q + 20))}"`;
		}
		actionsStart = q + 8;
	}

	// 3. actions, to the end of the line.
	const actions: FlowAction[] = [];
	const err = parseActionsInto(t, actionsStart, e, actions);
	if (err !== undefined) return err;

	return {
		line: lineNo,
		raw: t.slice(s, e),
		table,
		priority,
		cookie,
		durationS,
		packets,
		bytes,
		idleAge,
		hardAge,
		idleTimeout,
		hardTimeout,
		flags: flags ?? NO_FLAGS,
		match,
		actions,
	} as Flow;
}

/** `NXST_FLOW reply (xid=0x4):` → OpenFlow10; `OFPST_FLOW reply (OF1.3) (xid=0x2):` → OpenFlow13. */
function headerProtocol(t: string, s: number, e: number): string | undefined {
	if (t.startsWith('NXST_FLOW', s)) return 'OpenFlow10';
	if (!t.startsWith('OFPST_FLOW', s)) return undefined;
	const m = /\(OF1\.(\d)\)/.exec(t.slice(s, e));
	return m === null ? 'OpenFlow10' : `OpenFlow1${m[1] ?? ''}`;
}

function parseDump(text: string): {facts: FlowDump; warnings: ParseWarning[]} {
	const flows: Flow[] = [];
	const warnings: ParseWarning[] = [];
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
		let result: LineResult;
		try {
			result = parseFlowAt(text, s, e, lineNo);
		} catch (error) {
			result = `internal parser error: ${error instanceof Error ? error.message : String(error)}`;
		}
		if (typeof result === 'string') {
			warnings.push({line: lineNo, message: result, text: text.slice(s, Math.min(e, s + 200))});
		} else flows.push(result);
	}
	return {facts: protocol === undefined ? {flows} : {protocol, flows}, warnings};
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
		const {facts, warnings} = parseDump(text);
		return {kind: 'ovs-flows', facts, warnings};
	},
};
