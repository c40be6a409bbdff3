/**
 * The lab's MOSK-like Kubernetes face: runs the fake Kubernetes API TEST DOUBLE
 * (lab/fake-kube-apiserver.ts) as a long-lived process for `npm run lab:up`, serving for each lab
 * node the pods MOSK has (labels, containers, `spec.nodeName`) and an OpenStackDeployment, and
 * running every `kubectl exec` inside that lab node (the `exec` prefix, typically
 * `nsenter -t <node pid> -m -n -u --`). So the real `kubectl` — and `dvrscope --kube-context lab`
 * — reaches the real lab.
 *
 * Usage:  node --import tsx lab/kube-face.ts CONFIG.json &   (one process: $! is the server's PID;
 *         the `tsx` CLI wrapper would put a second process in between that does not pass SIGHUP)
 * Prints `listening <port>` on stdout once ready; writes the kubeconfig named in the config;
 * SIGHUP re-reads the config (nodes, pods, OpenStackDeployment; not the port); SIGTERM/SIGINT stop.
 *
 * Config (JSON):
 * {
 *   "port": 16443,                                  // 0 = any free port
 *   "kubeconfig": ".lab-state/kubeconfig",          // written at start (context below, user {})
 *   "context": "lab",
 *   "flavor": "mosk",                               // or "openstack-helm" (upstream labels)
 *   "nodes": [
 *     {"name": "network", "roles": ["control-plane", "gateway"],   // + "backend": "ovn", "ovnDb": true
 *      "exec": ["nsenter", "-t", "4242", "-m", "-n", "-u", "--"],
 *      "containerExec": {"openvswitch-vswitchd": ["nsenter", "-t", "4242", "-m", "-n", "-u", "--"]}}
 *   ],
 *   "keystoneClient": {"node": "controller", "exec": ["env", "OS_AUTH_TYPE=none", "--"]},
 *   "openstackdeployment": {"name": "osh-dev", "neutron": {"tunnel_interface": "br-phy", "dvr": {"enabled": true}},
 *                           "nodes": {"kubernetes.io/hostname::compute-2": {"features": {"neutron": {"tunnel_interface": "eth9"}}}}},
 *   "log": false
 * }
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {
	startFakeKubeApiServer,
	type FakeExecHandler,
	type KubeCustomObject,
	type KubeNode,
	type KubePod,
} from './fake-kube-apiserver.js';
import {
	keystoneClientPod,
	kubeNode,
	nodePods,
	openStackDeployment,
	type KubeFlavor,
	type MoskNodeRole,
	type OsdplNeutronSpec,
} from './mosk-kube-objects.js';

export type KubeFaceNode = {
	readonly name: string;
	readonly roles: readonly MoskNodeRole[];
	/** Prefix put before the command's argv to run it "in" this node. */
	readonly exec: readonly string[];
	/** Per-container prefix overriding `exec` (e.g. a different environment for OVS tools). */
	readonly containerExec?: Readonly<Record<string, readonly string[]>>;
	/** `ovn`: the node's pods are ml2/ovn's (ovn-controller, OVN metadata agent), not L3/OVS agents. */
	readonly backend?: 'ovs' | 'ovn';
	/** ml2/ovn: the OVN NB/SB database and ovn-northd pods run on this node. */
	readonly ovnDb?: boolean;
};

export type KubeFaceConfig = {
	readonly port?: number;
	readonly kubeconfig?: string;
	readonly context?: string;
	readonly flavor?: KubeFlavor;
	readonly nodes: readonly KubeFaceNode[];
	readonly keystoneClient?: {readonly node: string; readonly exec: readonly string[]};
	readonly openstackdeployment?: {
		readonly name?: string;
		readonly openstackVersion?: string;
		readonly neutron: OsdplNeutronSpec;
		readonly nodes?: Readonly<Record<string, unknown>>;
	};
	readonly log?: boolean;
};

/** What the config serves, and how each pod's exec runs. */
export const buildKubeFace = (
	config: KubeFaceConfig,
): {
	nodes: KubeNode[];
	pods: KubePod[];
	osdpls: KubeCustomObject[];
	prefixFor: (pod: KubePod, container: string) => readonly string[] | undefined;
} => {
	const flavor = config.flavor ?? 'mosk';
	const pods: KubePod[] = [];
	const prefixes = new Map<string, Pick<KubeFaceNode, 'exec' | 'containerExec'>>();
	for (const node of config.nodes) {
		const spec = {
			name: node.name,
			roles: node.roles,
			...(node.backend === undefined ? {} : {backend: node.backend}),
			...(node.ovnDb === undefined ? {} : {ovnDb: node.ovnDb}),
		};
		for (const pod of nodePods(spec, flavor)) {
			pods.push(pod);
			prefixes.set(pod.metadata.name, node);
		}
	}
	if (config.keystoneClient !== undefined) {
		const pod = keystoneClientPod(config.keystoneClient.node);
		pods.push(pod);
		prefixes.set(pod.metadata.name, {exec: config.keystoneClient.exec});
	}
	return {
		nodes: config.nodes.map(node => kubeNode({name: node.name, roles: node.roles})),
		pods,
		osdpls:
			config.openstackdeployment === undefined
				? []
				: [openStackDeployment(config.openstackdeployment)],
		prefixFor(pod, container) {
			const owner = prefixes.get(pod.metadata.name);
			if (owner === undefined) return undefined;
			return owner.containerExec?.[container] ?? owner.exec;
		},
	};
};

const readConfig = (path: string): KubeFaceConfig => {
	const config = JSON.parse(readFileSync(path, 'utf8')) as KubeFaceConfig;
	if (!Array.isArray(config.nodes)) throw new Error(`${path}: "nodes" must be a list`);
	return config;
};

const main = async (): Promise<void> => {
	const path = process.argv[2];
	if (path === undefined) {
		console.error('usage: tsx lab/kube-face.ts CONFIG.json');
		process.exit(2);
	}
	const configPath = resolve(path);
	const config = readConfig(configPath);
	let face = buildKubeFace(config);
	const execHandler: FakeExecHandler = ({pod, container, argv}) => {
		const prefix = face.prefixFor(pod, container);
		if (prefix === undefined) return {commandNotFound: true};
		const [program = 'false', ...args] = [...prefix, ...argv];
		return spawn(program, args, {stdio: ['pipe', 'pipe', 'pipe']});
	};
	const server = await startFakeKubeApiServer({
		port: config.port ?? 0,
		nodes: face.nodes,
		pods: face.pods,
		customResources: {openstackdeployments: face.osdpls},
		execHandler,
		log: config.log ?? false,
	});
	if (config.kubeconfig !== undefined) {
		mkdirSync(dirname(resolve(config.kubeconfig)), {recursive: true});
		writeFileSync(config.kubeconfig, server.kubeconfig({context: config.context ?? 'lab'}), {
			mode: 0o600,
		});
	}
	process.on('SIGHUP', () => {
		try {
			face = buildKubeFace(readConfig(configPath));
			server.setNodes(face.nodes);
			server.setPods(face.pods);
			server.setOpenStackDeployments(face.osdpls);
			console.error('[kube-face] reloaded', configPath);
		} catch (error) {
			console.error(
				'[kube-face] reload failed, keeping the previous objects:',
				(error as Error).message,
			);
		}
	});
	const stop = (): void => {
		void server.stop().then(() => process.exit(0));
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	console.log(`listening ${server.port}`);
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
	await main();
}
