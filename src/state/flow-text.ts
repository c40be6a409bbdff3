/**
 * The text finders of the flow filter: searching the capture texts the flow index points into
 * (never `flow.raw`), case-insensitively and without lower-cased copies, marking the rows a value
 * occurs in — all rows at once (`markText`) or one row at a time (`containsInRow`).
 */
import {notesOf, type FlowIndex} from './flow-index.js';

/** A compiled filter term: whether row `id` matches. */
export type Pred = (id: number) => boolean;

/** The row's line as printed: a slice of its capture text, made when asked and not kept. */
export function rowRaw(index: FlowIndex, id: number): string {
	const t = index.text;
	return (t.texts[t.textOf[id] ?? -1] ?? '').slice(t.start[id] ?? 0, t.end[id] ?? 0);
}

/** The actions part of a flow line (after `actions=`), or '' when it has none. */
export function actionsText(raw: string): string {
	const at = raw.indexOf('actions=');
	return at < 0 ? '' : raw.slice(at + 8);
}

/**
 * Scratch buffers of one filterFlows call (row marks), reused across keystrokes: a
 * fresh 200,000-entry typed array per keystroke is memory outside the JS heap that the garbage
 * collector returns late, and it showed in the console's peak RSS.
 */
const marksPool: Uint8Array[] = [];
const marksLeased: Uint8Array[] = [];
function leaseMarks(size: number): Uint8Array {
	let marks = marksPool.pop();
	if (marks === undefined || marks.length !== size) marks = new Uint8Array(size);
	else marks.fill(0);
	marksLeased.push(marks);
	return marks;
}

/** Returns every row-mark buffer leased since the last call to the pool (end of one filterFlows). */
export function returnMarks(): void {
	marksPool.push(...marksLeased.splice(0));
}

/** How far (characters, a few flow lines) a hit counts as near the last. */
const NEAR = 2048;

/**
 * Case-insensitive search in the original capture text, with no lower-cased copy (one per 5 MB
 * dump was 40 MB held for the rest of the session): a `gi` regular expression moved along with
 * lastIndex and run with test() — as fast as indexOf over a copy (faster for IPs, whose dots
 * slow indexOf down), and no match array per hit. `end` is where the last hit ends (a literal
 * matched case-insensitively is as long as the value).
 */
class Finder {
	readonly #re: RegExp;
	readonly #length: number;
	/** The value itself when it has no letters: case cannot matter, so indexOf finds it too. */
	readonly #plain: string | undefined;
	/** The last hit was close to where the search began: the next is likely close too. */
	#dense = false;
	end = -1;
	constructor(value: string) {
		this.#length = value.length;
		this.#re = new RegExp(escapeText(value), 'gi');
		this.#plain = value !== '' && value.toLowerCase() === value.toUpperCase() ? value : undefined;
	}
	/**
	 * Start of the first hit at or after `from`, or -1. Dense hits (`10.` on every line) go
	 * through indexOf, whose call costs a fifth of a regular expression's; sparse ones through
	 * the regular expression, whose scan over megabytes is twice as fast.
	 */
	next(text: string, from: number): number {
		let at = -1;
		let rest = from;
		if (this.#dense && this.#plain !== undefined) {
			// Within the next few lines only: a miss there goes on with the regular expression.
			const near = text.slice(from, from + NEAR).indexOf(this.#plain);
			if (near >= 0) at = from + near;
			else rest = Math.max(from, from + NEAR - this.#length + 1);
		}
		if (at < 0) {
			const re = this.#re;
			re.lastIndex = rest;
			at = re.test(text) ? re.lastIndex - this.#length : -1;
		}
		if (at < 0) {
			this.end = -1;
			return -1;
		}
		this.#dense = at - from < NEAR;
		// An empty value matches everywhere without moving: step on so callers advance.
		this.end = Math.max(at + this.#length, from + 1);
		return at;
	}
}

/**
 * Whether a row's line contains `value` (any case), each line tested on its own: how a small
 * narrowed result (at most a sixteenth of the rows) is tested.
 */
export function containsInRow(
	index: FlowIndex,
	value: string,
	inActions = false,
): (id: number) => boolean {
	const t = index.text;
	const re = escapeRe(value);
	return id => {
		const ti = t.textOf[id] ?? 0;
		const s = t.start[id] ?? 0;
		const e = t.end[id] ?? 0;
		const text = t.texts[ti] ?? '';
		let from = s;
		if (inActions) {
			const at = text.indexOf('actions=', s);
			if (at < 0 || at >= e) return false;
			from = at + 8;
		}
		// The line alone (a view into the text, no copy): a search from the row on would scan to
		// the next hit, megabytes away when hits are rare.
		return re.test(text.slice(from, e));
	};
}

export function markText(index: FlowIndex, value: string, inActions = false): Uint8Array {
	const t = index.text;
	const marks = leaseMarks(index.size);
	const find = new Finder(value);
	for (const [ti, first, last] of t.runs) {
		const text = t.texts[ti] ?? '';
		const limit = t.end[last] ?? 0;
		let p = find.next(text, t.start[first] ?? 0);
		let id = first;
		let actionsOf = -1;
		let actionsAt = 0;
		while (p >= 0 && find.end <= limit) {
			while (id <= last && (t.end[id] ?? 0) < find.end) id++;
			if (id > last) break;
			const s = t.start[id] ?? 0;
			if (p < s) {
				p = find.next(text, s);
				continue;
			}
			if (inActions) {
				// Only hits after the row's `actions=` count (as actionsText(raw) would give).
				if (actionsOf !== id) {
					actionsOf = id;
					const at = text.indexOf('actions=', s);
					actionsAt = at < 0 || at >= (t.end[id] ?? 0) ? Infinity : at + 8;
				}
				if (p < actionsAt) {
					if (actionsAt === Infinity) {
						p = find.next(text, t.end[id] ?? 0);
						id++;
					} else p = find.next(text, actionsAt);
					continue;
				}
			}
			marks[id] = 1;
			p = find.next(text, t.end[id] ?? 0);
			id++;
		}
	}
	return marks;
}

const escapeText = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const escapeRe = (text: string): RegExp => new RegExp(escapeText(text), 'i');

/**
 * Case-insensitive search in the flow line and its notes. Over many rows the capture texts are
 * searched once (`wide`); over a few (narrowing a small result) each line is tested.
 */
export function freeText(value: string, index: FlowIndex, wide: boolean): Pred {
	if (value === '') return () => true;
	const re = escapeRe(value);
	const inNotes = (id: number): boolean => {
		const notes = notesOf(index, id);
		return notes.length > 0 && notes.some(n => re.test(n));
	};
	if (wide) {
		let marks: Uint8Array | undefined;
		return id => {
			if (marks === undefined) {
				marks = markText(index, value);
				// Notes too: rows share note lists (`… = DVR MAC of this node`), test each list once.
				const hits = new Uint8Array(index.noteLists.length);
				let any = false;
				for (let i = 0; i < index.noteLists.length; i++)
					if (index.noteLists[i]?.some(n => re.test(n)) === true) {
						hits[i] = 1;
						any = true;
					}
				if (any) {
					const listOf = index.notesOf;
					for (const noted of index.noted) if (hits[listOf[noted] ?? 0] === 1) marks[noted] = 1;
				}
			}
			return marks[id] === 1;
		};
	}
	const contains = containsInRow(index, value);
	return id => contains(id) || inNotes(id);
}
