/**
 * Kubernetes objects shaped like a MOSK cloud's (and, as a variant, upstream openstack-helm's),
 * for the fake Kubernetes API test double (lab/fake-kube-apiserver.ts). Labels, container names,
 * DaemonSet naming and node labels follow ../shared/DOMAIN.md §5:
 *
 * | pod class    | MOSK labels                                              | upstream openstack-helm              |
 * |--------------|----------------------------------------------------------|--------------------------------------|
 * | L3 agent     | application=neutron, component=l3-agent                  | same                                 |
 * | OVS agent    | application=neutron, component=neutron-ovs-agent        | same                                 |
 * | Open vSwitch | application=openvswitch, component=openvswitch-vswitchd  | application=openvswitch, component=server |
 * | CLI          | application=keystone, component=client (keystone-client) | — (MOSK only)                        |
 *
 * Open vSwitch pods hold two containers, `openvswitch-db` and `openvswitch-vswitchd`, in both.
 *
 * On ml2/ovn (`backend: 'ovn'`) a node runs no L3 or OVS agent but, from openstack-helm's `ovn`
 * chart and the neutron chart's OVN metadata agent (labels read from openstack-helm, not MOSK's own):
 *
 * | pod class          | labels                                              | container                  |
 * |--------------------|-----------------------------------------------------|----------------------------|
 * | ovn-controller     | application=ovn, component=ovn-controller (DaemonSet) | controller               |
 * | OVN metadata agent | application=neutron, component=ovn-metadata-agent    | neutron-ovn-metadata-agent |
 * | OVN NB / SB        | application=ovn, component=ovn-ovsdb-nb / ovn-ovsdb-sb (StatefulSets) | ovsdb    |
 * | ovn-northd         | application=ovn, component=ovn-northd (Deployment)   | northd                     |
 */
import {createHash} from 'node:crypto';
import type {KubeContainer, KubeCustomObject, KubeNode, KubePod} from './fake-kube-apiserver.js';

export type KubeFlavor = 'mosk' | 'openstack-helm';

/** MOSK node roles, as node labels (`openstack-compute-node=enabled` …). */
export type MoskNodeRole = 'control-plane' | 'compute' | 'gateway';

export type MoskNodeSpec = {
	readonly name: string;
	readonly roles: readonly MoskNodeRole[];
	/** Neutron backend of the cloud: `ovs` (default: L3/OVS agents) or `ovn` (ovn-controller …). */
	readonly backend?: 'ovs' | 'ovn';
	/** ml2/ovn: this node runs the OVN NB and SB database pods and ovn-northd. */
	readonly ovnDb?: boolean;
	/** Node InternalIP, for the record (the lab uses 127.0.0.1). */
	readonly address?: string;
};

const NAMESPACE = 'openstack';
const CREATED = '2025-01-01T00:00:00Z';

/** Deterministic short hash, so names are stable across runs (like a ReplicaSet's pod-template hash). */
const hash = (text: string, length: number): string =>
	createHash('sha256').update(text).digest('hex').slice(0, length);

/** Pod-name suffix like the ones a DaemonSet controller appends (5 lower-case alphanumerics). */
const podSuffix = (seed: string): string => {
	const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
	const digest = createHash('sha256').update(seed).digest();
	return [...digest.subarray(0, 5)].map(byte => alphabet[byte % alphabet.length]).join('');
};

const container = (name: string): KubeContainer => ({name, image: `fake.local/${name}:lab`});

/** A Running pod bound to `nodeName`. */
export const kubePod = (options: {
	readonly name: string;
	readonly nodeName: string;
	readonly labels: Readonly<Record<string, string>>;
	readonly containers: readonly string[];
	readonly initContainers?: readonly string[];
	readonly namespace?: string;
	readonly phase?: KubePod['status']['phase'];
	readonly owner?: {readonly kind: string; readonly name: string};
}): KubePod => ({
	metadata: {
		name: options.name,
		namespace: options.namespace ?? NAMESPACE,
		uid: hash(`${options.namespace ?? NAMESPACE}/${options.name}`, 32),
		resourceVersion: '1',
		creationTimestamp: CREATED,
		labels: {...options.labels},
		...(options.owner === undefined
			? {}
			: {
					ownerReferences: [
						{
							apiVersion: 'apps/v1',
							kind: options.owner.kind,
							name: options.owner.name,
							uid: hash(options.owner.name, 32),
						},
					],
				}),
	},
	spec: {
		nodeName: options.nodeName,
		containers: options.containers.map(container),
		...(options.initContainers === undefined
			? {}
			: {initContainers: options.initContainers.map(container)}),
	},
	status: {
		phase: options.phase ?? 'Running',
		hostIP: '127.0.0.1',
		containerStatuses: options.containers.map(name => ({
			name,
			ready: options.phase === undefined || options.phase === 'Running',
			restartCount: 0,
			image: `fake.local/${name}:lab`,
			imageID: '',
			state: {running: {startedAt: CREATED}},
		})),
	},
});

