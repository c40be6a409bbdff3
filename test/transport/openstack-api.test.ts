/**
 * The OpenStack API client (src/transport/openstack-api.ts) against a FAKE Keystone and FAKE
 * services (test/helpers/fake-openstack.ts: a test double over real HTTP/TLS on 127.0.0.1). The
 * real Neutron is read in the lab test (test/lab).
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {catalogEntries, planApi} from '../../src/collectors/catalog.js';
import {parseCapture} from '../../src/collectors/parsers/index.js';
import {collect} from '../../src/session/collect.js';
import {checkApiRequest, OpenStackApi, type ApiRequest} from '../../src/transport/openstack-api.js';
import {loadCloudConfig, type CloudConfig} from '../../src/transport/openstack-config.js';
import {startFakeOpenStack, type FakeOpenStack} from '../helpers/fake-openstack.js';

const ROUTER = '5f5c3b3e-7c3a-4d6e-9d0a-1b2c3d4e5f60';
const PORT = '11111111-2222-4333-8444-555555555555';
const SAMPLE = {
	router: ROUTER,
	ip: '10.0.0.5',
	subnet: PORT,
	port: PORT,
	loadbalancer: PORT,
	server: PORT,
};
const REPLIES = {
	'/network/v2.0/agents': {
		agents: [{id: 'a1', agent_type: 'L3 agent', host: 'cmp-1', alive: true}],
	},
	[`/network/v2.0/routers/${ROUTER}/l3-agents`]: {
		agents: [
			{id: 'a1', host: 'cmp-1'},
			{id: 'a2', host: 'gw-1'},
		],
	},
	[`/network/v2.0/ports/${PORT}`]: {port: {id: PORT, name: 'vm1', binding_host_id: 'cmp-1'}},
	'/v2.0/agents': {agents: [{id: 'a9', agent_type: 'L3 agent', host: 'noauth-host'}]},
};
const signal = new AbortController().signal;

let fake: FakeOpenStack;
let work: string;
const password = (over: Partial<CloudConfig> = {}): CloudConfig => ({
	source: 'test',
	authType: 'password',
	authUrl: fake.keystoneUrl,
	username: 'admin',
	password: 's3cret',
	userDomainName: 'Default',
	projectName: 'admin',
	projectDomainName: 'Default',
	interface: 'public',
	insecure: false,
	...over,
});

beforeAll(async () => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-os-api-'));
	fake = await startFakeOpenStack({
		accept: auth => {
			const identity = auth.identity as Record<string, unknown> & {methods: string[]};
			const method = identity.methods[0];
			if (method === 'password')
				return (identity['password'] as {user: {password: string}}).user.password === 's3cret';
			if (method === 'application_credential')
				return (identity['application_credential'] as {secret: string}).secret === 'app-secret';
			if (method === 'token') return (identity['token'] as {id: string}).id === 'user-token';
			return false;
		},
		replies: REPLIES,
	});
});

afterAll(async () => {
	await fake.close();
	rmSync(work, {recursive: true, force: true});
});

describe('the API allow-list', () => {
	it('every cloud catalog entry has an API form, and every one is a GET on the allow-list', () => {
		for (const entry of catalogEntries.filter(e => e.phase === 'cloud')) {
			const planned = planApi(entry.id, SAMPLE);
			expect(planned.ok, entry.id).toBe(true);
			if (planned.ok) expect(checkApiRequest(planned.request), entry.id).toBeUndefined();
		}
		expect(planApi('os.ports-by-ip', {ip: 'fe80::1'})).toMatchObject({
			request: {path: '/v2.0/ports?fixed_ips=ip_address%3Dfe80::1'},
		});
	});

	it('refuses hostile or unknown requests without sending them', async () => {
		const api = new OpenStackApi(password());
		const before = fake.requests.length;
		const hostile: ApiRequest[] = [
			{service: 'network', path: '/v2.0/ports/../../v3/users'},
			{service: 'network', path: `/v2.0/ports/${PORT}?x=1`},
			{service: 'network', path: '/v2.0/security-groups'},
			{service: 'network', path: '/v2.0/ports?fixed_ips=ip_address%3D1.2.3.4&device_id=x'},
			{service: 'identity' as ApiRequest['service'], path: '/v3/users'},
			{service: 'compute', path: '/os-hypervisors'},
		];
		for (const request of hostile) {
			const result = await api.get(request, {signal});
			expect(result.failure?.kind, request.path).toBe('refused');
		}
		expect(fake.requests.length).toBe(before);
		// and planApi refuses illegal parameter values before any request exists
		expect(planApi('os.port-show', {port: `${PORT}/../x`}).ok).toBe(false);
		await api.close();
	});
});

describe('authentication and reads (FAKE Keystone, FAKE services over real HTTP)', () => {
	it('password: one token request, then GETs with the token on the catalog endpoint of the interface', async () => {
		const api = new OpenStackApi(password({interface: 'internal'}));
		const start = fake.requests.length;
		const agents = await api.get({service: 'network', path: '/v2.0/agents'}, {signal});
		const port = await api.get({service: 'network', path: `/v2.0/ports/${PORT}`}, {signal});
		await api.close();
		expect(agents).toMatchObject({exitCode: 0, argv: ['GET', 'network', '/v2.0/agents']});
		expect(parseCapture('openstack-agents', agents.stdout).facts).toMatchObject([{host: 'cmp-1'}]);
		expect(parseCapture('openstack-ports', port.stdout).facts).toMatchObject([{id: PORT}]);
		const sent = fake.requests.slice(start);
		expect(sent.map(r => `${r.method} ${r.path}`)).toEqual([
			'POST /v3/auth/tokens',
			'GET /internal/network/v2.0/agents',
			`GET /internal/network/v2.0/ports/${PORT}`,
		]);
		const auth = (JSON.parse(sent[0]?.body ?? '') as {auth: unknown}).auth;
		expect(auth).toEqual({
			identity: {
				methods: ['password'],
				password: {user: {name: 'admin', domain: {name: 'Default'}, password: 's3cret'}},
			},
			scope: {project: {name: 'admin', domain: {name: 'Default'}}},
		});
		expect(sent[1]?.headers['x-auth-token']).toBe(fake.token());
	});

	it('application credential and token auth', async () => {
		for (const config of [
			password({
				authType: 'v3applicationcredential',
				applicationCredentialId: 'app-1',
				applicationCredentialSecret: 'app-secret',
			}),
			password({authType: 'token', token: 'user-token'}),
		]) {
			const api = new OpenStackApi(config);
			const result = await api.get({service: 'network', path: '/v2.0/agents'}, {signal});
			await api.close();
			expect(result.exitCode, config.authType).toBe(0);
		}
	});

	it('a refused password is an auth failure naming Keystone; a 404 is exit 1 with the status', async () => {
		const api = new OpenStackApi(password({password: 'wrong'}));
		const result = await api.get({service: 'network', path: '/v2.0/agents'}, {signal});
		expect(result.failure).toMatchObject({kind: 'auth'});
		expect(result.failure?.message).toContain('HTTP 401');
		await api.close();
		const good = new OpenStackApi(password());
		const missing = await good.get({service: 'network', path: `/v2.0/ports/${ROUTER}`}, {signal});
		expect(missing).toMatchObject({exitCode: 1, stdout: ''});
		expect(missing.stderr).toMatch(/^HTTP 404/);
		// a service missing from the catalog's region is named
		const elsewhere = new OpenStackApi(password({region: 'RegionTwo'}));
		const none = await elsewhere.get({service: 'network', path: '/v2.0/agents'}, {signal});
		expect(none.failure?.message).toContain('no network endpoint');
		await good.close();
		await elsewhere.close();
	});

	it('auth type none: GETs straight to the endpoint, no token request', async () => {
		const api = new OpenStackApi({
			source: 'test',
			authType: 'none',
			endpoint: `${fake.serviceUrl}/noauth`,
			interface: 'public',
			insecure: false,
		});
		const start = fake.requests.length;
		const result = await api.get({service: 'network', path: '/v2.0/agents'}, {signal});
		await api.close();
		expect(result.stdout).toContain('noauth-host');
		expect(fake.requests.slice(start).map(r => `${r.method} ${r.path}`)).toEqual([
			'GET /noauth/v2.0/agents',
		]);
	});

	it('a --router target and the cloud lists through the API, filed as the same capture kinds', async () => {
		const api = new OpenStackApi(password());
		const set = await collect(
			{nodes: [], cloud: api, cloudEntries: ['os.agents'], target: {kind: 'router', id: ROUTER}},
			() => undefined,
			signal,
		);
		expect(set.captures.find(c => c.catalogId === 'os.router-agents')).toMatchObject({
			scope: 'cloud',
			kind: 'openstack-agents',
			via: 'openstack-api',
			argv: ['GET', 'network', `/v2.0/routers/${ROUTER}/l3-agents`],
			exitCode: 0,
		});
		expect(set.manifest.problems).toContainEqual(
			expect.objectContaining({message: expect.stringContaining('cmp-1, gw-1') as string}),
		);
		expect(set.captures.find(c => c.catalogId === 'os.agents')?.kind).toBe('openstack-agents');
	});
});

describe('TLS and configuration', () => {
	it('trusts the CA bundle given, refuses an unknown CA, and insecure skips the check', async () => {
		const key = path.join(work, 'key.pem');
		const cert = path.join(work, 'cert.pem');
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'ec',
				'-pkeyopt',
				'ec_paramgen_curve:prime256v1',
				'-nodes',
				'-keyout',
				key,
				'-out',
				cert,
				'-days',
				'2',
				'-subj',
				'/CN=127.0.0.1',
				'-addext',
				'subjectAltName=IP:127.0.0.1',
			],
			{stdio: 'ignore'},
		);
		const tls = await startFakeOpenStack({
			accept: () => true,
			replies: REPLIES,
			tls: {key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8')},
		});
		try {
			const request: ApiRequest = {service: 'network', path: '/v2.0/agents'};
			const base = password({authUrl: tls.keystoneUrl});
			const untrusted = new OpenStackApi(base);
			expect((await untrusted.get(request, {signal})).failure).toMatchObject({
				kind: 'refused',
				reason: 'tls',
			});
			const trusted = new OpenStackApi({...base, cacert: cert});
			expect((await trusted.get(request, {signal})).exitCode).toBe(0);
			const insecure = new OpenStackApi({...base, insecure: true});
			expect((await insecure.get(request, {signal})).exitCode).toBe(0);
			await Promise.all([untrusted.close(), trusted.close(), insecure.close()]);
		} finally {
			await tls.close();
		}
	});

	it('reads OS_CLOUD from clouds.yaml, OS_* over it, and names what is missing', async () => {
		const file = path.join(work, 'clouds.yaml');
		writeFileSync(
			file,
			[
				'clouds:',
				'  prod:',
				'    auth:',
				'      auth_url: https://keystone.example:5000/v3',
				'      username: ops',
				'      password: from-yaml',
				'      project_name: admin',
				'      user_domain_name: Default',
				'      project_domain_name: Default',
				'    region_name: RegionTwo',
				'    interface: internal',
				'    verify: false',
				'  lab:',
				'    auth_type: none',
				'    auth:',
				'      endpoint: http://198.18.0.254:9696',
				'  app:',
				'    auth_type: v3applicationcredential',
				'    auth: {auth_url: "https://k:5000", application_credential_id: x}',
			].join('\n'),
		);
		const prod = await loadCloudConfig({OS_CLOUD: 'prod', OS_PASSWORD: 'from-env'}, [file]);
		expect(prod).toMatchObject({
			authType: 'password',
			username: 'ops',
			password: 'from-env',
			region: 'RegionTwo',
			interface: 'internal',
			insecure: true,
		});
		expect(await loadCloudConfig({OS_CLOUD: 'lab'}, [file])).toMatchObject({
			authType: 'none',
			endpoint: 'http://198.18.0.254:9696',
		});
		await expect(loadCloudConfig({OS_CLOUD: 'app'}, [file])).rejects.toThrow(
			/application credential secret/,
		);
		await expect(loadCloudConfig({OS_CLOUD: 'nope'}, [file])).rejects.toThrow(/no cloud "nope"/);
		expect(
			await loadCloudConfig({OS_AUTH_URL: 'https://k/v3', OS_TOKEN: 't', OS_PROJECT_ID: 'p'}, []),
		).toMatchObject({authType: 'token', token: 't', projectId: 'p'});
	});
});
