/**
 * Collect a capture set from the running lab with dvrscope's own collection (src/session/collect.ts):
 * over real SSH to every lab node (inventory, key and known_hosts from .lab-state/), or through the
 * real `kubectl` against the lab's Kubernetes face (kubeconfig .lab-state/kubeconfig, context `lab`).
 * Cloud-scope data (`openstack … -f json`) comes from the openstack CLI here against the lab's API
 * (.lab-state/clouds.yaml, noauth), or from the keystone-client pod through kubectl.
 *
 * Usage: tsx lab/collect-lab.ts OUT_DIR [--via ssh|kubectl] [--description TEXT]
 *        tsx lab/collect-lab.ts --augment DIR   add the compute ports' `os.port-show` to a capture
 *                                               set written by `dvrscope collect` (local openstack,
 *                                               .lab-state/clouds.yaml)
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {Capture, CaptureSet} from '../src/model/capture.js';
import {planCommand, type CatalogId} from '../src/collectors/catalog.js';
import {collect, type CollectNode} from '../src/session/collect.js';
import {hostNames, loadInventory, nodeInfo} from '../src/session/inventory.js';
import {
	createKubectlTransports,
	fetchOpenStackDeployment,
} from '../src/transport/kube-discovery.js';
import {readCaptureSet, toCaptureMeta, writeCaptureSet} from '../src/bundle/capture-set.js';
import {createLocalTransport} from '../src/transport/local.js';
import type {CaptureMeta} from '../src/model/capture.js';
import type {Transport} from '../src/transport/types.js';
import {OpenStackApi} from '../src/transport/openstack-api.js';
import {KubectlOpenStackApi} from '../src/transport/openstack-api-kubectl.js';
import {loadCloudConfig} from '../src/transport/openstack-config.js';

export const LAB_STATE = path.resolve(import.meta.dirname, '..', '.lab-state');

/** Cloud data the lab's captures carry (what the diagnostics correlate with the nodes). */
export const LAB_CLOUD_ENTRIES: readonly CatalogId[] = [
	'os.agents',
	'os.routers',
	'os.networks',
	'os.subnets',
	'os.ports',
];

export type CollectLabOptions = {
	readonly via?: 'ssh' | 'kubectl';
	/** With ssh: the cloud data through the OpenStack API from Node (default) or the openstack CLI. */
	readonly cloud?: 'api' | 'cli';
	readonly stateDir?: string;
	readonly description?: string;
	readonly signal?: AbortSignal;
	/** Filled in: how many `kubectl exec` the cloud reader started (through kubectl, API). */
	readonly counts?: {cloudExecs?: number};
};

/** The openstack CLI on this machine, against the lab's Neutron API (.lab-state/clouds.yaml, noauth). */
const labCloud = (stateDir: string): Transport =>
	createLocalTransport({
		id: 'cloud',
		env: {OS_CLIENT_CONFIG_FILE: path.join(stateDir, 'clouds.yaml'), OS_CLOUD: 'lab'},
	});

const sshTransport = async (
	node: Awaited<ReturnType<typeof loadInventory>>['nodes'][number],
	stateDir: string,
	id = node.id,
): Promise<Transport> =>
	// loaded on demand: the kubectl path does not need ssh2
	(await import('../src/transport/ssh.js')).createSshTransport({
		id,
		host: node.host ?? node.id,
		...(node.port === undefined ? {} : {port: node.port}),
		...(node.user === undefined ? {} : {user: node.user}),
		identityFiles: node.identityFiles,
		knownHostsFile: path.join(stateDir, 'known_hosts'),
		agent: false,
	});

/**
 * `openstack port list --long` (OSC 6) carries neither allowed address pairs nor the binding host.
 * The session now shows instance ports itself; for a capture set without them, the lab adds
 * `os.port-show` (the catalog's own read-only entry, on the same cloud transport) for each compute
 * port not shown yet — the VRRP pair and the client. Without these, no VIP is known.
 */
