/**
 * Typed facts: what the parsers produce from capture text and what the rules read. This file is
 * the contract between src/collectors (parsers) and src/diagnostics (rules). Every item that came
 * from a line carries `line`, 1-based, relative to the capture's stdout, so findings can cite it.
 *
 * Conventions: MAC addresses lower-case colon form (`fa:16:3e:76:31:68`); IPs as printed (no
 * prefix) unless the field says `cidr`; enum-like strings keep the tool's spelling unless noted.
 */

// ─── parser kinds ────────────────────────────────────────────────────────────

export const PARSER_KINDS = [
	'ovs-flows',
	'ovs-vsctl-show',
	'ovsdb-json',
	'ovs-ofctl-show',
	'ovs-fdb',
	'ip-netns',
	'ip-addr',
	'ip-neigh',
	'ip-route',
	'ip-rule',
	'ip-all-netns',
	'keepalived-conf',
	'neutron-ha-state',
	'openstack-ports',
	'openstack-routers',
	'openstack-agents',
	'openstack-subnets',
	'openstack-networks',
	'octavia-amphorae',
	'osdpl',
	'kube-nodes',
	'ovn-db',
	'ovs-trace',
	'ovn-trace',
] as const;

export type ParserKind = (typeof PARSER_KINDS)[number];

/** A line the parser could not read; kept next to whatever did parse. */
export type ParseWarning = {
	readonly line: number;
	readonly message: string;
	readonly text?: string;
};

// ─── OVS ─────────────────────────────────────────────────────────────────────

export type FlowAction =
	| {
			readonly type: 'resubmit';
			readonly port?: string;
			readonly table?: number;
			readonly raw: string;
	  }
	| {readonly type: 'goto_table'; readonly table: number; readonly raw: string}
	| {readonly type: 'output'; readonly port: string; readonly raw: string}
	| {readonly type: 'drop'; readonly raw: string}
	| {readonly type: 'normal'; readonly raw: string}
	/** `set_field:V->F`, `mod_dl_src:V` (field eth_src), `mod_vlan_vid:V` … `decoded` is IP/MAC text when F is an address field, the VLAN id for `vlan_vid` (OF1.3 `4097` → `1`). */
	| {
			readonly type: 'set_field';
			readonly field: string;
			readonly value: string;
			readonly decoded?: string;
			readonly raw: string;
	  }
	/** `load:0xa000004->NXM_OF_ARP_SPA[]`: `decoded` is `10.0.0.4` for IP fields, a MAC for MAC fields. */
	| {
			readonly type: 'load';
			readonly field: string;
			readonly value: string;
			readonly decoded?: string;
			readonly raw: string;
	  }
	| {readonly type: 'move'; readonly src: string; readonly dst: string; readonly raw: string}
	| {readonly type: 'learn'; readonly spec: string; readonly raw: string}
	| {readonly type: 'other'; readonly name: string; readonly arg?: string; readonly raw: string};

/**
 * One flow of `ovs-ofctl dump-flows`. The ovs-flows parser returns objects whose `raw`, `match`
 * and `actions` are prototype getters computed on first access (a 200k-flow dump is read in one
 * pass): read fields, and use `JSON.parse(JSON.stringify(flow))` (its `toJSON`) rather than
 * spread, Object.entries or structuredClone for a plain copy.
 */
export type Flow = {
	readonly line: number;
	readonly raw: string;
	readonly table: number;
	/** OpenFlow default 32768 when not printed. */
	readonly priority: number;
	/** The stats are `| undefined` as well as optional: the parser's flows read them lazily. */
	readonly cookie?: string | undefined;
	readonly durationS?: number | undefined;
	readonly packets?: number | undefined;
	readonly bytes?: number | undefined;
	readonly idleAge?: number | undefined;
	readonly hardAge?: number | undefined;
	readonly idleTimeout?: number | undefined;
	readonly hardTimeout?: number | undefined;
	/** `reset_counts`, `send_flow_rem`, `no_packet_counts` … */
	readonly flags: readonly string[];
	/** Match fields as printed; bare protocol words (`arp`, `ip`) map to ''. Port names unquoted. */
	readonly match: Readonly<Record<string, string>>;
	readonly actions: readonly FlowAction[];
};

