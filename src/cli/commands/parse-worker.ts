/**
 * A worker thread of `dvrscope parse ovs-flows` (parse-workers.ts): decodes the blocks of whole
 * lines the main thread hands it — counts them (`--stats`) or returns their JSON as UTF-8 bytes —
 * and at the end posts its counts.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {type FlowMode, FlowStats, blockText, decodeBlock} from './flow-blocks.js';
import {ovsFlowsCodec} from './flow-codec.js';
import type {FromWorker, ToWorker} from './parse-workers.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker runs as a worker thread');
const mode = (workerData as {mode: FlowMode}).mode;
const stats = new FlowStats();
const encoder = new TextEncoder();
/** Output buffers the main thread has written and handed back, reused (no external memory piling up). */
const free: ArrayBuffer[] = [];

/** The UTF-8 bytes of `text` in a reused buffer (JSON of ASCII input is ASCII: one byte a character). */
function encode(text: string): Uint8Array {
	const worst = text.length * 3;
	let buffer = free.pop();
	if (buffer === undefined || buffer.byteLength < worst)
		buffer = new ArrayBuffer(Math.max(worst, 4 * 1024 * 1024));
	const {written} = encoder.encodeInto(text, new Uint8Array(buffer));
	return new Uint8Array(buffer, 0, written);
}

port.on('message', (message: ToWorker) => {
	if (message.type === 'buffer') {
		free.push(message.buffer);
		return;
	}
	if (message.type === 'end') {
		port.postMessage({type: 'stats', stats: stats.data()} satisfies FromWorker);
		return;
	}
	const bytes = new Uint8Array(message.buffer, 0, message.length);
	const result = decodeBlock(blockText(bytes), message.lineOffset, mode, ovsFlowsCodec, stats);
	const out = result.json === '' ? undefined : encode(result.json);
	const reply: FromWorker = {
		type: 'block',
		index: message.index,
		flows: result.flows,
		warnings: result.warnings,
		protocol: result.protocol,
		out,
	};
	port.postMessage(reply, out === undefined ? [] : [out.buffer as ArrayBuffer]);
});
