import type {OsdplNeutron, OsdplNodeOverride} from '../../model/facts.js';
import type {Sourced} from '../../model/snapshot.js';
import type {NodeId} from '../../model/ids.js';
import {lineEvidence, objectEvidence} from '../evidence.js';
import {defineRule, type Evidence, type RuleContext} from '../types.js';
import {nodesText} from './util.js';

const HOSTNAME_LABEL = 'kubernetes.io/hostname';

const MOSK_LIMITATION =
	'https://docs.mirantis.com/mosk/latest/ref-arch/cloud-services/networking/known-limitations.html';

export const moskDeployment = defineRule({
	id: 'mosk/deployment',
	meta: {
		title: 'MOSK OpenStackDeployment networking settings against node reality',
		severity: 'warning',
		backends: ['ml2/ovs', 'ml2/ovn'],
		requires: ['cloud.osdpl'],
		// Only a MOSK cloud has an OpenStackDeployment: reached through kubectl, or it was asked for.
		notApplicable: snapshot =>
			snapshot.cloud.kubeNodes !== undefined ||
			Object.values(snapshot.captures).some(c => c.kind === 'osdpl' || c.kind === 'kube-nodes') ||
			Object.values(snapshot.nodes).some(n => n.node.transport === 'kubectl')
				? undefined
				: 'not a MOSK deployment (nothing was read through kubectl)',
		messages: {
			tunnelMissing:
				'tunnel_interface {{iface}} from the OpenStackDeployment{{source}} does not exist on {{nodes}}. Tenant (VXLAN) traffic cannot leave those nodes; Mirantis recommends the same tunnel interface name on every node.{{caveat}}',
			tunnelDown:
				'tunnel_interface {{iface}}{{source}} exists but is not up on {{nodes}} (state {{state}}).{{caveat}}',
			tunnelNoAddress:
				'tunnel_interface {{iface}}{{source}} has no IPv4/IPv6 address on {{nodes}}; the OVS agent has no local_ip for VXLAN there.{{caveat}}',
			tunnelNameMismatch:
				'The effective tunnel_interface differs between nodes: {{names}}. Mirantis recommends the same tunnel interface name on every node; a per-node override is easy to lose when nodes are replaced.{{caveat}}',
			overrideUnmatched:
				'spec.nodes {{selectors}} set tunnel_interface {{ifaces}} for nodes selected by label; {{why}}, so dvrscope checked {{nodes}} against the cluster-wide tunnel_interface and matched only kubernetes.io/hostname selectors there.',
			dvrModeMismatch:
				'OpenStackDeployment says dvr.enabled={{dvr}} but the L3 agents on {{nodes}} run in agent_mode {{modes}}.',
			bridgeMissing:
				'External network bridge {{bridge}} (physnet {{physnet}}) from the OpenStackDeployment is missing on {{nodes}}.',
			floatingMissing:
				'The OpenStackDeployment enables floating_network, but no external network exists in Neutron.',
			octaviaActiveStandby:
				'Octavia ACTIVE_STANDBY load balancers ({{what}}) are used while DVR is enabled. MOSK documents this as a known limitation (LP#1774459): failover does not move routed traffic. See {{url}}.',
		},
		docs: {
			explanation:
				'MOSK renders Neutron from the OpenStackDeployment: the tunnel interface carries VXLAN, dvr.enabled selects L3 agent modes (dvr on computes, dvr_snat elsewhere), external_networks define the physical bridges, and with DVR on Octavia stays in SINGLE topology because VRRP on DVR is a known limitation.',
			remediation:
				'Fix the node (interface name, link, address, bridge) or the OpenStackDeployment (cluster-wide value or its spec.nodes override) so they agree — preferably one tunnel interface name on every node; for Octavia use SINGLE topology on DVR clouds or move the load balancer subnet behind a centralized router.',
			references: [MOSK_LIMITATION, 'docs/rules/mosk/deployment.md'],
		},
	},
	check(context) {
		const osdpl = context.cloud.osdpl;
		if (osdpl === undefined) return;
		const deployment = deploymentOf(context, osdpl);
		checkTunnel(deployment);
		checkAgentModes(deployment);
		checkBridges(deployment);
		checkFloating(deployment);
		checkOctavia(deployment);
	},
});

type MoskMessage =
	| 'tunnelMissing'
	| 'tunnelDown'
	| 'tunnelNoAddress'
	| 'tunnelNameMismatch'
	| 'overrideUnmatched'
	| 'dvrModeMismatch'
	| 'bridgeMissing'
	| 'floatingMissing'
	| 'octaviaActiveStandby';