export type FlowDump = {
	/** `OpenFlow10` (NXST header), `OpenFlow13` (OFPST … OF1.3), or unknown when no header. */
	readonly protocol?: string;
	readonly flows: readonly Flow[];
};

export type OvsShowInterface = {
	readonly name: string;
	readonly type?: string;
	readonly options: Readonly<Record<string, string>>;
	readonly error?: string;
};
export type OvsShowPort = {
	readonly name: string;
	readonly tag?: number;
	readonly interfaces: readonly OvsShowInterface[];
	readonly line: number;
};
export type OvsShowBridge = {
	readonly name: string;
	readonly controllers: readonly string[];
	readonly failMode?: string;
	readonly datapathType?: string;
	readonly ports: readonly OvsShowPort[];
	readonly line: number;
};
export type OvsShow = {
	readonly uuid?: string;
	readonly managers: readonly string[];
	readonly bridges: readonly OvsShowBridge[];
	readonly ovsVersion?: string;
};

/** An OVSDB datum decoded from `--format=json`: `["map",…]` → record, `["set",…]` → array, `["uuid",x]` → x. */
export type OvsdbValue =
	string | number | boolean | readonly OvsdbValue[] | {readonly [key: string]: OvsdbValue};

export type OvsdbRow = Readonly<Record<string, OvsdbValue>>;

/** Neutron's reading of an Interface/Port row, when the columns are present. */
export type OvsdbNeutronPort = {
	readonly name: string;
	readonly ofport?: number;
	readonly type?: string;
	readonly ifaceId?: string;
	readonly attachedMac?: string;
	readonly vmUuid?: string;
	readonly ifaceStatus?: string;
	readonly tag?: number;
	readonly netUuid?: string;
	readonly segmentationId?: string;
	readonly networkType?: string;
	readonly physicalNetwork?: string;
	readonly options: Readonly<Record<string, string>>;
};

export type OvsdbTable = {
	/** `Bridge`, `Port`, `Interface`, or unknown when not inferable from the columns. */
	readonly table?: string;
	readonly headings: readonly string[];
	readonly rows: readonly OvsdbRow[];
	readonly neutron: readonly OvsdbNeutronPort[];
};

export type OfctlPort = {
	/** Number, or `LOCAL`. */
	readonly ofport: number | 'LOCAL';
	readonly name: string;
	readonly mac?: string;
	readonly config?: string;
	readonly state?: string;
	readonly line: number;
};
export type OfctlShow = {readonly dpid?: string; readonly ports: readonly OfctlPort[]};

export type FdbEntry = {
	readonly port: string;
	readonly vlan: number;
	readonly mac: string;
	/** Seconds, or `static`. */
	readonly age: number | 'static';
	readonly line: number;
};
export type Fdb = {readonly entries: readonly FdbEntry[]};

/** One table visited by `ofproto/trace` (`N. match, priority P, cookie C` and its actions). */
export type OvsTraceStep = {
	/** Bridge the table belongs to (the trace follows patch ports into other bridges). */
	readonly bridge: string;
	readonly table: number;
	/** The matching flow's match as printed; `No match` when no flow matched. */
	readonly match: string;
	readonly priority?: number;
	readonly cookie?: string;
	/** The flow's actions in the flow parser's vocabulary (resubmit, output, set_field …). */
	readonly actions: readonly FlowAction[];
	/** What OVS says about the actions (`-> forwarding to learned port`, `>> native tunnel routing failed`). */
	readonly notes: readonly string[];
	readonly line: number;
};

/** A port the packet leaves through (a patch port's peer bridge is followed, not listed). */
export type OvsTraceOutput = {
	readonly bridge: string;
	readonly port: string;
	readonly line: number;
	/** Set for a tunnel port: the remote IP when the trace prints it (userspace `tunneling to`, datapath `dst=`). */
	readonly tunnel?: {readonly remoteIp?: string; readonly tunId?: string};
};

