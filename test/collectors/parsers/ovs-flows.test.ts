import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {arpDropOf, arpResponderOf} from '../../../src/collectors/neutron.js';
import {ovsFlowsParser, parseFlowActions} from '../../../src/collectors/parsers/ovs-flows.js';
import type {Flow} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';
import {mutatedOvs, ovsNoise} from './ovs-mutate.js';

const parse = (file: string) => ovsFlowsParser.parse(fixture(file));
/** The plain-object form (what `dvrscope parse` prints). */
const plain = (flow: Flow | undefined): unknown => JSON.parse(JSON.stringify(flow)) as unknown;
const find = (flows: readonly Flow[], table: number, priority: number): Flow | undefined =>
	flows.find(f => f.table === table && f.priority === priority);

const BR_TUN_LAYOUT =
	'0/1 0/1 0/1 0/0 1/2 1/1 1/0 2/1 2/0 2/0 3/0 4/1 4/0 6/0 9/1 9/0 10/1 20/2 20/0 21/1 21/0 22/3 22/1 22/0';
const LEARN_SPEC =
	'table=20,hard_timeout=300,priority=1,cookie=0x5b4c1a2e9f3d7c10,NXM_OF_VLAN_TCI[0..11],' +
	'NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],' +
	'output:OXM_OF_IN_PORT[]';

