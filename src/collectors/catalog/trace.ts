/**
 * Packet-path proof (issue 22): read-only traces, planned one hop at a time by src/diagnostics/
 * path.ts. ofproto/trace is never given `-generate` nor a packet argument (the template has one
 * word for the flow and the flow can never be an option): without a packet it has no side effects.
 */
import type {CatalogEntry} from './schema.js';
import {TRACE_BATCH_SCRIPT} from './scripts.js';

/** Phase `trace`: run only in the rounds of a packet-path proof, never in a plain collection. */
export const TRACE_ENTRIES = [
	{
		id: 'trace.ovs',
		title: 'OpenFlow trace of one packet through a bridge (ofproto/trace, no packet, no -generate)',
		scope: 'node',
		phase: 'trace',
		podClass: 'ovs-vswitchd',
		argv: [
			'ovs-appctl',
			'-T',
			'10',
			'ofproto/trace',
			{param: 'bridge'},
			'--names',
			{param: 'flow'},
		],
		kind: 'ovs-trace',
		timeoutMs: 15_000,
	},
	{
		id: 'trace.route-get',
		title: "The route a router namespace's kernel takes for one packet (ip route get … iif)",
		scope: 'node',
		phase: 'trace',
		podClass: 'l3-agent',
		argv: [
			'ip',
			'-n',
			{param: 'namespace'},
			'-j',
			'route',
			'get',
			{param: 'ip'},
			'from',
			{param: 'sourceIp'},
			'iif',
			{param: 'device'},
		],
		kind: 'ip-route',
		timeoutMs: 15_000,
	},
	{
		// The OVN path (issue 22): a logical trace against the southbound DB, run where the SB DB
		// answers (the ovn-db node; the ovsdb-sb pod through kubectl). ovn-trace only simulates —
		// it injects no packet and writes no row; the microflow is only the typed form
		// src/collectors/ovn-microflow.ts builds (the `microflow` parameter refuses anything else).
		id: 'trace.ovn',
		title: 'OVN logical trace of one microflow (ovn-trace --detailed; simulation only)',
		scope: 'node',
		phase: 'trace',
		podClass: 'ovn-sb',
		argv: [
			'ovn-trace',
			'--no-leader-only',
			'--detailed',
			'--no-friendly-names',
			{param: 'datapath'},
			{param: 'microflow'},
		],
		kind: 'ovn-trace',
		timeoutMs: 15_000,
	},
	{
		// The reads of one path round on one node in one execution (src/session/trace-rounds.ts):
		// the same commands as trace.ovs / trace.route-get, each filed as its own capture. Over
		// kubectl the route reads go to the l3-agent pod in their own batch.
		id: 'trace.batch',
		title:
			'Packet-path reads of one round on one node (ofproto/trace, ip route get, ovn-trace; batched)',
		scope: 'node',
		phase: 'trace',
		podClass: 'ovs-vswitchd',
		argv: ['sh', '-c', TRACE_BATCH_SCRIPT, 'dvrscope', {param: 'nonce'}, {spread: 'traceStep'}],
		timeoutMs: 60_000,
		needs: 'traceStep',
	},
] as const satisfies readonly CatalogEntry[];