/** A header rewrite on the way (`set_field:fa:16:3f:…->eth_src`, `mod_dl_src`, `->tun_id`). */
export type OvsTraceRewrite = {
	readonly bridge: string;
	readonly table: number;
	readonly field: string;
	readonly value: string;
	readonly line: number;
};

/** `ovs-appctl ofproto/trace BRIDGE --names FLOW` read into the path it took. */
export type OvsTrace = {
	/** The `Flow:` line (what was traced). */
	readonly flow?: string;
	readonly steps: readonly OvsTraceStep[];
	/** Bridges in the order the trace entered them. */
	readonly bridges: readonly string[];
	readonly outputs: readonly OvsTraceOutput[];
	readonly rewrites: readonly OvsTraceRewrite[];
	/** The tunnel id set on the way (`set_field:0x4d->tun_id`, `load:…->NXM_NX_TUN_ID[]`). */
	readonly tunId?: string;
	/** True when a NORMAL action flooded (`no learned MAC for destination, flooding`) or the packet left through several ports. */
	readonly flood: boolean;
	/** Set when the packet is dropped: where, and the line. */
	readonly drop?: {
		readonly bridge: string;
		readonly table?: number;
		readonly reason: string;
		readonly line: number;
	};
	readonly finalFlow?: string;
	readonly datapathActions?: {readonly text: string; readonly line: number};
	/** OVS refused the trace (unknown port, no such bridge, prerequisites not met …). */
	readonly error?: string;
};

// ─── iproute2 ────────────────────────────────────────────────────────────────

export type NetnsEntry = {readonly name: string; readonly id?: number; readonly line: number};

export type IpAddress = {
	readonly family: 'inet' | 'inet6';
	readonly local: string;
	readonly prefixlen: number;
	readonly scope?: string;
	readonly label?: string;
	readonly broadcast?: string;
	readonly flags: readonly string[];
	readonly line: number;
};
export type IpInterface = {
	readonly ifindex?: number;
	readonly name: string;
	/** Peer after `@` (`if12`, `NONE`). */
	readonly link?: string;
	readonly flags: readonly string[];
	readonly mtu?: number;
	/** Operational state: `UP`, `DOWN`, `UNKNOWN` … */
	readonly operstate?: string;
	readonly mac?: string;
	readonly linkNetns?: string;
	/** Peer namespace id (`link-netnsid N` text, `link_netnsid` in `ip -j`) when printed as a number. */
	readonly linkNetnsId?: number;
	readonly addresses: readonly IpAddress[];
	readonly line: number;
};

/** NUD states upper-case: PERMANENT, NOARP, REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, NONE. */
export type NeighEntry = {
	readonly dst: string;
	/** Absent when the command filtered by device (`ip neigh show dev X`). */
	readonly dev?: string;
	/** Absent for FAILED / INCOMPLETE. */
	readonly lladdr?: string;
	readonly states: readonly string[];
	readonly isRouter: boolean;
	readonly isProxy: boolean;
	readonly line: number;
};

export type RouteEntry = {
	/** `default` or a prefix (`10.0.0.0/24`) or an address. */
	readonly dst: string;
	readonly type?: string;
	readonly gateway?: string;
	readonly dev?: string;
	readonly proto?: string;
	readonly scope?: string;
	readonly src?: string;
	readonly metric?: number;
	readonly table?: string;
	readonly flags: readonly string[];
	readonly line: number;
};

export type IpRuleEntry = {
	readonly priority: number;
	readonly from?: string;
	readonly to?: string;
	readonly iif?: string;
	readonly oif?: string;
	readonly fwmark?: string;
	/** `lookup X` table, or the action word (`blackhole`, `unreachable`). */
	readonly table?: string;
	readonly action?: string;
	readonly line: number;
};

/** One `netns: NAME` section of `ip -all netns exec …`; `startLine` is the first body line. */
export type NetnsSection = {
	readonly namespace: string;
	readonly startLine: number;
	readonly text: string;
};

// ─── keepalived / L3-HA ──────────────────────────────────────────────────────

/** A secret value seen in input: the value itself is never kept in facts. */
export type SecretMarker = {readonly secret: true; readonly line: number};

