import {dvrArpDivergence} from '../../../src/diagnostics/rules/dvr-arp-divergence.js';
import {dvrArpMissing} from '../../../src/diagnostics/rules/dvr-arp-missing.js';
import {dvrArpUnknownMac} from '../../../src/diagnostics/rules/dvr-arp-unknown-mac.js';
import {dvrStalePermanentArp} from '../../../src/diagnostics/rules/dvr-stale-permanent-arp.js';
import {dvrVipAtRisk} from '../../../src/diagnostics/rules/dvr-vip-at-risk.js';
import {neigh, ROUTER, snapshotOf} from '../../helpers/capture-set.js';
import {ruleTester} from '../../helpers/rule-tester.js';
import {dvrCaptures, M1, M2, QR_PORT, VIP, VIP_MAC, VIP_PORT, VM1, VM2, VMAC} from './fixtures.js';

const amphorae = (masterPort: string, backupPort: string): string =>
	`${JSON.stringify(
		[
			{
				id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
				loadbalancer_id: 'lb1',
				role: 'MASTER',
				ha_ip: VIP,
				vrrp_port_id: masterPort,
				status: 'ALLOCATED',
			},
			{
				id: 'c1d2e3f4-a5b6-4c7d-9e8f-1a2b3c4d5e6f',
				loadbalancer_id: 'lb1',
				role: 'BACKUP',
				ha_ip: VIP,
				vrrp_port_id: backupPort,
				status: 'ALLOCATED',
			},
		],
		null,
		2,
	)}\n`;

ruleTester(dvrStalePermanentArp, {
	valid: [
		{name: 'entries point at the holder', snapshot: () => snapshotOf(dvrCaptures({holder: 'vm1'}))},
		{
			name: 'centralized router: nothing to say',
			snapshot: () => snapshotOf(dvrCaptures({distributed: false, holder: 'vm2'})),
		},
		{
			name: 'dynamic (not PERMANENT) entry is not stale',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						holder: 'vm2',
						vipMacs: {},
						extra: [
							{
								id: 'x',
								node: 'cmp-3',
								kind: 'ip-neigh',
								params: {namespace: `qrouter-${ROUTER}`},
								stdout: neigh([[VIP, M1, 'STALE']]),
							},
						],
					}),
				),
		},
	],
	skipped: [
		{
			// Without a live holder, "no stale entry" cannot be said: skipped, never pass.
			name: 'owner unknown (no source of ownership)',
			snapshot: () => snapshotOf(dvrCaptures()),
		},
		{
			name: 'no neighbour tables',
			snapshot: () => snapshotOf(dvrCaptures().filter(c => c.kind !== 'ip-neigh')),
		},
	],
	invalid: [
		{
			name: 'failover: vm2 holds the VIP, every qrouter says vm1',
			snapshot: () => snapshotOf(dvrCaptures({holder: 'vm2'})),
			findings: [
				{
					messageId: 'stale',
					severity: 'critical',
					nodes: ['cmp-1', 'cmp-2', 'cmp-3'],
					vip: VIP,
					messageIncludes: [
						VIP,
						M1,
						M2,
						'vm1-port',
						'vm2-port',
						'cmp-1, cmp-2 and cmp-3',
						'other subnets',
					],
					remediationIncludes: [
						`ip netns exec qrouter-${ROUTER} ip neigh replace ${VIP} lladdr ${M2} dev qr-102c4426-86 nud permanent`,
						`--allowed-address ip-address=${VIP} ${VM2.id}`,
					],
				},
			],
		},
		{
			name: 'a node that hosts the router but was not read is named as unchecked',
			snapshot: () =>
				snapshotOf([
					...dvrCaptures({holder: 'vm2'}),
					{id: 'cmp-4-netns', node: 'cmp-4', kind: 'ip-netns', stdout: `qrouter-${ROUTER}\n`},
				]),
			findings: [
				{
					messageId: 'stale',
					nodes: ['cmp-1', 'cmp-2', 'cmp-3'],
					messageIncludes: ['also exists on cmp-4'],
				},
			],
		},
		{
			name: 'only the stale nodes are named',
			snapshot: () =>
				snapshotOf(dvrCaptures({holder: 'vm2', vipMacs: {'cmp-1': M1, 'cmp-2': M2, 'cmp-3': M2}})),
			findings: [{messageId: 'stale', nodes: ['cmp-1']}],
		},
		{
			name: 'owner from a dynamic entry in qdhcp (follows GARPs)',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						extra: [
							{
								id: 'dhcp',
								node: 'cmp-3',
								kind: 'ip-neigh',
								params: {namespace: 'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141'},
								stdout: neigh([[VIP, M2, 'REACHABLE']], 'tap4d5e6f7a-8b'),
							},
						],
					}),
				),
			findings: [
				{messageId: 'stale', severity: 'critical', messageIncludes: ['dynamic ARP entry']},
			],
		},
		{
			name: 'live owner differs from the Octavia role: said so',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						holder: 'vm2',
						extra: [{id: 'amph', kind: 'octavia-amphorae', stdout: amphorae(VM1.id, VM2.id)}],
					}),
				),
			findings: [
				{
					messageId: 'stale',
					severity: 'critical',
					messageIncludes: [`amphora with ${M1} as MASTER`],
				},
			],
		},
		{
			name: 'owner only from the Octavia role: warning with a caveat',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						extra: [{id: 'amph', kind: 'octavia-amphorae', stdout: amphorae(VM2.id, VM1.id)}],
					}),
				),
			findings: [
				{messageId: 'stale', severity: 'warning', messageIncludes: ['configured amphora role']},
			],
		},
	],
});

