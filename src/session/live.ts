/**
 * Live collection from user-facing options: an inventory (SSH / kubectl / local nodes) or a
 * Kubernetes context, OpenStack API access, a target. Shared by `dvrscope collect`,
 * `dvrscope diagnose --inventory …` and the console.
 */
import type {CaptureSet} from '../model/capture.js';
import type {Transport} from '../transport/types.js';
import {OpenStackApi, type CloudApi} from '../transport/openstack-api.js';
import {CloudConfigError, cloudConfigured, loadCloudConfig} from '../transport/openstack-config.js';
import {SshTransport} from '../transport/ssh.js';
import {loadSshConfig, type SshConfigFile} from '../transport/ssh-config.js';
import type * as KubectlModule from '../transport/kubectl.js';
import type * as LocalModule from '../transport/local.js';
import type {CatalogId} from '../collectors/catalog.js';
import {collect, type CollectNode, type CollectOptions} from './collect.js';
import type {SessionEventListener} from '../model/events.js';
import {hostNames, loadInventory, nodeInfo, type Inventory} from './inventory.js';
import {checkTarget, describeTarget, type Target} from './targets.js';

export type LiveCollectOptions = {
	/** Inventory file (or an already parsed inventory). */
	readonly inventory?: string | Inventory;
	/** Collect through kubectl in this context (discovery by MOSK node labels) when no inventory. */
	readonly kubeContext?: string;
	readonly kubeconfig?: string;
	/** Namespace of the OpenStack pods (default `openstack`). */
	readonly kubeNamespace?: string;
	readonly sshConfig?: string;
	readonly knownHosts?: string;
	readonly acceptNew?: boolean;
	readonly identityFiles?: readonly string[];
	readonly concurrency?: number;
	/** Per-command timeout, seconds. */
	readonly timeoutS?: number;
	/** Whole-node time limit, seconds. */
	readonly nodeTimeoutS?: number;
	readonly target?: Target;
	/**
	 * How the OpenStack API is read: `api` (GETs from here, OS_CLOUD / clouds.yaml / OS_*), `local`
	 * (the `openstack` CLI here, one process per call), `kubectl` (the API's GETs through ONE exec
	 * into the keystone-client pod, with the pod's credentials), `cli` (the `openstack` CLI: in the
	 * keystone-client pod with a Kubernetes context, else here), `none`. Default: kubectl with a
	 * Kubernetes context, api when OS_CLOUD, OS_AUTH_URL or OS_ENDPOINT is set, else none.
	 */
	readonly openstack?: OpenStackAccess;
	readonly description?: string;
	readonly toolVersion?: string;
	/**
	 * `trace`: a targeted collection of what the packet-path proof reads (OVSDB interfaces, the
	 * namespaces' neighbours and addresses; Neutron subnets and ports) instead of the whole catalog.
	 */
	readonly reads?: 'all' | 'trace';
	/** More reads on the collection's connections before they close (packet-path rounds). */
	readonly after?: CollectOptions['after'];
	/** Pause before collecting from more than 50 nodes without a target (ms; default 5000). */
	readonly largeCollectionPauseMs?: number;
};

export type OpenStackAccess = 'api' | 'cli' | 'local' | 'kubectl' | 'none';

/** The API client from OS_CLOUD / clouds.yaml / OS_*; a configuration problem is a usage error. */
async function apiCloud(): Promise<CloudApi> {
	try {
		return new OpenStackApi(await loadCloudConfig());
	} catch (error) {
		if (error instanceof CloudConfigError)
			throw new LiveCollectError(error.message, {cause: error});
		throw error;
	}
}

/** Thrown for option and input problems (exit 3 in the CLI). */
export class LiveCollectError extends Error {
	override readonly name = 'LiveCollectError';
}

/** Thrown when the user aborts during the large-collection pause (nothing was collected). */
export class CollectionAbortedError extends Error {
	override readonly name = 'CollectionAbortedError';
}