export type VirtualAddress = {
	readonly address: string;
	readonly prefixlen?: number;
	readonly dev?: string;
	readonly raw: string;
	readonly line: number;
};

export type VrrpInstance = {
	readonly name: string;
	/** `MASTER` / `BACKUP`, upper-case. */
	readonly state?: string;
	readonly interface?: string;
	readonly virtualRouterId?: number;
	readonly priority?: number;
	readonly advertInt?: number;
	readonly nopreempt: boolean;
	readonly unicastSrcIp?: string;
	readonly unicastPeers: readonly string[];
	readonly virtualIpaddress: readonly VirtualAddress[];
	readonly virtualIpaddressExcluded: readonly VirtualAddress[];
	readonly authType?: string;
	readonly authPass?: SecretMarker;
	readonly trackScripts: readonly string[];
	readonly line: number;
};

export type KeepalivedConf = {
	readonly routerId?: string;
	readonly instances: readonly VrrpInstance[];
	readonly vrrpScripts: readonly string[];
};

/** Neutron `ha_confs/<router>/state`: `master` and `primary` both mean primary. */
export type HaState = {
	readonly state: 'primary' | 'backup' | 'fault' | 'unknown';
	readonly raw: string;
};

// ─── Kubernetes ──────────────────────────────────────────────────────────────

/** A Kubernetes node: what MOSK's `spec.nodes` `<label>::<value>` selectors are matched against. */
export type KubeNode = {
	readonly name: string;
	readonly labels: Readonly<Record<string, string>>;
	/** `status.addresses` (`InternalIP`, `Hostname`, …). */
	readonly addresses: readonly {readonly type: string; readonly address: string}[];
	readonly line: number;
};

export type KubeNodes = {readonly nodes: readonly KubeNode[]};

// ─── OpenStack / Octavia / MOSK ─────────────────────────────────────────────

export type FixedIp = {readonly subnetId?: string; readonly ip: string};
export type AllowedAddressPair = {
	readonly ip: string;
	readonly prefixlen?: number;
	readonly mac?: string;
};

export type OsPort = {
	readonly id: string;
	readonly name?: string;
	readonly mac: string;
	readonly networkId?: string;
	readonly fixedIps: readonly FixedIp[];
	readonly allowedAddressPairs: readonly AllowedAddressPair[];
	readonly deviceOwner?: string;
	readonly deviceId?: string;
	readonly bindingHostId?: string;
	readonly bindingVifType?: string;
	readonly status?: string;
	readonly adminStateUp?: boolean;
	/** Index of the object in the JSON input (list position), for evidence. */
	readonly index: number;
};

export type OsRouter = {
	readonly id: string;
	readonly name?: string;
	readonly distributed?: boolean;
	readonly ha?: boolean;
	readonly status?: string;
	readonly adminStateUp?: boolean;
	readonly externalNetworkId?: string;
	readonly index: number;
};

export type OsAgent = {
	readonly id: string;
	readonly agentType: string;
	readonly host: string;
	readonly binary?: string;
	readonly alive?: boolean;
	readonly adminStateUp?: boolean;
	readonly availabilityZone?: string;
	/** From `--router X --long`: `active` / `standby`. */
	readonly haState?: string;
	/** L3 agent `agent_mode` (`dvr`, `dvr_snat`, `legacy`, `dvr_no_external`) when known. */
	readonly agentMode?: string;
	readonly configurations?: Readonly<Record<string, unknown>>;
	readonly index: number;
};

export type OsSubnet = {
	readonly id: string;
	readonly name?: string;
	readonly networkId?: string;
	readonly cidr: string;
	readonly gatewayIp?: string;
	readonly ipVersion?: number;
	readonly index: number;
};

export type OsNetwork = {
	readonly id: string;
	readonly name?: string;
	readonly external?: boolean;
	readonly networkType?: string;
	readonly physicalNetwork?: string;
	readonly segmentationId?: number;
	readonly subnets: readonly string[];
	readonly index: number;
};

