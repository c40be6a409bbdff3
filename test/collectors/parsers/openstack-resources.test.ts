import {describe, expect, it} from 'vitest';
import {openstackAgentsParser} from '../../../src/collectors/parsers/openstack-agents.js';
import {openstackNetworksParser} from '../../../src/collectors/parsers/openstack-networks.js';
import {openstackRoutersParser} from '../../../src/collectors/parsers/openstack-routers.js';
import {openstackSubnetsParser} from '../../../src/collectors/parsers/openstack-subnets.js';
import {fixture} from './fixture.js';

const ROUTER = '4d7928a0-4a3c-4b99-b01b-97da2f97e279';
const EXT_NET = '5f6a1c2d-3b4e-4f50-8a61-7b8c9d0e1f20';

describe('openstack-routers parser', () => {
	it('Given `router list --long -f json`, then distributed and ha are booleans', () => {
		const {facts, warnings} = openstackRoutersParser.parse(
			fixture('openstack-constructed/router-list-long.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts).toEqual([
			{
				id: ROUTER,
				name: 'router1',
				distributed: true,
				ha: false,
				status: 'ACTIVE',
				adminStateUp: true,
				externalNetworkId: EXT_NET,
				index: 0,
			},
			{
				id: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
				name: 'router-ha',
				distributed: false,
				ha: true,
				status: 'ACTIVE',
				adminStateUp: true,
				index: 1,
			},
		]);
	});

	it('Given `router show -f json`, then it reads as one router', () => {
		const {facts} = openstackRoutersParser.parse(fixture('openstack-constructed/router-show.json'));
		expect(facts).toEqual([
			{
				id: ROUTER,
				name: 'router1',
				distributed: true,
				ha: false,
				status: 'ACTIVE',
				adminStateUp: true,
				externalNetworkId: EXT_NET,
				index: 0,
			},
		]);
	});

	it('Given a router show table with the gateway as text, then the network id is found', () => {
		const table = [
			'+-----------------------+--------------------------------------------------------------+',
			'| Field                 | Value                                                        |',
			'+-----------------------+--------------------------------------------------------------+',
			'| distributed           | True                                                         |',
			`| external_gateway_info | {"network_id": "${EXT_NET}", "enable_snat": true} |`,
			'| ha                    | False                                                        |',
			`| id                    | ${ROUTER}                         |`,
			'+-----------------------+--------------------------------------------------------------+',
		].join('\n');
		const {facts, warnings} = openstackRoutersParser.parse(table);
		expect(warnings).toEqual([]);
		expect(facts[0]).toMatchObject({distributed: true, ha: false, externalNetworkId: EXT_NET});
	});

	it('Given an unterminated JSON list, then the warning has a line number', () => {
		const {facts, warnings} = openstackRoutersParser.parse('[\n {"ID": "r1"},\n');
		expect(facts).toEqual([]);
		expect(warnings[0]?.line).toBe(3);
	});
});

