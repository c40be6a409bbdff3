/**
 * Small pure helpers shared by the non-OVS parsers: line splitting, JSON with line numbers and
 * error positions, OpenStack CLI table text, and loose value coercion.
 */
import type {ParseWarning, ParserKind, ParserOutput, ParseResult} from '../../model/facts.js';

/** Split capture text into lines (LF or CRLF); a final newline does not make an extra line. */
export function splitLines(text: string): string[] {
	if (text === '') return [];
	const lines = text.split(/\r?\n/);
	if (lines.at(-1) === '') lines.pop();
	return lines;
}

/** A plain record without a prototype, so keys such as `__proto__` from input stay ordinary keys. */
export function bareRecord<T>(): Record<string, T> {
	return Object.create(null) as Record<string, T>;
}

/** Shorten a line for a warning so a huge garbage line does not flood the report. */
export function clip(text: string, max = 160): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function warning(line: number, message: string, text?: string): ParseWarning {
	return text === undefined ? {line, message} : {line, message, text: clip(text)};
}

export function result<K extends ParserKind>(
	kind: K,
	facts: ParserOutput[K],
	warnings: readonly ParseWarning[],
): ParseResult<K> {
	return {kind, facts, warnings};
}

/** True when the first non-blank character opens a JSON array or object. */
export function looksLikeJson(text: string): boolean {
	const first = /\S/.exec(text);
	return first !== null && (first[0] === '[' || first[0] === '{');
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
	let line = 1;
	const end = Math.min(offset, text.length);
	for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
	return line;
}

export type JsonParsed =
	| {readonly ok: true; readonly value: unknown}
	| {readonly ok: false; readonly warning: ParseWarning};

/** JSON.parse that reports a failure as a warning with the line of the error. */
export function parseJson(text: string): JsonParsed {
	try {
		return {ok: true, value: JSON.parse(text) as unknown};
	} catch (error) {
		const offset = jsonErrorOffset(text);
		const line = lineAt(text, offset);
		const lines = splitLines(text);
		const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
		return {
			ok: false,
			warning: warning(line, `invalid JSON: ${clip(detail ?? '', 120)}`, lines[line - 1] ?? ''),
		};
	}
}

/**
 * Offset of the first JSON syntax error (a light iterative validator; used only after JSON.parse
 * failed, because V8's messages do not always carry a position).
 */
export function jsonErrorOffset(text: string): number {
	let i = 0;
	const n = text.length;
	const stack: string[] = [];
	// expect: 'value' | 'key' | 'colon' | 'commaOrEnd'
	type Expect = 'value' | 'key' | 'colon' | 'commaOrEnd' | 'done';
	let expect = 'value' as Expect;
	const ws = (): void => {
		while (i < n && ' \t\r\n'.includes(text[i] ?? '')) i++;
	};
	const afterValue = (): void => {
		expect = stack.length === 0 ? 'done' : 'commaOrEnd';
	};
	for (;;) {
		ws();
		if (i >= n) return n;
		const c = text[i] ?? '';
		if (expect === 'done') return i;
		if (expect === 'colon') {
			if (c !== ':') return i;
			i++;
			expect = 'value';
			continue;
		}
		if ((expect as Expect) === 'commaOrEnd') {
			const top = stack.at(-1);
			if (c === ',') {
				i++;
				expect = top === '{' ? 'key' : 'value';
				continue;
			}
			if ((c === ']' && top === '[') || (c === '}' && top === '{')) {
				i++;
				stack.pop();
				afterValue();
				continue;
			}
			return i;
		}
		if (expect === 'key') {
			if (c === '}' && text[i - 1] !== ',') {
				i++;
				stack.pop();
				afterValue();
				continue;
			}
			if (c !== '"') return i;
			const end = scanString(text, i);
			if (end < 0) return n;
			i = end;
			expect = 'colon';
			continue;
		}
		// value
		if (c === '{' || c === '[') {
			stack.push(c);
			i++;
			ws();
			if (text[i] === (c === '{' ? '}' : ']')) {
				i++;
				stack.pop();
				afterValue();
			} else expect = c === '{' ? 'key' : 'value';
			continue;
		}
		if (c === '"') {
			const end = scanString(text, i);
			if (end < 0) return n;
			i = end;
			afterValue();
			continue;
		}
		const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
			text.slice(i, i + 400),
		);
		if (lit === null) return i;
		i += lit[0].length;
		afterValue();
	}
}

