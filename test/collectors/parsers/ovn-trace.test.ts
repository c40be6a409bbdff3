import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parseCapture} from '../../../src/collectors/parsers/index.js';
import type {OvnTrace} from '../../../src/model/facts.js';
import type {Capture} from '../../../src/model/capture.js';

const read = (file: string): string =>
	readFileSync(new URL(`../../fixtures/ovn-trace/${file}`, import.meta.url), 'utf8');
const parse = (text: string) => parseCapture('ovn-trace', text);
const trace = (file: string): OvnTrace => {
	const result = parse(read(file));
	expect(result.warnings).toEqual([]);
	expect(result.facts.error).toBeUndefined();
	return result.facts;
};

const VM1 = 'd7c70c6a-de92-464e-87b5-30f4f3ed25ac';
const VM2 = '4ad25a95-d435-4632-83df-0ca03d93c949';
const NETB = 'c3f1ba8a-4184-4749-b7b0-0b1760c83604';
const R1 = '47819b0e-a705-4cf4-b104-b5076282e43e';
const NETA = '6351f6f6-eefd-4840-bdef-63a7f88ac52f';

const arpResolve = (t: OvnTrace) =>
	t.pipelines.flatMap(p => p.stages).find(s => s.stage === 'lr_in_arp_resolve');

