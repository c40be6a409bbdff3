import {describe, expect, it} from 'vitest';
import {
	openstackPortsParser,
	readAllowedAddressPairs,
	readFixedIps,
} from '../../../src/collectors/parsers/openstack-ports.js';
import {fixture} from './fixture.js';

const SUBNET = '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d';

describe('openstack-ports parser', () => {
	it('Given the public `port show` table, then every column dvrscope uses is typed', () => {
		const {facts, warnings} = openstackPortsParser.parse(
			fixture('pub-openstack-port-show-table.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts).toEqual([
			{
				id: 'da0b1f75-c895-460f-9fc1-4d6ec84cf85f',
				mac: 'fa:16:3e:16:b5:f2',
				networkId: '38c5e950-b450-4c30-83d4-ee181c28aad3',
				fixedIps: [
					{ip: '192.0.2.15', subnetId: '5b9282a1-0be1-4ade-b478-7868ad2a16ff'},
					{
						ip: 'fda4:653e:71b0:0:f816:3eff:fe16:b5f2',
						subnetId: '43414c53-62ae-49bc-aa6c-c9dd7705818a',
					},
				],
				allowedAddressPairs: [],
				deviceOwner: 'compute:None',
				deviceId: '43f328bb-b2d1-4cf1-a36f-3b2593397cb1',
				bindingHostId: 'vultr.guest',
				bindingVifType: 'ovs',
				status: 'ACTIVE',
				adminStateUp: true,
				index: 0,
			},
		]);
	});

	it('Given `port list --long -f json` (title-case keys), then ports are typed', () => {
		const {facts, warnings} = openstackPortsParser.parse(
			fixture('openstack-constructed/port-list-long.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts[0]).toEqual({
			id: '6c3e5d1a-2b4f-4e8a-9c1d-0a1b2c3d4e5f',
			name: 'octavia-lb-vrrp-0f4a6b2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
			mac: 'fa:16:3e:11:22:33',
			fixedIps: [{ip: '10.0.0.13', subnetId: SUBNET}],
			allowedAddressPairs: [],
			deviceOwner: 'compute:nova',
			status: 'ACTIVE',
			index: 0,
		});
		expect(facts[1]).toMatchObject({deviceOwner: 'network:router_interface_distributed', index: 1});
		expect(facts[1]).not.toHaveProperty('name');
	});

	it('Given `port show -f json`, then AAPs and binding are read', () => {
		const {facts} = openstackPortsParser.parse(fixture('openstack-constructed/port-show.json'));
		expect(facts).toHaveLength(1);
		expect(facts[0]).toMatchObject({
			mac: 'fa:16:3e:11:22:33',
			networkId: '353f5937-41ba-4a3c-8225-fa1af2538141',
			allowedAddressPairs: [{ip: '10.0.0.100', mac: 'fa:16:3e:11:22:33'}],
			bindingHostId: 'compute-1',
			bindingVifType: 'ovs',
			deviceId: '3b1c0d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
			adminStateUp: true,
		});
	});

	it("Given OSC's string forms (older clients), then fixed IPs and AAPs are still lists", () => {
		const {facts} = openstackPortsParser.parse(
			fixture('openstack-constructed/port-show-string-forms.json'),
		);
		expect(facts[0]).toMatchObject({
			mac: 'fa:16:3e:29:de:20',
			fixedIps: [{ip: '10.0.0.3', subnetId: SUBNET}],
			allowedAddressPairs: [{ip: '10.0.0.100', mac: 'fa:16:3e:29:de:20'}],
			adminStateUp: true,
		});
	});

	it('Given the Neutron API envelope with binding:host_id, then ports are typed (unbound VIP port too)', () => {
		const {facts, warnings} = openstackPortsParser.parse(
			fixture('openstack-constructed/neutron-api-ports.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts[0]).toMatchObject({
			deviceOwner: 'Octavia',
			adminStateUp: false,
			status: 'DOWN',
			bindingVifType: 'unbound',
		});
		expect(facts[0]).not.toHaveProperty('bindingHostId');
		expect(facts[1]).toMatchObject({
			bindingHostId: 'compute-1',
			allowedAddressPairs: [
				{ip: '10.0.0.100', mac: 'fa:16:3e:11:22:33'},
				{ip: '10.0.5.0', prefixlen: 24, mac: 'fa:16:3e:11:22:33'},
			],
		});
	});

	it.each([
		["ip_address='10.0.0.5', subnet_id='s1'", [{ip: '10.0.0.5', subnetId: 's1'}]],
		[
			"ip_address='10.0.0.5', subnet_id='s1'\nip_address='fd00::5', subnet_id='s2'",
			[
				{ip: '10.0.0.5', subnetId: 's1'},
				{ip: 'fd00::5', subnetId: 's2'},
			],
		],
		[
			"ip_address='10.0.0.5', subnet_id='s1', ip_address='10.0.0.6', subnet_id='s1'",
			[
				{ip: '10.0.0.5', subnetId: 's1'},
				{ip: '10.0.0.6', subnetId: 's1'},
			],
		],
		[[{ip_address: '10.0.0.7'}], [{ip: '10.0.0.7'}]],
		['', []],
	])('Given fixed_ips %j, then %j', (value, expected) => {
		expect(readFixedIps(value)).toEqual(expected);
	});

	it('Given prototype-named keys in text forms, then they are plain data', () => {
		expect(readFixedIps("__proto__='x', ip_address='10.0.0.9', toString='y'")).toEqual([
			{ip: '10.0.0.9'},
		]);
		const table = [
			'+-----------+-------+',
			'| Field | Value |',
			'| __proto__ | x |',
			'| id | p1 |',
			'| mac_address | fa:16:3e:00:00:01 |',
			'+-----------+-------+',
		].join('\n');
		const {facts, warnings} = openstackPortsParser.parse(table);
		expect(warnings).toEqual([]);
		expect(facts.map(p => [p.id, p.mac])).toEqual([['p1', 'fa:16:3e:00:00:01']]);
	});

	it('Given AAPs without a MAC, then mac is absent', () => {
		expect(readAllowedAddressPairs([{ip_address: '10.0.0.100'}])).toEqual([{ip: '10.0.0.100'}]);
	});

	it('Given malformed JSON, then the warning names the line', () => {
		const {facts, warnings} = openstackPortsParser.parse('[\n  {"ID": "a",\n  "Name" "x"}\n]\n');
		expect(facts).toEqual([]);
		expect(warnings[0]?.line).toBe(3);
	});

	it('Given a port without an id, then it is skipped with a warning at its line', () => {
		const {facts, warnings} = openstackPortsParser.parse(
			'[\n {"ID": "p1", "MAC Address": "fa:16:3e:00:00:01"},\n {"Name": "no-id"}\n]',
		);
		expect(facts.map(p => p.id)).toEqual(['p1']);
		expect(warnings).toEqual([{line: 3, message: 'port 1 has no id'}]);
	});

	it('Given the YAML/value format by mistake, then a warning says to use -f json', () => {
		const {warnings} = openstackPortsParser.parse('id: x\nname: y\n');
		expect(warnings[0]?.message).toMatch(/-f json/);
	});
});
