/**
 * `dvrscope parse ovs-flows FILE` on several cores: the main thread reads the file in blocks of
 * whole lines (flow-blocks.ts), hands blocks to N worker threads (parse-worker.ts; one per core but
 * one) and decodes the rest itself; every flow of a block is decoded eagerly and counted
 * (`--stats`) or written as JSON; the main thread writes the results strictly in file order (a
 * block finished early waits for the ones before it) and merges the workers' counts at the end. At
 * most {@link AHEAD} blocks per thread are read ahead of the one being written, so memory stays bounded
 * by the block size, not by the dump or the output. Line numbers are the file's: the main thread
 * counts each block's lines before handing it on.
 */
import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import type {ParseWarning} from '../../model/facts.js';
import {JsonBytes} from '../../collectors/flows/json-bytes.js';
import {
	BLOCK,
	type BlockResult,
	type FileBlock,
	type FlowCodec,
	type FlowMode,
	type FlowStatsData,
	OUT_BUFFER,
	blockText,
	decodeBlock,
	fileLineBlocks,
} from './flow-blocks.js';
import {FlowDocument, type FlowStreamResult} from './parse-output.js';

/** Below this size one thread is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 4 * BLOCK;
/** Blocks read ahead per decoding thread (the workers and this one). */
const AHEAD = 2;
/** Blocks handed to one worker and not yet written back. */
const WORKER_AHEAD = 2;
/** A small young generation per worker: the flows of one block die young; bigger only costs memory. */
const YOUNG_MB = 8;
/** Decoding threads at most (the workers and this one). */
const MAX_THREADS = 4;

export type ToWorker =
	| {type: 'block'; index: number; buffer: ArrayBuffer; length: number; lineOffset: number}
	| {type: 'buffer'; buffer: ArrayBuffer}
	| {type: 'end'};

export type FromWorker =
	| {type: 'ready'}
	| {
			type: 'block';
			index: number;
			flows: number;
			warnings: ParseWarning[];
			protocol: string | undefined;
			out: Uint8Array | undefined;
	  }
	| {type: 'stats'; stats: FlowStatsData};

type BlockReply = Extract<FromWorker, {type: 'block'}>;
/** A block this thread decoded itself. */
type MainBlock = BlockResult & {readonly main: true};

/**
 * How many worker threads for a file of this size: 0 (parse on the main thread alone) or 1 … 3 —
 * one per core but this one, which decodes blocks too (each thread pays its own JIT warm-up: no
 * idle thread beside busy workers).
 */
export function parseWorkerCount(fileBytes: number): number {
	if (fileBytes < PARALLEL_MIN_BYTES) return 0;
	return Math.min(MAX_THREADS, availableParallelism()) - 1;
}

/**
 * A worker running parse-worker next to this module: the .js build, or — when this module runs
 * from its .ts source under tsx (the CLI tests) — the .ts source imported after registering tsx in
 * the worker (a worker's entry must be JavaScript, and the parent's loader hooks do not reach it).
 */
function startWorker(mode: FlowMode): Worker {
	const options = {workerData: {mode}, resourceLimits: {maxYoungGenerationSizeMb: YOUNG_MB}};
	if (!import.meta.url.endsWith('.ts'))
		return new Worker(new URL('./parse-worker.js', import.meta.url), options);
	const source = new URL('./parse-worker.ts', import.meta.url).href;
	return new Worker(
		`import('tsx/esm/api').then(tsx => { tsx.register(); return import(${JSON.stringify(source)}); })`,
		{...options, eval: true},
	);
}

/** A block decoded on this thread (its JSON into a free buffer of `free`, or a new one). */
function decodeHere(
	block: FileBlock,
	mode: FlowMode,
	codec: FlowCodec,
	document: FlowDocument,
	json: JsonBytes,
	free: ArrayBuffer[],
): MainBlock {
	if (mode !== 'stats') json.reset(free.pop() ?? new ArrayBuffer(OUT_BUFFER));
	const text = blockText(block.bytes);
	const result = decodeBlock(text, block.lineOffset, mode, codec, document.stats, json);
	return {...result, main: true};
}

/** Yield to the event loop once (so worker replies waiting in it are taken). */
const turn = (): Promise<void> =>
	new Promise<void>(resolve => {
		setImmediate(resolve);
	});

/**
 * Parse a regular file's flows on `workers` threads and this one; output identical to
 * {@link streamFlows}. The main thread reads the blocks, keeps each ready worker fed with up to
 * {@link WORKER_AHEAD} blocks, decodes the next block itself when every worker has enough (or is
 * still starting: a worker takes blocks only once it says it is ready, so its start-up and the
 * main thread's first blocks overlap), and writes the results in file order. `waitForWorkers`:
 * decode nothing here until every worker is ready (the tests, whose workers start slowly under
 * tsx, so that blocks are surely decoded on both sides).
 */
