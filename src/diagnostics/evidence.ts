import type {CaptureId, NodeId} from '../model/ids.js';
import type {Snapshot, Sourced} from '../model/snapshot.js';
import type {Evidence} from './types.js';

/** Text of 1-based line `line` of a capture's stdout ('' when out of range). */
export function captureLine(snapshot: Snapshot, capture: CaptureId, line: number): string {
	const text = snapshot.captures[capture]?.stdout ?? '';
	return (text.split('\n')[line - 1] ?? '').trimEnd();
}

/**
 * A long one-line JSON capture (`ip -j …`) cut down to the object that contains one of `focus`
 * (`"dst":"10.0.0.5"`), with `…` marking the cut. Short lines are returned whole.
 */
export function focusExcerpt(line: string, focus: readonly string[], max = 200): string {
	if (line.length <= max) return line;
	for (const needle of focus) {
		const at = line.indexOf(needle);
		if (at < 0) continue;
		const start = line.lastIndexOf('{', at);
		const end = line.indexOf('}', at);
		if (start < 0 || end < 0) continue;
		return `${start > 0 ? '…' : ''}${line.slice(start, end + 1)}${end + 1 < line.length ? '…' : ''}`;
	}
	return `${line.slice(0, max)}…`;
}

/** Focus needles for a neighbour entry / an address in `ip -j` output. */
export const neighFocus = (dst: string): string[] => [`"dst":"${dst}"`];
export const addrFocus = (ip: string, ifname?: string): string[] => [
	`"local":"${ip}"`,
	...(ifname !== undefined ? [`"ifname":"${ifname}"`] : []),
];

/** Evidence for items of one Sourced fact that carry a `line` (relative to their section). */
export function lineEvidence(
	snapshot: Snapshot,
	node: NodeId | undefined,
	sourced: Sourced<unknown>,
	itemLines: readonly number[],
	note?: string,
	focus: readonly string[] = [],
): Evidence {
	const lines = [...new Set(itemLines.map(l => l + sourced.lineOffset))].sort((a, b) => a - b);
	return {
		...(node !== undefined ? {node} : {}),
		capture: sourced.capture,
		lines,
		excerpt: lines
			.map(l => focusExcerpt(captureLine(snapshot, sourced.capture, l), focus))
			.join('\n'),
		...(note !== undefined ? {note} : {}),
	};
}

/**
 * Line span [start, end] (1-based) of the `index`-th object of a JSON list (`[…]`, or
 * `{"ports": […]}`), or of the whole text when it is a single object and index is 0.
 */
export function jsonObjectSpan(text: string, index: number): [number, number] | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return undefined;
	}
	let elementDepth: number;
	if (Array.isArray(parsed)) elementDepth = 1;
	else if (parsed !== null && typeof parsed === 'object') {
		const values = Object.values(parsed);
		if (values.length === 1 && Array.isArray(values[0])) elementDepth = 2;
		else if (index === 0) {
			const lines = text.trimEnd().split('\n').length;
			return [1, lines];
		} else return undefined;
	} else return undefined;
	const stack: string[] = [];
	let inString = false;
	let escaped = false;
	let line = 1;
	let count = -1;
	let start = 0;
	for (const ch of text) {
		if (ch === '\n') line++;
		if (inString) {
			if (escaped) escaped = false;
			else if (ch === '\\') escaped = true;
			else if (ch === '"') inString = false;
			continue;
		}
		if (ch === '"') inString = true;
		else if (ch === '{' || ch === '[') {
			if (ch === '{' && stack.length === elementDepth && stack.at(-1) === '[') {
				count++;
				if (count === index) start = line;
			}
			stack.push(ch);
		} else if (ch === '}' || ch === ']') {
			stack.pop();
			if (ch === '}' && count === index && start > 0 && stack.length === elementDepth)
				return [start, line];
		}
	}
	return undefined;
}

/** Longest line an object's evidence quotes whole. */
const LONG_LINE = 400;

/**
 * A line longer than {@link LONG_LINE} (a capture written as one line of JSON: the API client's
 * `port list`) cut to the object that holds `anchor` (its id), from its opening brace, with `…`
 * marking each cut; without an anchor in the line, its start. Verbatim otherwise.
 */
