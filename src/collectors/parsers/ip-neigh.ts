import type {NeighEntry, ParseWarning, Parser} from '../../model/facts.js';
import {
	type JsonObject,
	looksLikeJson,
	parseJsonItems,
	result,
	splitLines,
	warning,
	withDefined,
} from './common.js';

/** NUD states as iproute2 prints them (`print_neigh_state`). */
export const NUD_STATES: ReadonlySet<string> = new Set([
	'INCOMPLETE',
	'REACHABLE',
	'STALE',
	'DELAY',
	'PROBE',
	'FAILED',
	'NOARP',
	'PERMANENT',
	'NONE',
]);

/** What this parser reads, for messages about lines it cannot. */
const NEIGH_FORMS =
	'read are `ip neigh` lines (ADDRESS [dev DEV] [lladdr MAC] [router] [STATE | nud STATE], with or without the dev and state columns) and `ip -j neigh`';

/** Words that take one argument in `ip neigh` output. */
const WITH_ARG = new Set(['dev', 'lladdr', 'ref', 'used', 'probes', 'nud', 'vni', 'protocol']);
/** Flag words printed without an argument. */
const FLAGS = new Set(['router', 'proxy', 'extern_learn', 'offload', 'managed', 'notify']);

const ADDRESS = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** `ip neigh show` (also `-s`, `dev X`, `nud …`, `proxy`) and `ip -j neigh show`. */
export const ipNeighParser: Parser<'ip-neigh'> = {
	kind: 'ip-neigh',
	title: 'neighbour (ARP/NDP) table',
	reads: ['ip neigh show', 'ip -s neigh show', 'ip -j neigh show', 'ip neigh show nud permanent'],
	parse(text) {
		return looksLikeJson(text) ? parseJsonNeigh(text) : parseTextNeigh(text);
	},
};

function parseJsonNeigh(text: string): ReturnType<Parser<'ip-neigh'>['parse']> {
	return parseJsonItems(text, 'ip-neigh', 'neighbours', 'dst', readJsonNeigh);
}

function readJsonNeigh(item: JsonObject, line: number): NeighEntry | undefined {
	const dst = item['dst'];
	if (typeof dst !== 'string') return undefined;
	const state = item['state'];
	const states = (Array.isArray(state) ? state : typeof state === 'string' ? [state] : [])
		.filter((s): s is string => typeof s === 'string')
		.map(s => s.toUpperCase());
	const dev = item['dev'];
	const lladdr = item['lladdr'];
	return withDefined({
		dst,
		dev: typeof dev === 'string' ? dev : undefined,
		lladdr: typeof lladdr === 'string' ? lladdr.toLowerCase() : undefined,
		states,
		// iproute2 prints flags as `"router": null` in JSON.
		isRouter: 'router' in item,
		isProxy: 'proxy' in item,
		line,
	});
}

function parseTextNeigh(text: string): ReturnType<Parser<'ip-neigh'>['parse']> {
	const entries: NeighEntry[] = [];
	const warnings: ParseWarning[] = [];
	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		const tokens = raw.trim().split(/\s+/);
		const dst = tokens[0] ?? '';
		if (dst === '') return;
		if (!ADDRESS.test(dst)) {
			warnings.push(warning(line, `not a neighbour line (no address first); ${NEIGH_FORMS}`, raw));
			return;
		}
		let dev: string | undefined;
		let lladdr: string | undefined;
		const states: string[] = [];
		let isRouter = false;
		let isProxy = false;
		const unknown: string[] = [];
		for (let i = 1; i < tokens.length; i++) {
			const token = tokens[i] ?? '';
			if (token === '') continue;
			if (WITH_ARG.has(token)) {
				const arg = tokens[i + 1];
				i++;
				if (arg === undefined) {
					unknown.push(token);
					continue;
				}
				if (token === 'dev') dev = arg;
				else if (token === 'lladdr') lladdr = arg.toLowerCase();
				// `nud permanent`, as typed for `ip neigh replace` and pasted back
				else if (token === 'nud' && NUD_STATES.has(arg.toUpperCase()))
					states.push(arg.toUpperCase());
				// `used a/b/cprobes N` (iproute2 6.x prints no space before `probes`)
				else if (token === 'used' && arg.endsWith('probes')) i++;
				continue;
			}
			if (FLAGS.has(token)) {
				if (token === 'router') isRouter = true;
				if (token === 'proxy') isProxy = true;
				continue;
			}
			if (NUD_STATES.has(token)) {
				states.push(token);
				continue;
			}
			unknown.push(token);
		}
		if (unknown.length > 0)
			warnings.push(warning(line, `unrecognised words: ${unknown.join(' ')}; ${NEIGH_FORMS}`, raw));
		entries.push(withDefined({dst, dev, lladdr, states, isRouter, isProxy, line}));
	});
	return result('ip-neigh', entries, warnings);
}
