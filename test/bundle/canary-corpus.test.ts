/**
 * The canary corpus: the public shapes of the configs a MOSK/OpenStack node carries
 * (test/fixtures/canary-corpus/: an OpenStackDeployment with every kind of secret MOSK documents,
 * openstack-helm values, neutron/nova/keystone/barbican/octavia confs as a sos report carries them
 * unmasked, Fernet and credential keys, keepalived, kubeconfig, clouds.yaml, a Ceph keyring, a Pod
 * list, /etc/environment), added to the sample incident as the captures a collection or an import
 * would hold. Every secret is a unique canary `CNRYnn…`; argv, stderr, failure messages, the
 * manifest, an earlier bundle's inventory, targets and reasons carry more.
 *
 * The real `dvrscope bundle` CLI writes a plain and a `--pseudonymize`d bundle and a `--dry-run`
 * report; the archive bytes (as written and decompressed), the extracted tree, stdout and stderr
 * must hold no canary, and `dvrscope diagnose` of the bundles must reach the same diagnosis as of
 * the corpus before redaction. New secret kinds go into the corpus files, not into this test.
 */
import {cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';
import {execa} from 'execa';
import {create as tarCreate} from 'tar';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {extractBundle} from '../../src/bundle/read.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = path.join(ROOT, 'test/fixtures/canary-corpus');
const SAMPLE = path.join(ROOT, 'sample/incident-failover');
const CANARY = /CNRY\d\d[A-Za-z0-9+/_=-]*/g;

const cli = (args: readonly string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		cwd: ROOT,
		reject: false,
		env: {NO_COLOR: '1'},
	});

/** Where each corpus file sits on a node (as `cat`/sos would read it), or how kubectl gets it. */
const FILES: readonly {file: string; path?: string; kind?: string; argv?: readonly string[]}[] = [
	{
		file: 'osdpl.yaml',
		kind: 'osdpl',
		argv: ['kubectl', 'get', 'openstackdeployment', '-A', '-o', 'yaml'],
	},
	{file: 'kube-nodes.json', kind: 'kube-nodes', argv: ['kubectl', 'get', 'nodes', '-o', 'json']},
	{file: 'pods.yaml', argv: ['kubectl', '-n', 'openstack', 'get', 'pods', '-o', 'yaml']},
	{file: 'neutron.conf', path: '/etc/neutron/neutron.conf'},
	{file: 'metadata_agent.ini', path: '/etc/neutron/metadata_agent.ini'},
	{file: 'nova.conf', path: '/etc/nova/nova.conf'},
	{file: 'keystone.conf', path: '/etc/keystone/keystone.conf'},
	{
		file: 'fernet-keys.txt',
		argv: ['head', '/etc/keystone/fernet-keys/0', '/etc/keystone/fernet-keys/1'],
	},
	{file: 'barbican.conf', path: '/etc/barbican/barbican.conf'},
	{file: 'octavia.conf', path: '/etc/octavia/octavia.conf'},
	{file: 'octavia-client.pem', path: '/etc/octavia/certs/client.pem'},
	{file: 'keepalived.conf', path: '/var/lib/neutron/ha_confs/spare/keepalived.conf'},
	{file: 'kubeconfig', path: '/root/.kube/config'},
	{file: 'clouds.yaml', path: '/etc/openstack/clouds.yaml'},
	{file: 'ceph.client.admin.keyring', path: '/etc/ceph/ceph.client.admin.keyring'},
	{
		file: 'neutron-values.yaml',
		argv: ['helm', '-n', 'openstack', 'get', 'values', '--all', 'openstack-neutron'],
	},
	{file: 'etc-environment', path: '/etc/environment'},
];

/** Secrets outside the capture bodies: argv, stderr, failure, manifest, an earlier bundle's fields. */
const ARGV_SECRET = 'CNRY68-argv-os-password';
const STDERR_SECRET = 'CNRY69-stderr-auth-token';
const FAILURE_SECRET = 'CNRY70-failure-token';
const DESCRIPTION_SECRET = 'CNRY71-description-password';
const PROBLEM_SECRET = 'CNRY72-problem-token';
const ADDRESS_SECRET = 'CNRY73-address-password';
const INVENTORY = {
	nodes: [
		{name: 'compute-1', ssh: {user: 'root', password: 'CNRY74-inventory-ssh-password'}},
		{name: 'network', ssh: {identityFile: '/root/.ssh/id_ed25519'}},
	],
	kube: {context: 'mosk', token: 'CNRY75-inventory-kube-token'},
	openrc: 'export OS_PASSWORD=CNRY76-inventory-openrc',
};
const PREVIOUS = {
	targets: ['router 4d7928a0-4a3c-4b99-b01b-97da2f97e279 password=CNRY77-target-password'],
	partialReasons: ['compute-2: auth: kubectl --token=CNRY78-reason-token rejected'],
	skipped: [
		{node: 'compute-2', what: 'command', reason: 'Authorization: Bearer CNRY79-skip-bearer'},
	],
};