export const LARGE_COLLECTION = 50;

const CLOUD_DATA: readonly CatalogId[] = [
	'os.agents',
	'os.routers',
	'os.networks',
	'os.subnets',
	'os.ports',
];

/** What `dvrscope trace` collects before its rounds: the Neutron look-ups of the endpoints. */
const TRACE_CLOUD_DATA: readonly CatalogId[] = ['os.subnets', 'os.ports'];

/**
 * …and on the nodes: the OVSDB Interface table (taps, iface-ids, tunnel ports and their IPs) and
 * every Neutron namespace's neighbours and addresses (router legs, the qrouter entry, the holder's
 * dynamic entries) — no flow dumps, no routes, no L3-HA files.
 */
const TRACE_NODE_READS: ReadonlySet<CatalogId> = new Set<CatalogId>([
	'netns.list',
	'ovs.interfaces',
	'netns.state-batch',
	'netns.batch',
]);

/**
 * …and on ml2/ovn (a node with the `ovn-db` role): the OVN NB and SB (the trace's logical ports,
 * switches, router ports, port bindings), the chassis' br-int flows (the port-security counters
 * that tell who holds a VIP) and the local Open_vSwitch row (the backend's node clue); ovn-trace
 * itself runs in the rounds.
 */
const TRACE_OVN_NODE_READS: ReadonlySet<CatalogId> = new Set<CatalogId>([
	'netns.list',
	'ovs.interfaces',
	'ovs.bridges',
	'ovs.bridge-batch',
	'ovs.open-vswitch',
	'ovn.nb',
	'ovn.sb',
]);

/** Collect live and return the capture set (not yet written). */
export async function collectToCaptureSet(
	options: LiveCollectOptions,
	onEvent: SessionEventListener,
	signal: AbortSignal,
): Promise<CaptureSet> {
	return collect(await prepareLiveCollection(options, onEvent, signal), onEvent, signal);
}

/**
 * The collection the options describe, transports created but not yet opened: what
 * `collectToCaptureSet` runs once, and what watch (src/session/watch.ts) runs every N rounds with
 * its transports kept open between its probe rounds.
 */
export async function prepareLiveCollection(
	options: LiveCollectOptions,
	onEvent: SessionEventListener,
	signal: AbortSignal,
): Promise<CollectOptions> {
	if (options.target !== undefined) {
		const problem = checkTarget(options.target);
		if (problem !== undefined) throw new LiveCollectError(problem);
	}
	const base = collectBase(options);
	let source: LiveSource;
	if (options.inventory !== undefined) {
		source = await inventorySource(options, options.inventory);
	} else if (options.kubeContext !== undefined || options.kubeconfig !== undefined) {
		source = await kubeSource(options, signal);
	} else {
		throw new LiveCollectError(
			'nothing to collect from: give --inventory FILE or --kube-context NAME',
		);
	}
	const {nodes, cloud, extra = {}, description} = source;
	if (options.target === undefined && nodes.length > LARGE_COLLECTION)
		await pauseBeforeLargeCollection(options, source, onEvent, signal);

	return {
		...base,
		nodes,
		...(cloud === undefined
			? {}
			: {cloud, cloudEntries: options.reads === 'trace' ? TRACE_CLOUD_DATA : CLOUD_DATA}),
		...(options.reads === 'trace'
			? {
					only: nodes.some(n => n.info.roles.includes('ovn-db'))
						? TRACE_OVN_NODE_READS
						: TRACE_NODE_READS,
					showOnlyIncompletePorts: true,
				}
			: {}),
		...extra,
		...(options.after === undefined ? {} : {after: options.after}),
		description:
			options.description ??
			`${description}${options.target === undefined ? '' : `, target ${describeTarget(options.target)}`}`,
	};
}

/** The collection's limits, target and version, as {@link collect} takes them. */
function collectBase(
	options: LiveCollectOptions,
): Pick<
	CollectOptions,
	'concurrency' | 'commandTimeoutMs' | 'nodeTimeoutMs' | 'target' | 'toolVersion'
