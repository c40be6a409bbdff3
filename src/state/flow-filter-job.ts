/**
 * The Flows screen's filter as a job that pauses between slices and is dropped by the next key
 * (the filtering itself is flow-query.ts').
 */
import type {FlowIndex} from './flow-index.js';
import {parseFilter, type FilterExpr} from './flow-filter.js';
import {filterSteps, type FilterProgress, type FlowFilterResult} from './flow-query.js';

/** The expression of a filter text, or undefined when it does not parse or is empty. */
function parseExpr(text: string): FilterExpr | undefined {
	const parsed = parseFilter(text);
	return parsed.ok ? parsed.expr : undefined;
}

/** What a Flows screen shows: the latest finished filter result and the index it is over. */
export type FilterView = {
	readonly index: FlowIndex;
	/** The filter as the user typed it (without the screen's own `node=` scope). */
	readonly filter: string;
	readonly result: FlowFilterResult;
};

/**
 * The filter of one Flows screen as a job that can pause and be dropped. `want` asks for a
 * filter over an index and works on it for a budget; until it is done, `shown` stays the last
 * finished result — labelled with its own filter, so a frame never shows rows under a filter
 * they are not the result of — and `work` goes on with it between frames. Asking for another
 * filter (the next key) drops the unfinished one: its result is never shown.
 */
export class FlowFilterJob {
	#index: FlowIndex | undefined;
	#text: string | undefined;
	#filter = '';
	#steps: Generator<void, FlowFilterResult, void> | undefined;
	#progress: FilterProgress = {n: 0, upTo: 0};
	#shown: FilterView | undefined;

	/** The last finished result, or undefined before the first. */
	get shown(): FilterView | undefined {
		return this.#shown;
	}

	/** Whether the filter asked for last is still being worked on. */
	get pending(): boolean {
		return this.#steps !== undefined;
	}

	/**
	 * Ask for `text` (the filter with the screen's scope; `filter` as the user typed it) over
	 * `index`, working on it for up to `budgetMs` now. Asking again for the same does nothing.
	 */
	want(index: FlowIndex, text: string, filter: string, budgetMs: number): void {
		if (index === this.#index && text === this.#text) return;
		// What the dropped filter had found, for the next one to go on from when it narrows it.
		const dropped = index === this.#index ? this.#drop() : (this.#drop(), undefined);
		this.#index = index;
		this.#text = text;
		this.#filter = filter;
		// Else narrow the last finished result when it is over the same rows.
		const previous = dropped ?? (this.#shown?.index === index ? this.#shown.result : undefined);
		this.#progress = {n: 0, upTo: 0};
		this.#steps = filterSteps(index, text, previous, this.#progress);
		this.work(budgetMs);
	}

	/** Drops the pending filter; what it had found (rows below `upTo`), if it had begun. */
	#drop(): FlowFilterResult | undefined {
		const steps = this.#steps;
		if (steps === undefined) return undefined;
		const {out, n, upTo} = this.#progress;
		const text = this.#text ?? '';
		// Copied before the job gives its id list back.
		const found =
			out === undefined
				? undefined
				: {text, expr: parseExpr(text), ids: out.slice(0, n), scanned: 0, upTo};
		steps.return(undefined as never);
		this.#steps = undefined;
		return found?.expr === undefined ? undefined : found;
	}

	/** Go on with the pending filter for about `budgetMs`; true when nothing is left pending. */
	work(budgetMs: number): boolean {
		const steps = this.#steps;
		const index = this.#index;
		if (steps === undefined || index === undefined) return true;
		const until = performance.now() + budgetMs;
		for (;;) {
			let next: IteratorResult<void, FlowFilterResult>;
			try {
				next = steps.next();
			} catch (error) {
				this.#steps = undefined;
				throw error;
			}
			if (next.done === true) {
				this.#steps = undefined;
				this.#shown = {index, filter: this.#filter, result: next.value};
				return true;
			}
			if (performance.now() >= until) return false;
		}
	}

	/** Drop the pending filter (the screen closes). */
	cancel(): void {
		this.#drop();
		this.#index = undefined;
		this.#text = undefined;
	}
}