/** End offset (exclusive) of the JSON string starting at `start`, or -1 when unterminated. */
function scanString(text: string, start: number): number {
	for (let i = start + 1; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 92) i++;
		else if (c === 34) return i + 1;
		else if (c === 10) return -1;
	}
	return -1;
}

/**
 * Lines where each top-level element of a JSON array (or the single top-level object) starts, so
 * facts from JSON can cite a line. Returns [] when the text is not an array or object.
 */
export function topLevelElementLines(text: string): number[] {
	const lines: number[] = [];
	let line = 1;
	let depth = 0;
	let inString = false;
	let topIsArray = false;
	let expectElement = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '\n') {
			line++;
			continue;
		}
		if (inString) {
			if (c === '\\') i++;
			else if (c === '"') inString = false;
			continue;
		}
		if (c === ' ' || c === '\t' || c === '\r') continue;
		if (depth === 0) {
			if (c === '[') {
				topIsArray = true;
				expectElement = true;
				depth = 1;
				continue;
			}
			if (c === '{') {
				lines.push(line);
				depth = 1;
				continue;
			}
			continue;
		}
		if (depth === 1 && topIsArray) {
			if (c === ',') {
				expectElement = true;
				continue;
			}
			if (c === ']') {
				depth = 0;
				continue;
			}
			if (expectElement) {
				lines.push(line);
				expectElement = false;
			}
		}
		if (c === '"') inString = true;
		else if (c === '{' || c === '[') depth++;
		else if (c === '}' || c === ']') depth--;
	}
	return lines;
}

/** The element type of a list-valued parser output (`IpInterface` for `ip-addr`, …). */
export type ItemOf<K extends ParserKind> = ParserOutput[K] extends readonly (infer T)[] ? T : never;

/**
 * The walk shared by the `ip -j …` parsers: `text` must be a JSON array of objects. Each object
 * goes to `read` with the line its element starts on; `read` returns the fact, or undefined when
 * the item lacks its key field `required`. A JSON error, a non-array (`expected a JSON array of
 * <what>`) and an item that is not an object or that `read` refuses (`item N has no "<required>"`)
 * become warnings; it never throws.
 */
export function parseJsonItems<K extends ParserKind>(
	text: string,
	kind: K,
	what: string,
	required: string,
	read: (item: JsonObject, line: number) => ItemOf<K> | undefined,
): ParseResult<K> {
	const items: ItemOf<K>[] = [];
	// The cast is sound: every kind that reaches here has a readonly list as its output.
	const facts = items as unknown as ParserOutput[K];
	const parsed = parseJson(text);
	if (!parsed.ok) return result(kind, facts, [parsed.warning]);
	if (!Array.isArray(parsed.value))
		return result(kind, facts, [warning(1, `expected a JSON array of ${what}`)]);
	const warnings: ParseWarning[] = [];
	const lines = topLevelElementLines(text);
	parsed.value.forEach((item: unknown, i) => {
		const line = lines[i] ?? 1;
		const fact = isObject(item) ? read(item, line) : undefined;
		if (fact === undefined) warnings.push(warning(line, `item ${i} has no "${required}"`));
		else items.push(fact);
	});
	return result(kind, facts, warnings);
}

/** `T` with each field that may be undefined turned into an optional field that is never undefined. */
export type WithoutUndefined<T> = {
	[P in keyof T as undefined extends T[P] ? never : P]: T[P];
} & {
	[P in keyof T as undefined extends T[P] ? P : never]?: Exclude<T[P], undefined>;
};

/**
 * `fields` without the fields whose value is undefined, in the same key order, so a fact literal
 * can list optional fields plainly under `exactOptionalPropertyTypes`. Pass a fresh literal: when
 * no field is undefined it is returned as it is (no copy). `const T` keeps the literal and
 * narrowed types of the fields (a checked `family` stays `inet | inet6`).
 */
export function withDefined<const T extends object>(fields: T): WithoutUndefined<T> {
	// for…in over a fresh literal is V8's fastest key walk (enum cache, no key array); a literal
	// has no inherited enumerable keys.
	let complete = true;
	for (const key in fields)
		if (fields[key] === undefined) {
			complete = false;
			break;
		}
	if (complete) return fields;
	const out: Record<string, unknown> = {};
	for (const key in fields) {
		const value = fields[key];
		if (value !== undefined) out[key] = value;
	}
	return out as WithoutUndefined<T>;
}