/**
 * What every concern of the rule reads: the OpenStackDeployment, the nodes that run Neutron
 * agents, how a node is named (node id, Neutron host, kubectl address) and which `spec.nodes`
 * overrides select it, and evidence pointing into the OpenStackDeployment.
 */
type Deployment = {
	readonly context: RuleContext<MoskMessage>;
	readonly osdpl: Sourced<OsdplNeutron>;
	readonly spec: OsdplNeutron;
	readonly overrides: readonly OsdplNodeOverride[];
	/** Nodes with OVS data or a compute / network / gateway role. */
	readonly agentNodes: readonly NodeId[];
	namesOf(node: NodeId): string[];
	/** The node's Kubernetes labels: the kube node of the same name (or hostname label). */
	labelsOf(node: NodeId): Readonly<Record<string, string>> | undefined;
	/** Whether a `spec.nodes` override selects the node (by hostname, or by its labels). */
	selects(o: OsdplNodeOverride, node: NodeId): boolean;
	osdplEv(keys: string[], note: string): Evidence;
	/** The OpenStackDeployment's tunnel_interface, or the override's line. */
	ifaceEvidence(override: OsdplNodeOverride | undefined): Evidence;
};

function deploymentOf(context: RuleContext<MoskMessage>, osdpl: Sourced<OsdplNeutron>): Deployment {
	const {snapshot, cloud} = context;
	const kubeNodes = cloud.kubeNodes?.data.nodes;
	const namesOf = (node: NodeId): string[] => {
		const info = snapshot.nodes[node]?.node;
		return [
			node,
			info?.neutronHost,
			info?.transport === 'kubectl' ? info.address : undefined,
		].filter((x): x is string => x !== undefined);
	};
	const labelsOf = (node: NodeId): Readonly<Record<string, string>> | undefined => {
		const names = namesOf(node);
		return kubeNodes?.find(
			k => names.includes(k.name) || names.includes(k.labels[HOSTNAME_LABEL] ?? '\0'),
		)?.labels;
	};
	const osdplEv = (keys: string[], note: string): Evidence =>
		objectEvidence(snapshot, osdpl, 0, keys, note);
	return {
		context,
		osdpl,
		spec: osdpl.data,
		overrides: osdpl.data.nodeOverrides ?? [],
		agentNodes: context.nodes.filter(n => {
			const info = snapshot.nodes[n]?.node;
			const f = context.node(n);
			return (
				f?.ovsShow !== undefined ||
				f?.flows !== undefined ||
				(info?.roles ?? []).some(r => r === 'compute' || r === 'network' || r === 'gateway')
			);
		}),
		namesOf,
		labelsOf,
		selects(o, node) {
			if (o.label === HOSTNAME_LABEL)
				return namesOf(node).includes(o.value) || labelsOf(node)?.[HOSTNAME_LABEL] === o.value;
			return labelsOf(node)?.[o.label] === o.value;
		},
		osdplEv,
		ifaceEvidence: override =>
			override === undefined
				? osdplEv(['tunnel_interface'], 'OpenStackDeployment tunnel_interface')
				: override.line !== undefined
					? lineEvidence(
							snapshot,
							undefined,
							osdpl,
							[override.line],
							`spec.nodes override ${override.selector}`,
						)
					: objectEvidence(snapshot, osdpl, 0, [], `spec.nodes override ${override.selector}`, [
							override.selector,
						]),
	};
}

const sourceText = (override: OsdplNodeOverride | undefined): string =>
	override === undefined ? '' : ` (spec.nodes "${override.selector}")`;

/** Each agent node's effective tunnel_interface and the overrides that could not be matched. */
type Tunnels = {
	readonly effective: ReadonlyMap<NodeId, {iface: string; override?: OsdplNodeOverride}>;
	readonly hostnameOverrides: readonly OsdplNodeOverride[];
	readonly labelOverrides: readonly OsdplNodeOverride[];
	/** Agent nodes whose labels are unknown: label selectors could not be matched for them. */
	readonly unlabelled: readonly NodeId[];
	readonly whyUnlabelled: string;
	/** Appended to every tunnel finding when label overrides were not applied somewhere. */
	readonly caveat: string;
};

/**
 * tunnel_interface, per node: the cluster-wide value unless a `spec.nodes` override applies:
 * `kubernetes.io/hostname::<node>` by name, `<label>::<value>` by the node's Kubernetes labels
 * (`kubectl get nodes -o json`); a hostname selector wins over a label one.
 */
