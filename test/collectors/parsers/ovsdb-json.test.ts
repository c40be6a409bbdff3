import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {decodeDatum, ovsdbJsonParser} from '../../../src/collectors/parsers/ovsdb-json.js';
import {fixture} from './fixture.js';
import {mutatedOvs, ovsNoise} from './ovs-mutate.js';

describe('ovsdb-json parser', () => {
	it('Given list Interface JSON, then maps, uuids and Neutron external_ids are decoded', () => {
		const {facts, warnings} = ovsdbJsonParser.parse(
			fixture('gen-ovs-vsctl-format-json-list-interface.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts.table).toBe('Interface');
		expect(facts.headings).toEqual(['name', 'ofport', 'type', 'options', 'external_ids']);
		expect(facts.rows).toHaveLength(12);
		expect(facts.rows[0]).toEqual({
			name: 'phy-br-ex',
			ofport: 1,
			type: 'patch',
			options: {peer: 'int-br-ex'},
			external_ids: {},
		});
		const tap = facts.neutron.find(p => p.name === 'tap3a1f2c4d-5e');
		expect(tap).toEqual({
			name: 'tap3a1f2c4d-5e',
			ofport: 4,
			ifaceId: '3a1f2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
			attachedMac: 'fa:16:3e:83:92:96',
			vmUuid: 'f0f79f90-733d-417a-8d70-cc6be62cd54d',
			ifaceStatus: 'active',
			options: {},
		});
		expect(facts.neutron.find(p => p.name === 'qr-102c4426-86')).toMatchObject({
			type: 'internal',
			ifaceId: '102c4426-86e1-4a7b-8d43-9a1b2c3d4e5f',
			attachedMac: 'fa:16:3e:72:7a:50',
		});
		expect(facts.neutron.find(p => p.name === 'vxlan-0a0a000c')?.options['remote_ip']).toBe(
			'10.10.0.12',
		);
	});

	it('Given list Port JSON, then empty tag sets are absent and other_config gives the network', () => {
		const {facts, warnings} = ovsdbJsonParser.parse(
			fixture('gen-ovs-vsctl-format-json-list-port.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts.table).toBe('Port');
		expect(facts.rows[0]).toEqual({name: 'vxlan-0a0a000d', tag: [], other_config: {}});
		expect(facts.neutron.find(p => p.name === 'vxlan-0a0a000d')).toEqual({
			name: 'vxlan-0a0a000d',
			options: {},
		});
		expect(facts.neutron.find(p => p.name === 'qr-102c4426-86')).toEqual({
			name: 'qr-102c4426-86',
			tag: 1,
			netUuid: '6b1c8a52-1f0e-4a2b-9a3e-2f5d1c7e8a90',
			segmentationId: '77',
			networkType: 'vxlan',
			options: {},
		});
	});

	it('Given the plain-text list Interface form, then it reads like the JSON form', () => {
		const {facts, warnings} = ovsdbJsonParser.parse(fixture('gen-ovs-vsctl-list-interface-qr.txt'));
		expect(warnings).toEqual([]);
		expect(facts.rows).toEqual([
			{
				name: 'qr-102c4426-86',
				ofport: 3,
				external_ids: {
					'attached-mac': 'fa:16:3e:72:7a:50',
					'iface-id': '102c4426-86e1-4a7b-8d43-9a1b2c3d4e5f',
					'iface-status': 'active',
				},
			},
		]);
		expect(facts.neutron[0]).toMatchObject({
			ofport: 3,
			ifaceId: '102c4426-86e1-4a7b-8d43-9a1b2c3d4e5f',
		});
	});

	it.each([
		[['uuid', 'c3e4f0a2-8a55-4bb6-9c0a-6b1f2f4c9d11'], 'c3e4f0a2-8a55-4bb6-9c0a-6b1f2f4c9d11'],
		[
			['set', [1, 2]],
			[1, 2],
		],
		[['set', [['uuid', 'a']]], ['a']],
		[['map', [['k', ['uuid', 'u']]]], {k: 'u'}],
		[['map', [[1, 'x']]], {'1': 'x'}],
		[['bogus', 1], undefined],
		[['map', [['k']]], undefined],
		[{a: 1}, undefined],
	])('Given the datum %j, then it decodes to %j', (datum, expected) => {
		expect(decodeDatum(datum)).toEqual(expected);
	});

	it('Given broken JSON on line 3, then the warning names line 3', () => {
		const {facts, warnings} = ovsdbJsonParser.parse(
			'{"data":[\n["a",1],\n["b",2,]],\n"headings":["name","ofport"]}',
		);
		expect(facts.rows).toEqual([]);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]?.line).toBe(3);
		expect(warnings[0]?.message).toMatch(/^not valid JSON/);
	});

	it('Given rows of the wrong width or bad datums, then those rows warn and others parse', () => {
		const text = JSON.stringify({
			data: [['a', 1], ['b'], ['c', ['weird', 2]]],
			headings: ['name', 'ofport'],
		});
		const {facts, warnings} = ovsdbJsonParser.parse(text);
		expect(warnings.map(w => w.message)).toEqual([
			'row 1: expected 2 values',
			'row 2, column "ofport": not an OVSDB datum',
		]);
		expect(facts.rows).toEqual([{name: 'a', ofport: 1}, {name: 'c'}]);
	});

	it('Given random and mutated real outputs, then parsing never throws', () => {
		const texts = [
			fixture('gen-ovs-vsctl-format-json-list-interface.json'),
			fixture('gen-ovs-vsctl-format-json-list-port.json'),
			fixture('gen-ovs-vsctl-list-interface-qr.txt'),
		];
		fc.assert(
			fc.property(
				fc.oneof(mutatedOvs(texts), ovsNoise, fc.json(), fc.string({unit: 'binary'})),
				text => {
					const r = ovsdbJsonParser.parse(text);
					expect(r.warnings.every(w => w.line >= 1 && !w.message.startsWith('internal'))).toBe(
						true,
					);
					expect(Array.isArray(r.facts.rows)).toBe(true);
				},
			),
			{numRuns: 300},
		);
	});
});

describe('ovsdb-json parser: hostile keys', () => {
	it('Given a __proto__ map key, then it stays an ordinary key', () => {
		const text = JSON.stringify({
			data: [['x', ['map', [['__proto__', 'v']]]]],
			headings: ['name', 'external_ids'],
		});
		const row = ovsdbJsonParser.parse(text).facts.rows[0]!;
		expect(Object.keys(row['external_ids'] as object)).toEqual(['__proto__']);
	});
});