// ─── value coercion (JSON values and CLI table strings) ─────────────────────

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string; `None`/`null`/'' from CLI tables count as absent. Numbers become strings. */
export function asString(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	if (trimmed === '' || trimmed === 'None' || trimmed === 'null') return undefined;
	return trimmed;
}

export function asNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
	return undefined;
}

/** A JSON string, or a JSON number as text (iproute2 prints some fields as either); no trimming. */
export function stringOrNumber(value: unknown): string | undefined {
	return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The strings of a JSON array (other elements skipped); [] when `value` is not an array. */
export function stringItems(value: unknown): string[] {
	return Array.isArray(value)
		? (value as unknown[]).filter((v): v is string => typeof v === 'string')
		: [];
}

/** Booleans as the API and the CLI print them: true/True/UP/yes/:-) and false/False/DOWN/no/XXX. */
export function asBool(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value !== 'string') return undefined;
	const v = value.trim().toLowerCase();
	if (['true', 'up', 'yes', ':-)', 'enabled', 'external'].includes(v)) return true;
	if (['false', 'down', 'no', 'xxx', 'disabled', 'internal'].includes(v)) return false;
	return undefined;
}

/** Normalise a key for lookup: `Agent Type` → `agent_type`, `binding:host_id` → `binding_host_id`. */
export function normKey(key: string): string {
	return key
		.trim()
		.toLowerCase()
		.replace(/[\s:\-.]+/g, '_');
}

/** A record with normalised keys, looked up by alias list. */
export class Fields {
	private readonly map = new Map<string, unknown>();
	constructor(readonly source: JsonObject) {
		for (const [key, value] of Object.entries(source)) {
			const k = normKey(key);
			if (!this.map.has(k)) this.map.set(k, value);
		}
	}
	get(...names: string[]): unknown {
		for (const name of names) {
			const value = this.map.get(name);
			if (value !== undefined && value !== null) return value;
		}
		return undefined;
	}
	str(...names: string[]): string | undefined {
		return asString(this.get(...names));
	}
	num(...names: string[]): number | undefined {
		return asNumber(this.get(...names));
	}
	bool(...names: string[]): boolean | undefined {
		return asBool(this.get(...names));
	}
}

/**
 * OSC's string rendering of a list of dicts: `ip_address='10.0.0.5', subnet_id='…'` (one dict per
 * line in tables; several dicts on one line are split where a key repeats).
 */
export function parseKeyValueDicts(text: string): Record<string, string>[] {
	const out: Record<string, string>[] = [];
	for (const line of text.split(/\n/)) {
		let current: Record<string, string> | undefined;
		for (const m of line.matchAll(/([A-Za-z_][\w:-]*)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^,\s]*))/g)) {
			const key = m[1] ?? '';
			const value = m[2] ?? m[3] ?? m[4] ?? '';
			if (current === undefined || Object.hasOwn(current, key)) {
				current = bareRecord<string>();
				out.push(current);
			}
			current[key] = value;
		}
	}
	return out;
}

/** A list value: JSON array, or a CLI string split on newlines/commas. */
export function asStringList(value: unknown): string[] {
	if (Array.isArray(value))
		return value.map(v => asString(v)).filter((v): v is string => v !== undefined);
	const s = asString(value);
	if (s === undefined) return [];
	return s
		.split(/[\n,]/)
		.map(x => x.trim())
		.filter(x => x !== '' && x !== 'None');
}

// ─── OpenStack CLI table text (`+----+` boxes) ──────────────────────────────

export type TableRecord = {readonly record: Record<string, string>; readonly line: number};

/** True when the first non-blank line is an OSC/prettytable border. */
export function looksLikeTable(text: string): boolean {
	const first = /^\s*(\S.*)$/m.exec(text);
	return first !== null && /^\+[-=+]+\+?\s*$/.test(first[1]?.trimEnd() ?? '');
}

/**
 * Parse an OSC table. `Field | Value` tables (show) give one record; other tables (list) give one
 * record per row keyed by the header. A row whose first cell is empty continues the previous row.
 */