async function carrierPortShows(
	set: CaptureSet,
	cloud: Transport,
	signal: AbortSignal,
): Promise<Capture[]> {
	const listed = set.captures.find(capture => capture.catalogId === 'os.ports');
	if (listed === undefined || listed.exitCode !== 0) return [];
	const ports = JSON.parse(listed.stdout) as {ID?: string; 'Device Owner'?: string}[];
	const shown = new Set(
		set.captures.filter(c => c.catalogId === 'os.port-show').flatMap(c => c.argv),
	);
	const captures: Capture[] = [];
	for (const port of ports) {
		if (port.ID === undefined || !(port['Device Owner'] ?? '').startsWith('compute:')) continue;
		if (shown.has(port.ID)) continue; // the session showed it already
		const planned = planCommand('os.port-show', {port: port.ID});
		if (!planned.ok) continue;
		const result = await cloud.exec(
			{argv: planned.command.argv, podClass: 'keystone-client', timeoutMs: 60_000},
			{signal},
		);
		captures.push(
			toCaptureMeta({
				id: `cloud.os.port-show.${port.ID}`,
				scope: 'cloud',
				catalogId: 'os.port-show',
				kind: 'openstack-ports',
				argv: result.argv,
				stdout: result.stdout,
				stderr: result.stderr,
				exitCode: result.exitCode,
				startedAt: result.startedAt,
				durationMs: result.durationMs,
				via: `lab/collect-lab.ts (${cloud.kind})`,
				...(result.failure ? {failure: result.failure} : {}),
			}),
		);
	}
	return captures;
}

const metaOf = (capture: Capture): CaptureMeta => {
	const meta: Record<string, unknown> = {...capture};
	delete meta['stdout'];
	delete meta['stderr'];
	return meta as CaptureMeta;
};

const withCaptures = (set: CaptureSet, extra: readonly Capture[]): CaptureSet => ({
	manifest: {
		...set.manifest,
		source: 'lab',
		captures: [...set.manifest.captures, ...extra.map(metaOf)],
	},
	captures: [...set.captures, ...extra],
});

