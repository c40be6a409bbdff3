/**
 * The API phase through kubectl with ONE exec into the keystone-client pod: the REAL kubectl against
 * the fake Kubernetes API TEST DOUBLE; the pod's process side is this machine's shell and its real
 * `openstack` CLI's Python (openstacksdk, keystoneauth — Debian python3-openstackclient, which the
 * lab's packages install), so the relay script really runs; the Neutron it reads is a FAKE HTTP
 * server here (canned lists, every request recorded), pointed at by a clouds.yaml (auth type none).
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {FakeExecHandler} from '../../lab/fake-kube-apiserver.js';
import {moskCluster} from '../../lab/mosk-kube-objects.js';
import {collect} from '../../src/session/collect.js';
import {createKubectlClient, createPodResolver} from '../../src/transport/kubectl.js';
import {KubectlOpenStackApi} from '../../src/transport/openstack-api-kubectl.js';
import {kubectlMissingReason, startKubeFixture, type KubeFixture} from '../helpers/fake-kube.js';

const pythonMissing = (): string | undefined => {
	const probe = spawnSync(
		'sh',
		[
			'-c',
			`p=$(sed -n '1s/^#! *//p' "$(command -v openstack)") && $p -c 'import openstack.config'`,
		],
		{encoding: 'utf8', timeout: 600_000},
	);
	return probe.status === 0
		? undefined
		: `no openstack CLI with openstacksdk here (Debian python3-openstackclient): ${probe.stderr.trim().slice(-200)}`;
};
const missing = kubectlMissingReason() ?? pythonMissing();
if (missing !== undefined) console.warn(`SKIPPED API-through-kubectl tests: ${missing}`);

const VM1 = '0c29919a-e85c-4bc0-ae33-86b5a2c96c51';
const VM2 = '93ea007c-3b53-48a8-bf31-ba80cc51e23f';
/** Canned Neutron bodies (FAKE server), as the API wraps them. */
const BODIES: Record<string, unknown> = {
	'/v2.0/agents': {agents: []},
	'/v2.0/routers': {routers: []},
	'/v2.0/networks': {networks: []},
	'/v2.0/subnets': {subnets: []},
	'/v2.0/ports': {
		ports: [
			{id: VM1, device_owner: 'compute:nova', fixed_ips: []},
			{id: VM2, device_owner: 'compute:nova', fixed_ips: []},
		],
	},
	[`/v2.0/ports/${VM1}`]: {port: {id: VM1, allowed_address_pairs: []}},
	[`/v2.0/ports/${VM2}`]: {port: {id: VM2, allowed_address_pairs: []}},
};

type World = {
	fixture: KubeFixture;
	neutron: http.Server;
	requests: string[];
	execs: {container: string; stdin: boolean}[];
	dir: string;
};
let world: World | undefined;
afterEach(async () => {
	if (world === undefined) return;
	await world.fixture.stop();
	await new Promise(resolve => world?.neutron.close(resolve));
	rmSync(world.dir, {recursive: true, force: true});
	world = undefined;
});

/** A cluster with a keystone-client pod whose process side runs here with `cloud` as OS_CLOUD. */
async function start(cloud = 'fake'): Promise<World> {
	const requests: string[] = [];
	const neutron = http.createServer((request, response) => {
		requests.push(`${request.method ?? '?'} ${request.url ?? ''}`);
		const body = request.method === 'GET' ? BODIES[request.url ?? ''] : undefined;
		response.writeHead(body === undefined ? 404 : 200, {'Content-Type': 'application/json'});
		response.end(JSON.stringify(body ?? {NeutronError: {message: 'not found'}}));
	});
	await new Promise<void>(resolve => neutron.listen(0, '127.0.0.1', resolve));
	const port = (neutron.address() as AddressInfo).port;
	const dir = mkdtempSync(join(tmpdir(), 'dvrscope-api-kube-'));
	writeFileSync(
		join(dir, 'clouds.yaml'),
		`clouds:\n  fake:\n    auth_type: none\n    auth:\n      endpoint: http://127.0.0.1:${port}\n`,
	);
	const execs: World['execs'] = [];
	const handler: FakeExecHandler = ({container, argv, stdin}) => {
		execs.push({container, stdin});
		return spawn(argv[0] ?? 'false', argv.slice(1), {
			stdio: ['pipe', 'pipe', 'pipe'],
			env: {...process.env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: cloud},
		});
	};
	const cluster = moskCluster([{name: 'ctl-0', roles: ['control-plane']}]);
	const fixture = await startKubeFixture({...cluster, execHandler: handler});
	world = {fixture, neutron, requests, execs, dir};
	return world;
}

