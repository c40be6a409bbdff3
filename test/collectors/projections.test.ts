/**
 * "Collect the minimum": an OpenStackDeployment with every `spec:services` override filled keeps
 * only its declared projection — in the capture as it is made (live), in a saved capture set read
 * back, in a bundle, and in what the console's store holds (the console shows `snapshot.captures`).
 */
import {cp, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parse as parseYaml, stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readCaptureSet, toCaptureMeta, writeCaptureSet} from '../../src/bundle/capture-set.js';
import {extractBundle} from '../../src/bundle/read.js';
import {writeBundle} from '../../src/bundle/write.js';
import {openSource, loadAnalyzer} from '../../src/cli/console-data.js';
import {osdplParser} from '../../src/collectors/parsers/osdpl.js';
import {kubeNodesParser} from '../../src/collectors/parsers/kube-nodes.js';
import {
	PROJECTIONS,
	projectCapture,
	looksLikeKubeObject,
} from '../../src/collectors/projections.js';
import type {Capture} from '../../src/model/capture.js';
import {createAppStore} from '../../src/state/store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLE = path.join(ROOT, 'sample/incident-failover');

/** MOSK services (spec:features:services / spec:services keys) and one chart of each. */
const SERVICES: Record<string, string> = {
	identity: 'keystone',
	networking: 'neutron',
	compute: 'nova',
	image: 'glance',
	'block-storage': 'cinder',
	dashboard: 'horizon',
	'load-balancer': 'octavia',
	'key-manager': 'barbican',
	orchestration: 'heat',
	placement: 'placement',
	dns: 'designate',
	'object-storage': 'ceph-rgw',
	'shared-file-system': 'manila',
	'instance-ha': 'masakari',
	alarming: 'aodh',
	metric: 'gnocchi',
	messaging: 'rabbitmq',
	database: 'mariadb',
	memcached: 'memcached',
	coordination: 'etcd',
	ingress: 'ingress',
	tempest: 'tempest',
};

/** Every override carries a marker no projection may keep. */
const MARK = 'OVERRIDE-MARK';
const override = (service: string, chart: string) => ({
	values: {
		conf: {
			[chart]: {
				DEFAULT: {debug: true, transport_url: `rabbit://u:${MARK}-${service}@rabbit/`},
				keystone_authtoken: {password: `${MARK}-${service}-password`},
			},
			...(chart === 'octavia'
				? {
						octavia: {
							controller_worker: {loadbalancer_topology: 'ACTIVE_STANDBY', amp_flavor_id: MARK},
						},
					}
				: {}),
		},
		endpoints: {identity: {auth: {[chart]: {password: `${MARK}-${service}-endpoint`}}}},
		images: {tags: {[`${chart}_api`]: `registry/${MARK}:${service}`}},
		pod: {replicas: {api: 3}, resources: {enabled: true}},
		manifests: {job_bootstrap: false},
	},
});

