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
		// The last search, from at most here, found its hit at or after here (or none): the
		// first hit from here is the same. (Text marked a chunk of rows at a time asks again
		// from each chunk's start; a sparse value's next hit can be megabytes on.)
		if (
			text === this.#lastText &&
			this.#lastFrom <= from &&
			(this.#lastAt >= from || this.#lastAt < 0)
		) {
			this.end = this.#lastAt < 0 ? -1 : Math.max(this.#lastAt + this.#length, from + 1);
			return this.#lastAt;
		}
		const at = this.#search(text, from);
		this.#lastText = text;
		this.#lastFrom = from;
		this.#lastAt = at;
		return at;
	}
	#lastText: string | undefined;
	#lastFrom = 0;
	#lastAt = -1;

	#search(text: string, from: number): number {
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

/** Rows a text search covers before the rows after them can be asked for (see TextMarks). */
const MARK_CHUNK = 2048;

/**
 * Rows whose capture text holds `value` (any case), all searched at once in the capture texts —
 * in chunks of rows, as far as the rows asked for: `has(id)` for ids in ascending order searches
 * only up to row `id`, so a filter cut into slices searches the text a slice at a time.
 */
export class TextMarks {
	readonly #index: FlowIndex;
	readonly #inActions: boolean;
	readonly #find: Finder;
	readonly marks: Uint8Array;
	/** Rows below this are marked for good. */
	#done = 0;
	/** The run being searched and where in it. */
	#run = 0;
	#from = -1;

	constructor(index: FlowIndex, value: string, inActions = false) {
		this.#index = index;
		this.#inActions = inActions;
		this.#find = new Finder(value);
		this.marks = leaseMarks(index.size);
	}

	/** Whether row `id`'s line holds the value. */
	has(id: number): boolean {
		while (this.#done <= id && this.#chunk());
		return this.marks[id] === 1;
	}

	/** Marks every row. */
	all(): Uint8Array {
		while (this.#chunk());
		return this.marks;
	}

	/** Searches the next chunk of rows; false when every row is done. */
	#chunk(): boolean {
		const t = this.#index.text;
		const run = t.runs[this.#run];
		if (run === undefined) {
			this.#done = this.#index.size;
			return false;
		}
		const [ti, runFirst, runLast] = run;
		const first = this.#from < 0 ? runFirst : this.#from;
		const last = Math.min(runLast, first + MARK_CHUNK - 1);
		markRows(t.texts[ti] ?? '', t, first, last, this.#find, this.#inActions, this.marks);
		if (last === runLast) {
			this.#run++;
			this.#from = -1;
		} else this.#from = last + 1;
		this.#done = last + 1;
		return true;
	}
}

/** Marks rows first…last (consecutive lines of one text) whose line holds what `find` finds. */
function markRows(
	text: string,
	t: FlowIndex['text'],
	first: number,
	last: number,
	find: Finder,
	inActions: boolean,
	marks: Uint8Array,
): void {
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

/** Every row whose line holds `value` (any case), marked 1. */
export function markText(index: FlowIndex, value: string, inActions = false): Uint8Array {
	return new TextMarks(index, value, inActions).all();
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
		// The texts are searched as far as the rows asked for; notes too: rows share note lists
		// (`… = DVR MAC of this node`), each list tested once.
		let marks: TextMarks | undefined;
		let noteHits: Uint8Array | undefined;
		return id => {
			if (marks === undefined) {
				marks = new TextMarks(index, value);
				noteHits = new Uint8Array(index.noteLists.length);
				for (let i = 0; i < index.noteLists.length; i++)
					if (index.noteLists[i]?.some(n => re.test(n)) === true) noteHits[i] = 1;
			}
			return marks.has(id) || noteHits?.[index.notesOf[id] ?? 0] === 1;
		};
	}
	const contains = containsInRow(index, value);
	return id => contains(id) || inNotes(id);
}
