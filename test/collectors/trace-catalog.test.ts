import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {checkParam, matchCatalog, planCommand, planDetail} from '../../src/collectors/catalog.js';
import {checkTraceFlow, traceFlow} from '../../src/collectors/trace-flow.js';

const NS = 'qrouter-efc4d540-dd88-4fcf-b130-07e9b507adc0';
const FLOW =
	'in_port=tap-client,ip,dl_src=fa:16:3e:e7:f2:92,dl_dst=fa:16:3e:95:b0:c3,nw_src=198.19.1.21,nw_dst=198.19.0.100';
const PREFIX = ['ovs-appctl', '-T', '10', 'ofproto/trace', 'br-int', '--names'];

/** Flows a hostile model, a hostile name in OVSDB or a confused caller could hand the catalog. */
const HOSTILE_FLOWS = [
	'-generate',
	'--generate',
	`${FLOW} -generate`,
	`${FLOW},-generate`,
	`${FLOW} 0a0b0c0d0e0f`, // a packet argument
	`${FLOW}\n-generate`,
	'in_port=1;id',
	'in_port=$(reboot),ip',
	'in_port=`id`,ip',
	"in_port='x',ip",
	'in_port=1,ip,actions=drop',
	'in_port=1,ip,nw_dst=198.19.0.100/0',
	'in_port=1,nw_dst=198.19.0.100', // prerequisites not met: refused before OVS says so
	'ip,nw_dst=198.19.0.100', // no in_port
	'in_port=1,ip,dl_src=zz:16:3e:e7:f2:92',
	'in_port=1,ip,in_port=2',
	'in_port=--names,ip',
	'in_port=1,ip,tun_id=0x' + 'f'.repeat(40),
	`in_port=1,ip${',ip'.repeat(200)}`,
	'',
];

describe('trace catalog entries (issue 22)', () => {
	it('plans ofproto/trace with exactly one flow word: no packet argument, never -generate', () => {
		const plan = planCommand('trace.ovs', {bridge: 'br-int', flow: FLOW});
		expect(plan.ok).toBe(true);
		if (!plan.ok) return;
		expect(plan.command.argv).toEqual([...PREFIX, FLOW]);
		expect(plan.command.argv).not.toContain('-generate');
		expect(matchCatalog(plan.command.argv)?.id).toBe('trace.ovs');
	});

	it.each(HOSTILE_FLOWS.map(f => [JSON.stringify(f).slice(0, 60), f]))(
		'refuses the flow %s',
		(_, flow) => {
			expect(checkParam('flow', flow)).toBeDefined();
			const plan = planCommand('trace.ovs', {bridge: 'br-int', flow});
			expect(plan.ok).toBe(false);
			expect(matchCatalog([...PREFIX, flow])).toBeUndefined();
		},
	);

	it('the allow-list refuses an argv with -generate or a packet after a legal flow', () => {
		expect(matchCatalog([...PREFIX, FLOW, '-generate'])).toBeUndefined();
		expect(matchCatalog([...PREFIX, FLOW, '0a0b0c0d0e0f'])).toBeUndefined();
		expect(
			matchCatalog([...PREFIX.slice(0, 4), '-generate', 'br-int', '--names', FLOW]),
		).toBeUndefined();
		expect(
			matchCatalog(['ovs-appctl', '-T', '10', 'ofproto/trace', 'br-int', FLOW]),
		).toBeUndefined();
	});

	it('plans ip route get in a router namespace; hostile devices and addresses are refused', () => {
		const ok = planCommand('trace.route-get', {
			namespace: NS,
			ip: '198.19.0.100',
			sourceIp: '198.19.1.21',
			device: 'qr-c078255e-88',
		});
		expect(ok.ok && ok.command.argv).toEqual([
			'ip',
			'-n',
			NS,
			'-j',
			'route',
			'get',
			'198.19.0.100',
			'from',
			'198.19.1.21',
			'iif',
			'qr-c078255e-88',
		]);
		for (const device of ['-x', 'qr-a;b', 'qr-$(id)', 'qr-0123456789abcdef', '', 'a b'])
			expect(
				planCommand('trace.route-get', {
					namespace: NS,
					ip: '198.19.0.100',
					sourceIp: '198.19.1.21',
					device,
				}).ok,
				device,
			).toBe(false);
		expect(
			planCommand('trace.route-get', {
				namespace: NS,
				ip: '198.19.0.100',
				sourceIp: '1.2.3.4; id',
				device: 'qr-x',
			}).ok,
		).toBe(false);
	});

	it('a collection never plans a trace: trace entries run only in path rounds', () => {
		const plan = planDetail({
			namespaces: [NS],
			bridges: ['br-int', 'br-tun'],
			nonce: '0'.repeat(32),
		});
		expect(plan.commands.map(c => c.entry.id).filter(id => id.startsWith('trace.'))).toEqual([]);
	});

	it('property: every flow traceFlow builds from legal fields passes the check', () => {
		const mac = fc
			.array(fc.integer({min: 0, max: 255}), {minLength: 6, maxLength: 6})
			.map(b => b.map(x => x.toString(16).padStart(2, '0')).join(':'));
		const ip = fc.ipV4();
		const port = fc.stringMatching(/^[a-z][a-z0-9-]{0,13}$/);
		fc.assert(
			fc.property(
				port,
				mac,
				mac,
				ip,
				ip,
				fc.option(fc.integer({min: 1, max: 16_000_000})),
				(p, s, d, a, b, t) => {
					const flow = traceFlow({
						inPort: p,
						dlSrc: s,
						dlDst: d,
						nwSrc: a,
						nwDst: b,
						...(t === null ? {} : {tunId: `0x${t.toString(16)}`}),
					});
					expect(checkTraceFlow(flow)).toBeUndefined();
					expect(checkParam('flow', flow)).toBeUndefined();
				},
			),
		);
	});
});
