/**
 * The flow text format, as the rest of dvrscope sees it: the parser (`ovsFlowsParser`, registered
 * in parsers/index.ts) and what reading flows without the parser needs — locating a flow in its
 * capture text, scanning a line's match and actions, the action grammar and port-name quoting.
 * Nothing outside src/collectors/flows and parsers/ovs-flows.ts reads flow lines itself.
 */
export {decodeFlow, ovsFlowsParser, parseFlowActions} from '../parsers/ovs-flows.js';
export type {FlowRecord} from './eager.js';
export {FlowLocator} from './locate.js';
export {
	actionName,
	canonicalKey,
	flowStat,
	flowStatNumber,
	isDigitsAt,
	isFlowStatName,
	namesOf,
	scanBody,
	unquote,
	type FlowBodySink,
} from './format.js';
