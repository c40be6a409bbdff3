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
import {once} from 'node:events';
import type {Readable} from 'node:stream';
import {JsonBytes} from '../../collectors/flows/json-bytes.js';
import type {ParseWarning} from '../../model/facts.js';
import {
	BLOCK,
	type BlockResult,
	FlowStats,
	OUT_BUFFER,
	type FlowCodec,
	type FlowMode,
	blockText,
	decodeBlock,
	fileLineBlocks,
} from './flow-blocks.js';

export type OutputMode = 'ndjson' | 'compact' | 'pretty';

/** Bytes buffered before a write (fewer, larger writes; each waits for `drain` when full). */
const CHUNK = 64 * 1024;

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

	/**
	 * Text is buffered; bytes (a worker's encoded block) are written after what is buffered, and
	 * `written` is called once the kernel has them (the buffer may then be reused).
	 */
	async write(text: string | Uint8Array, written?: () => void): Promise<void> {
		if (typeof text !== 'string') {
			await this.flush();
			if (!process.stdout.write(text, written)) await once(process.stdout, 'drain');
			return;
		}
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

const countLines = (text: string): number => {
	let n = 0;
	for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
	return n;
};

export type FlowStreamResult = {
	readonly flows: number;
	readonly warnings: readonly ParseWarning[];
};

/**
 * The flows document of one mode, written from block results taken in file order: `ndjson` and
 * `compact` write each block's flows as it comes; `stats` writes one summary at the end. Nothing
 * is written until the first flow (so a text with no flow can still fail with exit 2 and an empty
 * stdout).
 */
export class FlowDocument {
	readonly #out = new Out();
	readonly #mode: FlowMode;
	readonly stats = new FlowStats();
	readonly warnings: ParseWarning[] = [];
	#protocol: string | undefined;
	#flows = 0;

	constructor(mode: FlowMode) {
		this.#mode = mode;
	}

	/** The next block's result; `json` is its text (or the text's UTF-8 bytes, from a worker). */
	async add(
		result: Omit<BlockResult, 'json'>,
		json: string | Uint8Array,
		written?: () => void,
	): Promise<void> {
		this.#protocol ??= result.protocol;
		for (const warning of result.warnings) this.warnings.push(warning);
		if (result.flows > 0 && this.#mode !== 'stats') {
			if (this.#mode === 'compact')
				await this.#out.write(this.#flows === 0 ? '{"kind":"ovs-flows","facts":{"flows":[' : ',');
			await this.#out.write(json, written);
		}
		this.#flows += result.flows;
	}

	async end(): Promise<FlowStreamResult> {
		const {warnings} = this;
		const protocol = this.#protocol;
		if (this.#mode === 'compact' && this.#flows > 0) {
			const tail = protocol === undefined ? '' : `,"protocol":${JSON.stringify(protocol)}`;
			await this.#out.write(`]${tail}},"warnings":${JSON.stringify(warnings)}}\n`);
		}
		if (this.#mode === 'stats' && (this.#flows > 0 || warnings.length === 0)) {
			const document = {kind: 'ovs-flows', protocol, stats: this.stats, warnings};
			await this.#out.write(
				`${JSON.stringify(document, null, process.stdout.isTTY ? 2 : undefined)}\n`,
			);
		}
		await this.#out.flush();
		return {flows: this.#flows, warnings};
	}
}

/** The input of {@link streamFlows}: a stream (stdin), or a regular file's descriptor. */
export type FlowInput = Readable | number;

/**
 * Parse an `ovs-ofctl dump-flows` text block by block, decode each flow completely and write it
 * as soon as its block is parsed (`ndjson`, `compact`), or count it (`stats`: one summary document
 * at the end), on this thread.
 */
export async function streamFlows(
	input: FlowInput,
	mode: FlowMode,
	codec: FlowCodec,
): Promise<FlowStreamResult> {
	const document = new FlowDocument(mode);
	// Each block's JSON goes into a buffer of its own until stdout has written it, then is reused.
	const free: ArrayBuffer[] = [];
	const json = new JsonBytes();
	const decode = async (text: string, lineOffset: number): Promise<void> => {
		if (mode !== 'stats') json.reset(free.pop() ?? new ArrayBuffer(OUT_BUFFER));
		const result = decodeBlock(text, lineOffset, mode, codec, document.stats, json);
		const bytes = result.json;
		await document.add(result, bytes, () => free.push(bytes.buffer as ArrayBuffer));
	};
	if (typeof input === 'number') {
		for (const block of fileLineBlocks(input)) await decode(blockText(block.bytes), block.lineOffset);
		return document.end();
	}
	let lineOffset = 0;
	for await (const text of lineBlocks(input)) {
		await decode(text, lineOffset);
		lineOffset += countLines(text);
	}
	return document.end();
}
