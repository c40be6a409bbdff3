/**
 * A Neutron-like br-tun flow set for the parse benchmark: l2pop unicast (table 20) and ARP
 * responders (table 21, hex `load:` form) per remote port, learned MAC flows with timeouts,
 * DVR process flows (table 1, `mod_dl_src` to a `fa:16:3f` host MAC), the DVR ARP block (table 22
 * priority 3), flood flows with many outputs, tunnel → VLAN (table 4) and the learn() flow.
 *
 * `flowSpecs` gives `ovs-ofctl add-flows` lines (fed to a real OVS when one can run);
 * `formatDump` prints the same flows the way `ovs-ofctl dump-flows` (OpenFlow10, 3.1) does, for
 * machines without OVS.
 */

export type FlowSpec = {
	readonly table: number;
	readonly priority: number;
	readonly match: string;
	readonly actions: string;
	readonly idleTimeout?: number;
	readonly hardTimeout?: number;
};

const COOKIE = '0x5b4c1a2e9f3d7c10';

function mac(prefix: string, n: number): string {
	const h = n.toString(16).padStart(6, '0');
	return `${prefix}:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}
function ip(net: number, host: number): string {
	return `10.${(net >> 8) & 255}.${net & 255}.${host}`;
}
function ipHex(net: number, host: number): string {
	const n = ((10 << 24) | (((net >> 8) & 255) << 16) | ((net & 255) << 8) | host) >>> 0;
	return `0x${n.toString(16)}`;
}

/** At least `minFlows` flows over as many networks as needed (200 remote ports per network). */
export function flowSpecs(minFlows: number): FlowSpec[] {
	const specs: FlowSpec[] = [];
	const tunnels = 48;
	const portsPerNet = 200;
	const learn =
		'learn(table=20,hard_timeout=300,priority=1,cookie=0x5b4c1a2e9f3d7c10,NXM_OF_VLAN_TCI[0..11],' +
		'NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],' +
		'output:OXM_OF_IN_PORT[]),output:1';
	specs.push({table: 0, priority: 1, match: 'in_port=1', actions: 'resubmit(,1)'});
	for (let t = 0; t < tunnels; t++) {
		specs.push({table: 0, priority: 1, match: `in_port=${t + 2}`, actions: 'resubmit(,4)'});
	}
	specs.push({table: 0, priority: 0, match: '', actions: 'drop'});
	specs.push({table: 1, priority: 0, match: '', actions: 'resubmit(,2)'});
	specs.push({
		table: 2,
		priority: 1,
		match: 'arp,dl_dst=ff:ff:ff:ff:ff:ff',
		actions: 'resubmit(,21)',
	});
	specs.push({
		table: 2,
		priority: 0,
		match: 'dl_dst=00:00:00:00:00:00/01:00:00:00:00:00',
		actions: 'resubmit(,20)',
	});
	specs.push({
		table: 2,
		priority: 0,
		match: 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00',
		actions: 'resubmit(,22)',
	});
	for (let h = 0; h < tunnels; h++) {
		specs.push({
			table: 9,
			priority: 1,
			match: `dl_src=${mac('fa:16:3f', h + 1)}`,
			actions: 'output:1',
		});
	}
	specs.push({table: 9, priority: 0, match: '', actions: 'resubmit(,10)'});
	specs.push({table: 10, priority: 1, match: '', actions: learn});
	const flood = Array.from({length: tunnels}, (_, t) => `output:${t + 2}`).join(',');
	for (let net = 1; specs.length < minFlows; net++) {
		const vlan = net;
		const seg = `0x${(1000 + net).toString(16)}`;
		const qr = mac('fa:16:3e', net * 1000);
		specs.push({
			table: 4,
			priority: 1,
			match: `tun_id=${seg}`,
			actions: `mod_vlan_vid:${vlan},resubmit(,9)`,
		});
		specs.push({table: 1, priority: 2, match: `dl_vlan=${vlan},dl_dst=${qr}`, actions: 'drop'});
		specs.push({
			table: 1,
			priority: 1,
			match: `dl_vlan=${vlan},dl_src=${qr}`,
			actions: `mod_dl_src:${mac('fa:16:3f', 0xd31060)},resubmit(,2)`,
		});
		specs.push({
			table: 22,
			priority: 3,
			match: `arp,dl_vlan=${vlan},arp_tpa=${ip(net, 1)}`,
			actions: 'drop',
		});
		specs.push({
			table: 22,
			priority: 1,
			match: `dl_vlan=${vlan}`,
			actions: `strip_vlan,load:${seg}->NXM_NX_TUN_ID[],${flood}`,
		});
		for (let p = 0; p < portsPerNet; p++) {
			const host = 10 + (p % 240);
			const m = mac('fa:16:3e', net * 1000 + p + 1);
			const mHex = `0x${m.replaceAll(':', '')}`;
			const out = `output:${(p % tunnels) + 2}`;
			specs.push({
				table: 20,
				priority: 2,
				match: `dl_vlan=${vlan},dl_dst=${m}`,
				actions: `strip_vlan,load:${seg}->NXM_NX_TUN_ID[],${out}`,
			});
			specs.push({
				table: 21,
				priority: 1,
				match: `arp,dl_vlan=${vlan},arp_tpa=${ip(net, host)}`,
				actions:
					`move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:${m},load:0x2->NXM_OF_ARP_OP[],` +
					`move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],` +
					`load:${mHex}->NXM_NX_ARP_SHA[],load:${ipHex(net, host)}->NXM_OF_ARP_SPA[],IN_PORT`,
			});
			if (p % 20 === 0) {
				specs.push({
					table: 20,
					priority: 1,
					hardTimeout: 300,
					match: `vlan_tci=0x${(0x1000 | vlan).toString(16).padStart(4, '0')}/0x0fff,dl_dst=${mac('fa:16:3e', 0x800000 + net * 1000 + p)}`,
					actions: `load:0->NXM_OF_VLAN_TCI[],load:${seg}->NXM_NX_TUN_ID[],${out}`,
				});
			}
		}
	}
	specs.push({table: 20, priority: 0, match: '', actions: 'resubmit(,22)'});
	specs.push({table: 21, priority: 0, match: '', actions: 'resubmit(,22)'});
	specs.push({table: 22, priority: 0, match: '', actions: 'drop'});
	return specs;
}

/** `ovs-ofctl add-flows` input. */
export function addFlowsText(specs: readonly FlowSpec[]): string {
	return specs
		.map(f => {
			const timeouts = f.hardTimeout === undefined ? '' : `hard_timeout=${f.hardTimeout},`;
			const match = f.match === '' ? '' : `,${f.match}`;
			return `cookie=${COOKIE},table=${f.table},${timeouts}priority=${f.priority}${match} actions=${f.actions}`;
		})
		.join('\n');
}

/**
 * What `ovs-ofctl dump-flows` (OpenFlow10 + NXM, OVS 3.1) prints for these flows: header, stats
 * prefix with `idle_age`/`hard_age`, `hard_timeout` for learned flows. Used when OVS cannot run.
 */
export function formatDump(specs: readonly FlowSpec[]): string {
	const lines = ['NXST_FLOW reply (xid=0x4):'];
	let i = 0;
	for (const f of specs) {
		i++;
		const dur = `${1000 + (i % 86400)}.${String(i % 1000).padStart(3, '0')}s`;
		const pk = (i * 7919) % 100000;
		const timeouts = f.hardTimeout === undefined ? '' : `hard_timeout=${f.hardTimeout}, `;
		const ages = `idle_age=${i % 3000}, hard_age=${i % 500}, `;
		const prio = f.priority === 32768 ? '' : `priority=${f.priority}`;
		const match = f.match === '' ? prio : prio === '' ? f.match : `${prio},${f.match}`;
		lines.push(
			` cookie=${COOKIE}, duration=${dur}, table=${f.table}, n_packets=${pk}, n_bytes=${pk * 98}, ${timeouts}${ages}${match}${match === '' ? '' : ' '}actions=${f.actions}`,
		);
	}
	return `${lines.join('\n')}\n`;
}

/**
 * br-int flows of a Neutron OVS firewall (openvswitch security groups): conntrack state matches
 * (`ct_state=+est-rel-rpl`, `+new-est`, `+inv+trk`), `ct(commit,zone=NXM_NX_REG6[0..15])`,
 * conjunctive matches (`conjunction(N,k/2)` and `conj_id=N`) per remote group, per-port
 * register matches; at least `minFlows` of them.
 */
export function brIntSpecs(minFlows: number): FlowSpec[] {
	const specs: FlowSpec[] = [];
	for (let port = 1; specs.length < minFlows; port++) {
		const reg5 = `0x${port.toString(16)}`;
		const zone = port % 4096;
		const conj = 100 + (port % 500) * 8;
		specs.push(
			{
				table: 72,
				priority: 74,
				match: `ct_state=+est-rel-rpl,ip,reg5=${reg5}`,
				actions: `resubmit(,73)`,
			},
			{
				table: 72,
				priority: 74,
				match: `ct_state=+new-est,ip,reg5=${reg5}`,
				actions: `ct(commit,zone=NXM_NX_REG6[0..15]),resubmit(,73)`,
			},
			{
				table: 72,
				priority: 50,
				match: `ct_state=+inv+trk,reg5=${reg5}`,
				actions: 'drop',
			},
			{
				table: 82,
				priority: 71,
				match: `ct_state=+new-est,ip,reg5=${reg5},nw_src=${ip(port % 256, 10 + (port % 200))}`,
				actions: `conjunction(${conj},1/2)`,
			},
			{
				table: 82,
				priority: 71,
				match: `ct_state=+new-est,tcp,reg5=${reg5},tp_dst=0x${(1024 + (port % 64) * 16).toString(16)}/0xfff0`,
				actions: `conjunction(${conj},2/2)`,
			},
			{
				table: 82,
				priority: 71,
				match: `conj_id=${conj},ct_state=+new-est,ip,reg5=${reg5}`,
				actions: `load:0x${conj.toString(16)}->NXM_NX_REG7[],ct(commit,zone=NXM_NX_REG6[0..15]),output:${(port % 1000) + 1}`,
			},
			{
				table: 60,
				priority: 100,
				match: `in_port=${(port % 1000) + 1}`,
				actions: `load:0x${port.toString(16)}->NXM_NX_REG5[],load:0x${zone.toString(16)}->NXM_NX_REG6[],resubmit(,71)`,
			},
		);
	}
	return specs;
}
