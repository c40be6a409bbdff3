import {describe, expect, it} from 'vitest';
import {inferOvnTable, ovnDbParser} from '../../../src/collectors/parsers/ovn-db.js';
import {ovsdbJsonParser} from '../../../src/collectors/parsers/ovsdb-json.js';
import {OVN_NB_TABLES, OVN_SB_TABLES} from '../../../src/collectors/catalog.js';
import {fixture} from './fixture.js';

// The fixtures are RECORDED from real ovn-nbctl/ovn-sbctl 23.03 against real ovsdb-servers and
// ovn-northd (test/fixtures/ovn/record.ts), on a synthetic Neutron-shaped topology.
describe('ovn-db parser (ovn-nbctl / ovn-sbctl --format=json, several tables per run)', () => {
	it('Given the NB read of the catalog, then every table is told apart and the virtual port is typed', () => {
		const {facts, warnings} = ovnDbParser.parse(fixture('ovn/ovn-nbctl-list-healthy.json'));
		expect(warnings).toEqual([]);
		expect(facts.db).toBe('nb');
		expect(Object.keys(facts.tables).sort()).toEqual(OVN_NB_TABLES.map(([t]) => t).sort());
		const lsp = facts.tables['Logical_Switch_Port']?.rows ?? [];
		const vip = lsp.find(r => r['name'] === '99999999-9999-4999-8999-999999999999');
		expect(vip?.['type']).toBe('virtual');
		expect(vip?.['options']).toEqual({
			'virtual-ip': '10.0.0.100',
			'virtual-parents':
				'11111111-1111-4111-8111-111111111111,22222222-2222-4222-8222-222222222222',
		});
		const vm1 = lsp.find(r => r['name'] === '11111111-1111-4111-8111-111111111111');
		expect(vm1?.['port_security']).toBe('fa:16:3e:11:11:11 10.0.0.11 10.0.0.100');
		// Each row names the line of its table's JSON document.
		expect(vip?.line).toBe(facts.tables['Logical_Switch_Port']?.line);
	});

	it('Given the SB read, then Port_Binding carries chassis and virtual_parent and MAC_Binding the VIP', () => {
		const {facts, warnings} = ovnDbParser.parse(fixture('ovn/ovn-sbctl-list-healthy.json'));
		expect(warnings).toEqual([]);
		expect(facts.db).toBe('sb');
		expect(Object.keys(facts.tables).sort()).toEqual(OVN_SB_TABLES.map(([t]) => t).sort());
		const pb = facts.tables['Port_Binding']?.rows.find(
			r => r['logical_port'] === '99999999-9999-4999-8999-999999999999',
		);
		expect(pb?.['type']).toBe('virtual');
		expect(pb?.['virtual_parent']).toBe('11111111-1111-4111-8111-111111111111');
		expect(typeof pb?.['chassis']).toBe('string');
		const mb = facts.tables['MAC_Binding']?.rows ?? [];
		expect(mb.map(r => [r['ip'], r['mac']])).toEqual([['10.0.0.100', 'fa:16:3e:11:11:11']]);
	});

	it('Given every column (no --columns), then the table is still inferred', () => {
		expect(
			inferOvnTable([
				'_uuid',
				'addresses',
				'dynamic_addresses',
				'enabled',
				'name',
				'port_security',
				'type',
			]),
		).toBe('Logical_Switch_Port');
		expect(
			inferOvnTable([
				'_uuid',
				'chassis',
				'datapath',
				'logical_port',
				'tunnel_key',
				'virtual_parent',
			]),
		).toBe('Port_Binding');
		expect(inferOvnTable(['_uuid', 'datapath', 'ip', 'logical_port', 'mac', 'timestamp'])).toBe(
			'MAC_Binding',
		);
	});

	it('Given garbage, a cut document or an unknown table, then warnings name it and what parsed stays', () => {
		const text = fixture('ovn/ovn-sbctl-list-healthy.json').split('\n');
		const cut = `${text[0]}\n${(text[1] ?? '').slice(0, 40)}\n`;
		const r1 = ovnDbParser.parse(cut);
		expect(r1.warnings.length).toBeGreaterThan(0);
		const r2 = ovnDbParser.parse(
			'ovn-sbctl: unix:/run/ovn/ovnsb_db.sock: database connection failed',
		);
		expect(r2.facts.tables).toEqual({});
		expect(r2.warnings[0]?.message).toMatch(/not ovn-nbctl\/ovn-sbctl --format=json/);
		const r3 = ovnDbParser.parse('{"data":[["x"]],"headings":["whatever"]}\n');
		expect(r3.warnings[0]?.message).toMatch(/cannot tell which OVN table/);
		expect(Object.keys(r3.facts.tables)).toEqual(['?1']);
	});
});

describe('ovsdb-json: the local Open_vSwitch row (ml2/ovn chassis evidence)', () => {
	it('Given the catalog read on a chassis, then external_ids carry ovn-remote and ovn-encap-type', () => {
		const {facts, warnings} = ovsdbJsonParser.parse(
			fixture('ovn/ovs-vsctl-list-open-vswitch-chassis.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts.table).toBe('Open_vSwitch');
		expect(facts.rows[0]?.['external_ids']).toMatchObject({
			'ovn-remote': 'tcp:192.0.2.10:6642',
			'ovn-encap-type': 'geneve',
			'system-id': 'chassis-1',
		});
	});
});