export function cutLine(line: string, anchor?: string, max = LONG_LINE): string {
	if (line.length <= max) return line;
	const at = anchor === undefined ? -1 : line.indexOf(`"${anchor}"`);
	if (at < 0) return `${line.slice(0, max)}…`;
	// back to the brace that opens the object around the anchor (strings hold no braces in ids)
	let depth = 0;
	let start = 0;
	for (let i = at; i >= 0; i--) {
		const c = line[i];
		if (c === '}') depth++;
		else if (c === '{') {
			if (depth === 0) {
				start = i;
				break;
			}
			depth--;
		}
	}
	const body = line.slice(start, start + max);
	return `${start > 0 ? '…' : ''}${body}${start + max < line.length ? '…' : ''}`;
}

/**
 * Evidence for one object of a cloud capture (a port, an amphora …): the lines of its JSON object
 * that contain one of `keys` (or `needles`), so the excerpt stays short.
 */
export function objectEvidence(
	snapshot: Snapshot,
	sourced: Sourced<unknown>,
	index: number,
	keys: readonly string[],
	note?: string,
	needles: readonly string[] = [],
	/** The object's id: where a long line (one-line JSON) is cut. */
	anchor?: string,
): Evidence {
	const text = snapshot.captures[sourced.capture]?.stdout ?? '';
	const all = text.split('\n');
	const span = jsonObjectSpan(text, index);
	const lines: number[] = [];
	if (span !== undefined) {
		for (let l = span[0]; l <= span[1]; l++) {
			const body = all[l - 1] ?? '';
			if (keys.some(k => body.includes(`"${k}"`)) || needles.some(n => body.includes(n)))
				lines.push(l);
		}
	} else {
		all.forEach((body, i) => {
			if (needles.some(n => body.includes(n))) lines.push(i + 1);
		});
	}
	const picked = lines.slice(0, 12);
	return {
		capture: sourced.capture,
		lines: picked,
		excerpt: picked.map(l => cutLine((all[l - 1] ?? '').trimEnd(), anchor)).join('\n'),
		...(note !== undefined ? {note} : {}),
	};
}

/** Position of the object whose `id` (or `ID`) is `id` in a JSON list capture (0 for a single object). */
export function jsonIndexOfId(text: string, id: string): number | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return undefined;
	}
	const idOf = (o: unknown): unknown =>
		o !== null && typeof o === 'object'
			? ((o as Record<string, unknown>)['id'] ?? (o as Record<string, unknown>)['ID'])
			: undefined;
	if (Array.isArray(parsed)) {
		const i = parsed.findIndex(o => idOf(o) === id);
		return i >= 0 ? i : undefined;
	}
	if (parsed !== null && typeof parsed === 'object') {
		const values = Object.values(parsed);
		if (values.length === 1 && Array.isArray(values[0])) {
			const i = values[0].findIndex(o => idOf(o) === id);
			return i >= 0 ? i : undefined;
		}
		if (idOf(parsed) === id) return 0;
		if (values.length === 1 && idOf(values[0]) === id) return 0;
	}
	return undefined;
}

/**
 * Evidence for a cloud object (port, amphora …) found by id in any capture of `kind`; prefers the
 * capture whose object shows the most of `keys` (a `port show` over a `port list`).
 */
export function cloudObjectEvidence(
	snapshot: Snapshot,
	kind: string,
	id: string,
	keys: readonly string[],
	note?: string,
	needles: readonly string[] = [],
): Evidence | undefined {
	let best: Evidence | undefined;
	for (const capture of Object.values(snapshot.captures)) {
		if (capture.kind !== kind) continue;
		const index = jsonIndexOfId(capture.stdout, id);
		if (index === undefined) continue;
		const ev = objectEvidence(
			snapshot,
			{capture: capture.id, lineOffset: 0, data: undefined},
			index,
			keys,
			note,
			needles,
			id,
		);
		if (best === undefined || ev.lines.length > best.lines.length) best = ev;
	}
	return best;
}
