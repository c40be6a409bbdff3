/**
 * `--kube-context` / `--kubeconfig` collection inputs: discover the OpenStack nodes through the
 * user's kubectl and turn them into what {@link collect} takes — one kubectl transport per node,
 * the keystone-client transport for cloud entries, and the Kubernetes-side captures (node list,
 * OpenStackDeployment as kind `osdpl`) kept in the capture set.
 */
import type {Capture, FailureKind, NodeInfo} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import {toCaptureMeta} from '../bundle/capture-set.js';
import {
	createKubectlTransports,
	type KubectlTransportsOptions,
} from '../transport/kube-discovery.js';
import type {CommandResult, Transport} from '../transport/types.js';
import type {CloudApi} from '../transport/openstack-api.js';
import {KubectlOpenStackApi} from '../transport/openstack-api-kubectl.js';
import type {CollectNode} from './collect.js';

export type KubeCollectionInputs = {
	readonly ok: true;
	readonly nodes: readonly CollectNode[];
	readonly nodeInfo: readonly NodeInfo[];
	/** For `CollectOptions.cloud` with `--openstack cli`: runs `openstack …` in the keystone-client pod. */
	readonly cloud: Transport;
	/**
	 * For `CollectOptions.cloud` (the default through kubectl): the API's GETs through ONE exec into
	 * the keystone-client pod for the whole API phase (src/transport/openstack-api-kubectl.ts).
	 */
	readonly cloudApi: CloudApi;
	/** For `CollectOptions.extraCaptures`: `kubectl get nodes` and the OpenStackDeployment. */
	readonly extraCaptures: readonly Capture[];
	/** For `CollectOptions.problems`: nodes asked for but absent, nodes not Ready. */
	readonly problems: readonly {
		readonly node?: NodeId;
		readonly kind: string;
		readonly message: string;
	}[];
	close(): Promise<void>;
};

export type KubeCollectionFailure = {
	readonly ok: false;
	readonly kind: FailureKind;
	/** kubectl's classified reason: `kubectl-missing`, `no-context`, `forbidden`, `unreachable` … */
	readonly reason?: string;
	readonly message: string;
};

const cloudCapture = (
	id: string,
	catalogId: string,
	result: CommandResult,
	kind?: 'osdpl' | 'kube-nodes',
): Capture =>
	toCaptureMeta({
		id,
		scope: 'cloud',
		argv: result.argv,
		...(kind === undefined ? {} : {kind}),
		catalogId,
		exitCode: result.exitCode,
		startedAt: result.startedAt,
		durationMs: result.durationMs,
		stdout: result.stdout,
		stderr: result.stderr,
		via: 'kubectl',
		...(result.failure
			? {failure: {kind: result.failure.kind, message: result.failure.message}}
			: {}),
	});

/** Discover nodes through kubectl and prepare the collection; a failure names kubectl's reason. */
export const prepareKubeCollection = async (
	options: KubectlTransportsOptions,
	signal: AbortSignal,
): Promise<KubeCollectionInputs | KubeCollectionFailure> => {
	const setup = await createKubectlTransports(options, signal);
	if (!setup.ok) {
		const where = options.context === undefined ? '' : ` (context ${options.context})`;
		return {
			ok: false,
			kind: setup.failure.kind,
			...(setup.failure.reason === undefined ? {} : {reason: setup.failure.reason}),
			message: `kubectl could not list the cluster's nodes${where}: ${setup.failure.message}`,
		};
	}
	const problems = [...setup.problems];
	if (setup.nodes.length === 0) {
		problems.push({
			kind: 'discovery',
			message:
				'no Kubernetes node carries a MOSK OpenStack role label (openstack-control-plane, openstack-compute-node, openstack-gateway)',
		});
	}
	const osdpl = await setup.fetchOpenStackDeployment(signal);
	return {
		ok: true,
		nodeInfo: setup.nodes,
		nodes: setup.nodes.map(info => {
			const transport = setup.transports.get(info.id);
			if (transport === undefined) throw new Error(`no transport for ${info.id}`); // built together
			return {info, transport};
		}),
		cloud: setup.cloud,
		cloudApi: new KubectlOpenStackApi({client: setup.client, resolver: setup.resolver}),
		extraCaptures: [
			cloudCapture('cloud.kube.nodes', 'kube.nodes', setup.discovery, 'kube-nodes'),
			cloudCapture(`cloud.${osdpl.catalogId}`, osdpl.catalogId, osdpl.result, osdpl.kind),
		],
		problems,
		close: () => setup.close(),
	};
};