/** A Ready node carrying MOSK's scheduling labels for its roles. */
export const kubeNode = (spec: MoskNodeSpec): KubeNode => {
	const labels: Record<string, string> = {
		'kubernetes.io/hostname': spec.name,
		'kubernetes.io/os': 'linux',
		'kubernetes.io/arch': 'amd64',
		openvswitch: 'enabled',
	};
	if (spec.roles.includes('control-plane')) labels['openstack-control-plane'] = 'enabled';
	if (spec.roles.includes('compute')) labels['openstack-compute-node'] = 'enabled';
	if (spec.roles.includes('gateway')) labels['openstack-gateway'] = 'enabled';
	return {
		metadata: {
			name: spec.name,
			labels,
			uid: hash(`node/${spec.name}`, 32),
			resourceVersion: '1',
			creationTimestamp: CREATED,
		},
		spec: {},
		status: {
			addresses: [
				{type: 'InternalIP', address: spec.address ?? '127.0.0.1'},
				{type: 'Hostname', address: spec.name},
			],
			conditions: [{type: 'Ready', status: 'True'}],
			nodeInfo: {kubeletVersion: 'v1.32.4', osImage: 'dvrscope lab (fake Kubernetes node)'},
		},
	};
};

/**
 * The Neutron and Open vSwitch pods a node runs. MOSK names node-override DaemonSets
 * `<name>-<16 hex>` (compute nodes get the `agent_mode: dvr` override) and the rest
 * `<name>-default`; upstream uses `-default` and a single `openvswitch` DaemonSet.
 */
export const nodePods = (spec: MoskNodeSpec, flavor: KubeFlavor = 'mosk'): KubePod[] => {
	if (spec.backend === 'ovn') return [openvswitchPod(spec, flavor), ...ovnNodePods(spec)];
	const isCompute = spec.roles.includes('compute');
	const l3Set =
		flavor === 'mosk' && isCompute
			? `neutron-l3-agent-${hash('openstack-compute-node=enabled', 16)}`
			: 'neutron-l3-agent-default';
	const release = (name: string): string => (flavor === 'mosk' ? `openstack-${name}` : name);
	const pods: KubePod[] = [
		kubePod({
			name: `${l3Set}-${podSuffix(`${spec.name}/l3`)}`,
			nodeName: spec.name,
			labels: {application: 'neutron', component: 'l3-agent', release_group: release('neutron')},
			containers: ['neutron-l3-agent'],
			initContainers: ['init', 'neutron-l3-agent-init'],
			owner: {kind: 'DaemonSet', name: l3Set},
		}),
		kubePod({
			name: `neutron-ovs-agent-default-${podSuffix(`${spec.name}/ovs-agent`)}`,
			nodeName: spec.name,
			labels: {
				application: 'neutron',
				component: 'neutron-ovs-agent',
				release_group: release('neutron'),
			},
			containers: ['neutron-ovs-agent'],
			initContainers: ['init', 'neutron-ovs-agent-ovs-init', 'neutron-ovs-agent-init'],
			owner: {kind: 'DaemonSet', name: 'neutron-ovs-agent-default'},
		}),
	];
	pods.push(openvswitchPod(spec, flavor));
	// Decoys a careless selector would pick up: same application, other components.
	if (spec.roles.includes('gateway') || spec.roles.includes('control-plane')) {
		pods.push(
			kubePod({
				name: `neutron-metadata-agent-default-${podSuffix(`${spec.name}/meta`)}`,
				nodeName: spec.name,
				labels: {
					application: 'neutron',
					component: 'metadata-agent',
					release_group: release('neutron'),
				},
				containers: ['neutron-metadata-agent'],
			}),
		);
	}
	return pods;
};

/** The Open vSwitch DaemonSet's pod on a node (MOSK's `openvswitch-vswitchd`, upstream's `openvswitch`). */
const openvswitchPod = (spec: MoskNodeSpec, flavor: KubeFlavor): KubePod => {
	const set = flavor === 'mosk' ? 'openvswitch-openvswitch-vswitchd-default' : 'openvswitch';
	return kubePod({
		name: `${set}-${podSuffix(`${spec.name}/ovs`)}`,
		nodeName: spec.name,
		labels:
			flavor === 'mosk'
				? {
						application: 'openvswitch',
						component: 'openvswitch-vswitchd',
						release_group: 'openstack-openvswitch',
					}
				: {application: 'openvswitch', component: 'server', release_group: 'openvswitch'},
		containers: ['openvswitch-db', 'openvswitch-vswitchd'],
		initContainers: ['init', 'openvswitch-db-perms', 'openvswitch-vswitchd-modules'],
		owner: {kind: 'DaemonSet', name: set},
	});
};

