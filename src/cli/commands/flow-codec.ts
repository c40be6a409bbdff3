/**
 * The ovs-flows eager decoder as `dvrscope parse ovs-flows` uses it, block by block, on the main
 * thread or in a worker — without loading the other parsers. Never throws: a parser bug becomes a
 * warning, as `parseCapture` makes it.
 */
import {decodeFlowText} from '../../collectors/parsers/ovs-flows.js';
import type {FlowCodec} from './flow-blocks.js';

export const ovsFlowsCodec: FlowCodec = {
	decode(text, lineOffset, mode, onRecord, out) {
		try {
			return decodeFlowText(text, lineOffset, mode, onRecord, out);
		} catch (error) {
			return {
				flows: 0,
				json: new Uint8Array(0),
				protocol: undefined,
				warnings: [
					{
						line: 1 + lineOffset,
						message: `parser ovs-flows failed: ${error instanceof Error ? error.message : String(error)}`,
					},
				],
			};
		}
	},
};
