/**
 * A worker thread of `dvrscope parse ovs-flows` (parse-workers.ts): decodes the blocks of whole
 * lines the main thread hands it — counts them (`--stats`) or returns their JSON as UTF-8 bytes —
 * and at the end posts its counts.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {JsonBytes} from '../../collectors/flows/json-bytes.js';
import {OUT_BUFFER, type FlowMode, FlowStats, blockText, decodeBlock} from './flow-blocks.js';
import {ovsFlowsCodec} from './flow-codec.js';
import type {FromWorker, ToWorker} from './parse-workers.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker runs as a worker thread');
const mode = (workerData as {mode: FlowMode}).mode;
const stats = new FlowStats();
/** Output buffers the main thread has written and handed back, reused (no external memory piling up). */
const free: ArrayBuffer[] = [];
/** Where a block's JSON is written (into a free buffer, handed to the main thread with the reply). */
const json = new JsonBytes();

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
	if (mode !== 'stats') json.reset(free.pop() ?? new ArrayBuffer(OUT_BUFFER));
	const result = decodeBlock(
		blockText(bytes),
		message.lineOffset,
		mode,
		ovsFlowsCodec,
		stats,
		json,
	);
	const out = result.json.byteLength === 0 ? undefined : result.json;
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
// Loaded: the main thread hands this thread blocks from now on (it decodes them itself until then).
port.postMessage({type: 'ready'} satisfies FromWorker);