/** Collect from the lab; the caller writes the set (writeCaptureSet) or assembles it. */
export async function collectLab(options: CollectLabOptions = {}): Promise<CaptureSet> {
	const stateDir = options.stateDir ?? LAB_STATE;
	const signal = options.signal ?? new AbortController().signal;
	const description = options.description ?? 'dvrscope lab';
	if ((options.via ?? 'ssh') === 'ssh') {
		const inventory = await loadInventory(path.join(stateDir, 'inventory.yaml'));
		const nodes: CollectNode[] = [];
		for (const node of inventory.nodes)
			nodes.push({
				info: nodeInfo(node),
				transport: await sshTransport(node, stateDir),
				hostNames: hostNames(node),
				...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
			});
		// cloud data: GETs from here to the lab's Neutron (noauth, .lab-state/clouds.yaml), like
		// `collect` does by default; or the openstack CLI here (`collect --openstack cli`)
		const cloud =
			options.cloud === 'cli'
				? labCloud(stateDir)
				: new OpenStackApi(
						await loadCloudConfig({OS_CLOUD: 'lab'}, [path.join(stateDir, 'clouds.yaml')]),
					);
		try {
			const set = await collect(
				{
					nodes,
					cloud,
					cloudEntries: LAB_CLOUD_ENTRIES,
					description,
				},
				() => undefined,
				signal,
			);
			// The session shows instance ports itself; the CLI's older sets may lack them.
			return 'exec' in cloud
				? withCaptures(set, await carrierPortShows(set, cloud, signal))
				: withCaptures(set, []);
		} finally {
			await Promise.all([...nodes.map(node => node.transport.close()), cloud.close()]);
		}
	}
	// kubectl: its own HOME and discovery cache, like a fresh operator's machine
	const home = await mkdtemp(path.join(tmpdir(), 'dvrscope-lab-kube-'));
	const previousHome = process.env['HOME'];
	const previousCache = process.env['KUBECACHEDIR'];
	process.env['HOME'] = home;
	process.env['KUBECACHEDIR'] = path.join(home, 'cache');
	try {
		const setup = await createKubectlTransports(
			{kubeconfig: path.join(stateDir, 'kubeconfig'), context: 'lab'},
			signal,
		);
		if (!setup.ok) throw new Error(`kubectl: ${setup.failure.kind}: ${setup.failure.message}`);
		const osdpl = await fetchOpenStackDeployment(setup.client, signal);
		const nodes: CollectNode[] = setup.nodes.map(info => ({
			info,
			transport: setup.transports.get(info.id)!,
		}));
		// cloud data: the API through ONE exec into the keystone-client pod, like `collect
		// --kube-context` does by default; or the openstack CLI there (`--openstack cli`)
		const api =
			options.cloud === 'cli'
				? undefined
				: new KubectlOpenStackApi({client: setup.client, resolver: setup.resolver});
		const cloud = api ?? setup.cloud;
		try {
			const set = await collect(
				{
					nodes,
					cloud,
					cloudEntries: LAB_CLOUD_ENTRIES,
					description,
					extraCaptures: [
						toCaptureMeta({
							id: 'cloud.kube.osdpl',
							catalogId: osdpl.catalogId,
							kind: osdpl.kind,
							scope: 'cloud',
							argv: osdpl.result.argv,
							stdout: osdpl.result.stdout,
							stderr: osdpl.result.stderr,
							exitCode: osdpl.result.exitCode,
							startedAt: osdpl.result.startedAt,
							durationMs: osdpl.result.durationMs,
							...(osdpl.result.failure ? {failure: osdpl.result.failure} : {}),
						}),
					],
					problems: setup.problems,
				},
				() => undefined,
				signal,
			);
			return 'exec' in cloud
				? withCaptures(set, await carrierPortShows(set, cloud, signal))
				: withCaptures(set, []);
		} finally {
			await Promise.all([...nodes.map(node => node.transport.close()), cloud.close()]);
			if (options.counts !== undefined && api !== undefined) options.counts.cloudExecs = api.execs;
		}
	} finally {
		if (previousHome === undefined) delete process.env['HOME'];
		else process.env['HOME'] = previousHome;
		if (previousCache === undefined) delete process.env['KUBECACHEDIR'];
		else process.env['KUBECACHEDIR'] = previousCache;
		await rm(home, {recursive: true, force: true});
	}
}

/** Add the compute ports' `os.port-show` to a capture set on disk (run by lab/record.sh). */
export async function augmentCaptureSet(dir: string, stateDir = LAB_STATE): Promise<number> {
	const set = await readCaptureSet(dir);
	const cloud = labCloud(stateDir);
	try {
		const extra = await carrierPortShows(set, cloud, new AbortController().signal);
		await writeCaptureSet(dir, withCaptures(set, extra));
		return extra.length;
	} finally {
		await cloud.close();
	}
}

const main = async (): Promise<void> => {
	const args = process.argv.slice(2);
	if (args[0] === '--augment' && args[1] !== undefined) {
		const added = await augmentCaptureSet(args[1]);
		console.log(`${args[1]}: added ${added} port-show captures`);
		return;
	}
	const out = args[0];
	const flag = (name: string): string | undefined => {
		const at = args.indexOf(name);
		return at < 0 ? undefined : args[at + 1];
	};
	const via = flag('--via') ?? 'ssh';
	if (out === undefined || out.startsWith('-') || (via !== 'ssh' && via !== 'kubectl')) {
		console.error('usage: tsx lab/collect-lab.ts OUT_DIR [--via ssh|kubectl] [--description TEXT]');
		process.exit(3);
	}
	const set = await collectLab({via, description: flag('--description') ?? 'dvrscope lab'});
	const manifest = await writeCaptureSet(out, set);
	const failed = manifest.captures.filter(capture => capture.failure !== undefined);
	console.log(
		`${out}: ${manifest.captures.length} captures from ${manifest.nodes.length} nodes` +
			(failed.length > 0 ? `, ${failed.length} failed` : ''),
	);
};

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
	await main();
}