export async function streamFlowsInWorkers(
	fd: number,
	mode: FlowMode,
	workers: number,
	options: {readonly waitForWorkers?: boolean} = {},
): Promise<FlowStreamResult> {
	const document = new FlowDocument(mode);
	const pool = Array.from({length: workers}, () => startWorker(mode));
	// The decoder loads here while the workers start (not before: a worker's start is the longer).
	const {ovsFlowsCodec} = await import('./flow-codec.js');
	const ready = new Array<boolean>(workers).fill(false);
	const used = new Array<boolean>(workers).fill(false);
	const results = new Map<number, BlockReply | MainBlock>();
	const counts: FlowStatsData[] = [];
	let failure: Error | undefined;
	let wake: (() => void) | undefined;
	const wait = (): Promise<void> =>
		new Promise<void>(resolve => {
			wake = resolve;
		});
	let finished = false;
	pool.forEach((worker, w) => {
		worker.on('message', (message: FromWorker) => {
			if (message.type === 'block') results.set(message.index, message);
			else if (message.type === 'ready') ready[w] = true;
			else counts.push(message.stats);
			wake?.();
		});
		worker.on('error', error => {
			failure ??= error;
			wake?.();
		});
		worker.on('exit', code => {
			if (!finished) failure ??= new Error(`a parse worker thread exited (code ${code})`);
			wake?.();
		});
	});
	const busy = new Array<number>(workers).fill(0);
	const owner = new Map<number, number>();
	const blocks = fileLineBlocks(fd);
	// This thread's blocks: their JSON goes into a buffer of its own until written, then is reused.
	const free: ArrayBuffer[] = [];
	const json = new JsonBytes();
	const limit = AHEAD * (workers + 1);
	let sent = 0;
	let written = 0;
	const input = {reading: true};
	const read = (): FileBlock | undefined => {
		const next = blocks.next();
		if (next.done !== true) return next.value;
		input.reading = false;
		return undefined;
	};
	try {
		for (;;) {
			// Feed the ready workers.
			for (let w = 0; w < workers && input.reading; w++) {
				while (ready[w] === true && (busy[w] ?? 0) < WORKER_AHEAD && sent - written < limit) {
					const block = read();
					if (block === undefined) break;
					const {bytes, lineOffset} = block;
					const message: ToWorker = {
						type: 'block',
						index: sent,
						buffer: bytes.buffer as ArrayBuffer,
						length: bytes.byteLength,
						lineOffset,
					};
					pool[w]?.postMessage(message, [bytes.buffer as ArrayBuffer]);
					busy[w] = (busy[w] ?? 0) + 1;
					used[w] = true;
					owner.set(sent++, w);
				}
			}
			// Write what is done, in file order.
			const reply = results.get(written);
			if (reply !== undefined) {
				results.delete(written);
				if ('main' in reply) {
					const bytes = reply.json;
					await document.add(reply, bytes, () => free.push(bytes.buffer as ArrayBuffer));
				} else {
					const w = owner.get(written) ?? 0;
					owner.delete(written);
					busy[w] = (busy[w] ?? 1) - 1;
					await document.add(reply, reply.out ?? '', () => {
						// Written: the output buffer goes back to its worker for the next block.
						if (reply.out !== undefined)
							pool[w]?.postMessage({type: 'buffer', buffer: reply.out.buffer as ArrayBuffer}, [
								reply.out.buffer as ArrayBuffer,
							]);
					});
				}
				written++;
				continue;
			}
			if (!input.reading && written === sent) break;
			if (failure !== undefined) throw failure;
			// Every worker has enough (or is starting): decode the next block here.
			const here = options.waitForWorkers !== true || ready.every(Boolean);
			const block = here && input.reading && sent - written < limit ? read() : undefined;
			if (block !== undefined) {
				results.set(sent++, decodeHere(block, mode, ovsFlowsCodec, document, json, free));
				await turn();
				continue;
			}
			await wait();
		}
		const ending = pool.filter((_, w) => used[w] === true);
		for (const worker of ending) worker.postMessage({type: 'end'} satisfies ToWorker);
		while (counts.length < ending.length) {
			if (failure !== undefined) throw failure;
			await wait();
		}
	} finally {
		finished = true;
		for (const worker of pool) void worker.terminate();
	}
	for (const data of counts) document.stats.merge(data);
	return document.end();
}
