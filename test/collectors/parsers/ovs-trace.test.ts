import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parseCapture} from '../../../src/collectors/parsers/index.js';
import type {OvsTrace} from '../../../src/model/facts.js';

const read = (file: string): string =>
	readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8');
const trace = (file: string): OvsTrace => {
	const result = parseCapture('ovs-trace', read(file));
	expect(result.warnings).toEqual([]);
	return result.facts;
};

describe('ovs-trace parser on real lab output (test/fixtures/trace, recorded)', () => {
	it('client → qr leg: NORMAL forwards to the learned port named in the datapath actions', () => {
		const t = trace('trace/healthy/1-compute-2-br-int-client-to-qr.txt');
		expect(t.flow).toContain('in_port="tap-client"');
		expect(t.steps.map(s => `${s.bridge}:${s.table}`)).toEqual([
			'br-int:0',
			'br-int:25',
			'br-int:30',
			'br-int:59',
			'br-int:60',
		]);
		expect(t.steps[4]?.actions.map(a => a.type)).toEqual(['normal']);
		expect(t.steps[4]?.notes).toEqual(['-> forwarding to learned port']);
		expect(t.outputs).toEqual([{bridge: 'br-int', port: 'qr-c078255e-88', line: 19}]);
		expect(t.flood).toBe(false);
		expect(t.drop).toBeUndefined();
	});

	it('qr leg → tunnel: patch continuation into br-tun, DVR source-MAC rewrite, tun_id, VXLAN port and remote IP', () => {
		const t = trace('trace/failover/3-compute-2-br-int-qr-to-tunnel.txt');
		expect(t.bridges).toEqual(['br-int', 'br-tun', 'br-phy']);
		expect(t.rewrites.map(r => `${r.bridge}:${r.table} ${r.field}=${r.value}`)).toEqual([
			'br-tun:1 eth_src=fa:16:3f:67:00:48',
			'br-tun:20 tun_id=0x184',
		]);
		expect(t.tunId).toBe('0x184');
		// the underlay bridge (br-phy, after "output to native tunnel") is not an exit
		expect(t.outputs).toEqual([
			{
				bridge: 'br-tun',
				port: 'vxlan-c612010b',
				line: 25,
				tunnel: {remoteIp: '198.18.1.11', tunId: '0x184'},
			},
		]);
		expect(t.datapathActions?.text).toMatch(/^set\(eth\(src=fa:16:3f:67:00:48\)\),tnl_push/);
	});

	it('remote node from its tunnel port with tun_id: table 4 → 9 → patch → br-int DVR rewrite → the VM tap', () => {
		const t = trace('trace/failover/4-compute-1-br-tun-from-tunnel.txt');
		expect(t.steps.map(s => `${s.bridge}:${s.table}`).join(' ')).toBe(
			'br-tun:0 br-tun:4 br-tun:9 br-int:0 br-int:1 br-int:59 br-int:60',
		);
		expect(t.outputs.map(o => o.port)).toEqual(['tap-vm2']);
		expect(t.rewrites.find(r => r.field === 'eth_src')?.value).toBe('fa:16:3e:c5:76:ff');
	});

	it('without tun_id the remote trace is dropped in br-tun table 4 (the false break)', () => {
		const t = trace('trace/failover/4-compute-1-br-tun-no-tun-id.txt');
		expect(t.outputs).toEqual([]);
		expect(t.drop).toMatchObject({bridge: 'br-tun', table: 4, line: 7});
	});

	it('flooding: nested bridges (br-ex, br-phy) stay with their step; every exit is listed', () => {
		const t = trace('trace/healthy/5-compute-2-br-int-unknown-mac-flood.txt');
		expect(t.flood).toBe(true);
		expect(t.steps.find(s => s.table === 60)?.notes).toEqual([
			'-> no learned MAC for destination, flooding',
		]);
		expect(t.steps.filter(s => s.bridge === 'br-ex').map(s => s.table)).toEqual([0, 1, 2]);
		expect(t.outputs.map(o => `${o.port}${o.tunnel ? `→${o.tunnel.remoteIp}` : ''}`)).toEqual([
			'vxlan-c612010a→198.18.1.10',
			'vxlan-c612010b→198.18.1.11',
			'br-int',
			'qr-c078255e-88',
		]);
	});

	it('a drop by NORMAL is read from its note', () => {
		const t = trace('trace/healthy/6-compute-1-br-int-l2-vm2-to-entry.txt');
		expect(t.drop).toMatchObject({
			bridge: 'br-int',
			table: 60,
			reason: 'learned port is input port, dropping',
		});
	});

	it('without --names ports are numbers (the pitfall the catalog avoids)', () => {
		const t = trace('trace/healthy/p-no-names.txt');
		expect(t.outputs.map(o => o.port)).toEqual(['8']);
	});

	it.each([
		['p-unknown-port.txt', /invalid or unknown port for in_port/],
		['p-no-bridge.txt', /bridge name was omitted/],
		['p-no-such-bridge.txt', /unknown bridge/],
		['p-nw-dst-without-ip.txt', /prerequisites not met/],
	])(
		'OVS refusing the trace (%s, rc 2): stdout empty, the message is kept as error',
		(file, re) => {
			expect(read(`trace/healthy/${file}`)).toBe('');
			const t = trace(`trace/healthy/${file}.stderr`);
			expect(t.error).toMatch(re);
			expect(t.steps).toEqual([]);
		},
	);
});

describe('ovs-trace parser on kernel-datapath output (test/fixtures/trace-kernel: HAND-MADE)', () => {
	it('set(tunnel(…dst=…)): the remote IP comes from the datapath actions; vxlan_sys_4789 is not a second exit', () => {
		const t = trace('trace-kernel/br-int-qr-to-tunnel-dst.txt');
		expect(t.outputs).toEqual([
			{
				bridge: 'br-tun',
				port: 'vxlan-c612010b',
				line: 25,
				tunnel: {remoteIp: '198.18.1.11', tunId: '0x184'},
			},
		]);
		expect(t.flood).toBe(false);
	});

	it('no dst printed: the tunnel output has no remote IP (the engine reads options:remote_ip)', () => {
		const t = trace('trace-kernel/br-int-qr-to-tunnel-no-dst.txt');
		expect(t.outputs).toEqual([
			{bridge: 'br-tun', port: 'vxlan-c612010b', line: 25, tunnel: {tunId: '0x184'}},
		]);
	});
});