let dir: string;
let raw: string;
let previous: string;
let canaries: string[];

async function walk(root: string, rel = ''): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(path.join(root, rel), {withFileTypes: true})) {
		const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
		if (entry.isDirectory()) out.push(...(await walk(root, child)));
		else out.push(child);
	}
	return out;
}

/** Build the raw corpus capture set on disk, by hand: no dvrscope writer (they project). */
async function writeRawCorpus(target: string): Promise<string> {
	await cp(SAMPLE, target, {recursive: true});
	const manifestPath = path.join(target, 'manifest.json');
	const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
		description?: string;
		nodes: {id: string; address?: string}[];
		captures: Record<string, unknown>[];
		problems?: unknown[];
		partial?: boolean;
	};
	const add = async (
		meta: Record<string, unknown> & {id: string; scope: string; node?: string},
		stdout: string,
		stderr = '',
	): Promise<void> => {
		const dirRel = meta.scope === 'cloud' ? 'captures/cloud' : `captures/nodes/${meta.node}`;
		await mkdir(path.join(target, dirRel), {recursive: true});
		const stdoutFile = `${dirRel}/${meta.id}.stdout`;
		await writeFile(path.join(target, stdoutFile), stdout);
		const entry: Record<string, unknown> = {
			exitCode: 0,
			startedAt: '2026-11-26T14:48:20.000Z',
			durationMs: 40,
			...meta,
			stdoutFile,
			stdoutBytes: Buffer.byteLength(stdout),
			stderrBytes: Buffer.byteLength(stderr),
		};
		if (stderr !== '') {
			entry['stderrFile'] = `${dirRel}/${meta.id}.stderr`;
			await writeFile(path.join(target, `${dirRel}/${meta.id}.stderr`), stderr);
		}
		manifest.captures.push(entry);
	};
	for (const item of FILES) {
		const body = await readFile(path.join(CORPUS, item.file), 'utf8');
		const id = `corpus.${item.file.replace(/[^A-Za-z0-9]+/g, '-')}`;
		const cloud = item.kind !== undefined || item.argv?.[0] === 'kubectl';
		await add(
			{
				id: cloud ? `cloud.${id}` : `compute-1.${id}`,
				scope: cloud ? 'cloud' : 'node',
				...(cloud ? {} : {node: 'compute-1'}),
				argv: item.argv ?? ['cat', '--', item.path ?? item.file],
				...(item.kind === undefined ? {} : {kind: item.kind}),
				via: cloud ? 'kubectl' : 'sos',
			},
			body,
		);
	}
	await add(
		{
			id: 'cloud.corpus.argv-stderr-failure',
			scope: 'cloud',
			argv: ['openstack', '--os-password', ARGV_SECRET, 'port', 'list', '-f', 'json'],
			exitCode: null,
			failure: {
				kind: 'auth',
				message: `keystone said 401 for https://keystone/v3?token=${FAILURE_SECRET}`,
			},
		},
		'',
		`REQ: curl -g -i -X GET https://keystone/v3 -H "X-Auth-Token: ${STDERR_SECRET}"\n`,
	);
	manifest.description = `corpus; collected with OS_PASSWORD=${DESCRIPTION_SECRET}`;
	manifest.problems = [
		...(manifest.problems ?? []),
		{node: 'compute-2', kind: 'auth', message: `kubectl exec --token=${PROBLEM_SECRET} refused`},
	];
	manifest.partial = true;
	manifest.nodes = manifest.nodes.map(n =>
		n.id === 'network' ? {...n, address: `ssh://root:${ADDRESS_SECRET}@127.0.0.1:22211`} : n,
	);
	await writeFile(manifestPath, JSON.stringify(manifest, null, '\t'));
	return target;
}

