import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {ovsOfctlShowParser} from '../../../src/collectors/parsers/ovs-ofctl-show.js';
import {fixture} from './fixture.js';
import {mutatedOvs, ovsNoise} from './ovs-mutate.js';

describe('ovs-ofctl-show parser', () => {
	it('Given ovs-ofctl show br-int, then ofports map to names with config and state', () => {
		const {facts, warnings} = ovsOfctlShowParser.parse(fixture('gen-ovs-ofctl-show-br-int.txt'));
		expect(warnings).toEqual([]);
		expect(facts.dpid).toBe('0000b2d42c5e574b');
		expect(facts.ports.map(p => [p.ofport, p.name])).toEqual([
			[1, 'patch-tun'],
			[2, 'int-br-ex'],
			[3, 'qr-102c4426-86'],
			[4, 'tap3a1f2c4d-5e'],
			['LOCAL', 'br-int'],
		]);
		expect(facts.ports[2]).toEqual({
			ofport: 3,
			name: 'qr-102c4426-86',
			mac: '16:ee:51:be:b6:fc',
			config: 'PORT_DOWN',
			state: 'LINK_DOWN',
			line: 13,
		});
	});

	it.each([
		[
			'gen-ovs-ofctl-show-br-tun-of13.txt',
			'00002a1782b9ac4f',
			['patch-int', 'vxlan-0a0a000c', 'vxlan-0a0a000d', 'br-tun'],
		],
		[
			'ovs-local/ofctl-show.txt',
			'0000c258ce279342',
			['patch-int', 'vxlan-0a0a000c', 'br-bench-flows'],
		],
	])('Given %s, then the port names are read', (file, dpid, names) => {
		const {facts, warnings} = ovsOfctlShowParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts.dpid).toBe(dpid);
		expect(facts.ports.map(p => p.name)).toEqual(names);
	});

	it('Given a broken port line, then it warns with the line number', () => {
		const {facts, warnings} = ovsOfctlShowParser.parse(
			' 1(patch-tun): addr:9e:b0:12:e4:3d:7a\n 2(int-br-ex: addr:zz\n',
		);
		expect(facts.ports.map(p => p.name)).toEqual(['patch-tun']);
		expect(warnings).toEqual([
			{line: 2, message: 'unreadable port line', text: ' 2(int-br-ex: addr:zz'},
		]);
	});

	it('Given random and mutated real outputs, then parsing never throws', () => {
		const texts = [
			fixture('gen-ovs-ofctl-show-br-int.txt'),
			fixture('gen-ovs-ofctl-show-br-tun-of13.txt'),
		];
		fc.assert(
			fc.property(fc.oneof(mutatedOvs(texts), ovsNoise, fc.string({unit: 'binary'})), text => {
				const r = ovsOfctlShowParser.parse(text);
				expect(r.warnings.every(w => w.line >= 1 && !w.message.startsWith('internal'))).toBe(true);
				for (const p of r.facts.ports)
					expect(p.ofport === 'LOCAL' || Number.isInteger(p.ofport)).toBe(true);
			}),
			{numRuns: 300},
		);
	});
});