function effectiveTunnels(d: Deployment): Tunnels {
	const hostnameOverrides = d.overrides.filter(
		o => o.label === HOSTNAME_LABEL && o.tunnelInterface !== undefined,
	);
	const labelOverrides = d.overrides.filter(
		o => o.label !== HOSTNAME_LABEL && o.tunnelInterface !== undefined,
	);
	const overrideFor = (node: NodeId): OsdplNodeOverride | undefined =>
		hostnameOverrides.find(o => d.selects(o, node)) ?? labelOverrides.find(o => d.selects(o, node));
	const unlabelled = labelOverrides.length === 0 ? [] : d.agentNodes.filter(n => !d.labelsOf(n));
	const whyUnlabelled =
		d.context.cloud.kubeNodes?.data.nodes === undefined
			? 'the capture set has no node labels (kubectl get nodes -o json)'
			: `no Kubernetes node in kubectl get nodes is named ${unlabelled.join(', ')}`;
	const caveat =
		unlabelled.length === 0
			? ''
			: ` Not applied on ${nodesText(unlabelled)}: spec.nodes ${labelOverrides.map(o => `"${o.selector}" (tunnel_interface ${o.tunnelInterface ?? '?'})`).join(', ')} — ${whyUnlabelled}, so only ${HOSTNAME_LABEL} selectors were matched there.`;
	const effective = new Map<NodeId, {iface: string; override?: OsdplNodeOverride}>();
	for (const node of d.agentNodes) {
		const override = overrideFor(node);
		const iface = override?.tunnelInterface ?? d.spec.tunnelInterface;
		if (iface !== undefined)
			effective.set(node, {iface, ...(override !== undefined ? {override} : {})});
	}
	return {effective, hostnameOverrides, labelOverrides, unlabelled, whyUnlabelled, caveat};
}

/** The tunnel interface concern: missing / down / address-less, names differing, unmatched overrides. */
function checkTunnel(d: Deployment): void {
	const tunnels = effectiveTunnels(d);
	reportTunnelProblems(d, tunnels);
	reportTunnelNameMismatch(d, tunnels);
	const {labelOverrides, unlabelled} = tunnels;
	if (unlabelled.length > 0)
		d.context.report({
			messageId: 'overrideUnmatched',
			severity: 'info',
			nodes: unlabelled,
			data: {
				selectors: labelOverrides.map(o => `"${o.selector}"`).join(', '),
				ifaces: [...new Set(labelOverrides.map(o => o.tunnelInterface ?? '?'))].join(', '),
				why: tunnels.whyUnlabelled,
				nodes: nodesText(unlabelled),
			},
			evidence: labelOverrides.map(o => d.ifaceEvidence(o)),
		});
}

type TunnelProblem = {
	node: NodeId;
	iface: string;
	override?: OsdplNodeOverride;
	state?: string;
	evidence: Evidence;
};

/** Each node's effective tunnel interface against its addresses: absent, not up, no address. */
function tunnelProblems(
	d: Deployment,
	tunnels: Tunnels,
): {missing: TunnelProblem[]; down: TunnelProblem[]; noAddr: TunnelProblem[]} {
	const {snapshot} = d.context;
	const missing: TunnelProblem[] = [];
	const down: TunnelProblem[] = [];
	const noAddr: TunnelProblem[] = [];
	for (const [node, {iface, override}] of tunnels.effective) {
		const host = d.context.node(node)?.addr?.[''];
		if (host === undefined) continue;
		const base = {node, iface, ...(override !== undefined ? {override} : {})};
		const found = host.data.find(i => i.name === iface);
		if (found === undefined) {
			missing.push({
				...base,
				evidence: {
					node,
					capture: host.capture,
					lines: [],
					excerpt: `(interfaces: ${host.data.map(i => i.name).join(', ')})`,
					note: `${iface} absent`,
				},
			});
			continue;
		}
		const up =
			found.operstate === 'UP' ||
			found.operstate === 'UNKNOWN' ||
			(found.operstate === undefined && found.flags.includes('UP'));
		if (!up)
			down.push({
				...base,
				state: found.operstate ?? found.flags.join(','),
				evidence: lineEvidence(snapshot, node, host, [found.line], `${iface} not up`),
			});
		else if (!found.addresses.some(a => !a.local.startsWith('fe80')))
			noAddr.push({
				...base,
				evidence: lineEvidence(snapshot, node, host, [found.line], `${iface} has no address`),
			});
	}
	return {missing, down, noAddr};
}

