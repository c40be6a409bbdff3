/**
 * Kubernetes-side discovery for `--kube-context`: the OpenStack nodes (from `kubectl get nodes`
 * and MOSK's role labels), one kubectl Transport per node, a cluster-wide transport for the
 * `openstack` CLI in the keystone-client pod, and the OpenStackDeployment as a cloud-scope capture
 * (parser kind `osdpl`).
 */
import type {NodeInfo, NodeRole} from '../model/capture.js';
import {isSafeId, type NodeId} from '../model/ids.js';
import {
	classifyKubectlError,
	createKubectlClient,
	createKubectlTransport,
	createPodResolver,
	kubectlFailure,
	type KubectlClient,
	type KubectlOptions,
	type KubePodResolver,
} from './kubectl.js';
import type {CommandResult, Transport, TransportFailure} from './types.js';

/** MOSK's scheduling labels (value `enabled`) and the dvrscope roles they mean (DOMAIN.md §5). */
export const MOSK_ROLE_LABELS: Readonly<Record<string, readonly NodeRole[]>> = {
	'openstack-control-plane': ['controller'],
	'openstack-compute-node': ['compute'],
	// Gateway nodes run the dvr_snat L3 agent: MOSK's network nodes.
	'openstack-gateway': ['gateway', 'network'],
};

/** A Kubernetes node as discovery sees it. */
export type KubeNodeRecord = {
	readonly name: string;
	readonly roles: readonly NodeRole[];
	/** Carries at least one MOSK OpenStack role label. */
	readonly isOpenStack: boolean;
	readonly ready: boolean;
	readonly internalIp?: string;
};

/** Roles from a node's labels; `other` when it carries none of MOSK's. Pure. */
export const rolesFromNodeLabels = (
	labels: Readonly<Record<string, string>> | undefined,
): NodeRole[] => {
	const roles = new Set<NodeRole>();
	for (const [label, mapped] of Object.entries(MOSK_ROLE_LABELS)) {
		if (labels?.[label] === 'enabled') for (const role of mapped) roles.add(role);
	}
	return roles.size === 0 ? ['other'] : [...roles];
};

type NodeJson = {
	metadata?: {name?: unknown; labels?: Record<string, string>};
	status?: {
		addresses?: {type?: string; address?: string}[];
		conditions?: {type?: string; status?: string}[];
	};
};

/** Read `kubectl get nodes -o json`. Pure; names that are not safe ids are reported, not used. */
export const parseKubeNodeList = (
	text: string,
): {readonly nodes: readonly KubeNodeRecord[]; readonly problems: readonly string[]} => {
	let items: NodeJson[];
	try {
		const parsed = JSON.parse(text) as {items?: unknown};
		if (!Array.isArray(parsed.items)) {
			return {nodes: [], problems: ['kubectl get nodes: no "items" list in the output']};
		}
		items = parsed.items as NodeJson[];
	} catch (error) {
		return {nodes: [], problems: [`kubectl get nodes: not JSON (${(error as Error).message})`]};
	}
	const nodes: KubeNodeRecord[] = [];
	const problems: string[] = [];
	for (const item of items) {
		const name = item.metadata?.name;
		if (typeof name !== 'string' || !isSafeId(name)) {
			problems.push(`kubectl get nodes: node name ${JSON.stringify(name)} is not usable; skipped`);
			continue;
		}
		const roles = rolesFromNodeLabels(item.metadata?.labels);
		const internalIp = item.status?.addresses?.find(a => a.type === 'InternalIP')?.address;
		nodes.push({
			name,
			roles,
			isOpenStack: !roles.includes('other'),
			ready: item.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false,
			...(internalIp === undefined ? {} : {internalIp}),
		});
	}
	return {nodes, problems};
};

/** A capture made against the Kubernetes API rather than in a pod (`kubectl get …`). */
export type KubeCloudCapture = {
	readonly catalogId: string;
	readonly kind: 'osdpl';
	readonly scope: 'cloud';
	readonly result: CommandResult;
};