ruleTester(dvrVipAtRisk, {
	valid: [
		{
			name: 'shared virtual MAC on both ports',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						ports: [
							QR_PORT,
							{...VM1, aap: [{ip: VIP, mac: VMAC}]},
							{...VM2, aap: [{ip: VIP, mac: VMAC}]},
						],
					}),
				),
		},
		{name: 'centralized router', snapshot: () => snapshotOf(dvrCaptures({distributed: false}))},
		{name: 'one port only', snapshot: () => snapshotOf(dvrCaptures({ports: [QR_PORT, VM1]}))},
	],
	skipped: [
		{
			name: 'no ports',
			snapshot: () => snapshotOf(dvrCaptures().filter(c => c.kind !== 'openstack-ports')),
		},
	],
	invalid: [
		{
			name: 'two ports, two MACs, distributed router',
			snapshot: () => snapshotOf(dvrCaptures()),
			findings: [
				{
					messageId: 'atRisk',
					severity: 'warning',
					vip: VIP,
					messageIncludes: [M1, M2, 'lb-router', 'next VRRP failover'],
				},
			],
		},
	],
});

ruleTester(dvrArpDivergence, {
	valid: [{name: 'same entry everywhere', snapshot: () => snapshotOf(dvrCaptures())}],
	invalid: [
		{
			name: 'cmp-1 disagrees',
			snapshot: () => snapshotOf(dvrCaptures({vipMacs: {'cmp-1': M1, 'cmp-2': M2, 'cmp-3': M2}})),
			findings: [
				{
					messageId: 'diverge',
					nodes: ['cmp-1', 'cmp-2', 'cmp-3'],
					vip: VIP,
					messageIncludes: [`${M1} (port vm1-port`, 'cmp-2 and cmp-3'],
				},
			],
		},
	],
});

ruleTester(dvrArpMissing, {
	valid: [{name: 'every entry present', snapshot: () => snapshotOf(dvrCaptures())}],
	invalid: [
		{
			name: 'VIP missing on cmp-3',
			snapshot: () => snapshotOf(dvrCaptures({vipMacs: {'cmp-1': M1, 'cmp-2': M1}})),
			findings: [{messageId: 'missingVip', nodes: ['cmp-3'], vip: VIP}],
		},
		{
			name: 'a bound port fixed IP missing everywhere',
			snapshot: () => snapshotOf(dvrCaptures({fixed: [['10.0.0.11', M1]]})),
			findings: [
				{
					messageId: 'missingPort',
					nodes: ['cmp-1', 'cmp-2', 'cmp-3'],
					messageIncludes: ['10.0.0.12'],
				},
			],
		},
	],
});

ruleTester(dvrArpUnknownMac, {
	valid: [
		{name: 'every MAC belongs to a port with that IP', snapshot: () => snapshotOf(dvrCaptures())},
	],
	invalid: [
		{
			name: 'VIP → unbound VIP port MAC (LP#1869887)',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						vipMacs: {'cmp-1': VIP_MAC, 'cmp-2': VIP_MAC, 'cmp-3': VIP_MAC},
						ports: [QR_PORT, VM1, VM2, VIP_PORT],
					}),
				),
			findings: [
				{
					messageId: 'vipPortMac',
					severity: 'critical',
					nodes: ['cmp-1', 'cmp-2', 'cmp-3'],
					messageIncludes: ['LP#1869887'],
				},
			],
		},
		{
			name: 'leftover entry with a MAC nobody has',
			snapshot: () =>
				snapshotOf(
					dvrCaptures({
						fixed: [
							['10.0.0.11', M1],
							['10.0.0.12', M2],
							['10.0.0.50', 'fa:16:3e:de:ad:00'],
						],
					}),
				),
			findings: [
				{
					messageId: 'unknown',
					severity: 'warning',
					messageIncludes: ['no port has this IP any more'],
				},
			],
		},
	],
});