const reader = (w: World): KubectlOpenStackApi => {
	const client = createKubectlClient(w.fixture.kubectl);
	return new KubectlOpenStackApi({client, resolver: createPodResolver(client)});
};

describe.skipIf(missing !== undefined)('the OpenStack API through one kubectl exec', () => {
	it('reads the whole API phase (lists, then port show) through ONE exec into keystone-client, GETs only', async () => {
		const w = await start();
		const api = reader(w);
		const signal = new AbortController().signal;
		const set = await collect(
			{
				nodes: [],
				cloud: api,
				cloudEntries: ['os.agents', 'os.routers', 'os.networks', 'os.subnets', 'os.ports'],
			},
			() => undefined,
			signal,
		);
		await api.close();
		const cloud = set.captures.filter(c => c.scope === 'cloud');
		expect(cloud.map(c => c.argv.join(' ')).sort()).toEqual(
			[
				'GET network /v2.0/agents',
				'GET network /v2.0/networks',
				`GET network /v2.0/ports/${VM1}`,
				`GET network /v2.0/ports/${VM2}`,
				'GET network /v2.0/ports',
				'GET network /v2.0/routers',
				'GET network /v2.0/subnets',
			].sort(),
		);
		for (const capture of cloud) {
			expect(capture).toMatchObject({exitCode: 0, via: 'openstack-api-kubectl'});
			expect(capture.failure).toBeUndefined();
		}
		// the capture keeps the body as the API sent it
		expect(JSON.parse(cloud.find(c => c.catalogId === 'os.ports')?.stdout ?? '')).toEqual(
			BODIES['/v2.0/ports'],
		);
		// one exec, into the keystone-client container, with stdin
		expect(w.execs).toEqual([{container: 'keystone-client', stdin: true}]);
		expect(api.execs).toBe(1);
		// Neutron saw GETs only, each read once
		expect(w.requests.every(r => r.startsWith('GET '))).toBe(true);
		expect(w.requests).toHaveLength(7);
		// a read after close (the next collection on the same reader) starts a new relay
		const again = await api.get({service: 'network', path: '/v2.0/agents'}, {signal});
		expect(again).toMatchObject({exitCode: 0, stdout: JSON.stringify(BODIES['/v2.0/agents'])});
		await api.close();
		expect(api.execs).toBe(2);
	});

	it('refuses a read off the allow-list before anything is sent, and answers HTTP errors as data', async () => {
		const w = await start();
		const api = reader(w);
		const signal = new AbortController().signal;
		const refused = await api.get(
			{service: 'network', path: '/v2.0/ports?device_owner=x'},
			{signal},
		);
		expect(refused.failure).toMatchObject({kind: 'refused'});
		expect(w.execs).toHaveLength(0);
		const absent = await api.get(
			{service: 'network', path: '/v2.0/ports/00000000-0000-4000-8000-000000000000'},
			{signal},
		);
		expect(absent).toMatchObject({exitCode: 1});
		expect(absent.stderr).toMatch(/^HTTP 404: /);
		// auth type none knows only Neutron: no load-balancer endpoint, said so
		const lb = await api.get(
			{service: 'load-balancer', path: `/v2/lbaas/loadbalancers/${VM1}`},
			{signal},
		);
		expect(lb.failure).toMatchObject({kind: 'refused', reason: 'no-endpoint'});
		await api.close();
		expect(w.requests).toEqual(['GET /v2.0/ports/00000000-0000-4000-8000-000000000000']);
		expect(w.execs).toHaveLength(1);
	});

	it('names the pod when its cloud configuration is unusable, for every read, without a second exec', async () => {
		const w = await start('no-such-cloud');
		const api = reader(w);
		const signal = new AbortController().signal;
		const [a, b] = await Promise.all([
			api.get({service: 'network', path: '/v2.0/agents'}, {signal}),
			api.get({service: 'network', path: '/v2.0/ports'}, {signal}),
		]);
		for (const result of [a, b]) {
			expect(result.failure?.kind).toBe('auth');
			expect(result.failure?.message).toMatch(
				/keystone-client pod .* no usable cloud configuration/,
			);
			expect(result.failure?.message).toMatch(/no-such-cloud/);
		}
		await api.close();
		expect(w.execs).toHaveLength(1);
		expect(w.requests).toEqual([]);
	});
});
