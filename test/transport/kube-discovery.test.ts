/**
 * `--kube-context` discovery with the REAL kubectl against the fake Kubernetes API TEST DOUBLE:
 * nodes and MOSK roles, per-node transports, the openstack CLI through keystone-client, and the
 * OpenStackDeployment read by the real `osdpl` parser.
 */
import {afterEach, describe, expect, it} from 'vitest';
import type {FakeExecHandler} from '../../lab/fake-kube-apiserver.js';
import {kubeNode, moskCluster, openStackDeployment} from '../../lab/mosk-kube-objects.js';
import {osdplParser} from '../../src/collectors/parsers/osdpl.js';
import {
	createKubectlTransports,
	ovnDbNodeOf,
	parseKubeNodeList,
	rolesFromNodeLabels,
} from '../../src/transport/kube-discovery.js';
import {
	kubectlMissingReason,
	spawnLocally,
	startKubeFixture,
	type KubeFixture,
} from '../helpers/fake-kube.js';

const missing = kubectlMissingReason();
if (missing !== undefined) console.warn(`SKIPPED kube discovery tests: ${missing}`);

const never = new AbortController().signal;
const AGENTS = JSON.stringify([{ID: 'a1', 'Agent Type': 'L3 agent', Host: 'cmp-1', Alive: true}]);

/** keystone-client answers `openstack network agent list`; everything else runs locally. */
const handler: FakeExecHandler = request =>
	request.argv[0] === 'openstack'
		? {
				stdout: `${AGENTS}\n`,
				stderr: `ran in ${request.pod.metadata.name}/${request.container}`,
				exitCode: 0,
			}
		: spawnLocally(request);

let fixture: KubeFixture | undefined;
afterEach(async () => {
	await fixture?.stop();
	fixture = undefined;
});

const start = async (forbidden?: Parameters<typeof startKubeFixture>[0]['forbidden']) => {
	const cluster = moskCluster([
		{name: 'ctl-0', roles: ['control-plane', 'gateway']},
		{name: 'cmp-1', roles: ['compute']},
		{name: 'cmp-2', roles: ['compute']},
	]);
	fixture = await startKubeFixture({
		nodes: [...cluster.nodes, kubeNode({name: 'k8s-master-0', roles: []})],
		pods: cluster.pods,
		customResources: {
			openstackdeployments: [
				openStackDeployment({
					neutron: {
						tunnel_interface: 'br-phy',
						dvr: {enabled: true},
						dns_servers: ['198.18.0.53'],
						external_networks: [
							{
								physnet: 'physnet1',
								interface: 'veth-phy',
								bridge: 'br-ex',
								network_types: ['flat'],
							},
						],
					},
				}),
			],
		},
		execHandler: handler,
		...(forbidden === undefined ? {} : {forbidden}),
	});
	return fixture;
};