/** One finding per problem kind and interface name (and override), in first-seen order. */
function reportTunnelProblems(d: Deployment, tunnels: Tunnels): void {
	const {missing, down, noAddr} = tunnelProblems(d, tunnels);
	const groups = (problems: readonly TunnelProblem[]): TunnelProblem[][] => {
		const byKey = new Map<string, TunnelProblem[]>();
		for (const p of problems) {
			const key = `${p.iface}\u0000${p.override?.selector ?? ''}`;
			byKey.set(key, [...(byKey.get(key) ?? []), p]);
		}
		return [...byKey.values()];
	};
	const problemSets = [
		['tunnelMissing', missing],
		['tunnelDown', down],
		['tunnelNoAddress', noAddr],
	] as const;
	for (const [messageId, problems] of problemSets)
		for (const group of groups(problems)) {
			const nodes = group.map(p => p.node);
			d.context.report({
				messageId,
				nodes,
				data: {
					iface: group[0]?.iface ?? '',
					source: sourceText(group[0]?.override),
					nodes: nodesText(nodes),
					...(messageId === 'tunnelDown'
						? {state: [...new Set(group.map(p => p.state ?? '?'))].join('/')}
						: {}),
					caveat: tunnels.caveat,
				},
				evidence: [d.ifaceEvidence(group[0]?.override), ...group.map(p => p.evidence)],
			});
		}
}

/**
 * The same tunnel interface name on every node (Mirantis' recommendation): an override that makes
 * one node differ is reported even when the interface is fine there.
 */
function reportTunnelNameMismatch(d: Deployment, tunnels: Tunnels): void {
	const {effective} = tunnels;
	const names = [...new Set([...effective.values()].map(e => e.iface))];
	if (names.length <= 1) return;
	const nodesOf = (iface: string): NodeId[] =>
		[...effective].filter(([, e]) => e.iface === iface).map(([n]) => n);
	const odd = [...effective].filter(([, e]) => e.iface !== d.spec.tunnelInterface);
	const selectors = [
		...new Set(
			odd.map(([, e]) => e.override?.selector).filter((x): x is string => x !== undefined),
		),
	];
	d.context.report({
		messageId: 'tunnelNameMismatch',
		nodes: odd.map(([n]) => n),
		data: {
			names: names
				.map(iface => {
					const via = [
						...new Set(
							nodesOf(iface)
								.map(n => effective.get(n)?.override?.selector)
								.filter((x): x is string => x !== undefined),
						),
					];
					return `${iface} on ${nodesText(nodesOf(iface))}${via.length > 0 ? ` (spec.nodes ${via.map(v => `"${v}"`).join(', ')})` : ''}`;
				})
				.join('; '),
			caveat: tunnels.caveat,
		},
		evidence: [
			...(d.spec.tunnelInterface !== undefined ? [d.ifaceEvidence(undefined)] : []),
			...selectors.map(sel =>
				d.ifaceEvidence(
					[...tunnels.hostnameOverrides, ...tunnels.labelOverrides].find(o => o.selector === sel),
				),
			),
		],
	});
}

/** dvr.enabled vs L3 agent modes (a `kubernetes.io/hostname::<host>` override wins for its host). */
function checkAgentModes(d: Deployment): void {
	const {context, spec} = d;
	const agents = context.cloud.agents;
	if (agents === undefined) return;
	// The agent's host is a Neutron host name: the node that has it, or a node of that name.
	const nodeOfHost = (host: string): NodeId =>
		context.nodes.find(n => d.namesOf(n).includes(host)) ?? host;
	const dvrOverride = (host: string): OsdplNodeOverride | undefined => {
		const node = nodeOfHost(host);
		const withDvr = d.overrides.filter(o => o.dvrEnabled !== undefined);
		return (
			withDvr.find(o => o.label === HOSTNAME_LABEL && (o.value === host || d.selects(o, node))) ??
			withDvr.find(o => o.label !== HOSTNAME_LABEL && d.selects(o, node))
		);
	};
	const l3 = agents.data.filter(a => /l3/i.test(a.agentType) && a.agentMode !== undefined);
	const wrong = l3.flatMap(a => {
		const override = dvrOverride(a.host);
		const dvr = override?.dvrEnabled ?? spec.dvrEnabled;
		if (dvr === undefined) return [];
		const isDvr =
			a.agentMode === 'dvr' || a.agentMode === 'dvr_snat' || a.agentMode === 'dvr_no_external';
		return dvr === isDvr ? [] : [{agent: a, dvr, override}];
	});
	const byKey = new Map<string, typeof wrong>();
	for (const w of wrong) {
		const key = `${String(w.dvr)}\u0000${w.override?.selector ?? ''}`;
		byKey.set(key, [...(byKey.get(key) ?? []), w]);
	}
	for (const group of byKey.values()) {
		const first = group[0];
		if (first === undefined) continue;
		const hosts = group.map(w => w.agent.host);
		context.report({
			messageId: 'dvrModeMismatch',
			nodes: hosts,
			data: {
				dvr: `${String(first.dvr)}${sourceText(first.override)}`,
				nodes: nodesText(hosts),
				modes: [...new Set(group.map(w => w.agent.agentMode ?? '?'))].join(', '),
			},
			evidence: [
				first.override === undefined
					? d.osdplEv(['dvr', 'enabled'], 'dvr.enabled')
					: d.ifaceEvidence(first.override),
				...group.map(({agent: a}) =>
					objectEvidence(
						context.snapshot,
						agents,
						a.index,
						['host', 'agent_mode', 'Host', 'agent_type', 'Agent Type'],
						`agent_mode ${a.agentMode ?? '?'}`,
					),
				),
			],
		});
	}
}