> {
	return {
		...(options.concurrency === undefined ? {} : {concurrency: options.concurrency}),
		...(options.timeoutS === undefined ? {} : {commandTimeoutMs: options.timeoutS * 1000}),
		...(options.nodeTimeoutS === undefined ? {} : {nodeTimeoutMs: options.nodeTimeoutS * 1000}),
		...(options.target === undefined ? {} : {target: options.target}),
		...(options.toolVersion === undefined ? {} : {toolVersion: options.toolVersion}),
	};
}

/** Where a live collection reads from: its nodes, the cloud API reader, and its description. */
type LiveSource = {
	readonly nodes: readonly CollectNode[];
	readonly cloud: Transport | CloudApi | undefined;
	readonly extra?: Pick<CollectOptions, 'extraCaptures' | 'problems'>;
	readonly description: string;
};

/**
 * The `openstack` CLI run here (one process per call). The local and kubectl transports (execa and
 * its ~130 modules) are imported only when a collection uses them: an SSH collection starts
 * without them.
 */
const localCloud = async (): Promise<Transport> => {
	const {LocalTransport} = await import('../transport/local.js');
	return new LocalTransport({id: 'local', commandTimeoutMs: 120_000});
};

/** A kubectl client and pod resolver, shared by every kubectl node and the cloud reader. */
type KubeAccess = {
	readonly client: ReturnType<typeof KubectlModule.createKubectlClient>;
	readonly resolver: ReturnType<typeof KubectlModule.createPodResolver>;
};

/** The nodes of an inventory file (ssh / kubectl / local each), the API as `--openstack` says. */
async function inventorySource(
	options: LiveCollectOptions,
	from: string | Inventory,
): Promise<LiveSource> {
	const envCloud = cloudConfigured();
	const inventory = typeof from === 'string' ? await loadInventory(from) : from;
	let sshConfig: SshConfigFile;
	try {
		sshConfig = await loadSshConfig(options.sshConfig);
	} catch (error) {
		throw new LiveCollectError((error as Error).message, {cause: error});
	}
	const needsKube = inventory.nodes.some(node => node.transport === 'kubectl');
	const kubectl =
		needsKube || options.openstack === 'kubectl'
			? await import('../transport/kubectl.js')
			: undefined;
	const local = inventory.nodes.some(node => node.transport === 'local')
		? await import('../transport/local.js')
		: undefined;
	const kube: KubeAccess | undefined =
		kubectl !== undefined
			? (() => {
					const client = kubectl.createKubectlClient({
						...(options.kubeContext === undefined ? {} : {context: options.kubeContext}),
						...(options.kubeconfig === undefined ? {} : {kubeconfig: options.kubeconfig}),
						...(options.kubeNamespace === undefined ? {} : {namespace: options.kubeNamespace}),
					});
					return {client, resolver: kubectl.createPodResolver(client)};
				})()
			: undefined;
	const nodes = inventory.nodes.map((node): CollectNode => ({
		info: nodeInfo(node),
		transport: inventoryTransport(node, options, sshConfig, {kube, kubectl, local}),
		hostNames: hostNames(node),
		...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
	}));
	const where = options.openstack ?? (envCloud ? 'api' : 'none');
	const cloud =
		where === 'api'
			? await apiCloud()
			: where === 'local' || where === 'cli'
				? await localCloud()
				: where === 'kubectl' && kube !== undefined
					? new (await import('../transport/openstack-api-kubectl.js')).KubectlOpenStackApi({
							...kube,
							id: 'cloud',
						})
					: undefined;
	return {nodes, cloud, description: `collected from inventory ${inventory.source}`};
}