describe('ovs-flows parser: the shipped dumps', () => {
	it.each([
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt', 'OpenFlow10', 24],
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt', 'OpenFlow13', 24],
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt', undefined, 24],
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-nostats-names.txt', undefined, 24],
		['gen-ovs-ofctl-dump-flows-br-int-dvr-of10.txt', 'OpenFlow10', 17],
		['gen-ovs-ofctl-dump-flows-br-int-dvr-of13.txt', 'OpenFlow13', 17],
		['gen-ovs-ofctl-dump-flows-br-ex-dvr-of10.txt', 'OpenFlow10', 8],
		['gen-ovs-ofctl-dump-flows-br-tun-table22.txt', 'OpenFlow10', 3],
		['gen-ovs-ofctl-dump-flows-br-tun-table21-filter.txt', 'OpenFlow10', 1],
		['ovs-local/dump-flows-of10.txt', 'OpenFlow10', 7],
		['ovs-local/dump-flows-of13.txt', 'OpenFlow13', 7],
		['ovs-local/dump-flows-names.txt', undefined, 7],
		['ovs-local/dump-flows-nostats.txt', undefined, 7],
	])('Given %s, then every flow reads without a warning', (file, protocol, count) => {
		// When
		const {facts, warnings} = parse(file);
		// Then
		expect(warnings).toEqual([]);
		expect(facts.protocol).toBe(protocol);
		expect(facts.flows).toHaveLength(count);
		for (const f of facts.flows) expect(f.actions.length).toBeGreaterThan(0);
	});

	it.each([
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-nostats-names.txt',
	])('Given br-tun as %s, then tables and priorities are the Train+ DVR layout', file => {
		const {facts} = parse(file);
		expect(facts.flows.map(f => `${f.table}/${f.priority}`).join(' ')).toBe(BR_TUN_LAYOUT);
	});

	it('Given the OF1.0 ARP responder, then the hex loads decode to 10.0.0.4 / fa:16:3e:76:31:68', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-table21-filter.txt');
		const [flow] = facts.flows;
		expect(plain(flow)).toEqual({
			line: 2,
			raw: expect.stringContaining('arp_tpa=10.0.0.4 actions=move:') as unknown,
			table: 21,
			priority: 1,
			cookie: '0x5b4c1a2e9f3d7c10',
			durationS: 0.233,
			packets: 0,
			bytes: 0,
			idleAge: 0,
			flags: [],
			match: {arp: '', dl_vlan: '1', arp_tpa: '10.0.0.4'},
			actions: [
				{
					type: 'move',
					src: 'NXM_OF_ETH_SRC[]',
					dst: 'NXM_OF_ETH_DST[]',
					raw: 'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
				},
				{
					type: 'set_field',
					field: 'eth_src',
					value: 'fa:16:3e:76:31:68',
					decoded: 'fa:16:3e:76:31:68',
					raw: 'mod_dl_src:fa:16:3e:76:31:68',
				},
				{type: 'load', field: 'NXM_OF_ARP_OP[]', value: '0x2', raw: 'load:0x2->NXM_OF_ARP_OP[]'},
				{
					type: 'move',
					src: 'NXM_NX_ARP_SHA[]',
					dst: 'NXM_NX_ARP_THA[]',
					raw: 'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
				},
				{
					type: 'move',
					src: 'NXM_OF_ARP_SPA[]',
					dst: 'NXM_OF_ARP_TPA[]',
					raw: 'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
				},
				{
					type: 'load',
					field: 'NXM_NX_ARP_SHA[]',
					value: '0xfa163e763168',
					decoded: 'fa:16:3e:76:31:68',
					raw: 'load:0xfa163e763168->NXM_NX_ARP_SHA[]',
				},
				{
					type: 'load',
					field: 'NXM_OF_ARP_SPA[]',
					value: '0xa000004',
					decoded: '10.0.0.4',
					raw: 'load:0xa000004->NXM_OF_ARP_SPA[]',
				},
				{type: 'output', port: 'IN_PORT', raw: 'IN_PORT'},
			],
		});
		expect(arpResponderOf(flow!)).toEqual({ip: '10.0.0.4', mac: 'fa:16:3e:76:31:68', vlan: '1'});
	});

	it.each([
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt',
		'gen-ovs-ofctl-dump-flows-br-tun-dvr-nostats-names.txt',
	])('Given %s, then the ARP responder and the DVR ARP block read the same in every form', file => {
		const {facts} = parse(file);
		expect(facts.flows.map(arpResponderOf).filter(Boolean)).toEqual([
			{ip: '10.0.0.4', mac: 'fa:16:3e:76:31:68', vlan: '1'},
		]);
		expect(facts.flows.map(arpDropOf).filter(Boolean)).toEqual([
			{ip: '10.0.0.1', layout: 'train+', vlan: '1'},
		]);
	});

	it('Given OF1.3 output, then set_field, goto_table, push/pop_vlan and vlan_vid 4097 are typed', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt');
		expect(find(facts.flows, 1, 1)?.actions).toEqual([
			{
				type: 'set_field',
				field: 'eth_src',
				value: 'fa:16:3f:d3:10:60',
				decoded: 'fa:16:3f:d3:10:60',
				raw: 'set_field:fa:16:3f:d3:10:60->eth_src',
			},
			{type: 'goto_table', table: 2, raw: 'goto_table:2'},
		]);
		expect(find(facts.flows, 4, 1)?.actions).toEqual([
			{type: 'other', name: 'push_vlan', arg: '0x8100', raw: 'push_vlan:0x8100'},
			{
				type: 'set_field',
				field: 'vlan_vid',
				value: '4097',
				decoded: '1',
				raw: 'set_field:4097->vlan_vid',
			},
			{type: 'goto_table', table: 9, raw: 'goto_table:9'},
		]);
		expect(find(facts.flows, 4, 1)?.match).toEqual({tun_id: '0x4d'});
		expect(find(facts.flows, 20, 2)?.actions).toEqual([
			{type: 'other', name: 'pop_vlan', raw: 'pop_vlan'},
			{type: 'set_field', field: 'tun_id', value: '0x4d', raw: 'set_field:0x4d->tun_id'},
			{type: 'output', port: '2', raw: 'output:2'},
		]);
		const responder = find(facts.flows, 21, 1)?.actions ?? [];
		expect(responder.filter(a => a.type === 'set_field').map(a => [a.field, a.decoded])).toEqual([
			['eth_src', 'fa:16:3e:76:31:68'],
			['arp_op', undefined],
			['arp_sha', 'fa:16:3e:76:31:68'],
			['arp_spa', '10.0.0.4'],
		]);
		// OF1.3 prints no idle_age
		expect(find(facts.flows, 0, 0)?.idleAge).toBeUndefined();
	});

	it('Given OF1.0 output, then resubmit, mod_vlan_vid, strip_vlan and multiple outputs are typed', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt');
		expect(find(facts.flows, 4, 1)?.actions).toEqual([
			{type: 'set_field', field: 'vlan_vid', value: '1', decoded: '1', raw: 'mod_vlan_vid:1'},
			{type: 'resubmit', table: 9, raw: 'resubmit(,9)'},
		]);
		expect(find(facts.flows, 22, 1)?.actions.map(a => a.type)).toEqual([
			'other',
			'load',
			'output',
			'output',
		]);
		expect(find(facts.flows, 2, 0)?.match).toEqual({dl_dst: '00:00:00:00:00:00/01:00:00:00:00:00'});
	});

	it('Given the learn() flow, then nested parentheses stay inside one learn action', () => {
		for (const file of [
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt',
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt',
		]) {
			const flow = find(parse(file).facts.flows, 10, 1);
			expect(flow?.actions[0]).toEqual({
				type: 'learn',
				spec: LEARN_SPEC,
				raw: `learn(${LEARN_SPEC})`,
			});
			expect(flow?.actions[1]?.type).toBe('output');
		}
	});

	it('Given --names output, then quoted port names are unquoted in match and actions', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt');
		expect(facts.flows.slice(0, 3).map(f => f.match['in_port'])).toEqual([
			'patch-int',
			'vxlan-0a0a000c',
			'vxlan-0a0a000d',
		]);
		expect(find(facts.flows, 22, 1)?.actions.filter(a => a.type === 'output')).toEqual([
			{type: 'output', port: 'vxlan-0a0a000c', raw: 'output:"vxlan-0a0a000c"'},
			{type: 'output', port: 'vxlan-0a0a000d', raw: 'output:"vxlan-0a0a000d"'},
		]);
	});

	it('Given --no-stats output, then table 0 is implied and there are no counters', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-dvr-nostats-names.txt');
		expect(plain(facts.flows[0])).toEqual({
			line: 1,
			raw: 'cookie=0x5b4c1a2e9f3d7c10, priority=1,in_port="patch-int" actions=resubmit(,1)',
			table: 0,
			priority: 1,
			cookie: '0x5b4c1a2e9f3d7c10',
			flags: [],
			match: {in_port: 'patch-int'},
			actions: [{type: 'resubmit', table: 1, raw: 'resubmit(,1)'}],
		});
	});

	it('Given real OVS 3.1 output with timeouts and flags, then learned-flow fields and flags are typed', () => {
		// Given (test/fixtures/ovs-local: a private ovs-vswitchd 3.1, see its README)
		const of10 = parse('ovs-local/dump-flows-of10.txt').facts.flows;
		const of13 = parse('ovs-local/dump-flows-of13.txt').facts.flows;
		const nostats = parse('ovs-local/dump-flows-nostats.txt').facts.flows;
		// Then
		expect(find(of10, 20, 1)).toMatchObject({
			idleTimeout: 60,
			hardTimeout: 300,
			idleAge: 4,
			match: {vlan_tci: '0x0001/0x0fff', dl_dst: 'fa:16:3e:83:92:96'},
		});
		expect(find(of13, 21, 1)?.flags).toEqual(['send_flow_rem', 'reset_counts']);
		expect(find(of13, 20, 1)).toMatchObject({
			idleTimeout: 60,
			hardTimeout: 300,
			flags: ['reset_counts'],
		});
		// default priority is not printed
		expect(of10.find(f => f.table === 3)).toMatchObject({priority: 32768, match: {in_port: '2'}});
		expect(nostats.find(f => f.table === 3)).toMatchObject({
			priority: 32768,
			match: {in_port: '2'},
		});
		expect(nostats.find(f => f.table === 3)?.cookie).toBeUndefined();
		expect(nostats.find(f => f.table === 1)?.actions[0]).toMatchObject({
			field: 'eth_src',
			decoded: 'fa:16:3f:d3:10:60',
		});
		// OF1.3 keeps NXM load for fields without an OXM set_field form
		expect(
			find(of13, 21, 1)?.actions.find(a => a.type === 'load' && a.decoded === '10.0.0.4'),
		).toBeDefined();
	});

	it('Given ofproto/trace action lines, then they decode to what the dump hex-encodes', () => {
		// Given the table 21 actions as ovs-appctl ofproto/trace printed them
		const trace = fixture('gen-ovs-appctl-ofproto-trace-br-tun-arp-responder.txt');
		const lines = trace.split('\n');
		const start = lines.findIndex(l => l.startsWith('21. '));
		const actionLines = lines
			.slice(start + 1, start + 12)
			.filter(l => /^ {4}\S/.test(l))
			.map(l => l.trim());
		// When
		const actions = parseFlowActions(actionLines.join(','));
		// Then
		const decoded = actions.flatMap(a =>
			a.type === 'set_field' && a.decoded ? [[a.field, a.decoded]] : [],
		);
		expect(decoded).toEqual([
			['eth_src', 'fa:16:3e:76:31:68'],
			['arp_sha', 'fa:16:3e:76:31:68'],
			['arp_spa', '10.0.0.4'],
		]);
		expect(actions.at(-1)).toEqual({type: 'output', port: 'IN_PORT', raw: 'IN_PORT'});
	});

	it('Given the routed-rewrite and arp-to-gw traces, then the flows they hit are in the dump', () => {
		const {facts} = parse('gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt');
		expect(fixture('gen-ovs-appctl-ofproto-trace-br-tun-routed-rewrite.txt')).toContain(
			find(facts.flows, 1, 1)?.actions[0]?.raw,
		);
		expect(fixture('gen-ovs-appctl-ofproto-trace-br-tun-arp-to-gw.txt')).toContain(
			`22. arp,dl_vlan=1,arp_tpa=${arpDropOf(find(facts.flows, 22, 3)!)?.ip}, priority 3`,
		);
	});
});

