/**
 * Filtering over the flow index: the filter language (flow-filter.ts) compiled to predicates over
 * indexed rows, posting lists first, then the capture texts (never `flow.raw`; the text finders
 * are flow-text.ts'), incrementally while the user types. The index (flow-index.ts) holds the
 * rows; the flow text format is collectors/flows'.
 */
import type {Flow, FlowAction} from '../model/facts.js';
import {tableName as neutronTableName} from '../collectors/neutron.js';
import {
	actionName,
	canonicalKey,
	flowStat,
	flowStatNumber,
	isFlowStatName,
	parseFlowActions,
} from '../collectors/flows/index.js';
import {cidrMatcher} from '../diagnostics/net.js';
import {conjuncts, narrows, parseFilter, type FilterExpr, type FilterTerm} from './flow-filter.js';
import {dumpAt, flowOf, notesOf, tableOf, type FlowIndex} from './flow-index.js';
import {
	actionsText,
	containsInRow,
	escapeRe,
	freeText,
	returnMarks,
	TextMarks,
	rowRaw,
	type Pred,
} from './flow-text.js';

const NUMBER = /^(?:0x[0-9a-f]+|-?\d+(?:\.\d+)?)$/i;
const toNumber = (s: string): number | undefined =>
	NUMBER.test(s)
		? s.toLowerCase().startsWith('0x')
			? Number.parseInt(s, 16)
			: Number(s)
		: undefined;

/** Compare one actual value with what the user typed. */
export function compareValue(actual: string, op: FilterTerm['op'], wanted: string): boolean {
	const a = actual.toLowerCase();
	const w = wanted.toLowerCase();
	switch (op) {
		case '~=':
			return a.includes(w);
		case '=':
		case '!=': {
			let equal = a === w;
			if (!equal && w.includes('/') && !a.includes('/')) equal = cidrMatcher(w)?.(a) ?? false;
			if (!equal) {
				const an = toNumber(a);
				const wn = toNumber(w);
				equal = an !== undefined && wn !== undefined && an === wn;
			}
			return op === '=' ? equal : !equal;
		}
		case '<':
		case '>':
		case '<=':
		case '>=': {
			const an = toNumber(a);
			const wn = toNumber(w);
			if (an === undefined || wn === undefined) return false;
			return op === '<' ? an < wn : op === '>' ? an > wn : op === '<=' ? an <= wn : an >= wn;
		}
		case undefined:
			return true;
	}
}

/**
 * Position of `id` in a sorted posting list, or -1, for ids asked in ascending order (as
 * filterFlows does): walks on from the last answer, and bisects only over a long gap.
 */
function cursor(ids: Int32Array): (id: number) => number {
	let at = 0;
	return id => {
		if (at > 0 && (ids[at - 1] ?? 0) > id) at = 0;
		if (at + 8 < ids.length && (ids[at + 8] ?? 0) < id) {
			const found = lookup(ids, id);
			at = found >= 0 ? found : at;
			if (found >= 0) return found;
		}
		while (at < ids.length && (ids[at] ?? 0) < id) at++;
		return at < ids.length && ids[at] === id ? at : -1;
	};
}

