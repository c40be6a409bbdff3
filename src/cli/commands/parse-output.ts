/**
 * How `dvrscope parse` writes its facts: streamed as it parses, with back-pressure, so memory is
 * bounded by the input rather than by the output.
 *
 * - `ndjson`: one fact per line (a flow, a neighbour, an address …; an object-shaped result such as
 *   `ovs-vsctl-show` is one line).
 * - `compact`: one JSON document `{"kind","facts","warnings"}` on one line (the default when stdout
 *   is not a terminal).
 * - `pretty`: the same document indented (the default on a terminal; built whole, for humans).
 *
 * `ovs-flows` is read in blocks of whole lines (a dump is line-oriented) and each block is parsed,
 * written and dropped before the next is read: neither the text nor the flows of the whole dump are
 * held. Other kinds are parsed whole (their inputs are small) and their facts streamed.
 *
 * A reader that goes away (`dvrscope parse … | head`) ends the program quietly with exit 0.
 */
import {isAscii} from 'node:buffer';
import {once} from 'node:events';
import {readSync} from 'node:fs';
import type {Readable} from 'node:stream';
import type {ParseWarning} from '../../model/facts.js';

export type OutputMode = 'ndjson' | 'compact' | 'pretty';

/** Bytes buffered before a write (fewer, larger writes; each waits for `drain` when full). */
const CHUNK = 64 * 1024;
/** Text per parsed block of an `ovs-flows` dump. */
const BLOCK = 1024 * 1024;

let quietOnBrokenPipe = false;

/** EPIPE on stdout (the reader went away) ends the program with exit 0, without a stack trace. */
export function exitQuietlyOnBrokenPipe(): void {
	if (quietOnBrokenPipe) return;
	quietOnBrokenPipe = true;
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') process.exit(0);
		throw error;
	});
}

/** Buffered writer to process.stdout that waits for `drain` when the pipe is full. */
export class Out {
	#buffer: string[] = [];
	#size = 0;