describe('ovs-flows parser: more action forms', () => {
	it.each([
		['resubmit(,22)', {type: 'resubmit', table: 22}],
		['resubmit(2,22)', {type: 'resubmit', port: '2', table: 22}],
		['resubmit("patch-int",22)', {type: 'resubmit', port: 'patch-int', table: 22}],
		['resubmit:3', {type: 'resubmit', port: '3'}],
		['goto_table:60', {type: 'goto_table', table: 60}],
		['NORMAL', {type: 'normal'}],
		['drop', {type: 'drop'}],
		['LOCAL', {type: 'output', port: 'LOCAL'}],
		['5', {type: 'output', port: '5'}],
		['output:NXM_NX_REG1[0..15]', {type: 'output', port: 'NXM_NX_REG1[0..15]'}],
		[
			'mod_dl_dst:FA:16:3E:72:7A:50',
			{type: 'set_field', field: 'eth_dst', decoded: 'fa:16:3e:72:7a:50'},
		],
		['mod_nw_src:10.0.0.9', {type: 'set_field', field: 'ip_src', decoded: '10.0.0.9'}],
		['set_field:0xa000001->arp_spa', {type: 'set_field', field: 'arp_spa', decoded: '10.0.0.1'}],
		[
			'set_field:0xfa163e763168->eth_src',
			{type: 'set_field', field: 'eth_src', decoded: 'fa:16:3e:76:31:68'},
		],
		['set_field:0x1/0x1->reg0', {type: 'set_field', field: 'reg0', value: '0x1/0x1'}],
		['set_tunnel:0x4d', {type: 'set_field', field: 'tun_id', value: '0x4d'}],
		['load:0xa000004->NXM_OF_ARP_TPA[0..15]', {type: 'load', field: 'NXM_OF_ARP_TPA[0..15]'}],
		[
			'ct(commit,zone=NXM_NX_REG6[0..15])',
			{type: 'other', name: 'ct', arg: 'commit,zone=NXM_NX_REG6[0..15]'},
		],
		['strip_vlan', {type: 'other', name: 'strip_vlan'}],
		['note:00.01', {type: 'other', name: 'note', arg: '00.01'}],
	])('Given the action %s, then it is typed', (text, expected) => {
		const [action, ...rest] = parseFlowActions(text);
		expect(rest).toEqual([]);
		expect(action).toMatchObject({...expected, raw: text});
	});

	it('Given a masked or sub-field load, then nothing is decoded', () => {
		const [a] = parseFlowActions('load:0xa000004->NXM_OF_ARP_TPA[0..15]');
		expect(a).not.toHaveProperty('decoded');
	});
});