/** Position of `id` in a sorted posting list, or -1. */
function lookup(ids: Int32Array, id: number): number {
	let lo = 0;
	let hi = ids.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const v = ids[mid] ?? 0;
		if (v === id) return mid;
		if (v < id) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

function actionTargets(
	action: FlowAction,
	ports: ReadonlyMap<string, string> | undefined,
): string[] {
	switch (action.type) {
		case 'output': {
			const name = ports?.get(action.port);
			return name === undefined ? [action.port] : [action.port, name];
		}
		case 'resubmit':
			return [String(action.table ?? ''), action.port ?? ''];
		case 'goto_table':
			return [String(action.table)];
		case 'load':
		case 'set_field':
			return [action.decoded ?? action.value, action.field];
		case 'move':
			return [action.src, action.dst];
		case 'learn':
			return [action.spec];
		case 'other':
			return [action.arg ?? ''];
		case 'drop':
		case 'normal':
			return [''];
	}
}

/** a equals w (lower case) ignoring ASCII case, without a lower-cased copy per row. */
function sameIgnoringCase(a: string, w: string): boolean {
	// From the end: MACs and IPs of one network share their start.
	for (let i = a.length - 1; i >= 0; i--) {
		let c = a.charCodeAt(i);
		if (c > 127) return a.toLowerCase() === w;
		if (c >= 65 && c <= 90) c += 32;
		if (c !== w.charCodeAt(i)) return false;
	}
	return true;
}

/** A comparator for one typed value, with everything about the value worked out once. */
function comparator(op: NonNullable<FilterTerm['op']>, value: string): (actual: string) => boolean {
	const w = value.toLowerCase();
	const wn = toNumber(w);
	const inCidr = w.includes('/') ? cidrMatcher(w) : undefined;
	switch (op) {
		case '~=': {
			const re = escapeRe(value);
			return a => re.test(a);
		}
		case '=':
		case '!=': {
			const eq = (a: string): boolean => {
				if (a === w) return true;
				// Lower-casing keeps an ASCII value's length: only same-length values can be equal.
				if (a.length === w.length && sameIgnoringCase(a, w)) return true;
				if (inCidr !== undefined && !a.includes('/') && inCidr(a)) return true;
				if (wn !== undefined) return toNumber(a) === wn;
				return false;
			};
			return op === '=' ? eq : a => !eq(a);
		}
		case '<':
		case '>':
		case '<=':
		case '>=': {
			if (wn === undefined) return () => false;
			const cmp = numberComparator(op, wn);
			return a => {
				const an = toNumber(a);
				return an !== undefined && cmp(an);
			};
		}
	}
}

function numberComparator(op: NonNullable<FilterTerm['op']>, wn: number): (n: number) => boolean {
	switch (op) {
		case '=':
			return n => n === wn;
		case '!=':
			return n => n !== wn;
		case '<':
			return n => n < wn;
		case '>':
			return n => n > wn;
		case '<=':
			return n => n <= wn;
		case '>=':
			return n => n >= wn;
		case '~=': {
			const text = String(wn);
			return n => String(n).includes(text);
		}
	}
}

function compileTerm(term: FilterTerm, index: FlowIndex, wide: boolean): Pred {
	if (term.key === undefined) return freeText(term.value ?? '', index, wide);
	const key = canonicalKey(term.key);
	const op = term.op;
	const value = term.value ?? '';
	const portsOf = (id: number): ReadonlyMap<string, string> | undefined => {
		const dump = dumpAt(index, id);
		return dump === undefined ? undefined : index.portNames.get(`${dump.node}\0${dump.bridge}`);
	};
	const flow = (id: number): Flow | undefined => flowOf(index, id);
	if (
		op === undefined &&
		(key === 'table' || key === 'node' || key === 'bridge' || key === 'actions')
	)
		return () => true;
	if (key === 'table') {
		if (op === undefined) return () => true;
		const wn = toNumber(value);
		if (wn === undefined) {
			const cmp = comparator(op, value);
			return id => {
				const dump = dumpAt(index, id);
				const table = tableOf(index, id);
				return cmp((dump === undefined ? undefined : neutronTableName(dump.bridge, table)) ?? '');
			};
		}
		const cmp = numberComparator(op, wn);
		return id => cmp(tableOf(index, id));
	}
	if (op === undefined) {
		if (key === 'note' || key === 'notes') return id => (index.notesOf[id] ?? 0) !== 0;
		// Every flow has a priority (OVS prints the default 32768 too when it is the default).
		if (key === 'priority') return () => true;
		if (isFlowStatName(key))
			return id => {
				const f = flow(id);
				return f !== undefined && flowStat(f, key) !== undefined;
			};
		const posting = index.byKey.get(key);
		if (posting === undefined)
			return KNOWN_WORDS.has(key) ? () => false : freeText(term.text, index, wide);
		// Match keys and action names, from the posting list built at load.
		const find = cursor(posting);
		return id => find(id) >= 0;
	}
	const cmp = comparator(op, value);
	if (key === 'node') return id => cmp(dumpAt(index, id)?.node ?? '');
	if (key === 'bridge') return id => cmp(dumpAt(index, id)?.bridge ?? '');
	if (key === 'actions') {
		// `actions~=` before the value is typed: every flow has actions.
		if (op === '~=' && value === '') return () => true;
		if (op === '~=' && wide) {
			let marks: TextMarks | undefined;
			return id => (marks ??= new TextMarks(index, value, true)).has(id);
		}
		if (op === '~=') {
			const contains = containsInRow(index, value, true);
			return id => contains(id);
		}
		return id => cmp(actionsText(rowRaw(index, id)));
	}
	if (key === 'note' || key === 'notes') {
		const contains = comparator(op === '=' ? '~=' : op, value);
		return id => notesOf(index, id).some(contains);
	}
	const stat = isFlowStatName(key) ? key : undefined;
	const wn = toNumber(value);
	if (key === 'priority') {
		const priorityOf = (id: number): number => (index.tablePriority[id] ?? 0) & 65535;
		if (wn === undefined) return id => cmp(String(priorityOf(id)));
		const ncmp = numberComparator(op, wn);
		return id => ncmp(priorityOf(id));
	}
	if (stat !== undefined && stat !== 'cookie' && wn !== undefined) {
		const ncmp = numberComparator(op, wn);
		return id => {
			const f = flow(id);
			const n = f === undefined ? undefined : flowStatNumber(f, stat);
			return n !== undefined && ncmp(n);
		};
	}
	if (stat !== undefined) {
		return id => {
			const f = flow(id);
			const actual = f === undefined ? undefined : flowStat(f, stat);
			return actual !== undefined && cmp(actual);
		};
	}
	if (ACTION_NAMES.has(key)) {
		// Actions parsed from the line for this test only (the flow's own stay unmaterialised).
		const posting = index.byKey.get(key);
		return id =>
			posting !== undefined &&
			lookup(posting, id) >= 0 &&
			parseFlowActions(actionsText(rowRaw(index, id))).some(
				a => actionName(a) === key && actionTargets(a, portsOf(id)).some(cmp),
			);
	}
	const posting = index.byKey.get(key);
	const vals = index.values.get(key);
	const find = posting === undefined ? () => -1 : cursor(posting);
	return id => {
		const at = find(id);
		const actual = at < 0 ? undefined : vals?.[at];
		if (actual === undefined) return op === '!=';
		if (cmp(actual)) return true;
		if (key === 'in_port' && (op === '=' || op === '~=')) {
			const name = portsOf(id)?.get(actual);
			return name !== undefined && cmp(name);
		}
		return false;
	};
}

const ACTION_NAMES = new Set([
	'output',
	'resubmit',
	'goto_table',
	'drop',
	'normal',
	'load',
	'set_field',
	'move',
	'learn',
	'mod_dl_src',
	'mod_vlan_vid',
	'strip_vlan',
	'pop_vlan',
	'push_vlan',
	'ct',
]);

const KNOWN_WORDS = new Set([
	'arp',
	'rarp',
	'ip',
	'ipv6',
	'icmp',
	'icmp6',
	'tcp',
	'tcp6',
	'udp',
	'udp6',
	'drop',
	'normal',
	'output',
	'resubmit',
	'goto_table',
	'learn',
]);

function compile(expr: FilterExpr, index: FlowIndex, wide: boolean): Pred {
	switch (expr.type) {
		case 'term':
			return compileTerm(expr, index, wide);
		case 'not': {
			const inner = compile(expr.expr, index, wide);
			return id => !inner(id);
		}
		case 'and': {
			const items = expr.items.map(e => compile(e, index, wide));
			return id => items.every(p => p(id));
		}
		case 'or': {
			const items = expr.items.map(e => compile(e, index, wide));
			return id => items.some(p => p(id));
		}
	}
}

/** Candidate rows from posting lists: the smallest list among the indexable AND terms. */
const NONE = new Int32Array(0);

function candidates(expr: FilterExpr, index: FlowIndex): Int32Array | undefined {
	let best: Int32Array | undefined;
	for (const item of conjuncts(expr)) {
		if (item.type !== 'term' || item.key === undefined) continue;
		const key = canonicalKey(item.key);
		let list: Int32Array | undefined;
		if (key === 'table' && item.op === '=' && toNumber(item.value ?? '') !== undefined)
			list = index.byTable.get(toNumber(item.value ?? '') ?? -1) ?? NONE;
		else if (key === 'node' && item.op === '=' && index.byNode.has(item.value ?? ''))
			list = index.byNode.get(item.value ?? '');
		else if (
			isFlowStatName(key) ||
			key === 'table' ||
			key === 'node' ||
			key === 'bridge' ||
			key === 'actions' ||
			key === 'note' ||
			key === 'notes'
		)
			list = undefined;
		else if (
			item.op === undefined ||
			item.op === '=' ||
			item.op === '~=' ||
			item.op === '<' ||
			item.op === '>' ||
			item.op === '<=' ||
			item.op === '>='
		) {
			if (index.byKey.has(key)) list = index.byKey.get(key);
			else if (item.op !== undefined) list = NONE;
		}
		if (list !== undefined && (best === undefined || list.length < best.length)) best = list;
	}
	return best;
}

/** Result of one filter evaluation; keep it and pass it back for incremental narrowing. */
export type FlowFilterResult = {
	readonly text: string;
	readonly expr: FilterExpr | undefined;
	readonly error?: string;
	/** Row ids in index order. */
	readonly ids: Int32Array;
	/** How many rows the predicate looked at (to prove the incremental path in tests). */
	readonly scanned: number;
	/**
	 * Rows matching every AND-ed condition but the last, while the last one is being typed
	 * (`actions~=drop && node=cm…`): the next keystroke tests only the last condition on them.
	 */
	readonly head?: {readonly key: string; readonly ids: Int32Array};
	/**
	 * Set on what a filter dropped by the next key had found: the rows below `upTo` were all
	 * tested (`ids` are their matches), the rest not. The next filter, when it narrows this one,
	 * tests those matches and goes on from `upTo`, so typing on does not start over each key.
	 */
	readonly upTo?: number;
};

/** A bare word that searches as free text (neither a match key, an action name nor a keyword). */
function searchesAsText(term: FilterTerm, index: FlowIndex): boolean {
	if (term.key === undefined || term.op !== undefined) return false;
	const key = canonicalKey(term.key);
	return (
		!SPECIAL_KEYS.has(key) && !isFlowStatName(key) && !index.byKey.has(key) && !KNOWN_WORDS.has(key)
	);
}
const SPECIAL_KEYS = new Set(['table', 'node', 'bridge', 'actions', 'note', 'notes']);

/**
 * Filter the index. Given the previous result, narrows it when the new filter only adds
 * conditions (typing more characters); otherwise starts from the smallest posting list. A filter
 * that does not parse keeps the previous rows and reports the error.
 */
export function filterFlows(
	index: FlowIndex,
	text: string,
	previous?: FlowFilterResult,
): FlowFilterResult {
	const steps = filterSteps(index, text, previous);
	for (;;) {
		const step = steps.next();
		if (step.done === true) return step.value;
	}
}

/** The id list of a filter job, kept for the next one (a 200,000-entry list per key is memory). */
let spareIds: Int32Array | undefined;

/** Rows a filter tests between two pauses (see {@link filterSteps}). */
const ROWS_PER_STEP = 1024;

/**
 * {@link filterFlows} cut into slices: the generator pauses every {@link ROWS_PER_STEP} rows
 * tested (text searches go as far as the rows tested), so a filter that takes longer than a
 * frame lets keys in between slices — and is dropped (`return()`) when the next key changes it.
 */
export function* filterSteps(
	index: FlowIndex,
	text: string,
	previous?: FlowFilterResult,
	progress?: FilterProgress,
): Generator<void, FlowFilterResult, void> {
	const parsed = parseFilter(text);
	const complete = previous?.upTo === undefined ? previous : undefined;
	if (!parsed.ok) {
		const ids = complete?.ids ?? allIds(index);
		return {text, expr: complete?.expr, error: parsed.error, ids, scanned: 0};
	}
	const expr = parsed.expr;
	if (expr === undefined) return {text, expr, ids: allIds(index), scanned: 0};
	const usable = previous !== undefined && previous.error === undefined ? previous : undefined;
	// `arp` → `arp ` → `arp &&`: the same filter; keep the rows.
	if (usable?.upTo === undefined && usable !== undefined && sameExpr(usable.expr, expr))
		return {
			text,
			expr,
			ids: usable.ids,
			scanned: 0,
			...(usable.head === undefined ? {} : {head: usable.head}),
		};
	const asText = (term: FilterTerm): boolean => searchesAsText(term, index);
	const narrowing = usable !== undefined && narrows(usable.expr, expr, asText);
	// While the last AND-ed condition is typed, the ones before it are already settled.
	const terms = conjuncts(expr);
	const last = terms.length >= 2 ? terms[terms.length - 1] : undefined;
	const headKey = last === undefined ? undefined : JSON.stringify(terms.slice(0, -1));
	let head: {key: string; ids: Int32Array} | undefined;
	if (usable?.upTo === undefined && usable !== undefined && headKey !== undefined) {
		if (usable.head?.key === headKey) head = usable.head;
		else if (JSON.stringify(conjuncts(usable.expr)) === headKey)
			head = {key: headKey, ids: usable.ids};
	}
	let source: ArrayLike<number> | undefined;
	let test: FilterExpr = expr;
	// What a dropped filter found, when this one narrows it: its matches, then the rows it had
	// not reached.
	let before: ArrayLike<number> | undefined;
	let upTo = 0;
	if (head !== undefined && last !== undefined) {
		test = last;
		source = head.ids;
		// The previous rows also passed the same head, and are fewer when the last one narrows.
		if (narrowing && usable.head === head && usable.ids.length < source.length) source = usable.ids;
	} else {
		if (narrowing && usable.upTo !== undefined) {
			before = usable.ids;
			upTo = usable.upTo;
		} else if (narrowing) source = usable.ids;
		const posting = candidates(expr, index);
		if (posting !== undefined && (source === undefined || posting.length < source.length))
			source = posting;
	}
	const total = index.size;
	const segments: Segment[] = [];
	if (before !== undefined) segments.push({ids: before, from: 0, to: before.length});
	if (source === undefined) segments.push({ids: undefined, from: upTo, to: total});
	else segments.push({ids: source, from: lowerBound(source, upTo), to: source.length});
	let size = 0;
	for (const segment of segments) size += segment.to - segment.from;
	// The id list, reused across keystrokes (as flow-text.ts's row marks), taken by this job
	// while it runs (it may be paused, and dropped).
	const out =
		spareIds !== undefined && spareIds.length >= size
			? spareIds
			: new Int32Array(Math.max(size, total));
	spareIds = undefined;
	let n = 0;
	try {
		const pred = compile(test, index, size > total / 16);
		for (let k = 0; k < segments.length; k++) {
			const {ids, from, to} = segments[k] as Segment;
			for (let i = from; i < to;) {
				const end = Math.min(to, i + ROWS_PER_STEP);
				if (ids === undefined) {
					for (; i < end; i++) if (pred(i)) out[n++] = i;
				} else {
					for (; i < end; i++) {
						const id = ids[i] ?? -1;
						if (id >= 0 && id < total && pred(id)) out[n++] = id;
					}
				}
				if (progress !== undefined) {
					// Every row below the next one to test is decided.
					progress.out = out;
					progress.n = n;
					progress.upTo = i < to ? idAt(segments[k], i, total) : idAt(segments[k + 1], -1, total);
				}
				yield;
			}
		}
	} finally {
		// Done or dropped: the text-search marks and the id list go back for the next filter.
		returnMarks();
		spareIds = out;
	}
	return {text, expr, ids: out.slice(0, n), scanned: size, ...(head === undefined ? {} : {head})};
}

/** Rows a filter job walks: `ids[from…to)`, or the row ids from…to-1 themselves. */
type Segment = {
	readonly ids: ArrayLike<number> | undefined;
	readonly from: number;
	readonly to: number;
};

/** Where a filter job has got, for the next filter when it is dropped (see `upTo`). */
export type FilterProgress = {out?: Int32Array; n: number; upTo: number};

/** The row at position `i` of a segment (-1: its first), `total` past the last segment. */
function idAt(segment: Segment | undefined, i: number, total: number): number {
	if (segment === undefined) return total;
	const at = i < 0 ? segment.from : i;
	return segment.ids === undefined ? at : (segment.ids[at] ?? total);
}

/** Position of the first id ≥ `id` in an ascending list. */
function lowerBound(ids: ArrayLike<number>, id: number): number {
	let lo = 0;
	let hi = ids.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if ((ids[mid] ?? 0) < id) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

const sameExpr = (a: FilterExpr | undefined, b: FilterExpr | undefined): boolean =>
	a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

const allCache = new WeakMap<FlowIndex, Int32Array>();
function allIds(index: FlowIndex): Int32Array {
	let ids = allCache.get(index);
	if (ids === undefined) {
		ids = new Int32Array(index.size);
		for (let i = 0; i < ids.length; i++) ids[i] = i;
		allCache.set(index, ids);
	}
	return ids;
}

const lastResult = new WeakMap<FlowIndex, FlowFilterResult>();

/**
 * `filterFlows` with the previous result of the same index remembered, so each keystroke of a
 * filter narrows the last result instead of rescanning (the Flows screen and the bench use it).
 */
export function filterFlowsIncremental(index: FlowIndex, text: string): FlowFilterResult {
	const prev = lastResult.get(index);
	if (prev !== undefined && prev.text === text) return prev;
	const result = filterFlows(index, text, prev);
	lastResult.set(index, result);
	return result;
}
