import type {CaptureId, NodeId} from './ids.js';
import type {Capture, CaptureSetManifest, NodeInfo} from './capture.js';
import type {
	Amphora,
	Fdb,
	FlowDump,
	HaState,
	IpInterface,
	IpRuleEntry,
	KeepalivedConf,
	KubeNodes,
	NeighEntry,
	NetnsEntry,
	OfctlShow,
	OsAgent,
	OsdplNeutron,
	OvnDb,
	OsNetwork,
	OsPort,
	OsRouter,
	OsSubnet,
	OvsdbTable,
	OvsShow,
	ParseWarning,
	RouteEntry,
} from './facts.js';

/**
 * A parsed value with its provenance: which capture it came from and the line offset of the
 * section it was parsed from (non-zero for `ip -all netns exec` sections), so that
 * `item.line + lineOffset` is the line in the capture's stdout.
 */
export type Sourced<T> = {
	readonly capture: CaptureId;
	readonly lineOffset: number;
	readonly data: T;
};

/** Namespace name, or `''` for the node's root (host) namespace. */
export type NamespaceName = string;

/** Everything known about one node, keyed the way rules look things up. */
export type NodeFacts = {
	readonly netns?: Sourced<readonly NetnsEntry[]>;
	readonly ovsShow?: Sourced<OvsShow>;
	/** Keyed by bridge name. */
	readonly flows?: Readonly<Record<string, Sourced<FlowDump>>>;
	readonly ofports?: Readonly<Record<string, Sourced<OfctlShow>>>;
	readonly fdb?: Readonly<Record<string, Sourced<Fdb>>>;
	/** Keyed by OVSDB table (`Bridge`, `Port`, `Interface`). */
	readonly ovsdb?: Readonly<Record<string, Sourced<OvsdbTable>>>;
	/** Keyed by namespace ('' = host). */
	readonly addr?: Readonly<Record<NamespaceName, Sourced<readonly IpInterface[]>>>;
	readonly neigh?: Readonly<Record<NamespaceName, Sourced<readonly NeighEntry[]>>>;
	readonly route?: Readonly<Record<NamespaceName, Sourced<readonly RouteEntry[]>>>;
	readonly rule?: Readonly<Record<NamespaceName, Sourced<readonly IpRuleEntry[]>>>;
	/** Keyed by config file path (or router id for Neutron L3-HA). */
	readonly keepalived?: Readonly<Record<string, Sourced<KeepalivedConf>>>;
	/** Neutron L3-HA state files, keyed by router id. */
	readonly haState?: Readonly<Record<string, Sourced<HaState>>>;
};

/** Facts from the cloud's APIs (Neutron, Octavia, the MOSK OpenStackDeployment). */
export type CloudFacts = {
	readonly ports?: Sourced<readonly OsPort[]>;
	readonly routers?: Sourced<readonly OsRouter[]>;
	readonly agents?: Sourced<readonly OsAgent[]>;
	readonly subnets?: Sourced<readonly OsSubnet[]>;
	readonly networks?: Sourced<readonly OsNetwork[]>;
	readonly amphorae?: Sourced<readonly Amphora[]>;
	readonly osdpl?: Sourced<OsdplNeutron>;
	/** `kubectl get nodes -o json`: node labels for the OpenStackDeployment's spec.nodes. */
	readonly kubeNodes?: Sourced<KubeNodes>;
	/** OVN northbound DB (ml2/ovn): Logical_Switch_Port, Logical_Router(_Port), NAT, HA/Gateway chassis. */
	readonly ovnNb?: Sourced<OvnDb>;
	/** OVN southbound DB (ml2/ovn): Port_Binding, MAC_Binding, Chassis, Chassis_Private. */
	readonly ovnSb?: Sourced<OvnDb>;
};

export type NodeFactKey = keyof NodeFacts;
export type CloudFactKey = keyof CloudFacts;
/** What a rule can require: `node.neigh`, `cloud.ports` … */
export type FactKey = `node.${NodeFactKey}` | `cloud.${CloudFactKey}`;

/** A capture that could not be used, or parsed with warnings. Never silently dropped. */
export type CaptureError = {
	readonly capture: CaptureId;
	readonly node?: NodeId;
	readonly message: string;
	readonly warnings?: readonly ParseWarning[];
};

export type NodeSnapshot = {
	readonly node: NodeInfo;
	readonly facts: NodeFacts;
};

/**
 * The analysed view of one capture set: raw captures (for evidence and the command log) plus
 * facts per node and for the cloud. Built once by the assembler; read by rules and the console.
 */
export type Snapshot = {
	readonly schemaVersion: 1;
	readonly manifest: CaptureSetManifest;
	readonly captures: Readonly<Record<CaptureId, Capture>>;
	readonly nodes: Readonly<Record<NodeId, NodeSnapshot>>;
	readonly cloud: CloudFacts;
	readonly errors: readonly CaptureError[];
};