const osdpl = {
	apiVersion: 'lcm.mirantis.com/v1alpha1',
	kind: 'OpenStackDeployment',
	metadata: {
		name: 'osh-dev',
		namespace: 'openstack',
		annotations: {'kubectl.kubernetes.io/last-applied-configuration': `{"spec":"${MARK}"}`},
		managedFields: [{manager: MARK}],
	},
	spec: {
		openstack_version: 'antelope',
		preset: 'compute',
		size: 'small',
		public_domain_name: MARK,
		features: {
			services: Object.keys(SERVICES),
			ssl: {
				public_endpoints: {
					api_key: `-----BEGIN PRIVATE KEY-----\n${MARK}\n-----END PRIVATE KEY-----`,
				},
			},
			keystone: {keycloak: {oidc: {OIDCClientSecret: MARK}}},
			neutron: {
				backend: 'ml2',
				tunnel_interface: 'ens3',
				dns_servers: ['10.172.1.100'],
				dvr: {enabled: true, ha: MARK},
				external_networks: [
					{
						physnet: 'physnet1',
						interface: 'veth-phy',
						bridge: 'br-ex',
						network_types: ['flat'],
						vlan_ranges: null,
						mtu: null,
						extra: {nested: MARK},
					},
				],
				floating_network: {
					enabled: true,
					physnet: 'physnet1',
					subnet: {range: '10.11.12.0/24', gateway: '10.11.12.11', pool_start: MARK},
				},
				bgpvpn: {enabled: true, route_reflector: {password: MARK}},
			},
			nova: {live_migration_interface: MARK},
		},
		nodes: {
			'kubernetes.io/hostname::compute-2': {
				features: {
					neutron: {tunnel_interface: 'ens4', dvr: {enabled: false}},
					nova: {libvirt: {tls_key: MARK}},
				},
				services: {compute: {nova: {values: {conf: {nova: {libvirt: {cpu_model: MARK}}}}}}},
			},
			'openstack-gateway::enabled': {features: {neutron: {tunnel_interface: 'ens5'}}},
		},
		services: Object.fromEntries(
			Object.entries(SERVICES).map(([service, chart]) => [
				service,
				{[chart]: override(service, chart)},
			]),
		),
	},
	status: {
		osdpl: {state: 'APPLIED', cause: MARK},
		fingerprint: MARK,
		health: {neutron: {server: {status: 'Ready', message: MARK}}},
	},
};

const json = JSON.stringify(osdpl, null, 4);
const yaml = stringify(osdpl);

/** Every leaf path of a JSON value, as segments (`[]` for array elements). */
function leafPaths(value: unknown, at: readonly string[] = []): string[][] {
	if (Array.isArray(value)) {
		if (value.every(v => v === null || typeof v !== 'object')) return [[...at]];
		return value.flatMap(v => leafPaths(v, [...at, '[]']));
	}
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>);
		if (entries.length === 0) return [[...at]];
		return entries.flatMap(([k, v]) => leafPaths(v, [...at, k]));
	}
	return [[...at]];
}

/** True when a concrete path is allowed by a declared pattern (or leads to one). */
function allowed(concrete: readonly string[], patterns: readonly string[]): boolean {
	return patterns.some(pattern => {
		const p = pattern.replace(/\[\]/g, '.[]').split('.');
		const n = Math.min(concrete.length, p.length);
		for (let i = 0; i < n; i++) if (p[i] !== '*' && p[i] !== concrete[i]) return false;
		// A container on the way to a pattern, the pattern itself, or a key of a kept scalar map.
		return concrete.length <= p.length + 1;
	});
}

const capture = (stdout: string, kind: 'osdpl' | 'kube-nodes' = 'osdpl'): Capture =>
	toCaptureMeta({
		id: 'cloud.kube.osdpl',
		scope: 'cloud',
		argv: [
			'kubectl',
			'get',
			'openstackdeployment',
			'-A',
			'-o',
			stdout.startsWith('{') ? 'json' : 'yaml',
		],
		kind,
		catalogId: 'kube.osdpl',
		exitCode: 0,
		startedAt: '2026-11-26T14:48:20.000Z',
		durationMs: 10,
		stdout,
		stderr: '',
		via: 'kubectl',
	});

/** The osdpl facts without line numbers (which refer to the text they were read from). */
const facts = (text: string) =>
	JSON.parse(
		JSON.stringify(osdplParser.parse(text).facts, (k, v: unknown) =>
			k === 'line' ? undefined : v,
		),
	) as unknown;

