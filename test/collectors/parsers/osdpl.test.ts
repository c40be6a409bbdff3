import {describe, expect, it} from 'vitest';
import {openStackDeployment} from '../../../lab/mosk-kube-objects.js';
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
	describe('per-node overrides (spec.nodes)', () => {
		const deployment = {
			apiVersion: 'lcm.mirantis.com/v1alpha1',
			kind: 'OpenStackDeployment',
			metadata: {name: 'osh-dev', namespace: 'openstack'},
			spec: {
				features: {neutron: {tunnel_interface: 'ens3', dvr: {enabled: true}}},
				nodes: {
					'kubernetes.io/hostname::cmp-2': {features: {neutron: {tunnel_interface: 'ens9'}}},
					'openstack-gateway::enabled': {
						features: {neutron: {dvr: {enabled: false}}},
					},
					'openstack-compute-node::enabled': {features: {nova: {live_migration_interface: 'x'}}},
				},
			},
		};
		const json = `${JSON.stringify({apiVersion: 'v1', kind: 'List', items: [deployment]}, null, 2)}\n`;

		it('Given `-o json` with spec.nodes, then each key becomes a typed override with its line', () => {
			// When
			const {facts, warnings} = osdplParser.parse(json);
			// Then
			expect(warnings).toEqual([]);
			expect(facts.tunnelInterface).toBe('ens3');
			const lines = json.split('\n');
			expect(facts.nodeOverrides).toEqual([
				{
					selector: 'kubernetes.io/hostname::cmp-2',
					label: 'kubernetes.io/hostname',
					value: 'cmp-2',
					tunnelInterface: 'ens9',
					line: lines.findIndex(l => l.includes('"kubernetes.io/hostname::cmp-2":')) + 1,
				},
				{
					selector: 'openstack-gateway::enabled',
					label: 'openstack-gateway',
					value: 'enabled',
					dvrEnabled: false,
					line: lines.findIndex(l => l.includes('"openstack-gateway::enabled":')) + 1,
				},
				{
					selector: 'openstack-compute-node::enabled',
					label: 'openstack-compute-node',
					value: 'enabled',
					line: lines.findIndex(l => l.includes('"openstack-compute-node::enabled":')) + 1,
				},
			]);
			expect(facts.nodeOverrides?.[0]?.line).toBeGreaterThan(1);
		});

		it('Given the same deployment as `-o yaml`, then the overrides match, with YAML lines', () => {
			// Given
			const yaml = [
				'apiVersion: lcm.mirantis.com/v1alpha1',
				'kind: OpenStackDeployment',
				'metadata:',
				'  name: osh-dev',
				'  namespace: openstack',
				'spec:',
				'  features:',
				'    neutron:',
				'      tunnel_interface: ens3',
				'      dvr:',
				'        enabled: true',
				'  nodes:',
				'    kubernetes.io/hostname::cmp-2:',
				'      features:',
				'        neutron:',
				'          tunnel_interface: ens9',
				"    'openstack-gateway::enabled':",
				'      features:',
				'        neutron:',
				'          dvr:',
				'            enabled: false',
				'    openstack-compute-node::enabled:',
				'      features:',
				'        nova:',
				'          live_migration_interface: x',
				'',
			].join('\n');
			// When
			const fromYaml = osdplParser.parse(yaml);
			// Then
			expect(fromYaml.warnings).toEqual([]);
			expect(fromYaml.facts.nodeOverrides?.map(o => o.line)).toEqual([13, 17, 22]);
			const strip = (o: {line?: number}): object => ({...o, line: undefined});
			expect(fromYaml.facts.nodeOverrides?.map(strip)).toEqual(
				osdplParser.parse(json).facts.nodeOverrides?.map(strip),
			);
		});

		it("Given the lab's MOSK face OpenStackDeployment with a compute-2 override, then it is read", () => {
			// Given the object lab/kube-face.ts serves (as `kubectl get … -o json` prints it)
			const object = openStackDeployment({
				neutron: {tunnel_interface: 'br-phy', dvr: {enabled: true}},
				nodes: {
					'kubernetes.io/hostname::compute-2': {
						features: {neutron: {tunnel_interface: 'br-vxlan'}},
					},
				},
			});
			const text = JSON.stringify({apiVersion: 'v1', kind: 'List', items: [object]}, null, 2);
			// When
			const {facts, warnings} = osdplParser.parse(text);
			// Then
			expect(warnings).toEqual([]);
			expect(facts.tunnelInterface).toBe('br-phy');
			expect(facts.nodeOverrides).toMatchObject([
				{label: 'kubernetes.io/hostname', value: 'compute-2', tunnelInterface: 'br-vxlan'},
			]);
		});

		it.each([
			[
				'a key without ::',
				{'cmp-2': {features: {neutron: {tunnel_interface: 'ens9'}}}},
				/not <label-name>::<label-value>/,
			],
			['a list instead of a mapping', ['cmp-2'], /spec.nodes is not a mapping/],
		])('Given %s, then it is ignored with a warning', (_l, nodes, message) => {
			const {facts, warnings} = osdplParser.parse(
				JSON.stringify({...deployment, spec: {...deployment.spec, nodes}}, null, 2),
			);
			expect(facts.tunnelInterface).toBe('ens3');
			expect(facts.nodeOverrides ?? []).toEqual([]);
			expect(warnings[0]?.message).toMatch(message);
		});
	});
});