export function parseTable(text: string): {records: TableRecord[]; warnings: ParseWarning[]} {
	const lines = splitLines(text);
	const warnings: ParseWarning[] = [];
	let header: string[] | undefined;
	const rows: {cells: string[]; line: number}[] = [];
	lines.forEach((raw, idx) => {
		const lineNo = idx + 1;
		const line = raw.trim();
		if (line === '' || /^\+[-=+]*\+?$/.test(line)) return;
		if (!line.startsWith('|')) {
			warnings.push(warning(lineNo, 'not a table row', raw));
			return;
		}
		const cells = line
			.replace(/^\|/, '')
			.replace(/\|$/, '')
			.split('|')
			.map(c => c.trim());
		if (header === undefined) {
			header = cells;
			return;
		}
		if (cells.length !== header.length) {
			warnings.push(
				warning(lineNo, `table row has ${cells.length} cells, header has ${header.length}`, raw),
			);
			return;
		}
		const prev = rows.at(-1);
		if (cells[0] === '' && prev !== undefined) {
			prev.cells = prev.cells.map((c, i) => {
				const more = cells[i] ?? '';
				if (more === '') return c;
				return c === '' ? more : `${c}\n${more}`;
			});
			return;
		}
		rows.push({cells, line: lineNo});
	});
	if (header === undefined) return {records: [], warnings};
	const h = header;
	const isShow =
		h.length === 2 && normKey(h[0] ?? '') === 'field' && normKey(h[1] ?? '') === 'value';
	if (isShow) {
		if (rows.length === 0) return {records: [], warnings};
		const record = bareRecord<string>();
		for (const row of rows) record[row.cells[0] ?? ''] = row.cells[1] ?? '';
		return {records: [{record, line: rows[0]?.line ?? 1}], warnings};
	}
	return {
		records: rows.map(row => {
			const record = bareRecord<string>();
			h.forEach((name, i) => {
				record[name] = row.cells[i] ?? '';
			});
			return {record, line: row.line};
		}),
		warnings,
	};
}

/**
 * Records of an OpenStack CLI/API answer: JSON list, JSON object, an API envelope such as
 * `{"amphorae":[…]}` / `{"amphora":{…}}` (names given by the caller), or the table text form.
 */
export function readRecords(
	text: string,
	envelopes: {readonly list: readonly string[]; readonly single: readonly string[]},
): {records: {fields: Fields; line: number; index: number}[]; warnings: ParseWarning[]} {
	if (text.trim() === '') return {records: [], warnings: []};
	if (looksLikeTable(text)) {
		const table = parseTable(text);
		return {
			records: table.records.map((r, index) => ({
				fields: new Fields(r.record),
				line: r.line,
				index,
			})),
			warnings: table.warnings,
		};
	}
	if (!looksLikeJson(text)) {
		const first = /\S/.exec(text);
		const line = first === null ? 1 : lineAt(text, first.index);
		return {
			records: [],
			warnings: [
				warning(
					line,
					'neither JSON nor an OpenStack CLI table (use -f json)',
					splitLines(text)[line - 1],
				),
			],
		};
	}
	const parsed = parseJson(text);
	if (!parsed.ok) return {records: [], warnings: [parsed.warning]};
	const warnings: ParseWarning[] = [];
	let items: unknown[];
	let lines: number[] = [];
	const value = parsed.value;
	if (Array.isArray(value)) items = value;
	else if (isObject(value)) {
		const keys = Object.keys(value);
		const listKey = envelopes.list.find(k => Array.isArray(value[k]));
		const singleKey = envelopes.single.find(k => isObject(value[k]));
		if (keys.length === 1 && listKey !== undefined) {
			items = value[listKey] as unknown[];
			lines = nestedLines(text, listKey);
		} else if (keys.length === 1 && singleKey !== undefined) {
			items = [value[singleKey]];
			lines = nestedLines(text, singleKey);
		} else {
			items = [value];
			lines = topLevelElementLines(text);
		}
	} else {
		return {records: [], warnings: [warning(1, 'JSON is not a list or an object')]};
	}
	if (Array.isArray(value)) lines = topLevelElementLines(text);
	const records: {fields: Fields; line: number; index: number}[] = [];
	items.forEach((item, index) => {
		const line = lines[index] ?? 1;
		if (!isObject(item)) {
			warnings.push(warning(line, `item ${index} is not an object`));
			return;
		}
		records.push({fields: new Fields(item), line, index});
	});
	return {records, warnings};
}

/** Element lines of the array (or the object) under envelope key `key` of a top-level object. */
function nestedLines(text: string, key: string): number[] {
	const at = new RegExp(`"${key}"\\s*:\\s*`).exec(text);
	if (at === null) return [];
	const start = at.index + at[0].length;
	const before = lineAt(text, start) - 1;
	return topLevelElementLines(text.slice(start)).map(l => l + before);
}