/** The transport an inventory node names: ssh, kubectl (through `kube`) or local. */
function inventoryTransport(
	node: Inventory['nodes'][number],
	options: LiveCollectOptions,
	sshConfig: SshConfigFile,
	loaded: {
		readonly kube: KubeAccess | undefined;
		readonly kubectl: typeof KubectlModule | undefined;
		readonly local: typeof LocalModule | undefined;
	},
): Transport {
	const {kube, kubectl, local} = loaded;
	if (node.transport === 'ssh')
		return new SshTransport({
			id: node.id,
			host: node.host ?? node.id,
			...(node.port === undefined ? {} : {port: node.port}),
			...(node.user === undefined ? {} : {user: node.user}),
			identityFiles: [...(options.identityFiles ?? []), ...node.identityFiles],
			sshConfig,
			...(options.knownHosts === undefined ? {} : {knownHostsFile: options.knownHosts}),
			...(options.acceptNew === true ? {acceptNew: true} : {}),
			...(options.timeoutS === undefined ? {} : {commandTimeoutMs: options.timeoutS * 1000}),
		});
	if (node.transport === 'kubectl' && kube !== undefined && kubectl !== undefined)
		return kubectl.createKubectlTransport({
			...kube,
			nodeName: node.kubernetesNode ?? node.id,
			id: node.id,
		});
	if (local === undefined) throw new Error(`node ${node.id}: its transport was not loaded`);
	return new local.LocalTransport({id: node.id});
}

/** The nodes a Kubernetes context shows (MOSK node labels), the API as `--openstack` says. */
async function kubeSource(options: LiveCollectOptions, signal: AbortSignal): Promise<LiveSource> {
	const {prepareKubeCollection} = await import('./kube.js');
	const prepared = await prepareKubeCollection(
		{
			...(options.kubeContext === undefined ? {} : {context: options.kubeContext}),
			...(options.kubeconfig === undefined ? {} : {kubeconfig: options.kubeconfig}),
			...(options.kubeNamespace === undefined ? {} : {namespace: options.kubeNamespace}),
		},
		signal,
	);
	if (!prepared.ok) throw new LiveCollectError(prepared.message);
	const where = options.openstack ?? 'kubectl';
	const cloud =
		where === 'kubectl'
			? prepared.cloudApi
			: where === 'cli'
				? prepared.cloud
				: where === 'local'
					? await localCloud()
					: where === 'api'
						? await apiCloud()
						: undefined;
	return {
		nodes: prepared.nodes,
		cloud,
		extra: {extraCaptures: prepared.extraCaptures, problems: prepared.problems},
		description: `collected through kubectl${options.kubeContext === undefined ? '' : ` (context ${options.kubeContext})`}`,
	};
}

/**
 * The pause before collecting from more than {@link LARGE_COLLECTION} nodes without a target: a
 * warning, then `largeCollectionPauseMs`; an abort in it closes the transports and throws
 * {@link CollectionAbortedError}.
 */
async function pauseBeforeLargeCollection(
	options: LiveCollectOptions,
	{nodes, cloud}: LiveSource,
	onEvent: SessionEventListener,
	signal: AbortSignal,
): Promise<void> {
	const pause = options.largeCollectionPauseMs ?? 5000;
	onEvent({
		type: 'log',
		at: new Date().toISOString(),
		level: 'warning',
		message: `about to collect from ${nodes.length} nodes without a target (--router/--vip/--loadbalancer narrow it); starting in ${Math.round(pause / 1000)} s — press Ctrl-C to abort`,
	});
	const aborted = await new Promise<boolean>(resolve => {
		if (signal.aborted) {
			resolve(true);
			return;
		}
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve(false);
		}, pause);
		const onAbort = (): void => {
			clearTimeout(timer);
			resolve(true);
		};
		signal.addEventListener('abort', onAbort, {once: true});
	});
	if (aborted) {
		await Promise.all(
			[...nodes.map(n => n.transport), ...(cloud ? [cloud] : [])].map(async t => t.close()),
		);
		throw new CollectionAbortedError('aborted before collecting: nothing was collected');
	}
}
