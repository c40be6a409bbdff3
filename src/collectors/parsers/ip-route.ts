import type {ParseWarning, Parser, RouteEntry} from '../../model/facts.js';
import {
	asNumber,
	isObject,
	type JsonObject,
	looksLikeJson,
	parseJsonItems,
	result,
	splitLines,
	stringItems,
	stringOrNumber,
	warning,
	withDefined,
} from './common.js';

type Result = ReturnType<Parser<'ip-route'>['parse']>;
type MutableRoute = {-readonly [K in keyof RouteEntry]: RouteEntry[K]} & {flags: string[]};

const ROUTE_TYPES = new Set([
	'unicast',
	'local',
	'broadcast',
	'multicast',
	'blackhole',
	'unreachable',
	'prohibit',
	'throw',
	'nat',
	'anycast',
]);
/** Keywords followed by one value. */
const WITH_ARG = new Set([
	'via',
	'dev',
	'table',
	'proto',
	'scope',
	'src',
	'metric',
	'pref',
	'mtu',
	'advmss',
	'expires',
	'weight',
	'realm',
	'realms',
	'nhid',
	'error',
	'hoplimit',
	'rtt',
	'rttvar',
	'cwnd',
	'initcwnd',
	'initrwnd',
	'window',
	'ssthresh',
	'features',
	'quickack',
	'congctl',
	'fastopen_no_cookie',
	'tos',
	'dsfield',
	'encap',
	'from',
	'iif',
	'oif',
	'uid',
	'ttl-propagate',
	'mark',
]);

/** `ip route show [table …]` and `ip -j route show`. Table absent = main (as iproute2 prints). */
export const ipRouteParser: Parser<'ip-route'> = {
	kind: 'ip-route',
	title: 'routes',
	reads: ['ip route show table all', 'ip -j route show table all', 'ip route show'],
	parse(text) {
		return looksLikeJson(text) ? parseJsonRoutes(text) : parseTextRoutes(text);
	},
};

function parseJsonRoutes(text: string): Result {
	return parseJsonItems(text, 'ip-route', 'routes', 'dst', readJsonRoute);
}

function readJsonRoute(item: JsonObject, line: number): RouteEntry | undefined {
	const dst = item['dst'];
	if (typeof dst !== 'string') return undefined;
	// Multipath: no top-level gateway; the first nexthop stands for the route.
	const hops = item['nexthops'];
	const hop = Array.isArray(hops) && isObject(hops[0]) ? hops[0] : undefined;
	return withDefined({
		dst,
		type: stringOrNumber(item['type']),
		gateway:
			stringOrNumber(item['gateway']) ??
			(typeof hop?.['gateway'] === 'string' ? hop['gateway'] : undefined),
		dev: stringOrNumber(item['dev']) ?? (typeof hop?.['dev'] === 'string' ? hop['dev'] : undefined),
		proto: stringOrNumber(item['protocol']),
		scope: stringOrNumber(item['scope']),
		src: stringOrNumber(item['prefsrc']),
		metric: asNumber(item['metric']),
		table: stringOrNumber(item['table']),
		flags: stringItems(item['flags']),
		line,
	});
}

function parseTextRoutes(text: string): Result {
	const out: MutableRoute[] = [];
	const warnings: ParseWarning[] = [];
	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		if (raw.trim() === '') return;
		// Multipath `nexthop via … dev …` lines and `cache` lines continue the previous route;
		// the first nexthop stands for a route printed without a gateway.
		if (/^\s/.test(raw)) {
			const last = out.at(-1);
			const hop = /^\s+nexthop\s+via\s+(?:inet6?\s+)?(\S+)(?:\s+dev\s+(\S+))?/.exec(raw);
			if (last !== undefined && hop !== null && last.gateway === undefined) {
				last.gateway = hop[1] ?? '';
				if (hop[2] !== undefined && last.dev === undefined) last.dev = hop[2];
			}
			return;
		}
		const tokens = raw.trim().split(/\s+/);
		let i = 0;
		let type: string | undefined;
		if (ROUTE_TYPES.has(tokens[0] ?? '') && tokens.length > 1) {
			type = tokens[0];
			i = 1;
		}
		const dst = tokens[i] ?? '';
		if (!/^(?:default|[0-9a-fA-F.:]+(?:\/\d+)?)$/.test(dst) || !/[.:]|default/.test(dst)) {
			warnings.push(warning(line, 'not a route line (no destination)', raw));
			return;
		}
		const route: MutableRoute = {dst, flags: [], line};
		if (type !== undefined) route.type = type;
		for (i = i + 1; i < tokens.length; i++) {
			const t = tokens[i] ?? '';
			if (WITH_ARG.has(t)) {
				let v = tokens[++i];
				if (v === undefined) {
					warnings.push(warning(line, `"${t}" without a value`, raw));
					break;
				}
				// `via inet6 fe80::1`
				if (t === 'via' && (v === 'inet' || v === 'inet6')) v = tokens[++i] ?? v;
				if (t === 'via') route.gateway = v;
				else if (t === 'dev') route.dev = v;
				else if (t === 'table') route.table = v;
				else if (t === 'proto') route.proto = v;
				else if (t === 'scope') route.scope = v;
				else if (t === 'src') route.src = v;
				else if (t === 'metric') {
					const n = asNumber(v);
					if (n !== undefined) route.metric = n;
				}
				// `mtu lock 1400`
				if ((t === 'mtu' || t === 'advmss' || t === 'window') && v === 'lock') i++;
				continue;
			}
			route.flags.push(t);
		}
		out.push(route);
	});
	return result('ip-route', out, warnings);
}