/** Run one read-only `kubectl get` and shape it as a CommandResult (argv = what the user would type). */
const kubectlGet = async (
	client: KubectlClient,
	args: readonly string[],
	target: string,
	signal: AbortSignal,
): Promise<CommandResult> => {
	const timeoutMs = client.options.requestTimeoutMs ?? 20_000;
	const run = await client.run([...args, `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`], {
		signal,
		timeoutMs: timeoutMs + 5000,
	});
	const base = {
		target,
		argv: ['kubectl', ...args],
		stdout: run.stdout.toString('utf8'),
		stderr: run.stderr,
		startedAt: run.startedAt,
		durationMs: run.durationMs,
	};
	if (run.failure) return {...base, exitCode: null, failure: run.failure};
	if (run.exitCode !== 0 && /the server doesn't have a resource type/.test(run.stderr)) {
		// The cluster answered: it has no such resource (no OpenStackDeployment CRD on an upstream
		// openstack-helm cloud). That is data — exit status and kubectl's words — not a failure.
		return {...base, stdout: '', exitCode: run.exitCode};
	}
	if (run.exitCode !== 0) {
		// With -o json a failed get still prints an empty List on stdout: drop it.
		const {reason, message} = classifyKubectlError(run.stderr);
		return {...base, stdout: '', exitCode: null, failure: kubectlFailure(reason, message)};
	}
	return {...base, exitCode: 0};
};

/** `kubectl get nodes -o json` → the cluster's nodes with their MOSK roles. */
export const discoverKubeNodes = async (
	client: KubectlClient,
	signal: AbortSignal,
): Promise<{
	readonly result: CommandResult;
	readonly nodes: readonly KubeNodeRecord[];
	readonly problems: readonly string[];
}> => {
	const result = await kubectlGet(client, ['get', 'nodes', '-o', 'json'], 'cloud', signal);
	if (result.failure) return {result, nodes: [], problems: []};
	const {nodes, problems} = parseKubeNodeList(result.stdout);
	return {result, nodes, problems};
};

/**
 * The OVN NB and SB database pods of openstack-helm's `ovn` chart (StatefulSets ovn-ovsdb-nb and
 * ovn-ovsdb-sb, labels application=ovn, component=ovn-ovsdb-nb|ovn-ovsdb-sb). Their node gets the
 * `ovn-db` role: the catalog reads the NB and SB there (pod classes ovn-nb / ovn-sb).
 */
export const OVN_DB_SELECTOR = 'application=ovn,component in (ovn-ovsdb-nb,ovn-ovsdb-sb)';

/**
 * The node to read OVN's NB and SB on, from `kubectl get pods -l OVN_DB_SELECTOR -o json`: the
 * first node (by name) running a Running pod of both databases, else the first running the NB.
 * Undefined on a cluster without them (ml2/ovs). Pure.
 */
export const ovnDbNodeOf = (text: string): string | undefined => {
	let items: {
		spec?: {nodeName?: unknown};
		metadata?: {labels?: Record<string, string>};
		status?: {phase?: string};
	}[];
	try {
		items = ((JSON.parse(text) as {items?: unknown}).items ?? []) as typeof items;
		if (!Array.isArray(items)) return undefined;
	} catch {
		return undefined;
	}
	const dbs = new Map<string, Set<string>>();
	for (const item of items) {
		const node = item.spec?.nodeName;
		const component = item.metadata?.labels?.['component'];
		if (typeof node !== 'string' || !isSafeId(node) || item.status?.phase !== 'Running') continue;
		if (component !== 'ovn-ovsdb-nb' && component !== 'ovn-ovsdb-sb') continue;
		dbs.set(node, (dbs.get(node) ?? new Set()).add(component));
	}
	const names = [...dbs.keys()].sort();
	return (
		names.find(n => dbs.get(n)?.size === 2) ?? names.find(n => dbs.get(n)?.has('ovn-ovsdb-nb'))
	);
};

/** Catalog id under which the OpenStackDeployment capture is filed. */
export const OSDPL_CATALOG_ID = 'kube.osdpl';

/**
 * `kubectl get openstackdeployment -A -o json` as a cloud-scope capture of kind `osdpl`. A cluster
 * without the CRD (upstream openstack-helm) gives exit status 1 and kubectl's `the server doesn't
 * have a resource type "openstackdeployment"` on stderr: recorded as data, not as a failure.
 */
export const fetchOpenStackDeployment = async (
	client: KubectlClient,
	signal: AbortSignal,
): Promise<KubeCloudCapture> => ({
	catalogId: OSDPL_CATALOG_ID,
	kind: 'osdpl',
	scope: 'cloud',
	result: await kubectlGet(
		client,
		['get', 'openstackdeployment', '-A', '-o', 'json'],
		'cloud',
		signal,
	),
});

export type KubectlTransportsOptions = KubectlOptions & {
	/** Only these Kubernetes nodes (default: every node with a MOSK OpenStack role label). */
	readonly nodes?: readonly string[];
	/** Also nodes without OpenStack role labels (default false). */
	readonly includeNonOpenStack?: boolean;
};