/** An earlier bundle (hand-made, unredacted) whose inventory, targets and reasons carry canaries. */
async function writePreviousBundle(set: string, output: string): Promise<void> {
	const stage = path.join(dir, 'previous-stage');
	await cp(set, path.join(stage, 'capture-set'), {recursive: true});
	await writeFile(
		path.join(stage, 'bundle.json'),
		JSON.stringify({
			format: 'dvrscope-bundle',
			schemaVersion: 1,
			createdAt: '2026-11-26T15:00:00.000Z',
			partial: true,
			pseudonymized: false,
			inventory: INVENTORY,
			...PREVIOUS,
		}),
	);
	await tarCreate({gzip: true, file: output, cwd: stage, portable: true}, await readdir(stage));
}

/** Every canary found in `text` (by id; a partial leak of a canary still names its id). */
const leaks = (text: string): string[] => [...new Set(text.match(/CNRY\d\d/gi) ?? [])];

/** Everything an archive could leak: bytes as written, decompressed, and the extracted files. */
async function archiveText(file: string): Promise<{bytes: string; tree: Record<string, string>}> {
	const written = await readFile(file);
	const bytes = `${written.toString('latin1')}\n${gunzipSync(written).toString('latin1')}`;
	const out = path.join(dir, `x-${path.basename(file)}`);
	await extractBundle(file, out);
	const tree: Record<string, string> = {};
	for (const rel of await walk(out)) tree[rel] = await readFile(path.join(out, rel), 'utf8');
	return {bytes, tree};
}

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-canary-'));
	raw = await writeRawCorpus(path.join(dir, 'raw-set'));
	previous = path.join(dir, 'previous.tar.gz');
	await writePreviousBundle(raw, previous);
	// The canaries: every CNRYnn in the corpus files and in the secrets planted above.
	const planted = [
		...(await Promise.all(FILES.map(async f => readFile(path.join(CORPUS, f.file), 'utf8')))),
		JSON.stringify({INVENTORY, PREVIOUS}),
		[
			ARGV_SECRET,
			STDERR_SECRET,
			FAILURE_SECRET,
			DESCRIPTION_SECRET,
			PROBLEM_SECRET,
			ADDRESS_SECRET,
		].join(' '),
	].join('\n');
	canaries = [...new Set(planted.match(CANARY) ?? [])];
});
afterAll(async () => {
	await rm(dir, {recursive: true, force: true});
});