describe.skipIf(missing !== undefined)('kubectl discovery (real kubectl, fake API server)', () => {
	it('discovers the OpenStack nodes with their MOSK roles and gives each a transport', async () => {
		const f = await start();
		const setup = await createKubectlTransports(f.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		expect(setup.nodes).toEqual([
			{
				id: 'ctl-0',
				roles: ['controller', 'gateway', 'network'],
				transport: 'kubectl',
				address: 'ctl-0',
			},
			{id: 'cmp-1', roles: ['compute'], transport: 'kubectl', address: 'cmp-1'},
			{id: 'cmp-2', roles: ['compute'], transport: 'kubectl', address: 'cmp-2'},
		]);
		expect(setup.discovery).toMatchObject({
			argv: ['kubectl', 'get', 'nodes', '-o', 'json'],
			exitCode: 0,
		});
		const hostname = await setup.transports
			.get('cmp-2')
			?.exec({argv: ['sh', '-c', 'echo ok'], podClass: 'l3-agent'}, {signal: never});
		expect(hostname).toMatchObject({target: 'cmp-2', stdout: 'ok\n', exitCode: 0});
		await setup.close();
	});

	it('on ml2/ovn gives the node of the OVN NB/SB pods the ovn-db role, and runs node commands in the OVN metadata agent (no L3 agent)', async () => {
		const cluster = moskCluster([
			{name: 'ctl-0', roles: ['control-plane'], backend: 'ovn', ovnDb: true},
			{name: 'cmp-1', roles: ['compute'], backend: 'ovn'},
		]);
		fixture = await startKubeFixture({
			nodes: cluster.nodes,
			pods: cluster.pods,
			execHandler: handler,
		});
		const setup = await createKubectlTransports(fixture.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		expect(setup.nodes.map(n => [n.id, n.roles])).toEqual([
			['ctl-0', ['controller', 'ovn-db']],
			['cmp-1', ['compute']],
		]);
		expect(setup.problems).toEqual([]);
		const run = async (node: string, podClass: 'l3-agent' | 'ovn-nb' | 'ovn-sb') =>
			setup.transports.get(node)?.exec({argv: ['sh', '-c', 'echo ok'], podClass}, {signal: never});
		expect(await run('cmp-1', 'l3-agent')).toMatchObject({
			exitCode: 0,
			pod: {container: 'neutron-ovn-metadata-agent'},
		});
		expect(await run('ctl-0', 'ovn-nb')).toMatchObject({
			exitCode: 0,
			pod: {name: 'ovn-ovsdb-nb-0', container: 'ovsdb'},
		});
		expect(await run('ctl-0', 'ovn-sb')).toMatchObject({
			exitCode: 0,
			pod: {name: 'ovn-ovsdb-sb-0', container: 'ovsdb'},
		});
		await setup.close();
	});

	it('runs the openstack CLI through the keystone-client pod', async () => {
		const f = await start();
		const setup = await createKubectlTransports(f.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		const result = await setup.cloud.exec(
			{
				argv: ['openstack', 'network', 'agent', 'list', '--long', '-f', 'json'],
				podClass: 'keystone-client',
			},
			{signal: never},
		);
		expect(result).toMatchObject({
			target: 'cloud',
			exitCode: 0,
			pod: {container: 'keystone-client'},
		});
		expect(JSON.parse(result.stdout)).toEqual(JSON.parse(AGENTS));
		expect(result.stderr).toMatch(/^ran in keystone-client-\w+-\w+\/keystone-client$/);
	});

	it('reads the OpenStackDeployment as an osdpl capture the real parser understands', async () => {
		const f = await start();
		const setup = await createKubectlTransports(f.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		const capture = await setup.fetchOpenStackDeployment(never);
		expect(capture).toMatchObject({catalogId: 'kube.osdpl', kind: 'osdpl', scope: 'cloud'});
		expect(capture.result.argv).toEqual([
			'kubectl',
			'get',
			'openstackdeployment',
			'-A',
			'-o',
			'json',
		]);
		const parsed = osdplParser.parse(capture.result.stdout);
		expect(parsed.warnings).toEqual([]);
		expect(parsed.facts).toMatchObject({
			name: 'osh-dev',
			namespace: 'openstack',
			tunnelInterface: 'br-phy',
			dvrEnabled: true,
			dnsServers: ['198.18.0.53'],
		});
	});

	it('honours an explicit node list and names the nodes it cannot find', async () => {
		const f = await start();
		const setup = await createKubectlTransports({...f.kubectl, nodes: ['cmp-1', 'cmp-7']}, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		expect(setup.nodes.map(node => node.id)).toEqual(['cmp-1']);
		expect(setup.problems).toEqual([
			{node: 'cmp-7', kind: 'discovery', message: 'no Kubernetes node named cmp-7'},
		]);
	});

	it('fails with a named reason when listing nodes is forbidden', async () => {
		const f = await start(access => access.resource === 'nodes');
		const setup = await createKubectlTransports(f.kubectl, never);
		expect(setup.ok).toBe(false);
		if (setup.ok) return;
		expect(setup.failure).toMatchObject({kind: 'auth', reason: 'forbidden'});
		expect(setup.failure.message).toContain('cannot list resource "nodes"');
		expect(setup.discovery.stdout).toBe('');
	});

	it('records a cluster without the OpenStackDeployment CRD as data (exit 1), not a failure', async () => {
		// Given an upstream openstack-helm cluster: no lcm.mirantis.com API group
		const cluster = moskCluster([{name: 'cmp-1', roles: ['compute']}], {flavor: 'openstack-helm'});
		fixture = await startKubeFixture({...cluster, execHandler: handler});
		const setup = await createKubectlTransports(fixture.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		const capture = await setup.fetchOpenStackDeployment(never);
		expect(capture.result).toMatchObject({exitCode: 1, stdout: ''});
		expect(capture.result.failure).toBeUndefined();
		expect(capture.result.stderr).toContain(
			'the server doesn\'t have a resource type "openstackdeployment"',
		);
	});

	it('reports a forbidden OpenStackDeployment read as a failed capture, not an exception', async () => {
		const f = await start(access => access.resource === 'openstackdeployments');
		const setup = await createKubectlTransports(f.kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		const capture = await setup.fetchOpenStackDeployment(never);
		expect(capture.result.exitCode).toBeNull();
		expect(capture.result.failure).toMatchObject({reason: 'forbidden'});
	});
});

describe('node roles from MOSK labels (pure)', () => {
	it.each([
		[{'openstack-compute-node': 'enabled'}, ['compute']],
		[
			{'openstack-control-plane': 'enabled', 'openstack-gateway': 'enabled'},
			['controller', 'gateway', 'network'],
		],
		[{'openstack-compute-node': 'disabled'}, ['other']],
		[{}, ['other']],
	] as const)('%o → %o', (labels, roles) => {
		expect(rolesFromNodeLabels(labels)).toEqual(roles);
	});

	it('skips unusable node names and reports non-JSON input', () => {
		const list = JSON.stringify({
			items: [
				{metadata: {name: '../etc'}},
				{metadata: {name: 'cmp-1', labels: {'openstack-compute-node': 'enabled'}}},
			],
		});
		const parsed = parseKubeNodeList(list);
		expect(parsed.nodes.map(node => node.name)).toEqual(['cmp-1']);
		expect(parsed.problems[0]).toContain('"../etc"');
		expect(parseKubeNodeList('error: nope').problems[0]).toContain('not JSON');
	});
});

describe('ovnDbNodeOf (pure)', () => {
	const pod = (node: string, component: string, phase = 'Running') => ({
		spec: {nodeName: node},
		metadata: {labels: {application: 'ovn', component}},
		status: {phase},
	});
	const list = (...items: unknown[]) => JSON.stringify({items});
	it('prefers a node running both databases, then the NB, first by name; none on ml2/ovs', () => {
		expect(
			ovnDbNodeOf(
				list(
					pod('ctl-2', 'ovn-ovsdb-nb'),
					pod('ctl-1', 'ovn-ovsdb-sb'),
					pod('ctl-3', 'ovn-ovsdb-nb'),
					pod('ctl-3', 'ovn-ovsdb-sb'),
				),
			),
		).toBe('ctl-3');
		expect(ovnDbNodeOf(list(pod('ctl-2', 'ovn-ovsdb-nb'), pod('ctl-1', 'ovn-ovsdb-sb')))).toBe(
			'ctl-2',
		);
		expect(ovnDbNodeOf(list(pod('ctl-1', 'ovn-ovsdb-nb', 'Pending')))).toBeUndefined();
		expect(ovnDbNodeOf(list())).toBeUndefined();
		expect(ovnDbNodeOf('not json')).toBeUndefined();
		expect(ovnDbNodeOf(list(pod('../x', 'ovn-ovsdb-nb')))).toBeUndefined();
	});
});