/** What `--kube-context` collection needs, ready to hand to the session. */
export type KubectlCollectionSetup = {
	readonly client: KubectlClient;
	readonly resolver: KubePodResolver;
	/** Nodes to collect from (transport `kubectl`, address = Kubernetes node name). */
	readonly nodes: readonly NodeInfo[];
	/** One transport per node id. */
	readonly transports: ReadonlyMap<NodeId, Transport>;
	/** Cluster-wide transport (id `cloud`): runs the `openstack` CLI in the keystone-client pod. */
	readonly cloud: Transport;
	/** The `kubectl get nodes` capture, for the command log. */
	readonly discovery: CommandResult;
	/** Problems met while discovering (unusable node names, nodes not Ready, names not found). */
	readonly problems: readonly {
		readonly node?: NodeId;
		readonly kind: string;
		readonly message: string;
	}[];
	/** The OpenStackDeployment capture (kind `osdpl`). */
	fetchOpenStackDeployment(signal: AbortSignal): Promise<KubeCloudCapture>;
	close(): Promise<void>;
};

/**
 * Discover the OpenStack nodes of a cluster and build a kubectl Transport for each. Returns a
 * failure (kubectl missing, no context, forbidden, unreachable …) when the node list cannot be read.
 */
export const createKubectlTransports = async (
	options: KubectlTransportsOptions,
	signal: AbortSignal,
): Promise<
	| ({readonly ok: true} & KubectlCollectionSetup)
	| {readonly ok: false; readonly failure: TransportFailure; readonly discovery: CommandResult}
> => {
	const client = createKubectlClient(options);
	const discovered = await discoverKubeNodes(client, signal);
	if (discovered.result.failure) {
		return {ok: false, failure: discovered.result.failure, discovery: discovered.result};
	}
	const problems: {node?: NodeId; kind: string; message: string}[] = discovered.problems.map(
		message => ({kind: 'discovery', message}),
	);
	let chosen: KubeNodeRecord[];
	if (options.nodes !== undefined) {
		const byName = new Map(discovered.nodes.map(node => [node.name, node]));
		chosen = [];
		for (const name of options.nodes) {
			const node = byName.get(name);
			if (node) chosen.push(node);
			else
				problems.push({node: name, kind: 'discovery', message: `no Kubernetes node named ${name}`});
		}
	} else {
		chosen = discovered.nodes.filter(
			node => options.includeNonOpenStack === true || node.isOpenStack,
		);
	}
	// ml2/ovn: the node that runs the OVN NB and SB pods reads them (role ovn-db)
	const ovnPods = await kubectlGet(
		client,
		['-n', client.namespace, 'get', 'pods', '-l', OVN_DB_SELECTOR, '-o', 'json'],
		'cloud',
		signal,
	);
	const ovnDb = ovnPods.failure ? undefined : ovnDbNodeOf(ovnPods.stdout);
	if (ovnPods.failure)
		problems.push({kind: 'discovery', message: `OVN database pods: ${ovnPods.failure.message}`});
	if (ovnDb !== undefined) {
		const known = discovered.nodes.find(node => node.name === ovnDb);
		const index = chosen.findIndex(node => node.name === ovnDb);
		if (index >= 0) {
			const node = chosen[index] as KubeNodeRecord;
			chosen[index] = {...node, roles: [...node.roles.filter(r => r !== 'other'), 'ovn-db']};
		} else if (options.nodes === undefined && known !== undefined) {
			chosen.push({...known, roles: [...known.roles.filter(r => r !== 'other'), 'ovn-db']});
		} else {
			problems.push({
				node: ovnDb,
				kind: 'discovery',
				message: `the OVN NB/SB pods run on ${ovnDb}, which is not collected: the OVN databases are not read`,
			});
		}
	}
	for (const node of chosen) {
		if (!node.ready) {
			problems.push({
				node: node.name,
				kind: 'discovery',
				message: `node ${node.name} is not Ready`,
			});
		}
	}
	const resolver = createPodResolver(client);
	const transports = new Map<NodeId, Transport>(
		chosen.map(node => [
			node.name,
			createKubectlTransport({client, resolver, nodeName: node.name}),
		]),
	);
	return {
		ok: true,
		client,
		resolver,
		nodes: chosen.map(node => ({
			id: node.name,
			roles: node.roles,
			transport: 'kubectl',
			address: node.name,
		})),
		transports,
		cloud: createKubectlTransport({client, resolver, id: 'cloud'}),
		discovery: discovered.result,
		problems,
		fetchOpenStackDeployment: nextSignal => fetchOpenStackDeployment(client, nextSignal),
		close: async () => {
			await Promise.all([...transports.values()].map(transport => transport.close()));
		},
	};
};