/** External network bridges: each one on every node that should carry it (all with DVR). */
function checkBridges(d: Deployment): void {
	const {context, spec} = d;
	for (const ext of spec.externalNetworks) {
		if (ext.bridge === undefined) continue;
		const expected = d.agentNodes.filter(n => {
			if (context.node(n)?.ovsShow === undefined) return false;
			if (spec.dvrEnabled === true) return true;
			return (context.snapshot.nodes[n]?.node.roles ?? []).some(
				r => r === 'network' || r === 'gateway',
			);
		});
		const missing = expected.filter(
			n => !(context.node(n)?.ovsShow?.data.bridges ?? []).some(b => b.name === ext.bridge),
		);
		if (missing.length === 0) continue;
		context.report({
			messageId: 'bridgeMissing',
			nodes: missing,
			data: {bridge: ext.bridge, physnet: ext.physnet ?? '?', nodes: nodesText(missing)},
			evidence: [
				d.osdplEv(['bridge', 'physnet'], 'external_networks'),
				...missing.flatMap(n => {
					const show = context.node(n)?.ovsShow;
					return show === undefined
						? []
						: [
								{
									node: n,
									capture: show.capture,
									lines: show.data.bridges.map(b => b.line),
									excerpt: show.data.bridges.map(b => `Bridge ${b.name}`).join('\n'),
									note: `bridges on ${n}`,
								},
							];
				}),
			],
		});
	}
}

/** floating_network enabled, but Neutron has no external network. */
function checkFloating(d: Deployment): void {
	const {cloud} = d.context;
	if (
		d.spec.floatingNetwork?.enabled === true &&
		cloud.networks !== undefined &&
		!cloud.networks.data.some(n => n.external === true)
	)
		d.context.report({
			messageId: 'floatingMissing',
			nodes: [],
			data: {},
			evidence: [d.osdplEv(['floating_network', 'enabled'], 'floating_network')],
		});
}

/** Octavia ACTIVE_STANDBY (configured, or amphora pairs seen) with DVR on: a known limitation. */
function checkOctavia(d: Deployment): void {
	const {context, spec} = d;
	const {cloud} = context;
	const dvrOn = spec.dvrEnabled === true;
	const pairs = (cloud.amphorae?.data ?? []).filter(
		a => a.role === 'MASTER' || a.role === 'BACKUP',
	);
	if (!dvrOn || (spec.octaviaTopology?.toUpperCase() !== 'ACTIVE_STANDBY' && pairs.length === 0))
		return;
	const lbs = [
		...new Set(pairs.map(a => a.loadbalancerId).filter((x): x is string => x !== undefined)),
	];
	const what =
		lbs.length > 0
			? `load balancer${lbs.length > 1 ? 's' : ''} ${lbs.join(', ')}`
			: 'lb_topology ACTIVE_STANDBY in the OpenStackDeployment';
	const evidence: Evidence[] = [
		d.osdplEv(['dvr', 'enabled', 'lb_topology', 'loadbalancer_topology'], 'DVR on / topology'),
	];
	const amph = cloud.amphorae;
	if (amph !== undefined)
		for (const a of pairs.slice(0, 4))
			evidence.push(
				objectEvidence(
					context.snapshot,
					amph,
					a.index,
					['id', 'role', 'loadbalancer_id'],
					`role ${a.role ?? ''}`,
				),
			);
	context.report({
		messageId: 'octaviaActiveStandby',
		nodes: [],
		data: {what, url: MOSK_LIMITATION},
		evidence,
	});
}
