import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {ovsFdbParser} from '../../../src/collectors/parsers/ovs-fdb.js';
import {fixture} from './fixture.js';
import {mutatedOvs, ovsNoise} from './ovs-mutate.js';

describe('ovs-fdb parser', () => {
	it('Given ovs-appctl fdb/show br-int, then entries carry port, local VLAN, MAC and age', () => {
		const {facts, warnings} = ovsFdbParser.parse(fixture('gen-ovs-appctl-fdb-show-br-int.txt'));
		expect(warnings).toEqual([]);
		expect(facts.entries).toEqual([
			{port: '4', vlan: 1, mac: 'fa:16:3e:83:92:96', age: 0, line: 2},
			{port: '3', vlan: 1, mac: 'fa:16:3e:72:7a:50', age: 0, line: 3},
		]);
	});

	it('Given LOCAL and static entries, then they are typed', () => {
		const text =
			' port  VLAN  MAC                Age\nLOCAL     0  b2:d4:2c:5e:57:4b  123\n    2     5  FA:16:3E:00:00:01  static\n';
		expect(ovsFdbParser.parse(text).facts.entries).toEqual([
			{port: 'LOCAL', vlan: 0, mac: 'b2:d4:2c:5e:57:4b', age: 123, line: 2},
			{port: '2', vlan: 5, mac: 'fa:16:3e:00:00:01', age: 'static', line: 3},
		]);
	});

	it('Given fdb/stats-show by mistake, then every body line is a warning and no entry is invented', () => {
		const {facts, warnings} = ovsFdbParser.parse(
			fixture('gen-ovs-appctl-fdb-stats-show-br-int.txt'),
		);
		expect(facts.entries).toEqual([]);
		expect(warnings.map(w => w.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
	});

	it('Given malformed rows, then each warning names its line', () => {
		const text =
			' port  VLAN  MAC                Age\n    4     x  fa:16:3e:83:92:96    0\n    4     1  fa:16:3e:83:92    0\n    4     1  fa:16:3e:83:92:96\n    4     1  fa:16:3e:83:92:96  ?\n';
		const {facts, warnings} = ovsFdbParser.parse(text);
		expect(facts.entries).toEqual([]);
		expect(warnings.map(w => [w.line, w.message])).toEqual([
			[2, 'bad VLAN "x"'],
			[3, 'bad MAC "fa:16:3e:83:92"'],
			[4, 'expected 4 columns (port VLAN MAC Age), found 3'],
			[5, 'bad age "?"'],
		]);
	});

	it('Given random and mutated real outputs, then parsing never throws', () => {
		const texts = [fixture('gen-ovs-appctl-fdb-show-br-int.txt')];
		fc.assert(
			fc.property(fc.oneof(mutatedOvs(texts), ovsNoise, fc.string({unit: 'binary'})), text => {
				const r = ovsFdbParser.parse(text);
				expect(r.warnings.every(w => w.line >= 1 && !w.message.startsWith('internal'))).toBe(true);
				for (const e of r.facts.entries) expect(e.vlan).toBeLessThanOrEqual(4095);
			}),
			{numRuns: 300},
		);
	});
});