describe('ovn-trace parser on real OVN 23.03 output (test/fixtures/ovn-trace, recorded on the OVN lab)', () => {
	it('healthy, routed: netB ingress/egress → r1 → netA, lr_in_arp_resolve names vm1, output to vm1', () => {
		const t = trace('healthy/1-routed-client-to-vip.txt');
		expect(t.flow).toMatch(/^icmp,reg14=0x2,.*nw_dst=198\.19\.0\.100/);
		expect(t.pipelines.map(p => `${p.pipeline}:${p.datapath}`)).toEqual([
			`ingress:${NETB}`,
			`egress:${NETB}`,
			`ingress:${R1}`,
			`egress:${R1}`,
			`ingress:${NETA}`,
			`egress:${NETA}`,
		]);
		// the ct_next continuation's stages are folded into their pipeline
		expect(t.pipelines[0]?.stages.map(s => `${s.table}.${s.stage}`)).toEqual([
			'0.ls_in_check_port_sec',
			'4.ls_in_pre_acl',
			'6.ls_in_pre_stateful',
			'7.ls_in_acl_hint',
			'8.ls_in_acl',
			'25.ls_in_l2_lkup',
		]);
		const routing = t.pipelines[2]?.stages.find(s => s.stage === 'lr_in_ip_routing');
		expect(routing).toMatchObject({
			table: 13,
			match: 'ip4.dst == 198.19.0.0/24',
			priority: 74,
			uuid: '56f804e8',
		});
		expect(routing?.actions).toContain('outport = "lrp-36590191-f486-438c-b0af-8e89599d5bb6";');
		expect(arpResolve(t)).toMatchObject({
			table: 17,
			match: 'outport == "lrp-36590191-f486-438c-b0af-8e89599d5bb6" && reg0 == 198.19.0.100',
			actions: ['eth.dst = fa:16:3e:e9:22:a1;', 'next;'],
		});
		expect(t.outputs.map(o => `${o.type || 'vm'}:${o.port}@${o.datapath}`)).toEqual([
			`patch:1d564fc0-e878-4b39-890e-a04a29330fc6@${NETB}`,
			`patch:lrp-36590191-f486-438c-b0af-8e89599d5bb6@${R1}`,
			`vm:${VM1}@${NETA}`,
		]);
		expect(t.drop).toBeUndefined();
		expect(t.flood).toBeUndefined();
	});

	it("after the failover the router still resolves the VIP to vm1 (the SB's stale virtual parent)", () => {
		const t = trace('failover/1-routed-client-to-vip.txt');
		expect(arpResolve(t)?.actions[0]).toBe('eth.dst = fa:16:3e:e9:22:a1;');
		expect(t.outputs.at(-1)?.port).toBe(VM1);
	});

	it('after the workaround (and after the silent move) the router resolves the VIP to vm2', () => {
		for (const state of ['workaround', 'stale']) {
			const t = trace(`${state}/1-routed-client-to-vip.txt`);
			expect(arpResolve(t)?.actions[0], state).toBe('eth.dst = fa:16:3e:a8:42:e0;');
			expect(t.outputs.at(-1)?.port, state).toBe(VM2);
		}
	});

	it('same-subnet client (vm2 → VIP): one datapath, L2 lookup straight to vm1', () => {
		const t = trace('healthy/2-l2-vm2-to-vip.txt');
		expect(new Set(t.pipelines.map(p => p.datapath))).toEqual(new Set([NETA]));
		expect(t.pipelines.flatMap(p => p.stages).some(s => s.stage.startsWith('lr_'))).toBe(false);
		expect(t.outputs).toEqual([expect.objectContaining({port: VM1, type: '', depth: 0})]);
	});

	it("a packet to itself is dropped at the L2 lookup with ovn-trace's own reason", () => {
		const t = trace('stale/2-l2-vm2-to-vip.txt');
		expect(t.drop).toMatchObject({
			datapath: NETA,
			stage: 'ls_in_l2_lkup',
			table: 25,
			reason: 'omitting output because inport == outport && !flags.loopback',
		});
	});

	it('a packet the security group does not allow stops at ls_out_acl (ct_commit blocked, no output)', () => {
		const t = trace('healthy/p-no-icmp-acl.txt');
		expect(t.drop).toMatchObject({datapath: NETA, stage: 'ls_out_acl', table: 4});
		expect(t.drop?.reason).toContain('ct_commit { ct_mark.blocked = 1; }');
		expect(t.outputs.every(o => o.type === 'patch')).toBe(true);
	});

	it('no MAC binding: get_arp finds none, the router floods an ARP request (copies nest one level down)', () => {
		const t = trace('stale/4-routed-no-mac-binding.txt');
		expect(arpResolve(t)?.actions).toEqual([
			'get_arp(outport, reg0);',
			'/* No MAC binding. */',
			'next;',
		]);
		expect(t.flood).toBe(true);
		expect(t.drop).toBeUndefined();
		expect(t.outputs.filter(o => o.depth === 1).map(o => o.port)).toEqual([
			'1e92e01e-a241-4915-93f8-5653d03939d6',
			VM2,
			VM1,
		]);
	});

	it("ovn-trace's refusals on stdout (exit 0) are errors, never a trace", () => {
		expect(parse(read('healthy/p-unknown-datapath.txt')).facts.error).toBe(
			'unknown datapath "neutron-00000000-0000-0000-0000-000000000000"',
		);
		expect(parse(read('healthy/p-syntax.txt')).facts.error).toBe(
			'error parsing flow: Syntax error at end of input expecting constant.',
		);
		// unknown inport: an assertion on stderr, nothing on stdout
		// (the parser gives the empty facts of its kind; readOvnTrace names the capture's stderr)
		const unknown = parse(read('healthy/p-unknown-inport.txt')).facts;
		expect(unknown.error).toBeUndefined();
		expect(unknown.pipelines).toEqual([]);
		const ping = parse(read('healthy/ping-client.txt')).facts;
		expect(ping.error).toMatch(
			/^not an ovn-trace --detailed trace \(line 1: "PING 198\.19\.0\.100/,
		);
		expect(ping.pipelines).toEqual([]);
	});

	it('the --summary form is refused by name (dvrscope reads --detailed)', () => {
		expect(parse(read('healthy/3-routed-summary.txt')).facts.error).toBe(
			'the --summary form of ovn-trace, not --detailed (no stage names to read)',
		);
	});

	it('every cut of a real trace before its last line is an error naming the truncation — never a drop or an ending', () => {
		for (const file of [
			'healthy/1-routed-client-to-vip.txt',
			'failover/1-routed-client-to-vip.txt',
			'healthy/p-no-icmp-acl.txt',
			'healthy/2-l2-vm2-to-vip.txt',
		]) {
			const lines = read(file).trimEnd().split('\n');
			for (let k = 2; k < lines.length; k++) {
				const t = parse(`${lines.slice(0, k).join('\n')}\n`).facts;
				expect(t.error, `${file} cut after line ${k}: ${lines[k - 1]}`).toMatch(
					/^truncated ovn-trace output: /,
				);
			}
			// and a cut inside the last line
			const all = lines.join('\n');
			expect(parse(all.slice(0, -3)).facts.error, file).toMatch(/^truncated ovn-trace output: /);
		}
	});

	it('hand-made (labelled): a flow that matches nothing is an implicit drop at that stage', () => {
		// the form ovn-trace prints (ovn-trace.c: "<stage>: no match (implicit drop)"), not recorded
		const t = parse(
			'# reg14=0x1,vlan_tci=0x0000,dl_src=00:00:00:00:00:ff,dl_dst=00:00:00:00:00:02,dl_type=0x0000\n\ningress(dp="sw0", inport="sw0-port1")\n-------------------------------------\n 0. ls_in_port_sec_l2: no match (implicit drop)\n',
		).facts;
		expect(t.error).toBeUndefined();
		expect(t.drop).toMatchObject({datapath: 'sw0', stage: 'ls_in_port_sec_l2', table: 0});
	});
});

describe('readOvnTrace (the path engine reads a trace capture)', () => {
	const capture = (stdout: string, stderr: string, exitCode: number): Capture =>
		({stdout, stderr, exitCode}) as unknown as Capture;
	it('Given empty stdout, then it is an error naming stderr, or "no trace" with the exit code — never a trace', async () => {
		const {readOvnTrace} = await import('../../../src/diagnostics/path-ovn-nb.js');
		const unknown = read('healthy/p-unknown-inport.txt');
		expect(readOvnTrace(capture(unknown, '', 255)).error).toBe('no trace in the output (exit 255)');
		expect(
			readOvnTrace(capture('', 'ovn-trace: lib/ovn-util.c:1: assertion failed\n', 255)).error,
		).toMatch(/^ovn-trace: .*assertion failed/);
		expect(readOvnTrace(capture(read('healthy/p-syntax.txt'), '', 0)).error).toMatch(
			/^error parsing flow/,
		);
	});
});
