/**
 * `dvrscope parse ovs-flows` block by block: a regular file cut into blocks of whole lines (a
 * line that straddles a block's edge is carried whole into the next block), each block decoded
 * on its own — counted (`--stats`) or turned into JSON text — and the results put back together
 * in file order. The same block function runs on the main thread (stdin, small files) and in the
 * worker threads (parse-workers.ts), so both paths give byte-identical output.
 */
import {isAscii} from 'node:buffer';
import {readSync} from 'node:fs';
import {JsonBytes} from '../../collectors/flows/json-bytes.js';
import type {ParseWarning} from '../../model/facts.js';

/** Bytes per block of an `ovs-flows` dump (a block grows when one line is longer). */
export const BLOCK = 1024 * 1024;
/** Bytes of a block's JSON buffer to start with (a 1 MB block writes ≈ 3.3 MB; it grows when needed). */
export const OUT_BUFFER = 4 * BLOCK;

export type FlowMode = 'ndjson' | 'compact' | 'stats';

/** What the flow stream needs from the ovs-flows parser (passed in: this module loads with every command). */
export type FlowCodec = {
	/**
	 * A block of whole lines (its first line is file line `lineOffset + 1`) decoded eagerly: each
	 * record handed to `onRecord` (`records`) or written as JSON text (`compact`: joined by commas;
	 * `ndjson`: a newline after each), warnings with file line numbers.
	 */
	readonly decode: (
		text: string,
		lineOffset: number,
		mode: 'records' | 'compact' | 'ndjson',
		onRecord?: (record: FlowRecordLike) => void,
		out?: JsonBytes,
	) => BlockResult;
};

/** The parts of a decoded flow `--stats` counts. */
export type FlowRecordLike = {
	readonly table: number;
	readonly packets?: number | undefined;
	readonly bytes?: number | undefined;
	readonly match: Readonly<Record<string, string>>;
	readonly actions: readonly {readonly type: string; readonly decoded?: string}[];
};

/** {@link FlowStats} as a worker posts it (structured-clone friendly). */
export type FlowStatsData = {
	flows: number;
	packets: number;
	bytes: number;
	decodedValues: number;
	tables: [number, number][];
	matchFields: [string, number][];
	actions: [string, number][];
};

/** A counter held in its map: one lookup per count instead of a get and a set. */
type Count = {n: number};

const addTo = <K>(m: Map<K, Count>, k: K, n: number): void => {
	const c = m.get(k);
	if (c === undefined) m.set(k, {n});
	else c.n += n;
};

const countsOf = <K>(m: ReadonlyMap<K, Count>): [K, number][] =>
	Array.from(m, ([k, c]): [K, number] => [k, c.n]);

/** `--stats`: what every flow's decoded fields add up to. */
export class FlowStats {
	flows = 0;
	packets = 0;
	bytes = 0;
	decodedValues = 0;
	readonly #tables = new Map<number, Count>();
	readonly #matchFields = new Map<string, Count>();
	readonly #actions = new Map<string, Count>();