describe('canary corpus through the real dvrscope bundle CLI', () => {
	it('Given the corpus before bundling, When its archive is grepped the same way, Then every canary is found (the grep can fail)', async () => {
		const ids = new Set(canaries.map(c => c.slice(0, 6)));
		expect(ids.size).toBeGreaterThanOrEqual(75);
		const {bytes, tree} = await archiveText(previous);
		const found = leaks(`${bytes}\n${Object.values(tree).join('\n')}`);
		expect(new Set(found)).toEqual(ids);
	});

	it.each([
		['plain', [] as string[]],
		['pseudonymized', ['--pseudonymize', '--mapping-out', 'MAP']],
	])(
		'Given the corpus in an earlier bundle, When re-bundled %s, Then no canary is in the archive (bytes, decompressed, extracted), stdout or stderr',
		async (name, extra) => {
			const output = path.join(dir, `${name}.tar.gz`);
			const args = extra.map(a => (a === 'MAP' ? path.join(dir, `${name}-map.json`) : a));
			const result = await cli(['bundle', previous, '-o', output, ...args]);
			expect(result.exitCode, result.stderr).toBe(0);
			const {bytes, tree} = await archiveText(output);
			expect(leaks(`${result.stdout}\n${result.stderr}`), 'stdout/stderr').toEqual([]);
			expect(leaks(bytes), 'archive bytes').toEqual([]);
			for (const [file, body] of Object.entries(tree)) expect(leaks(body), file).toEqual([]);
			// The inventory, findings and failure messages are in the tree; check they are there.
			const bundle = JSON.parse(tree['bundle.json'] ?? '{}') as {inventory?: unknown};
			expect(bundle.inventory).toBeDefined();
			expect(tree['findings.json']).toContain('"findings"');
			expect(tree['capture-set/manifest.json']).toContain('"failure"');
			// The shape detectors and the second net did the work they are there for (the kubeconfig
			// is a Kubernetes `Config`: its projection keeps its identity only, nothing to redact).
			const report = JSON.parse(tree['redaction-report.json'] ?? '{}') as {
				byDetector: Record<string, number>;
				files: Record<string, {projection?: {name: string; dropped: string[]}}>;
			};
			for (const detector of [
				'shape:ceph-key',
				'shape:base64-key',
				'shape:pem-block',
				'url-credentials',
				'key-name',
				'secretlint:slack',
				'secretlint:github',
			])
				expect(
					report.byDetector[detector] ?? 0,
					`${detector} in ${JSON.stringify(report.byDetector)}`,
				).toBeGreaterThan(0);
			const projections = Object.values(report.files).flatMap(f =>
				f.projection === undefined ? [] : [f.projection],
			);
			expect(projections.map(p => p.name).sort()).toEqual(
				expect.arrayContaining(['kube-node', 'kube-pod', 'kube-object', 'openstackdeployment']),
			);
			if (name === 'pseudonymized') {
				const mapping = await readFile(path.join(dir, `${name}-map.json`), 'utf8');
				expect(leaks(mapping), 'private mapping').toEqual([]);
			}
		},
		600_000,
	);

	it('Given the raw corpus set, When bundled with --dry-run and --explain, Then the report is printed, nothing is written, and no canary is printed', async () => {
		for (const flag of ['--dry-run', '--explain']) {
			const result = await cli(['bundle', raw, flag]);
			expect(result.exitCode, result.stderr).toBe(0);
			expect(leaks(`${result.stdout}\n${result.stderr}`)).toEqual([]);
			const report = JSON.parse(result.stdout) as {
				format: string;
				files: Record<string, {projection?: {dropped: string[]}; redactions: {detector: string}[]}>;
			};
			expect(report.format).toBe('dvrscope-redaction-report');
			const osdpl = report.files['capture-set/captures/cloud/cloud.corpus.osdpl-yaml.stdout'];
			expect(osdpl?.projection?.dropped).toEqual(
				expect.arrayContaining([
					'spec.services.identity',
					'spec.features.ssl',
					'metadata.annotations',
				]),
			);
			const barbican =
				report.files['capture-set/captures/nodes/compute-1/compute-1.corpus.barbican-conf.stdout'];
			expect(barbican?.redactions.length).toBeGreaterThan(0);
		}
		expect((await readdir(dir)).filter(f => f.startsWith('dry-run'))).toEqual([]);
	}, 600_000);

	it('Given the corpus, When diagnosed before redaction and from the plain and pseudonymized bundles, Then the diagnosis is the same', async () => {
		type Diagnosis = {
			verdict?: string;
			exitCode: number;
			rules: {ruleId: string; status: string; findings?: number}[];
			findings: {
				ruleId: string;
				messageId: string;
				severity: string;
				message: string;
				nodes?: string[];
			}[];
		};
		const diagnose = async (input: string): Promise<Diagnosis> => {
			const result = await cli(['diagnose', input, '--json']);
			// The raw corpus is local data (its description holds a canary); a bundle must not leak.
			if (input !== raw)
				expect(leaks(`${result.stdout}\n${result.stderr}`), `diagnose ${input}`).toEqual([]);
			return JSON.parse(result.stdout) as Diagnosis;
		};
		const before = await diagnose(raw);
		const plainBundle = path.join(dir, 'plain.tar.gz');
		const pseudoBundle = path.join(dir, 'pseudonymized.tar.gz');
		const plain = await diagnose(plainBundle);
		const pseudo = await diagnose(pseudoBundle);
		const shape = (d: Diagnosis) => ({
			verdict: d.verdict,
			exitCode: d.exitCode,
			rules: d.rules.map(r => ({ruleId: r.ruleId, status: r.status, findings: r.findings})),
			findings: d.findings.map(f => ({
				ruleId: f.ruleId,
				messageId: f.messageId,
				severity: f.severity,
			})),
		});
		expect(before.findings.length).toBeGreaterThan(0);
		expect(plain.findings.map(f => ({...f, evidence: undefined, docs: undefined}))).toEqual(
			before.findings.map(f => ({...f, evidence: undefined, docs: undefined})),
		);
		expect(shape(plain)).toEqual(shape(before));
		expect(shape(pseudo)).toEqual(shape(before));
	}, 600_000);
});