describe('openstack-agents parser', () => {
	it('Given the public agent list table, then agents, hosts and liveness are typed', () => {
		const {facts, warnings} = openstackAgentsParser.parse(
			fixture('pub-openstack-network-agent-list-dvr.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts).toHaveLength(10);
		expect(facts[0]).toEqual({
			id: '05d980f2-a4fc-4815-91e7-a7f7e118c0db',
			agentType: 'L3 agent',
			host: 'compute1',
			binary: 'neutron-l3-agent',
			alive: true,
			adminStateUp: true,
			availabilityZone: 'nova',
			index: 0,
		});
		expect(facts.filter(a => a.agentType === 'L3 agent').map(a => a.host)).toEqual([
			'compute1',
			'compute2',
			'network1',
		]);
		expect(facts[1]).not.toHaveProperty('availabilityZone');
	});

	it('Given `agent list --router X --long -f json`, then HA State is read', () => {
		const {facts} = openstackAgentsParser.parse(
			fixture('openstack-constructed/agent-list-router-long.json'),
		);
		expect(facts.map(a => [a.host, a.haState, a.alive, a.adminStateUp])).toEqual([
			['network1', 'active', true, true],
			['network2', 'standby', false, false],
		]);
	});

	it('Given `agent show -f json` of an L3 agent, then agent_mode comes from configurations', () => {
		const {facts} = openstackAgentsParser.parse(
			fixture('openstack-constructed/agent-show-l3.json'),
		);
		expect(facts[0]).toMatchObject({
			agentType: 'L3 agent',
			host: 'network1',
			agentMode: 'dvr_snat',
			alive: true,
		});
		expect(facts[0]).not.toHaveProperty('haState');
		expect(facts[0]?.configurations?.['routers']).toBe(1);
	});

	it('Given a table with a row torn off and an agent without an id, then both are warnings with lines', () => {
		const lines = fixture('pub-openstack-network-agent-list-dvr.txt').split('\n');
		lines[5] = lines[5]!.slice(0, 50);
		lines[6] = lines[6]!.replace(
			'457d6898-b373-4bb3-b41f-59345dcfb5c5',
			'                                    ',
		);
		const {facts, warnings} = openstackAgentsParser.parse(lines.join('\n'));
		expect(facts).toHaveLength(8);
		expect(warnings.map(w => w.line)).toEqual([6]);
		// A row whose first cell is blank continues the row above (OSC wraps long cells that way).
		expect(facts[1]?.host).toBe('compute2\ncompute2');
	});

	it("Given configurations in OSC's key='value' text, then agent_mode is read", () => {
		const {facts} = openstackAgentsParser.parse(
			JSON.stringify({
				id: 'a1',
				agent_type: 'L3 agent',
				host: 'compute-1',
				alive: ':-)',
				configurations: "agent_mode='dvr', routers='3'",
			}),
		);
		expect(facts[0]).toMatchObject({agentMode: 'dvr', alive: true});
	});
});

describe('openstack-subnets parser', () => {
	it('Given `subnet list -f json`, then cidr and network come from the list columns', () => {
		const {facts, warnings} = openstackSubnetsParser.parse(
			fixture('openstack-constructed/subnet-list.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts[0]).toEqual({
			id: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
			name: 'private-subnet',
			networkId: '353f5937-41ba-4a3c-8225-fa1af2538141',
			cidr: '10.0.0.0/24',
			index: 0,
		});
	});

	it('Given `subnet show -f json`, then gateway and IP version are read', () => {
		const {facts} = openstackSubnetsParser.parse(fixture('openstack-constructed/subnet-show.json'));
		expect(facts[0]).toMatchObject({cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', ipVersion: 4});
	});

	it('Given a subnet without a cidr, then it is a warning', () => {
		const {facts, warnings} = openstackSubnetsParser.parse('[{"ID": "s1"}]');
		expect(facts).toEqual([]);
		expect(warnings).toEqual([{line: 1, message: 'subnet 0 has no cidr'}]);
	});
});

describe('openstack-networks parser', () => {
	it('Given `network list --long -f json`, then Router Type gives external', () => {
		const {facts, warnings} = openstackNetworksParser.parse(
			fixture('openstack-constructed/network-list-long.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts.map(n => [n.name, n.external, n.networkType, n.subnets])).toEqual([
			['private', false, 'vxlan', ['9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d']],
			['public', true, 'flat', ['b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e']],
		]);
	});

	it('Given `network show -f json`, then router:external and provider fields are read', () => {
		const {facts} = openstackNetworksParser.parse(
			fixture('openstack-constructed/network-show.json'),
		);
		expect(facts).toEqual([
			{
				id: EXT_NET,
				name: 'public',
				external: true,
				networkType: 'flat',
				physicalNetwork: 'physnet1',
				subnets: ['b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e'],
				index: 0,
			},
		]);
	});

	it('Given a JSON scalar, then a warning says it is not a list or object', () => {
		const {facts, warnings} = openstackNetworksParser.parse('[1, 2]');
		expect(facts).toEqual([]);
		expect(warnings.map(w => w.message)).toEqual([
			'item 0 is not an object',
			'item 1 is not an object',
		]);
	});
});