describe('projectCapture (OpenStackDeployment with every spec:services override)', () => {
	it.each([
		['JSON', json],
		['YAML', yaml],
	])(
		'Given the %s form, When a capture is made, Then only declared fields are kept and the parser reads the same facts',
		(_form, text) => {
			expect(text).toContain(MARK);
			const made = capture(text);
			expect(made.stdout).not.toContain(MARK);
			expect(made.stdoutBytes).toBe(Buffer.byteLength(made.stdout));
			const kept: unknown = text.startsWith('{') ? JSON.parse(made.stdout) : parseYaml(made.stdout);
			const paths = leafPaths(kept);
			expect(paths.length).toBeGreaterThan(20);
			for (const leaf of paths)
				expect(allowed(leaf, PROJECTIONS.openstackdeployment.keep), leaf.join(' / ')).toBe(true);
			expect(facts(made.stdout)).toEqual(facts(text));
			expect(facts(made.stdout)).toMatchObject({
				tunnelInterface: 'ens3',
				dvrEnabled: true,
				octaviaTopology: 'ACTIVE_STANDBY',
				nodeOverrides: [
					{
						selector: 'kubernetes.io/hostname::compute-2',
						tunnelInterface: 'ens4',
						dvrEnabled: false,
					},
					{selector: 'openstack-gateway::enabled', tunnelInterface: 'ens5'},
				],
			});
			expect(made.projection?.name).toBe('openstackdeployment');
			expect(made.projection?.dropped).toEqual(
				expect.arrayContaining([
					'spec.services.identity',
					'metadata.annotations',
					'spec.features.ssl',
					'spec.nodes.*.services',
				]),
			);
			// Idempotent: a projected capture projects to itself.
			const again = projectCapture(made);
			expect(again.stdout).toBe(made.stdout);
		},
	);

	it('Given a List of Nodes and Pods, When projected, Then each item gets its own kind projection', () => {
		const list = {
			apiVersion: 'v1',
			kind: 'List',
			metadata: {resourceVersion: '1'},
			items: [
				{
					kind: 'Node',
					metadata: {name: 'n1', labels: {a: 'b'}, annotations: {x: MARK}},
					status: {
						addresses: [{type: 'InternalIP', address: '10.0.0.1'}],
						nodeInfo: {bootID: MARK},
					},
				},
				{kind: 'Secret', metadata: {name: 's', namespace: 'openstack'}, data: {password: MARK}},
			],
		};
		const made = capture(JSON.stringify(list, null, 4), 'kube-nodes');
		expect(made.stdout).not.toContain(MARK);
		expect(made.projection?.name).toBe('kube-node, kube-object');
		expect(kubeNodesParser.parse(made.stdout).facts.nodes).toContainEqual(
			expect.objectContaining({
				name: 'n1',
				labels: {a: 'b'},
				addresses: [{type: 'InternalIP', address: '10.0.0.1'}],
			}),
		);
	});

	it('Given an OpenStackDeployment cut at the size cap (not JSON), When made into a capture, Then its body is withheld and the capture says why', () => {
		const made = capture(json.slice(0, json.length / 2));
		expect(made.stdout).toBe('');
		expect(made.failure?.kind).toBe('refused');
		expect(made.failure?.message).toMatch(/not valid JSON.*withheld/);
		expect(made.projection?.withheld).toBeDefined();
	});

	it('Given text that is not a Kubernetes object, When checked, Then it is not projected', () => {
		expect(looksLikeKubeObject('[DEFAULT]\npassword = x\n')).toBe(false);
		expect(looksLikeKubeObject('apiVersion: v1\nkind: Config\n')).toBe(true);
	});
});