describe('ovs-flows parser: dump shapes', () => {
	it('Given a multipart dump (a header per reply, as real OVS prints for big tables), then all flows read', () => {
		const line = (t: number) =>
			` cookie=0x0, duration=1.000s, table=${t}, n_packets=0, n_bytes=0, idle_age=1, priority=1 actions=drop`;
		const text = [
			'NXST_FLOW reply (xid=0x4):',
			line(0),
			line(1),
			'NXST_FLOW reply (xid=0x4):',
			line(2),
			'',
		].join('\n');
		const {facts, warnings} = ovsFlowsParser.parse(text);
		expect(warnings).toEqual([]);
		expect(facts.protocol).toBe('OpenFlow10');
		expect(facts.flows.map(f => [f.table, f.line])).toEqual([
			[0, 2],
			[1, 3],
			[2, 5],
		]);
	});

	it('Given CRLF line ends and an OF1.4 header, then they are read', () => {
		const text =
			'OFPST_FLOW reply (OF1.4) (xid=0x2):\r\n cookie=0x0, table=1, priority=5,ip actions=NORMAL\r\n';
		const {facts, warnings} = ovsFlowsParser.parse(text);
		expect(warnings).toEqual([]);
		expect(facts.protocol).toBe('OpenFlow14');
		expect(facts.flows[0]).toMatchObject({
			table: 1,
			priority: 5,
			match: {ip: ''},
			actions: [{type: 'normal'}],
		});
	});

	it('Given a quoted port name with escapes, commas and a space, then it is unquoted whole', () => {
		const {facts, warnings} = ovsFlowsParser.parse(
			' priority=1,in_port="we\\\\ird, \\"name\\"" actions=output:"a b",resubmit("x,y",3)',
		);
		expect(warnings).toEqual([]);
		expect(facts.flows[0]?.match).toEqual({in_port: 'we\\ird, "name"'});
		expect(facts.flows[0]?.actions).toMatchObject([
			{type: 'output', port: 'a b'},
			{type: 'resubmit', port: 'x,y', table: 3},
		]);
	});

	it('Given a flow, then its JSON form carries match and actions (they are typed on first access)', () => {
		const {facts} = ovsFlowsParser.parse(' table=3, priority=2,arp,arp_tpa=10.0.0.1 actions=drop');
		const json = JSON.parse(JSON.stringify(facts)) as {flows: Flow[]};
		expect(json.flows[0]).toEqual({
			line: 1,
			raw: 'table=3, priority=2,arp,arp_tpa=10.0.0.1 actions=drop',
			table: 3,
			priority: 2,
			flags: [],
			match: {arp: '', arp_tpa: '10.0.0.1'},
			actions: [{type: 'drop', raw: 'drop'}],
		});
	});
});