export type Amphora = {
	readonly id: string;
	readonly loadbalancerId?: string;
	readonly computeId?: string;
	readonly status?: string;
	/** `MASTER`, `BACKUP`, `STANDALONE` (configured role, not live state). */
	readonly role?: string;
	readonly lbNetworkIp?: string;
	readonly vrrpIp?: string;
	readonly haIp?: string;
	readonly vrrpPortId?: string;
	readonly haPortId?: string;
	readonly vrrpPriority?: number;
	readonly index: number;
};

export type OsdplExternalNetwork = {
	readonly physnet?: string;
	readonly interface?: string;
	readonly bridge?: string;
	readonly networkTypes: readonly string[];
	readonly vlanRanges?: string;
	readonly mtu?: number;
};

/** `kubectl get openstackdeployment -o json`, reduced to what dvrscope checks. */
export type OsdplNeutron = {
	readonly name?: string;
	readonly namespace?: string;
	readonly openstackVersion?: string;
	readonly preset?: string;
	readonly backend?: string;
	readonly tunnelInterface?: string;
	readonly dnsServers: readonly string[];
	readonly externalNetworks: readonly OsdplExternalNetwork[];
	readonly floatingNetwork?: {
		readonly enabled?: boolean;
		readonly physnet?: string;
		readonly subnetRange?: string;
		readonly gateway?: string;
	};
	readonly dvrEnabled?: boolean;
	/** `spec.features.octavia.lb_topology` or similar when present (e.g. `ACTIVE_STANDBY`). */
	readonly octaviaTopology?: string;
	readonly servicesEnabled: readonly string[];
	/**
	 * Per-node overrides from `spec.nodes` (keys `<label-name>::<label-value>`, e.g.
	 * `kubernetes.io/hostname::cmp-2`), in document order; present only when `spec.nodes` is.
	 */
	readonly nodeOverrides?: readonly OsdplNodeOverride[];
};

/** One `spec.nodes` entry of an OpenStackDeployment, reduced to its Neutron settings. */
export type OsdplNodeOverride = {
	/** The raw key, `kubernetes.io/hostname::cmp-2`. */
	readonly selector: string;
	/** Node label name (`kubernetes.io/hostname`, `openstack-compute-node` …). */
	readonly label: string;
	readonly value: string;
	/** `features.neutron.tunnel_interface` of the override. */
	readonly tunnelInterface?: string;
	/** `features.neutron.dvr.enabled` of the override. */
	readonly dvrEnabled?: boolean;
	/** 1-based line of the key in the capture (absent when it cannot be located). */
	readonly line?: number;
};

// ─── OVN (ml2/ovn backend) ───────────────────────────────────────────────────

/** Which OVN database a dump came from, as far as its tables tell. */
export type OvnDbName = 'nb' | 'sb';

/** One row of an OVN table: columns decoded like {@link OvsdbRow}; `_uuid` is a string. */
export type OvnRow = OvsdbRow & {readonly line: number};

/** One `list <Table>` of `ovn-nbctl|ovn-sbctl --format=json`, the table inferred from its columns. */
export type OvnTableDump = {
	readonly table: string;
	readonly headings: readonly string[];
	readonly rows: readonly OvnRow[];
	readonly line: number;
	/**
	 * Where the table came from when it is not the read the whole {@link OvnDb} is filed under:
	 * sos saves one `list T` per table, so a DB assembled from them has one capture per table.
	 */
	readonly source?: {readonly capture: string; readonly lineOffset: number};
};

/** An OVN NB or SB read: every table dvrscope listed in one execution, keyed by table name. */
export type OvnDb = {
	readonly db?: OvnDbName;
	readonly tables: Readonly<Record<string, OvnTableDump>>;
};

// ─── ovn-trace (issue 22, the OVN path) ─────────────────────────────────────

/** One logical flow `ovn-trace --detailed` went through: `N. stage (src): match, priority P, uuid U`. */
export type OvnTraceStage = {
	readonly table: number;
	/** `ls_in_l2_lkup`, `lr_in_arp_resolve` …; '' when the version prints no stage name. */
	readonly stage: string;
	/** The flow's match as printed; absent when no flow matched. */
	readonly match?: string;
	readonly priority?: number;
	/** First 32 bits of the SB Logical_Flow's UUID, as printed. */
	readonly uuid?: string;
	/** The flow's actions and ovn-trace's comments on them, one per line, trimmed. */
	readonly actions: readonly string[];
	/** `no match (implicit drop)`. */
	readonly noMatch?: true;
	readonly line: number;
};

