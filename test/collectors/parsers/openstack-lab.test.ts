import {describe, expect, it} from 'vitest';
import {parseCapture} from '../../../src/collectors/parsers/index.js';
import type {ParserKind} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';

const lab = (name: string): string => fixture(`openstack-lab/${name}`);
const VM1_PORT = 'c42526aa-bb8a-44c2-b9d6-ce311e9b8ae4';
const ROUTER = '4cf16748-2f93-4324-803e-6d0db9e6882b';
const EXT_NET = '76e85fe9-e8ea-4f82-88b2-36ab6bd5272d';

describe('OpenStack parsers on real OSC 6.0 output from the Neutron lab', () => {
	it('Given `port show -f json` of a VM port with a VIP pair, then everything the VIP checks need is typed', () => {
		const {facts, warnings} = parseCapture('openstack-ports', lab('port-show-vm1.json'));
		expect(warnings).toEqual([]);
		expect(facts).toEqual([
			{
				id: VM1_PORT,
				name: 'vm1',
				mac: 'fa:16:3e:e4:ce:64',
				networkId: '857379c4-93fd-42e4-8de1-f8a942d473fc',
				fixedIps: [{ip: '198.19.0.11', subnetId: 'ccc984e2-7caf-4011-b41e-c964a4541b48'}],
				allowedAddressPairs: [{ip: '198.19.0.100', mac: 'fa:16:3e:e4:ce:64'}],
				deviceOwner: 'compute:nova',
				deviceId: 'c0a6b9c2-768e-4dab-a0e8-4e69ba199210',
				bindingHostId: 'compute-1',
				bindingVifType: 'ovs',
				status: 'ACTIVE',
				adminStateUp: true,
				index: 0,
			},
		]);
	});

	it('Given `port list --long -f json`, then DVR device owners and fixed IPs are read', () => {
		const {facts, warnings} = parseCapture('openstack-ports', lab('port-list-long.json'));
		expect(warnings).toEqual([]);
		expect(facts).toHaveLength(11);
		expect(
			facts.filter(p => p.deviceOwner === 'network:router_interface_distributed'),
		).toHaveLength(2);
		expect(facts.find(p => p.name === 'vm1')?.fixedIps).toEqual([
			{ip: '198.19.0.11', subnetId: 'ccc984e2-7caf-4011-b41e-c964a4541b48'},
		]);
	});

	it.each<[ParserKind, string, string]>([
		['openstack-ports', 'port-list-long.json', 'port-list-long-table.txt'],
		['openstack-ports', 'port-show-vm1.json', 'port-show-vm1-table.txt'],
		['openstack-routers', 'router-show.json', 'router-show-table.txt'],
		['openstack-agents', 'network-agent-list.json', 'network-agent-list-table.txt'],
		['openstack-networks', 'network-list-long.json', 'network-list-long-table.txt'],
		['openstack-networks', 'network-show-external.json', 'network-show-external-table.txt'],
	])(
		'Given %s as JSON (%s) and as a table (%s), then the facts are the same',
		(kind, json, table) => {
			const fromJson = parseCapture(kind, lab(json));
			const fromTable = parseCapture(kind, lab(table));
			expect(fromJson.warnings).toEqual([]);
			expect(fromTable.warnings).toEqual([]);
			expect(fromTable.facts).toEqual(fromJson.facts);
			expect((fromJson.facts as readonly unknown[]).length).toBeGreaterThan(0);
		},
	);

	it('Given `router list --long` and `router show`, then r1 is distributed, not HA, with its gateway network', () => {
		for (const file of ['router-list-long.json', 'router-show.json']) {
			const {facts} = parseCapture('openstack-routers', lab(file));
			expect(facts).toEqual([
				{
					id: ROUTER,
					name: 'r1',
					distributed: true,
					ha: false,
					status: 'ACTIVE',
					adminStateUp: true,
					externalNetworkId: EXT_NET,
					index: 0,
				},
			]);
		}
	});

	it.each(['network-agent-show-l3.json', 'network-agent-show-l3-table.txt'])(
		'Given `agent show` of the L3 agent (%s), then agent_mode comes from `configuration`',
		file => {
			const {facts, warnings} = parseCapture('openstack-agents', lab(file));
			expect(warnings).toEqual([]);
			expect(facts[0]).toMatchObject({
				agentType: 'L3 agent',
				host: 'network',
				alive: true,
				adminStateUp: true,
				agentMode: 'dvr_snat',
			});
			expect(facts[0]?.configurations).toMatchObject({
				routers: 1,
				handle_internal_only_routers: true,
			});
		},
	);

	it('Given `agent list` of the lab, then one L3 agent per node', () => {
		const {facts} = parseCapture('openstack-agents', lab('network-agent-list.json'));
		expect(
			facts
				.filter(a => a.agentType === 'L3 agent')
				.map(a => a.host)
				.sort(),
		).toEqual(['compute-1', 'compute-2', 'network']);
	});

	it('Given `agent list --router X --long` for a non-HA router, then "HA State": null leaves haState absent', () => {
		const {facts} = parseCapture('openstack-agents', lab('network-agent-list-router-long.json'));
		expect(facts).toHaveLength(1);
		expect(facts[0]).not.toHaveProperty('haState');
		expect(facts[0]?.host).toBe('network');
	});

	it('Given subnet list and show, then cidr, network and gateway are read', () => {
		expect(
			parseCapture('openstack-subnets', lab('subnet-list.json')).facts.map(s => s.cidr),
		).toEqual(['198.18.2.0/24', '198.19.1.0/24', '198.19.0.0/24']);
		expect(parseCapture('openstack-subnets', lab('subnet-show.json')).facts[0]).toMatchObject({
			networkId: EXT_NET,
			gatewayIp: '198.18.2.1',
			ipVersion: 4,
		});
	});

	it('Given `network show` of the external network, then router:external and the physnet are read', () => {
		expect(
			parseCapture('openstack-networks', lab('network-show-external.json')).facts[0],
		).toMatchObject({
			id: EXT_NET,
			external: true,
			networkType: 'flat',
			physicalNetwork: 'extnet',
		});
	});
});