describe('ovs-flows parser: bad input', () => {
	it('Given truncated and garbled lines, then each becomes a warning with its line and the rest parse', () => {
		// Given
		const text = [
			'NXST_FLOW reply (xid=0x4):',
			' cookie=0x0, duration=1.2s, table=0, n_packets=0, n_bytes=0, idle_age=1, priority=1,in_port=1 actions=resubmit(,1)',
			' cookie=0x0, duration=1.2s, table=10, n_packets=0, n_bytes=0, idle_age=1, priority=1 actions=learn(table=20,NXM_OF_VLAN',
			' cookie=0x0, duration=1.2s, table=0, n_packets=0, n_bytes=0, idle_age=1, priority=1,in_port=1',
			' cookie=0x0, duration=1.2s, table=x, priority=1 actions=drop',
			' cookie=0x0, priority=70000 actions=drop',
			'garbage here',
			' cookie=0x0, table=3, priority=1,in_port="patch-int actions=drop',
			' cookie=0x0, table=3, priority=1 actions=drop,,NORMAL',
			' cookie=0x0, table=3, priority=1 actions=,',
			' cookie=0x0, duration=1.2s, table=22, n_packets=0, n_bytes=0, idle_age=1, priority=0 actions=drop',
		].join('\n');
		// When
		const {facts, warnings} = ovsFlowsParser.parse(text);
		// Then
		expect(facts.flows.map(f => f.line)).toEqual([2, 9, 11]);
		expect(warnings.map(w => w.line)).toEqual([3, 4, 5, 6, 7, 8, 10]);
		// an empty item between commas (never printed by OVS) is skipped, not fatal
		expect(facts.flows[1]?.actions.map(a => a.type)).toEqual(['drop', 'normal']);
		expect(warnings[0]?.message).toMatch(/unbalanced "\(" in actions/);
		expect(warnings[1]?.message).toMatch(/truncated/);
		expect(warnings[2]?.message).toBe('bad value for "table": "x"');
		expect(warnings[3]?.message).toBe('bad priority "70000"');
		// a line that begins like no flow is never one, and the error names the forms that are read
		expect(warnings[4]?.message).toMatch(/does not begin like a flow .*dump-flows/);
		expect(warnings[5]?.message).toMatch(/quote/);
		expect(warnings[6]?.message).toBe('empty actions');
		expect(warnings[2]?.text).toContain('table=x');
	});

	it('Given empty input, then no flows and no warnings', () => {
		expect(ovsFlowsParser.parse('')).toEqual({kind: 'ovs-flows', facts: {flows: []}, warnings: []});
	});

	it('Given random and mutated real dumps, then parsing never throws and every flow materialises', () => {
		const texts = [
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt',
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13-names.txt',
			'gen-ovs-ofctl-dump-flows-br-int-dvr-of13.txt',
			'ovs-local/dump-flows-of13.txt',
		].map(fixture);
		fc.assert(
			fc.property(
				fc.oneof(mutatedOvs(texts), ovsNoise, fc.string({unit: 'binary', maxLength: 300})),
				text => {
					const {facts, warnings} = ovsFlowsParser.parse(text);
					const lines = text.split('\n').length;
					for (const w of warnings) {
						expect(w.line).toBeGreaterThanOrEqual(1);
						expect(w.line).toBeLessThanOrEqual(lines);
						expect(w.message).not.toMatch(/internal parser error/);
					}
					for (const f of facts.flows) {
						expect(Number.isInteger(f.table) && Number.isInteger(f.priority)).toBe(true);
						expect(typeof f.match).toBe('object');
						expect(f.actions.length).toBeGreaterThan(0);
					}
					expect(() => JSON.stringify(facts)).not.toThrow();
				},
			),
			{numRuns: 400},
		);
	});
});