/**
 * A pipeline run in one logical datapath (`ingress(dp="…", inport="…")`, `egress(…, outport="…")`)
 * with the stages of its continuations (`ct_next(…)`, `arp`, …) at the same depth folded in.
 */
export type OvnTracePipeline = {
	readonly pipeline: 'ingress' | 'egress';
	readonly datapath: string;
	readonly inport?: string;
	readonly outport?: string;
	/** Nesting (0: the packet itself; deeper: a copy made by a multicast, clone or ARP action). */
	readonly depth: number;
	readonly stages: readonly OvnTraceStage[];
	readonly line: number;
};

/** `/* output to "PORT", type "TYPE" *\/`: the packet leaves the pipeline through PORT. */
export type OvnTraceOutput = {
	readonly port: string;
	/** '' for a VM port; `patch` into another datapath, `localnet`, `chassisredirect` … */
	readonly type: string;
	readonly depth: number;
	/** The datapath it leaves. */
	readonly datapath: string;
	readonly line: number;
};

/** `ovn-trace --detailed --no-friendly-names DATAPATH MICROFLOW` read into the path it took. */
export type OvnTrace = {
	/** The `# …` line: the microflow as OVS fields. */
	readonly flow?: string;
	readonly pipelines: readonly OvnTracePipeline[];
	readonly outputs: readonly OvnTraceOutput[];
	/** The packet went to a multicast group (flooded, e.g. turned into an ARP request): copies left through several ports. */
	readonly flood?: true;
	/** Where the packet itself (depth 0) stopped without an output: no match, `drop;`, or an action list that ends. */
	readonly drop?: {
		readonly datapath: string;
		readonly stage: string;
		readonly table: number;
		readonly reason: string;
		readonly line: number;
	};
	/** Not a trace: ovn-trace's error (`unknown datapath …`, `error parsing flow: …`) or why the text cannot be read. */
	readonly error?: string;
};

// ─── parser outputs by kind ─────────────────────────────────────────────────

export type ParserOutput = {
	'ovs-flows': FlowDump;
	'ovs-vsctl-show': OvsShow;
	'ovsdb-json': OvsdbTable;
	'ovs-ofctl-show': OfctlShow;
	'ovs-fdb': Fdb;
	'ip-netns': readonly NetnsEntry[];
	'ip-addr': readonly IpInterface[];
	'ip-neigh': readonly NeighEntry[];
	'ip-route': readonly RouteEntry[];
	'ip-rule': readonly IpRuleEntry[];
	'ip-all-netns': readonly NetnsSection[];
	'keepalived-conf': KeepalivedConf;
	'neutron-ha-state': HaState;
	'openstack-ports': readonly OsPort[];
	'openstack-routers': readonly OsRouter[];
	'openstack-agents': readonly OsAgent[];
	'openstack-subnets': readonly OsSubnet[];
	'openstack-networks': readonly OsNetwork[];
	'octavia-amphorae': readonly Amphora[];
	osdpl: OsdplNeutron;
	'kube-nodes': KubeNodes;
	'ovn-db': OvnDb;
	'ovs-trace': OvsTrace;
	'ovn-trace': OvnTrace;
};

export type ParseResult<K extends ParserKind> = {
	readonly kind: K;
	readonly facts: ParserOutput[K];
	readonly warnings: readonly ParseWarning[];
};

/**
 * A pure parser: text in, typed facts out. Never throws for bad input: unreadable lines become
 * warnings. Throws only for programmer errors.
 */
export type Parser<K extends ParserKind> = {
	readonly kind: K;
	readonly title: string;
	/** The commands whose output it reads, for `dvrscope parse --list`. */
	readonly reads: readonly string[];
	parse(text: string): ParseResult<K>;
};