	async write(text: string): Promise<void> {
		this.#buffer.push(text);
		this.#size += text.length;
		if (this.#size >= CHUNK) await this.flush();
	}

	async flush(): Promise<void> {
		if (this.#size === 0 && this.#buffer.length === 0) return;
		const text = this.#buffer.join('');
		this.#buffer = [];
		this.#size = 0;
		if (!process.stdout.write(text)) await once(process.stdout, 'drain');
	}
}

/** Text of a document's facts, element by element (arrays), or whole (objects). */
async function writeFacts(out: Out, facts: unknown, mode: 'ndjson' | 'compact'): Promise<void> {
	if (!Array.isArray(facts)) {
		await out.write(mode === 'ndjson' ? `${JSON.stringify(facts)}\n` : JSON.stringify(facts));
		return;
	}
	const list = facts as unknown[];
	if (mode === 'compact') await out.write('[');
	for (let i = 0; i < list.length; i++) {
		const json = (JSON.stringify(list[i]) as string | undefined) ?? 'null';
		await out.write(mode === 'ndjson' ? `${json}\n` : i === 0 ? json : `,${json}`);
	}
	if (mode === 'compact') await out.write(']');
}

/** Write a whole parse result (already in memory) in `mode`. */
export async function writeResult(
	document: Readonly<Record<string, unknown>> & {readonly facts: unknown},
	mode: OutputMode,
): Promise<void> {
	const out = new Out();
	if (mode === 'pretty') {
		await out.write(`${JSON.stringify(document, null, 2)}\n`);
	} else if (mode === 'ndjson') {
		const facts = document.facts;
		const flows =
			typeof facts === 'object' && facts !== null && 'flows' in facts ? facts.flows : facts;
		await writeFacts(out, flows, 'ndjson');
	} else {
		const {facts, ...rest} = document;
		const head = JSON.stringify(rest);
		await out.write(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"facts":`);
		await writeFacts(out, facts, 'compact');
		await out.write('}\n');
	}
	await out.flush();
}

/** Lines of text in blocks of about {@link BLOCK} characters, each ending at a line end. */
async function* lineBlocks(input: Readable): AsyncGenerator<string> {
	let carry = '';
	input.setEncoding('utf8');
	for await (const chunk of input as AsyncIterable<string>) {
		carry += chunk;
		if (carry.length < BLOCK) continue;
		const end = carry.lastIndexOf('\n');
		if (end === -1) continue;
		yield carry.slice(0, end + 1);
		carry = carry.slice(end + 1);
	}
	if (carry !== '') yield carry;
}

/**
 * A regular file's lines in blocks, read into one reused buffer (no allocation per chunk): each
 * block is decoded up to its last newline byte (never inside a UTF-8 sequence), the rest moved to
 * the front for the next read.
 */
function* fileBlocks(fd: number): Generator<string> {
	let buffer = Buffer.allocUnsafe(BLOCK);
	let filled = 0;
	for (;;) {
		if (filled === buffer.length) {
			const bigger = Buffer.allocUnsafe(buffer.length * 2);
			buffer.copy(bigger, 0, 0, filled);
			buffer = bigger;
		}
		const n = readSync(fd, buffer, filled, buffer.length - filled, null);
		filled += n;
		const end = n === 0 ? filled : buffer.lastIndexOf(10, filled - 1) + 1;
		if (end > 0 && (n === 0 || filled * 2 >= buffer.length)) {
			// ASCII (what OVS prints, bar --names with non-ASCII port names) decodes faster as latin1.
			yield isAscii(buffer.subarray(0, end))
				? buffer.toString('latin1', 0, end)
				: buffer.toString('utf8', 0, end);
			buffer.copy(buffer, 0, end, filled);
			filled -= end;
		}
		if (n === 0) return;
	}
}

const countLines = (text: string): number => {
	let n = 0;
	for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
	return n;
};

export type FlowStreamResult = {
	readonly flows: number;
	readonly warnings: readonly ParseWarning[];
};

/** What the flow stream needs from the ovs-flows parser (passed in: this module loads with every command). */
export type FlowCodec<F> = {
	readonly parse: (text: string) => {
		facts: {readonly protocol?: string; readonly flows: readonly F[]};
		warnings: readonly ParseWarning[];
	};
	/** The flow decoded completely, its line moved by `lineOffset` (blocks start at line 1). */
	readonly decode: (flow: F, lineOffset: number) => FlowRecordLike;
};

/** The parts of a decoded flow `--stats` counts. */
export type FlowRecordLike = {
	readonly table: number;
	readonly packets?: number | undefined;
	readonly bytes?: number | undefined;
	readonly match: Readonly<Record<string, string>>;
	readonly actions: readonly {readonly type: string; readonly decoded?: string}[];
};

/** `--stats`: what every flow's decoded fields add up to. */
class FlowStats {
	flows = 0;
	packets = 0;
	bytes = 0;
	decodedValues = 0;
	readonly tables = new Map<number, number>();
	readonly matchFields = new Map<string, number>();
	readonly actions = new Map<string, number>();

	add(r: FlowRecordLike): void {
		this.flows++;
		this.tables.set(r.table, (this.tables.get(r.table) ?? 0) + 1);
		this.packets += r.packets ?? 0;
		this.bytes += r.bytes ?? 0;
		for (const key in r.match) this.matchFields.set(key, (this.matchFields.get(key) ?? 0) + 1);
		for (const action of r.actions) {
			this.actions.set(action.type, (this.actions.get(action.type) ?? 0) + 1);
			if (action.decoded !== undefined) this.decodedValues++;
		}
	}

	toJSON(): unknown {
		const sorted = (m: ReadonlyMap<string | number, number>): Record<string, number> => {
			const out: Record<string, number> = {};
			for (const [k, n] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[k] = n;
			return out;
		};
		return {
			flows: this.flows,
			packets: this.packets,
			bytes: this.bytes,
			tables: sorted(this.tables),
			matchFields: sorted(this.matchFields),
			actions: sorted(this.actions),
			decodedValues: this.decodedValues,
		};
	}
}

/** The input of {@link streamFlows}: a stream (stdin), or a regular file's descriptor. */
export type FlowInput = Readable | number;

/**
 * Parse an `ovs-ofctl dump-flows` text block by block, decode each flow completely and write it
 * as soon as its block is parsed (`ndjson`, `compact`), or count it (`stats`: one summary document
 * at the end). Nothing is written until the first flow (so a text with no flow can still fail
 * with exit 2 and an empty stdout).
 */
export async function streamFlows<F>(
	input: FlowInput,
	mode: 'ndjson' | 'compact' | 'stats',
	codec: FlowCodec<F>,
): Promise<FlowStreamResult> {
	const out = new Out();
	const warnings: ParseWarning[] = [];
	const stats = new FlowStats();
	let protocol: string | undefined;
	let flows = 0;
	let lineOffset = 0;
	const blocks: AsyncIterable<string> | Iterable<string> =
		typeof input === 'number' ? fileBlocks(input) : lineBlocks(input);
	for await (const block of blocks) {
		const parsed = codec.parse(block);
		protocol ??= parsed.facts.protocol;
		for (const warning of parsed.warnings)
			warnings.push({...warning, line: warning.line + lineOffset});
		for (const flow of parsed.facts.flows) {
			const record = codec.decode(flow, lineOffset);
			if (mode === 'stats') stats.add(record);
			else {
				const json = JSON.stringify(record);
				if (mode === 'ndjson') await out.write(`${json}\n`);
				else
					await out.write(
						flows === 0 ? `{"kind":"ovs-flows","facts":{"flows":[${json}` : `,${json}`,
					);
			}
			flows++;
		}
		lineOffset += countLines(block);
	}
	if (mode === 'compact' && flows > 0) {
		const tail = protocol === undefined ? '' : `,"protocol":${JSON.stringify(protocol)}`;
		await out.write(`]${tail}},"warnings":${JSON.stringify(warnings)}}\n`);
	}
	if (mode === 'stats' && (flows > 0 || warnings.length === 0)) {
		const document = {kind: 'ovs-flows', protocol, stats, warnings};
		await out.write(`${JSON.stringify(document, null, process.stdout.isTTY ? 2 : undefined)}\n`);
	}
	await out.flush();
	return {flows, warnings};
}
