/**
 * `dvrscope parse ovs-flows FILE` on several cores: the main thread reads the file in blocks of
 * whole lines (flow-blocks.ts) and hands each block to the least busy of N worker threads
 * (parse-worker.ts); the workers decode every flow of a block eagerly and count it (`--stats`) or
 * return its JSON; the main thread writes the results strictly in file order (a block finished
 * early waits for the ones before it) and merges the workers' counts at the end. At most
 * {@link AHEAD} blocks per worker are read ahead of the one being written, so memory stays bounded
 * by the block size, not by the dump or the output. Line numbers are the file's: the main thread
 * counts each block's lines before handing it on.
 */
import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import type {ParseWarning} from '../../model/facts.js';
import {BLOCK, type FlowMode, type FlowStatsData, fileLineBlocks} from './flow-blocks.js';
import {FlowDocument, type FlowStreamResult} from './parse-output.js';

/** Below this size one thread is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 4 * BLOCK;
/** Blocks read ahead per worker. */
const AHEAD = 3;
/** A small young generation per worker: the flows of one block die young; bigger only costs memory. */
const YOUNG_MB = 8;
const MAX_WORKERS = 4;

export type ToWorker =
	| {type: 'block'; index: number; buffer: ArrayBuffer; length: number; lineOffset: number}
	| {type: 'buffer'; buffer: ArrayBuffer}
	| {type: 'end'};

export type FromWorker =
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

/** How many worker threads for a file of this size: 0 (parse on the main thread) or 2 … 4. */
export function parseWorkerCount(fileBytes: number): number {
	if (fileBytes < PARALLEL_MIN_BYTES) return 0;
	const cores = Math.min(MAX_WORKERS, availableParallelism());
	return cores >= 2 ? cores : 0;
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

/** Parse a regular file's flows on `workers` threads; output identical to {@link streamFlows}. */
export async function streamFlowsInWorkers(
	fd: number,
	mode: FlowMode,
	workers: number,
): Promise<FlowStreamResult> {
	const document = new FlowDocument(mode);
	const pool = Array.from({length: workers}, () => startWorker(mode));
	const results = new Map<number, BlockReply>();
	const counts: FlowStatsData[] = [];
	let failure: Error | undefined;
	let wake: (() => void) | undefined;
	const wait = (): Promise<void> =>
		new Promise<void>(resolve => {
			wake = resolve;
		});
	let finished = false;
	for (const worker of pool) {
		worker.on('message', (message: FromWorker) => {
			if (message.type === 'block') results.set(message.index, message);
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
	}
	const busy = new Array<number>(workers).fill(0);
	const owner = new Map<number, number>();
	const blocks = fileLineBlocks(fd);
	let sent = 0;
	let written = 0;
	let reading = true;
	try {
		for (;;) {
			while (reading && sent - written < AHEAD * workers) {
				const next = blocks.next();
				if (next.done === true) {
					reading = false;
					break;
				}
				const w = busy.indexOf(Math.min(...busy));
				const {bytes, lineOffset} = next.value;
				const message: ToWorker = {
					type: 'block',
					index: sent,
					buffer: bytes.buffer as ArrayBuffer,
					length: bytes.byteLength,
					lineOffset,
				};
				pool[w]?.postMessage(message, [bytes.buffer as ArrayBuffer]);
				busy[w] = (busy[w] ?? 0) + 1;
				owner.set(sent++, w);
			}
			if (!reading && written === sent) break;
			const reply = results.get(written);
			if (reply === undefined) {
				if (failure !== undefined) throw failure;
				await wait();
				continue;
			}
			results.delete(written);
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
			written++;
		}
		for (const worker of pool) worker.postMessage({type: 'end'} satisfies ToWorker);
		while (counts.length < workers) {
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
