import {describe, expect, it} from 'vitest';
import {osdplParser} from '../../../src/collectors/parsers/osdpl.js';
import {fixture} from './fixture.js';

describe('osdpl parser', () => {
	it('Given `kubectl get osdpl -o json` (a List), then the Neutron settings are typed', () => {
		const {facts, warnings} = osdplParser.parse(fixture('openstack-constructed/osdpl-list.json'));
		expect(warnings).toEqual([]);
		expect(facts).toEqual({
			name: 'osh-dev',
			namespace: 'openstack',
			openstackVersion: 'antelope',
			preset: 'compute',
			backend: 'ml2',
			tunnelInterface: 'ens3',
			dnsServers: ['10.172.1.100', '10.172.1.101'],
			externalNetworks: [
				{physnet: 'physnet1', interface: 'veth-phy', bridge: 'br-ex', networkTypes: ['flat']},
			],
			floatingNetwork: {
				enabled: true,
				physnet: 'physnet1',
				subnetRange: '10.11.12.0/24',
				gateway: '10.11.12.11',
			},
			dvrEnabled: true,
			octaviaTopology: 'ACTIVE_STANDBY',
			servicesEnabled: ['load-balancer'],
		});
	});

	it('Given a single object without dvr, then dvrEnabled is absent, not false', () => {
		const {facts, warnings} = osdplParser.parse(
			JSON.stringify({
				kind: 'OpenStackDeployment',
				metadata: {name: 'x'},
				spec: {features: {neutron: {tunnel_interface: 'ens3'}}},
			}),
		);
		expect(warnings).toEqual([]);
		expect(facts).toEqual({
			name: 'x',
			tunnelInterface: 'ens3',
			dnsServers: [],
			externalNetworks: [],
			servicesEnabled: [],
		});
	});

	it('Given `-o yaml` output, then it reads the same as JSON', async () => {
		const {stringify} = await import('yaml');
		const json = fixture('openstack-constructed/osdpl-list.json');
		const fromYaml = osdplParser.parse(stringify(JSON.parse(json)));
		expect(fromYaml).toEqual(osdplParser.parse(json));
		expect(fromYaml.facts.dvrEnabled).toBe(true);
	});

	it('Given two deployments, then the first is used and a warning says so', () => {
		const doc = {spec: {features: {neutron: {}}}, metadata: {name: 'a'}};
		const {facts, warnings} = osdplParser.parse(
			JSON.stringify({items: [doc, {...doc, metadata: {name: 'b'}}]}),
		);
		expect(facts.name).toBe('a');
		expect(warnings[0]?.message).toMatch(/2 OpenStackDeployments/);
	});

	it.each([
		['YAML without neutron', 'spec:\n  features: {}\n', /spec.features.neutron is missing/],
		['broken YAML', 'spec:\n  features: [\n', /neither JSON nor YAML/],
		['truncated JSON', '{"items": [\n', /invalid JSON/],
		['an empty List', '{"items": []}', /no OpenStackDeployment/],
		['a Pod', '{"kind": "Pod"}', /no "spec"/],
	])('Given %s, then facts are empty and a warning explains', (_l, text, message) => {
		const {facts, warnings} = osdplParser.parse(text);
		expect(facts).toEqual({dnsServers: [], externalNetworks: [], servicesEnabled: []});
		expect(warnings[0]?.message).toMatch(message);
	});
});