describe('the same OpenStackDeployment from every source', () => {
	let dir: string;
	let raw: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-projection-'));
		// A saved capture set written by something that did not project (an older dvrscope, a
		// hand-copied dump): the raw object on disk.
		raw = path.join(dir, 'raw');
		await cp(SAMPLE, raw, {recursive: true});
		const manifest = JSON.parse(await readFile(path.join(raw, 'manifest.json'), 'utf8')) as {
			captures: unknown[];
		};
		await mkdir(path.join(raw, 'captures/cloud'), {recursive: true});
		await writeFile(path.join(raw, 'captures/cloud/cloud.kube.osdpl.stdout'), json);
		manifest.captures.push({
			id: 'cloud.kube.osdpl',
			scope: 'cloud',
			argv: ['kubectl', 'get', 'openstackdeployment', '-A', '-o', 'json'],
			kind: 'osdpl',
			exitCode: 0,
			startedAt: '2026-11-26T14:48:20.000Z',
			durationMs: 10,
			stdoutFile: 'captures/cloud/cloud.kube.osdpl.stdout',
			stdoutBytes: Buffer.byteLength(json),
			stderrBytes: 0,
		});
		await writeFile(path.join(raw, 'manifest.json'), JSON.stringify(manifest, null, '\t'));
		expect(
			await readFile(path.join(raw, 'captures/cloud/cloud.kube.osdpl.stdout'), 'utf8'),
		).toContain(MARK);
	});
	afterAll(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	it('Given a saved set with the whole object, When read, written back and bundled, Then the capture set, the file and the bundle hold only projected fields and the manifest says so', async () => {
		const set = await readCaptureSet(raw);
		const read = set.captures.find(c => c.id === 'cloud.kube.osdpl');
		expect(read?.stdout).not.toContain(MARK);
		const meta = set.manifest.captures.find(c => c.id === 'cloud.kube.osdpl');
		expect(meta?.projection?.kept).toEqual(PROJECTIONS.openstackdeployment.keep);
		expect(meta?.stdoutBytes).toBe(Buffer.byteLength(read?.stdout ?? ''));

		const saved = path.join(dir, 'saved');
		await writeCaptureSet(saved, set);
		expect(
			await readFile(path.join(saved, 'captures/cloud/cloud.kube.osdpl.stdout'), 'utf8'),
		).not.toContain(MARK);
		const savedManifest = await readFile(path.join(saved, 'manifest.json'), 'utf8');
		expect(savedManifest).toContain('"projection"');

		const bundle = path.join(dir, 'b.tar.gz');
		await writeBundle(set, {output: bundle, analyze: false});
		const out = path.join(dir, 'b');
		await extractBundle(bundle, out);
		const inBundle = await readFile(
			path.join(out, 'capture-set/captures/cloud/cloud.kube.osdpl.stdout'),
			'utf8',
		);
		expect(inBundle).not.toContain(MARK);
		expect(facts(inBundle)).toEqual(facts(json));
		const report = JSON.parse(await readFile(path.join(out, 'redaction-report.json'), 'utf8')) as {
			files: Record<string, {projection?: {name: string; dropped: string[]}}>;
		};
		expect(
			report.files['capture-set/captures/cloud/cloud.kube.osdpl.stdout']?.projection?.dropped,
		).toEqual(expect.arrayContaining(['spec.services.networking', 'spec.services.key-manager']));
	});

	it('Given the raw set and its bundle opened as the console opens them, When the store is built, Then the console holds only projected fields', async () => {
		const bundle = path.join(dir, 'console.tar.gz');
		await writeBundle(await readCaptureSet(raw), {output: bundle, analyze: false});
		const analyze = await loadAnalyzer();
		for (const input of [raw, bundle]) {
			const opened = await openSource(input);
			const {snapshot, diagnosis} = analyze(opened.set);
			const store = createAppStore({source: opened.source, snapshot, diagnosis});
			const state = store.getState();
			const shown = state.snapshot?.captures['cloud.kube.osdpl'];
			expect(shown?.stdout, input).toBeDefined();
			expect(shown?.stdout, input).not.toContain(MARK);
			expect(JSON.stringify(state.snapshot), input).not.toContain(MARK);
			expect(state.snapshot?.cloud.osdpl?.data.tunnelInterface).toBe('ens3');
			// Reload (the console's `r`) goes through the same reader.
			expect(JSON.stringify(await opened.reload())).not.toContain(MARK);
		}
	});
});