	add(r: FlowRecordLike): void {
		this.flows++;
		addTo(this.#tables, r.table, 1);
		this.packets += r.packets ?? 0;
		this.bytes += r.bytes ?? 0;
		for (const key in r.match) addTo(this.#matchFields, key, 1);
		for (const action of r.actions) {
			addTo(this.#actions, action.type, 1);
			if (action.decoded !== undefined) this.decodedValues++;
		}
	}

	data(): FlowStatsData {
		return {
			flows: this.flows,
			packets: this.packets,
			bytes: this.bytes,
			decodedValues: this.decodedValues,
			tables: countsOf(this.#tables),
			matchFields: countsOf(this.#matchFields),
			actions: countsOf(this.#actions),
		};
	}

	/** Add another thread's counts (sums of integers: the order does not change them). */
	merge(d: FlowStatsData): void {
		this.flows += d.flows;
		this.packets += d.packets;
		this.bytes += d.bytes;
		this.decodedValues += d.decodedValues;
		for (const [k, n] of d.tables) addTo(this.#tables, k, n);
		for (const [k, n] of d.matchFields) addTo(this.#matchFields, k, n);
		for (const [k, n] of d.actions) addTo(this.#actions, k, n);
	}

	toJSON(): unknown {
		const sorted = (m: ReadonlyMap<string | number, Count>): Record<string, number> => {
			const out: Record<string, number> = {};
			for (const [k, n] of countsOf(m).sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[k] = n;
			return out;
		};
		return {
			flows: this.flows,
			packets: this.packets,
			bytes: this.bytes,
			tables: sorted(this.#tables),
			matchFields: sorted(this.#matchFields),
			actions: sorted(this.#actions),
			decodedValues: this.decodedValues,
		};
	}
}

/** One block decoded: its flows' JSON (empty for `stats`: counted instead), warnings with file line numbers. */
export type BlockResult = {
	readonly flows: number;
	/**
	 * UTF-8 JSON, a view into the writer's buffer: `compact`, the records joined by commas;
	 * `ndjson`, one record and a newline each.
	 */
	readonly json: Uint8Array;
	readonly warnings: ParseWarning[];
	readonly protocol: string | undefined;
};

/** Parse a block of whole lines (its first line is file line `lineOffset + 1`) and decode every flow. */
export function decodeBlock(
	text: string,
	lineOffset: number,
	mode: FlowMode,
	codec: FlowCodec,
	stats: FlowStats,
	out?: JsonBytes,
): BlockResult {
	if (mode !== 'stats') return codec.decode(text, lineOffset, mode, undefined, out ?? new JsonBytes());
	return codec.decode(text, lineOffset, 'records', record => {
		stats.add(record);
	});
}

/** Text of a block's bytes: ASCII (what OVS prints, bar --names with non-ASCII names) decodes faster as latin1. */
export function blockText(bytes: Uint8Array): string {
	const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return b.toString(isAscii(b) ? 'latin1' : 'utf8');
}

/** Number of newline bytes in b[0, end). */
export function countNewlines(b: Buffer, end: number): number {
	const head = b.subarray(0, end);
	let n = 0;
	for (let i = head.indexOf(10); i !== -1; i = head.indexOf(10, i + 1)) n++;
	return n;
}

export type FileBlock = {
	/** Whole lines (the last block may lack a final newline), in a buffer of its own (transferable). */
	readonly bytes: Buffer;
	/** Lines before this block. */
	readonly lineOffset: number;
};

/**
 * A file's lines in blocks of about `size` bytes, each in a fresh buffer that owns its memory
 * (so it can be handed to a worker thread): a block ends after its last newline byte (never inside
 * a line, nor a UTF-8 sequence); the rest is carried to the front of the next block. CRLF lines
 * end at their LF like any other; a final line without a newline is the last block's tail.
 */
export function* fileLineBlocks(fd: number, size = BLOCK): Generator<FileBlock> {
	let buffer = Buffer.allocUnsafeSlow(size);
	let filled = 0;
	let lineOffset = 0;
	for (;;) {
		if (filled === buffer.length) {
			const bigger = Buffer.allocUnsafeSlow(buffer.length * 2);
			buffer.copy(bigger, 0, 0, filled);
			buffer = bigger;
		}
		const n = readSync(fd, buffer, filled, buffer.length - filled, null);
		filled += n;
		if (n > 0 && filled < buffer.length) continue;
		const end = n === 0 ? filled : buffer.lastIndexOf(10, filled - 1) + 1;
		if (end > 0) {
			const rest = filled - end;
			const next = Buffer.allocUnsafeSlow(Math.max(size, rest * 2));
			buffer.copy(next, 0, end, filled);
			const lines = countNewlines(buffer, end);
			yield {bytes: buffer.subarray(0, end), lineOffset};
			lineOffset += lines;
			buffer = next;
			filled = rest;
		}
		if (n === 0) return;
	}
}
