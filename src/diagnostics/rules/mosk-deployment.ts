import type {NodeId} from '../../model/ids.js';
import {lineEvidence, objectEvidence} from '../evidence.js';
import {defineRule, type Evidence} from '../types.js';
import {nodesText} from './util.js';

const MOSK_LIMITATION =
	'https://docs.mirantis.com/mosk/latest/ref-arch/cloud-services/networking/known-limitations.html';

export const moskDeployment = defineRule({
	id: 'mosk/deployment',
	meta: {
		title: 'MOSK OpenStackDeployment networking settings against node reality',
		severity: 'warning',
		requires: ['cloud.osdpl'],
		messages: {
			tunnelMissing:
				'tunnel_interface {{iface}} from the OpenStackDeployment does not exist on {{nodes}}. Tenant (VXLAN) traffic cannot leave those nodes; Mirantis recommends the same tunnel interface name on every node.',
			tunnelDown: 'tunnel_interface {{iface}} exists but is not up on {{nodes}} (state {{state}}).',
			tunnelNoAddress:
				'tunnel_interface {{iface}} has no IPv4/IPv6 address on {{nodes}}; the OVS agent has no local_ip for VXLAN there.',
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
				'Fix the node (interface name, link, address, bridge) or the OpenStackDeployment so they agree; for Octavia use SINGLE topology on DVR clouds or move the load balancer subnet behind a centralized router.',
			references: [MOSK_LIMITATION, 'docs/rules/mosk/deployment.md'],
		},
	},
	check(context) {
		const {snapshot, cloud} = context;
		const osdpl = cloud.osdpl;
		if (osdpl === undefined) return;
		const spec = osdpl.data;
		const osdplEv = (keys: string[], note: string): Evidence =>
			objectEvidence(snapshot, osdpl, 0, keys, note);
		const agentNodes = context.nodes.filter(n => {
			const info = snapshot.nodes[n]?.node;
			const f = context.node(n);
			return (
				f?.ovsShow !== undefined ||
				f?.flows !== undefined ||
				(info?.roles ?? []).some(r => r === 'compute' || r === 'network' || r === 'gateway')
			);
		});

		// tunnel_interface
		const iface = spec.tunnelInterface;
		if (iface !== undefined) {
			const missing: NodeId[] = [];
			const down: {node: NodeId; state: string}[] = [];
			const noAddr: NodeId[] = [];
			const evidence: Evidence[] = [
				osdplEv(['tunnel_interface'], 'OpenStackDeployment tunnel_interface'),
			];
			for (const node of agentNodes) {
				const host = context.node(node)?.addr?.[''];
				if (host === undefined) continue;
				const found = host.data.find(i => i.name === iface);
				if (found === undefined) {
					missing.push(node);
					evidence.push({
						node,
						capture: host.capture,
						lines: [],
						excerpt: `(interfaces: ${host.data.map(i => i.name).join(', ')})`,
						note: `${iface} absent`,
					});
					continue;
				}
				const up =
					found.operstate === 'UP' ||
					found.operstate === 'UNKNOWN' ||
					(found.operstate === undefined && found.flags.includes('UP'));
				if (!up) {
					down.push({node, state: found.operstate ?? found.flags.join(',')});
					evidence.push(lineEvidence(snapshot, node, host, [found.line], `${iface} not up`));
				} else if (!found.addresses.some(a => !a.local.startsWith('fe80'))) {
					noAddr.push(node);
					evidence.push(
						lineEvidence(snapshot, node, host, [found.line], `${iface} has no address`),
					);
				}
			}
			if (missing.length > 0)
				context.report({
					messageId: 'tunnelMissing',
					nodes: missing,
					data: {iface, nodes: nodesText(missing)},
					evidence,
				});
			if (down.length > 0)
				context.report({
					messageId: 'tunnelDown',
					nodes: down.map(d => d.node),
					data: {
						iface,
						nodes: nodesText(down.map(d => d.node)),
						state: [...new Set(down.map(d => d.state))].join('/'),
					},
					evidence,
				});
			if (noAddr.length > 0)
				context.report({
					messageId: 'tunnelNoAddress',
					nodes: noAddr,
					data: {iface, nodes: nodesText(noAddr)},
					evidence,
				});
		}

		// dvr.enabled vs L3 agent modes
		const agents = cloud.agents;
		if (spec.dvrEnabled !== undefined && agents !== undefined) {
			const l3 = agents.data.filter(a => /l3/i.test(a.agentType) && a.agentMode !== undefined);
			const wrong = l3.filter(
				a =>
					(spec.dvrEnabled === true) !==
					(a.agentMode === 'dvr' ||
						a.agentMode === 'dvr_snat' ||
						a.agentMode === 'dvr_no_external'),
			);
			if (wrong.length > 0)
				context.report({
					messageId: 'dvrModeMismatch',
					nodes: wrong.map(a => a.host),
					data: {
						dvr: String(spec.dvrEnabled),
						nodes: nodesText(wrong.map(a => a.host)),
						modes: [...new Set(wrong.map(a => a.agentMode ?? '?'))].join(', '),
					},
					evidence: [
						osdplEv(['dvr', 'enabled'], 'dvr.enabled'),
						...wrong.map(a =>
							objectEvidence(
								snapshot,
								agents,
								a.index,
								['host', 'agent_mode', 'Host', 'agent_type', 'Agent Type'],
								`agent_mode ${a.agentMode ?? '?'}`,
							),
						),
					],
				});
		}

		// external network bridges
		for (const ext of spec.externalNetworks) {
			if (ext.bridge === undefined) continue;
			const expected = agentNodes.filter(n => {
				if (context.node(n)?.ovsShow === undefined) return false;
				if (spec.dvrEnabled === true) return true;
				return (snapshot.nodes[n]?.node.roles ?? []).some(r => r === 'network' || r === 'gateway');
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
					osdplEv(['bridge', 'physnet'], 'external_networks'),
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

		// floating network
		if (
			spec.floatingNetwork?.enabled === true &&
			cloud.networks !== undefined &&
			!cloud.networks.data.some(n => n.external === true)
		)
			context.report({
				messageId: 'floatingMissing',
				nodes: [],
				data: {},
				evidence: [osdplEv(['floating_network', 'enabled'], 'floating_network')],
			});

		// Octavia ACTIVE_STANDBY with DVR
		const dvrOn = spec.dvrEnabled === true;
		const pairs = (cloud.amphorae?.data ?? []).filter(
			a => a.role === 'MASTER' || a.role === 'BACKUP',
		);
		if (dvrOn && (spec.octaviaTopology?.toUpperCase() === 'ACTIVE_STANDBY' || pairs.length > 0)) {
			const lbs = [
				...new Set(pairs.map(a => a.loadbalancerId).filter((x): x is string => x !== undefined)),
			];
			const what =
				lbs.length > 0
					? `load balancer${lbs.length > 1 ? 's' : ''} ${lbs.join(', ')}`
					: 'lb_topology ACTIVE_STANDBY in the OpenStackDeployment';
			const evidence: Evidence[] = [
				osdplEv(['dvr', 'enabled', 'lb_topology', 'loadbalancer_topology'], 'DVR on / topology'),
			];
			const amph = cloud.amphorae;
			if (amph !== undefined)
				for (const a of pairs.slice(0, 4))
					evidence.push(
						objectEvidence(
							snapshot,
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
	},
});
