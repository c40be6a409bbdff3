import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {ovsVsctlShowParser} from '../../../src/collectors/parsers/ovs-vsctl-show.js';
import {fixture} from './fixture.js';
import {mutatedOvs, ovsNoise} from './ovs-mutate.js';

/** OVS 2.x formatting (names with dashes quoted), as in DOMAIN.md §6; values constructed. */
const OVS_2X = `c3e4f0a2-8a55-4bb6-9c0a-6b1f2f4c9d11
    Manager "ptcp:6640:127.0.0.1"
        is_connected: true
    Bridge br-tun
        Controller "tcp:127.0.0.1:6633"
            is_connected: true
        fail_mode: secure
        Port "vxlan-0a00644d"
            Interface "vxlan-0a00644d"
                type: vxlan
                options: {df_default="true", in_key=flow, local_ip="10.0.100.76", out_key=flow, remote_ip="10.0.100.77"}
        Port patch-int
            Interface patch-int
                type: patch
                options: {peer=patch-tun}
    Bridge br-int
        Controller "tcp:127.0.0.1:6633"
            is_connected: true
        fail_mode: secure
        Port "qr-102c4426-86"
            tag: 1
            Interface "qr-102c4426-86"
                type: internal
    ovs_version: "2.11.0"
`;

describe('ovs-vsctl-show parser', () => {
	it('Given OVS 3.1 output (unquoted names), then bridges, ports, tags and options are typed', () => {
		const {facts, warnings} = ovsVsctlShowParser.parse(
			fixture('gen-ovs-vsctl-show-dvr-compute.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts.uuid).toBe('56b02b53-3e0d-47f2-b6a9-ac2070c19f3f');
		expect(facts.ovsVersion).toBe('3.1.0');
		expect(facts.bridges.map(b => b.name)).toEqual(['br-bench', 'br-int', 'br-tun', 'br-ex']);
		const brInt = facts.bridges[1]!;
		expect(brInt).toMatchObject({
			failMode: 'secure',
			datapathType: 'netdev',
			controllers: [],
			line: 7,
		});
		expect(brInt.ports.map(p => [p.name, p.tag])).toEqual([
			['tap3a1f2c4d-5e', 1],
			['int-br-ex', undefined],
			['br-int', undefined],
			['qr-102c4426-86', 1],
			['patch-tun', undefined],
		]);
		expect(brInt.ports[3]).toEqual({
			name: 'qr-102c4426-86',
			tag: 1,
			line: 20,
			interfaces: [{name: 'qr-102c4426-86', type: 'internal', options: {}}],
		});
		const vxlan = facts.bridges[2]!.ports.find(p => p.name === 'vxlan-0a0a000d')!.interfaces[0];
		expect(vxlan).toEqual({
			name: 'vxlan-0a0a000d',
			type: 'vxlan',
			options: {
				df_default: 'true',
				egress_pkt_mark: '0',
				in_key: 'flow',
				local_ip: '10.10.0.11',
				out_key: 'flow',
				remote_ip: '10.10.0.13',
			},
		});
	});

	it('Given OVS 2.x output (quoted names, managers, controllers), then names are unquoted', () => {
		const {facts, warnings} = ovsVsctlShowParser.parse(OVS_2X);
		expect(warnings).toEqual([]);
		expect(facts.managers).toEqual(['ptcp:6640:127.0.0.1']);
		expect(facts.ovsVersion).toBe('2.11.0');
		expect(facts.bridges[0]).toMatchObject({name: 'br-tun', controllers: ['tcp:127.0.0.1:6633']});
		expect(facts.bridges[0]!.ports[0]).toMatchObject({
			name: 'vxlan-0a00644d',
			interfaces: [{name: 'vxlan-0a00644d', type: 'vxlan', options: {remote_ip: '10.0.100.77'}}],
		});
		expect(facts.bridges[1]!.ports[0]).toMatchObject({name: 'qr-102c4426-86', tag: 1});
	});

	it('Given a real interface error line, then it is kept on the interface', () => {
		const {facts} = ovsVsctlShowParser.parse(fixture('ovs-local/vsctl-show.txt'));
		const patch = facts.bridges[0]!.ports.find(p => p.name === 'patch-int')!.interfaces[0];
		expect(patch).toEqual({
			name: 'patch-int',
			type: 'patch',
			options: {peer: 'patch-tun'},
			error: "No usable peer 'patch-tun' exists in 'netdev' datapath.",
		});
	});

	it('Given malformed lines, then warnings cite them and the rest parses', () => {
		const text = [
			'not-a-uuid',
			'    Bridge br-int',
			'        Port qr-1',
			'            tag: one',
			'            Interface qr-1',
			'                options: {peer',
			'                bogus thing',
			'    Frobnicate x',
			'            Interface orphan',
		].join('\n');
		const {facts, warnings} = ovsVsctlShowParser.parse(text);
		expect(warnings.map(w => w.line)).toEqual([1, 4, 6, 7, 8, 9]);
		expect(facts.bridges[0]?.ports[0]?.interfaces[0]?.name).toBe('qr-1');
	});

	it('Given random and mutated real outputs, then parsing never throws', () => {
		const texts = [fixture('gen-ovs-vsctl-show-dvr-compute.txt'), OVS_2X];
		fc.assert(
			fc.property(fc.oneof(mutatedOvs(texts), ovsNoise, fc.string({unit: 'binary'})), text => {
				const r = ovsVsctlShowParser.parse(text);
				expect(r.warnings.every(w => w.line >= 1 && !w.message.startsWith('internal'))).toBe(true);
				expect(Array.isArray(r.facts.bridges)).toBe(true);
			}),
			{numRuns: 300},
		);
	});
});

describe('ovs-vsctl-show parser: excerpts pasted into tickets', () => {
	const whole = ovsVsctlShowParser.parse(OVS_2X).facts.bridges;
	/** The br-tun and br-int part of OVS_2X, from its first Bridge line, shifted by `by`. */
	const excerpt = (by: number): string =>
		OVS_2X.split('\n')
			.slice(3, -2)
			.map(line => (by >= 0 ? ' '.repeat(by) + line : line.slice(-by)))
			.join('\n');

	it.each([
		['as printed (4 spaces before Bridge)', 0],
		['flush left', -4],
		['indented by 2 more', 2],
		['indented by 8 more (quoted in a ticket)', 8],
	])(
		'Given an excerpt from a Bridge line %s, then the same bridges and ports are read',
		(_, by) => {
			const {facts, warnings} = ovsVsctlShowParser.parse(excerpt(by));
			expect(warnings).toEqual([]);
			expect(facts.bridges).toEqual(
				whole.map(b => ({
					...b,
					line: b.line - 3,
					ports: b.ports.map(p => ({...p, line: p.line - 3})),
				})),
			);
		},
	);

	it('Given an excerpt that starts at a Port line, then its interfaces are read into no bridge without a crash', () => {
		const text = ['Port "qr-102c4426-86"', '    tag: 1', '    Interface "qr-102c4426-86"'].join(
			'\n',
		);
		const {facts, warnings} = ovsVsctlShowParser.parse(text);
		expect(facts.bridges).toEqual([]);
		expect(warnings.length).toBeGreaterThan(0);
	});

	it('Given a line that is no part of ovs-vsctl show, then the warning names what is read', () => {
		const {warnings} = ovsVsctlShowParser.parse('hello world\n');
		expect(warnings[0]?.message).toMatch(/ovs-vsctl show.*Bridge/);
	});
});