/** ml2/ovn pods of a node: ovn-controller and the OVN metadata agent; NB, SB, northd on `ovnDb`. */
const ovnNodePods = (spec: MoskNodeSpec): KubePod[] => {
	const ovn = (component: string): Record<string, string> => ({
		application: 'ovn',
		component,
		release_group: 'openstack-ovn',
	});
	const pods = [
		kubePod({
			name: `ovn-controller-${podSuffix(`${spec.name}/ovn-controller`)}`,
			nodeName: spec.name,
			labels: ovn('ovn-controller'),
			containers: ['controller'],
			initContainers: ['get-gw-enabled', 'controller-init'],
			owner: {kind: 'DaemonSet', name: 'ovn-controller'},
		}),
		kubePod({
			name: `neutron-ovn-metadata-agent-default-${podSuffix(`${spec.name}/ovn-meta`)}`,
			nodeName: spec.name,
			labels: {
				application: 'neutron',
				component: 'ovn-metadata-agent',
				release_group: 'openstack-neutron',
			},
			containers: ['neutron-ovn-metadata-agent'],
			owner: {kind: 'DaemonSet', name: 'neutron-ovn-metadata-agent-default'},
		}),
	];
	if (spec.ovnDb === true) {
		for (const db of ['nb', 'sb'])
			pods.push(
				kubePod({
					name: `ovn-ovsdb-${db}-0`,
					nodeName: spec.name,
					labels: ovn(`ovn-ovsdb-${db}`),
					containers: ['ovsdb'],
					owner: {kind: 'StatefulSet', name: `ovn-ovsdb-${db}`},
				}),
			);
		const rs = `ovn-northd-${hash('ovn-northd', 10)}`;
		pods.push(
			kubePod({
				name: `${rs}-${podSuffix(`${spec.name}/northd`)}`,
				nodeName: spec.name,
				labels: ovn('ovn-northd'),
				containers: ['northd'],
				owner: {kind: 'ReplicaSet', name: rs},
			}),
		);
	}
	return pods;
};

/** MOSK's `keystone-client` Deployment pod (python-openstackclient with an admin clouds.yaml). */
export const keystoneClientPod = (nodeName: string): KubePod => {
	const replicaSet = `keystone-client-${hash('keystone-client', 10)}`;
	return kubePod({
		name: `${replicaSet}-${podSuffix('keystone-client')}`,
		nodeName,
		labels: {application: 'keystone', component: 'client', release_group: 'openstack-keystone'},
		containers: ['keystone-client'],
		owner: {kind: 'ReplicaSet', name: replicaSet},
	});
};

export type OsdplNeutronSpec = {
	readonly tunnel_interface: string;
	readonly dns_servers?: readonly string[];
	readonly backend?: 'ml2' | 'tungstenfabric' | 'ml2/ovn';
	readonly dvr?: {readonly enabled: boolean};
	readonly tenant_network_types?: readonly string[];
	readonly external_networks?: readonly {
		readonly physnet: string;
		readonly interface: string;
		readonly bridge: string;
		readonly network_types: readonly string[];
		readonly vlan_ranges?: string;
		readonly mtu?: number;
	}[];
	readonly floating_network?: {
		readonly enabled: boolean;
		readonly physnet?: string;
		readonly network_type?: string;
		readonly name?: string;
		readonly subnet?: {
			readonly range: string;
			readonly pool_start: string;
			readonly pool_end: string;
			readonly gateway: string;
		};
	};
};

/** An OpenStackDeployment (lcm.mirantis.com/v1alpha1) with the given `spec.features.neutron`. */
export const openStackDeployment = (options: {
	readonly name?: string;
	readonly openstackVersion?: string;
	readonly neutron: OsdplNeutronSpec;
	/** Per-node overrides (`spec.nodes`), e.g. another tunnel interface on one node. */
	readonly nodes?: Readonly<Record<string, unknown>>;
}): KubeCustomObject => ({
	metadata: {
		name: options.name ?? 'osh-dev',
		namespace: NAMESPACE,
		uid: hash(`osdpl/${options.name ?? 'osh-dev'}`, 32),
		resourceVersion: '1',
		creationTimestamp: CREATED,
	},
	spec: {
		openstack_version: options.openstackVersion ?? 'caracal',
		preset: 'compute',
		size: 'tiny',
		features: {neutron: options.neutron},
		...(options.nodes === undefined ? {} : {nodes: options.nodes}),
	},
	status: {health: {}, osdpl: {state: 'APPLIED'}},
});

/** Everything a MOSK-like cluster serves: nodes, pods per node, one keystone-client pod. */
export const moskCluster = (
	nodes: readonly MoskNodeSpec[],
	options: {readonly flavor?: KubeFlavor; readonly keystoneClient?: boolean} = {},
): {nodes: KubeNode[]; pods: KubePod[]} => {
	const flavor = options.flavor ?? 'mosk';
	const pods = nodes.flatMap(node => nodePods(node, flavor));
	const control = nodes.find(node => node.roles.includes('control-plane')) ?? nodes[0];
	if ((options.keystoneClient ?? flavor === 'mosk') && control !== undefined) {
		pods.push(keystoneClientPod(control.name));
	}
	return {nodes: nodes.map(kubeNode), pods};
};
