/**
 * The ovs-flows parser and eager decoder as `dvrscope parse ovs-flows` uses them, block by block,
 * on the main thread or in a worker — without loading the other parsers. Never throws: a parser
 * bug becomes a warning, as `parseCapture` makes it.
 */
import type {Flow} from '../../model/facts.js';
import {decodeFlow, ovsFlowsParser} from '../../collectors/parsers/ovs-flows.js';
import type {FlowCodec} from './flow-blocks.js';

export const ovsFlowsCodec: FlowCodec<Flow> = {
	parse(text) {
		try {
			return ovsFlowsParser.parse(text);
		} catch (error) {
			return {
				facts: {flows: []},
				warnings: [
					{
						line: 1,
						message: `parser ovs-flows failed: ${error instanceof Error ? error.message : String(error)}`,
					},
				],
			};
		}
	},
	decode: decodeFlow,
};
