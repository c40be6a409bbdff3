import type {IpRuleEntry, ParseWarning, Parser} from '../../model/facts.js';
import {
	asNumber,
	type JsonObject,
	looksLikeJson,
	parseJsonItems,
	result,
	splitLines,
	stringOrNumber,
	warning,
	withDefined,
} from './common.js';

type Result = ReturnType<Parser<'ip-rule'>['parse']>;

const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);
const WITH_ARG = new Set([
	'from',
	'to',
	'iif',
	'oif',
	'fwmark',
	'lookup',
	'table',
	'tos',
	'dsfield',
	'goto',
	'realms',
	'nat',
	'map-to',
	'uidrange',
	'ipproto',
	'sport',
	'dport',
	'suppress_prefixlength',
	'suppress_ifgroup',
	'tun_id',
	'protocol',
	'pref',
	'priority',
]);

/** `ip rule show` and `ip -j rule show`. DVR: `from <fixed_ip> lookup 16`, SNAT `from <cidr> lookup <int>`. */
export const ipRuleParser: Parser<'ip-rule'> = {
	kind: 'ip-rule',
	title: 'policy routing rules',
	reads: ['ip rule show', 'ip -j rule show'],
	parse(text) {
		return looksLikeJson(text) ? parseJsonRules(text) : parseTextRules(text);
	},
};

function withLen(addr: unknown, len: unknown): string | undefined {
	if (typeof addr !== 'string') return undefined;
	const n = asNumber(len);
	return n === undefined ? addr : `${addr}/${n}`;
}

function parseJsonRules(text: string): Result {
	return parseJsonItems(text, 'ip-rule', 'rules', 'priority', readJsonRule);
}

function readJsonRule(item: JsonObject, line: number): IpRuleEntry | undefined {
	const priority = asNumber(item['priority']);
	if (priority === undefined) return undefined;
	const mark = stringOrNumber(item['fwmark']);
	const mask = stringOrNumber(item['fwmask']);
	const fwmark =
		mark === undefined
			? undefined
			: mask === undefined || mask === '0xffffffff'
				? mark
				: `${mark}/${mask}`;
	return withDefined({
		priority,
		from: withLen(item['src'], item['srclen']),
		to: withLen(item['dst'], item['dstlen']),
		iif: stringOrNumber(item['iif']),
		oif: stringOrNumber(item['oif']),
		fwmark,
		table: stringOrNumber(item['table']),
		action: stringOrNumber(item['action']),
		line,
	});
}

function parseTextRules(text: string): Result {
	const out: IpRuleEntry[] = [];
	const warnings: ParseWarning[] = [];
	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		if (raw.trim() === '') return;
		const m = /^\s*(\d+):\s+(.*)$/.exec(raw);
		if (m === null) {
			warnings.push(warning(line, 'not a rule line (expected "PRIORITY:")', raw));
			return;
		}
		const rule: {
			priority: number;
			from?: string;
			to?: string;
			iif?: string;
			oif?: string;
			fwmark?: string;
			table?: string;
			action?: string;
			line: number;
		} = {priority: Number(m[1]), line};
		const tokens = (m[2] ?? '').trim().split(/\s+/);
		for (let i = 0; i < tokens.length; i++) {
			const t = tokens[i] ?? '';
			if (t === '' || t === 'not' || t === '[detached]' || t === '[oif' || t === 'all') continue;
			if (ACTIONS.has(t)) {
				rule.action = t;
				continue;
			}
			if (WITH_ARG.has(t)) {
				const v = tokens[++i];
				if (v === undefined) {
					warnings.push(warning(line, `"${t}" without a value`, raw));
					break;
				}
				if (t === 'from') rule.from = v;
				else if (t === 'to') rule.to = v;
				else if (t === 'iif') rule.iif = v;
				else if (t === 'oif') rule.oif = v;
				else if (t === 'fwmark') rule.fwmark = v;
				else if (t === 'lookup' || t === 'table') rule.table = v;
				else if (t === 'goto') rule.action = `goto ${v}`;
			}
			// Unknown words (`[detached]`, `l3mdev`, future keywords) are ignored.
		}
		out.push(rule);
	});
	return result('ip-rule', out, warnings);
}
