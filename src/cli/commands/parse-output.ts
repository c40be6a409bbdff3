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

const countLines = (text: string): number => {
	let n = 0;
	for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
	return n;
};

/** A flow's JSON with its line number moved by `by` (blocks are parsed from their own line 1). */
function flowJson(flow: unknown, by: number): string {
	const json = JSON.stringify(flow);
	if (by === 0) return json;
	const match = /^\{"line":(\d+),/.exec(json);
	if (match?.[1] !== undefined)
		return `{"line":${Number(match[1]) + by},${json.slice(match[0].length)}`;
	return JSON.stringify({...(flow as object), line: (flow as {line: number}).line + by});
}

export type FlowStreamResult = {
	readonly flows: number;
	readonly warnings: readonly ParseWarning[];
};

/**
 * Parse an `ovs-ofctl dump-flows` text block by block and write each block's flows as soon as it
 * is parsed. Nothing is written until the first flow (so a text with no flow can still fail with
 * exit 2 and an empty stdout). `parse` is the ovs-flows parser.
 */
export async function streamFlows(
	input: Readable,
	mode: 'ndjson' | 'compact',
	parse: (text: string) => {
		facts: {readonly protocol?: string; readonly flows: readonly unknown[]};
		warnings: readonly ParseWarning[];
	},
): Promise<FlowStreamResult> {
	const out = new Out();
	const warnings: ParseWarning[] = [];
	let protocol: string | undefined;
	let flows = 0;
	let lineOffset = 0;
	for await (const block of lineBlocks(input)) {
		const parsed = parse(block);
		protocol ??= parsed.facts.protocol;
		for (const warning of parsed.warnings)
			warnings.push({...warning, line: warning.line + lineOffset});
		for (const flow of parsed.facts.flows) {
			const json = flowJson(flow, lineOffset);
			if (mode === 'ndjson') await out.write(`${json}\n`);
			else
				await out.write(flows === 0 ? `{"kind":"ovs-flows","facts":{"flows":[${json}` : `,${json}`);
			flows++;
		}
		lineOffset += countLines(block);
	}
	if (mode === 'compact' && flows > 0) {
		const tail = protocol === undefined ? '' : `,"protocol":${JSON.stringify(protocol)}`;
		await out.write(`]${tail}},"warnings":${JSON.stringify(warnings)}}\n`);
	}
	await out.flush();
	return {flows, warnings};
}
