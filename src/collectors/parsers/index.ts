/**
 * Parser registry: every parser kind → its pure parser, and `parseCapture`, the one entry point
 * the assembler and `dvrscope parse` use. `parseCapture` never throws for any input.
 */
import type {
	NetnsSection,
	ParseResult,
	ParseWarning,
	Parser,
	ParserKind,
	ParserOutput,
} from '../../model/facts.js';
import {ipAddrParser} from './ip-addr.js';
import {ipAllNetnsParser} from './ip-all-netns.js';
import {ipNeighParser} from './ip-neigh.js';
import {ipNetnsParser} from './ip-netns.js';
import {ipRouteParser} from './ip-route.js';
import {ipRuleParser} from './ip-rule.js';
import {keepalivedConfParser} from './keepalived-conf.js';
import {neutronHaStateParser} from './neutron-ha-state.js';
import {octaviaAmphoraeParser} from './octavia-amphorae.js';
import {openstackAgentsParser} from './openstack-agents.js';
import {openstackNetworksParser} from './openstack-networks.js';
import {openstackPortsParser} from './openstack-ports.js';
import {openstackRoutersParser} from './openstack-routers.js';
import {openstackSubnetsParser} from './openstack-subnets.js';
import {osdplParser} from './osdpl.js';
import {kubeNodesParser} from './kube-nodes.js';
import {ovsFdbParser} from './ovs-fdb.js';
import {ovsFlowsParser} from './ovs-flows.js';
import {ovsOfctlShowParser} from './ovs-ofctl-show.js';
import {ovsVsctlShowParser} from './ovs-vsctl-show.js';
import {ovsdbJsonParser} from './ovsdb-json.js';
import {ovnDbParser} from './ovn-db.js';
import {ovsTraceParser} from './ovs-trace.js';
import {ovnTraceParser} from './ovn-trace.js';

export type ParserRegistry = {readonly [K in ParserKind]: Parser<K>};

/** kind → parser. */
export const parsers: ParserRegistry = {
	'ovs-flows': ovsFlowsParser,
	'ovs-vsctl-show': ovsVsctlShowParser,
	'ovsdb-json': ovsdbJsonParser,
	'ovs-ofctl-show': ovsOfctlShowParser,
	'ovs-fdb': ovsFdbParser,
	'ip-netns': ipNetnsParser,
	'ip-addr': ipAddrParser,
	'ip-neigh': ipNeighParser,
	'ip-route': ipRouteParser,
	'ip-rule': ipRuleParser,
	'ip-all-netns': ipAllNetnsParser,
	'keepalived-conf': keepalivedConfParser,
	'neutron-ha-state': neutronHaStateParser,
	'openstack-ports': openstackPortsParser,
	'openstack-routers': openstackRoutersParser,
	'openstack-agents': openstackAgentsParser,
	'openstack-subnets': openstackSubnetsParser,
	'openstack-networks': openstackNetworksParser,
	'octavia-amphorae': octaviaAmphoraeParser,
	osdpl: osdplParser,
	'kube-nodes': kubeNodesParser,
	'ovn-db': ovnDbParser,
	'ovs-trace': ovsTraceParser,
	'ovn-trace': ovnTraceParser,
};

/** Facts of a kind when nothing could be read. */
export function emptyFacts<K extends ParserKind>(kind: K): ParserOutput[K] {
	const empty: {[P in ParserKind]: ParserOutput[P]} = {
		'ovs-flows': {flows: []},
		'ovs-vsctl-show': {managers: [], bridges: []},
		'ovsdb-json': {headings: [], rows: [], neutron: []},
		'ovs-ofctl-show': {ports: []},
		'ovs-fdb': {entries: []},
		'ip-netns': [],
		'ip-addr': [],
		'ip-neigh': [],
		'ip-route': [],
		'ip-rule': [],
		'ip-all-netns': [],
		'keepalived-conf': {instances: [], vrrpScripts: []},
		'neutron-ha-state': {state: 'unknown', raw: ''},
		'openstack-ports': [],
		'openstack-routers': [],
		'openstack-agents': [],
		'openstack-subnets': [],
		'openstack-networks': [],
		'octavia-amphorae': [],
		osdpl: {dnsServers: [], externalNetworks: [], servicesEnabled: []},
		'kube-nodes': {nodes: []},
		'ovn-db': {tables: {}},
		'ovs-trace': {steps: [], bridges: [], outputs: [], rewrites: [], flood: false},
		'ovn-trace': {pipelines: [], outputs: []},
	};
	return empty[kind];
}

/**
 * True when the facts hold nothing read from the input (so a capture with warnings and empty facts
 * is malformed, not merely partly unreadable).
 */
export function isEmptyFacts(kind: ParserKind, facts: unknown): boolean {
	if (Array.isArray(facts)) return facts.length === 0;
	return JSON.stringify(facts) === JSON.stringify(emptyFacts(kind));
}

/** Parse capture text with the parser of `kind`. Never throws: a parser bug becomes a warning. */
export function parseCapture<K extends ParserKind>(kind: K, text: string): ParseResult<K> {
	// Guard for a kind that came from unvalidated data at run time.
	const parser = parsers[kind] as Parser<K> | undefined;
	if (parser === undefined)
		return {
			kind,
			facts: emptyFacts(kind),
			warnings: [{line: 1, message: `no parser for kind "${kind}"`}],
		};
	try {
		return parser.parse(text);
	} catch (error) {
		return {
			kind,
			facts: emptyFacts(kind),
			warnings: [
				{
					line: 1,
					message: `parser ${kind} failed: ${error instanceof Error ? error.message : String(error)}`,
				},
			],
		};
	}
}

/** Add `by` to every numeric `line` / `startLine` field, deeply (section lines → capture lines). */
export function shiftLines<T>(value: T, by: number): T {
	if (by === 0) return value;
	if (Array.isArray(value)) return value.map(v => shiftLines(v as unknown, by)) as T;
	if (typeof value !== 'object' || value === null) return value;
	const out: Record<string, unknown> = {};
	for (const [key, v] of Object.entries(value as object) as [string, unknown][]) {
		const shifted =
			(key === 'line' || key === 'startLine') && typeof v === 'number'
				? v + by
				: shiftLines<unknown>(v, by);
		// defineProperty: a `__proto__` key from input stays an ordinary key.
		Object.defineProperty(out, key, {
			value: shifted,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	}
	return out as T;
}

export type SectionResult<K extends ParserKind> = {
	readonly namespace: string;
	readonly result: ParseResult<K>;
};

/**
 * Parse each `ip -all netns exec` section with the `inner` parser; lines in facts and warnings are
 * shifted so they refer to the whole capture.
 */
export function parseSections<K extends ParserKind>(
	inner: K,
	sections: readonly NetnsSection[],
): SectionResult<K>[] {
	return sections.map(section => {
		const parsed = parseCapture(inner, section.text);
		const by = section.startLine - 1;
		return {
			namespace: section.namespace,
			result: {
				kind: inner,
				facts: shiftLines(parsed.facts, by),
				warnings: parsed.warnings.map((w): ParseWarning => ({...w, line: w.line + by})),
			},
		};
	});
}
