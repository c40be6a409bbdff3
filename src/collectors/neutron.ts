/**
 * What Neutron's names and numbers mean: OpenFlow table ids per bridge (Train+ and pre-Train
 * layouts), DVR host MACs, device-name prefixes, and readers for the two DVR flows the rules care
 * about (br-tun ARP responder, DVR "ARP must not leave the node" drop). Pure; no I/O.
 *
 * Sources: neutron-lib `plugins/ml2/ovs_constants.py`, neutron `ovs_dvr_neutron_agent.py`,
 * `br_tun.py`, `br_dvr_process.py` (see ../shared/DOMAIN.md §2).
 */
import type {Flow, FlowAction} from '../model/facts.js';

// ─── hex decoding ────────────────────────────────────────────────────────────

/**
 * The number written in hex (`0x` optional) in value, or -1 when value is not hex or has more
 * than `maxDigits` significant digits. A char-code loop: this runs for every address `load:`.
 */
function hexValue(value: string, maxDigits: number): number {
	let i = 0;
	let end = value.length;
	while (i < end && value.charCodeAt(i) === 32) i++;
	while (end > i && value.charCodeAt(end - 1) === 32) end--;
	if (value.charCodeAt(i) === 48 && (value.charCodeAt(i + 1) | 32) === 120) i += 2; // 0x / 0X
	if (i >= end) return -1;
	while (i < end - 1 && value.charCodeAt(i) === 48) i++; // leading zeros
	if (end - i > maxDigits) return -1;
	let n = 0;
	for (; i < end; i++) {
		const c = value.charCodeAt(i);
		let d: number;
		if (c >= 48 && c <= 57) d = c - 48;
		else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
		else return -1;
		n = n * 16 + d;
	}
	return n;
}

/** `0xa000004` → `10.0.0.4`. Undefined when the value is not hex or wider than 32 bits. */
export function hexToIp(value: string): string | undefined {
	const n = hexValue(value, 8);
	if (n < 0) return undefined;
	return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The character code of hex digit d (0–15), lower case. */
const hexCode = (d: number): number => d + (d < 10 ? 48 : 87);

/**
 * A 48-bit number as `aa:bb:cc:dd:ee:ff`: one flat string of 17 character codes, without an
 * array or a string per byte (this runs for every ARP responder's MAC `load:`).
 */
function macOf(n: number): string {
	const hi = Math.floor(n / 0x1000000); // the upper 24 bits
	const lo = n - hi * 0x1000000;
	return String.fromCharCode(
		hexCode((hi >>> 20) & 15),
		hexCode((hi >>> 16) & 15),
		58,
		hexCode((hi >>> 12) & 15),
		hexCode((hi >>> 8) & 15),
		58,
		hexCode((hi >>> 4) & 15),
		hexCode(hi & 15),
		58,
		hexCode((lo >>> 20) & 15),
		hexCode((lo >>> 16) & 15),
		58,
		hexCode((lo >>> 12) & 15),
		hexCode((lo >>> 8) & 15),
		58,
		hexCode((lo >>> 4) & 15),
		hexCode(lo & 15),
	);
}

/** `0xfa163e763168` → `fa:16:3e:76:31:68`. Undefined when the value is not hex or wider than 48 bits. */
export function hexToMac(value: string): string | undefined {
	const n = hexValue(value, 12);
	return n < 0 ? undefined : macOf(n);
}

function isDecimal(value: string): boolean {
	if (value.length === 0 || value.length > 15) return false;
	for (let i = 0; i < value.length; i++) {
		const c = value.charCodeAt(i);
		if (c < 48 || c > 57) return false;
	}
	return true;
}

/** A decimal or hex (`0x…`) integer as a number; undefined when it is neither. */
function intOf(value: string): number | undefined {
	if (isDecimal(value)) return Number(value);
	const n = hexValue(value, 12);
	return n < 0 ? undefined : n;
}

const IP_FIELDS = new Set([
	'arp_spa',
	'arp_tpa',
	'nw_src',
	'nw_dst',
	'ip_src',
	'ip_dst',
	'ipv4_src',
	'ipv4_dst',
	'tun_src',
	'tun_dst',
	'tun_ipv4_src',
	'tun_ipv4_dst',
	'nxm_of_arp_spa',
	'nxm_of_arp_tpa',
	'nxm_of_ip_src',
	'nxm_of_ip_dst',
	'nxm_nx_tun_ipv4_src',
	'nxm_nx_tun_ipv4_dst',
	'oxm_of_ipv4_src',
	'oxm_of_ipv4_dst',
	'oxm_of_arp_spa',
	'oxm_of_arp_tpa',
]);
const MAC_FIELDS = new Set([
	'eth_src',
	'eth_dst',
	'dl_src',
	'dl_dst',
	'arp_sha',
	'arp_tha',
	'nd_sll',
	'nd_tll',
	'nxm_of_eth_src',
	'nxm_of_eth_dst',
	'nxm_nx_arp_sha',
	'nxm_nx_arp_tha',
	'nxm_nx_nd_sll',
	'nxm_nx_nd_tll',
	'oxm_of_eth_src',
	'oxm_of_eth_dst',
	'oxm_of_arp_sha',
	'oxm_of_arp_tha',
	'oxm_of_ipv6_nd_sll',
	'oxm_of_ipv6_nd_tll',
]);

/**
 * The field's name without a whole-field `[]` suffix, lower-case (`NXM_OF_ARP_SPA[]` → `nxm_of_arp_spa`).
 * Undefined for a sub-field (`NXM_NX_REG0[0..15]`), which is never an address.
 */
export function wholeFieldName(field: string): string | undefined {
	const f = field.endsWith('[]') ? field.slice(0, -2) : field;
	return f.includes('[') ? undefined : f.toLowerCase();
}

/** `ip` for IPv4 address fields (`arp_spa`, `NXM_OF_ARP_SPA[]` …), `mac` for Ethernet fields. */
export function addressKindOf(field: string): 'ip' | 'mac' | undefined {
	const name = wholeFieldName(field);
	if (name === undefined) return undefined;
	if (IP_FIELDS.has(name)) return 'ip';
	if (MAC_FIELDS.has(name)) return 'mac';
	return undefined;
}

const enum FieldKind {
	Other,
	Ip,
	Mac,
	Vlan,
}

/** Field → kind, cached by a cheap hash of the name (fields repeat in every flow of a dump). */
const fieldKinds = new Map<number, {readonly field: string; readonly kind: FieldKind}>();

function fieldKind(field: string): FieldKind {
	let h = field.length;
	for (let i = 0; i < field.length; i++) h = Math.imul(h ^ field.charCodeAt(i), 0x01000193);
	h &= 0x3fffffff;
	const hit = fieldKinds.get(h);
	if (hit !== undefined && hit.field === field) return hit.kind;
	const name = wholeFieldName(field);
	const address = addressKindOf(field);
	const kind =
		name === 'vlan_vid' || name === 'dl_vlan'
			? FieldKind.Vlan
			: address === 'ip'
				? FieldKind.Ip
				: address === 'mac'
					? FieldKind.Mac
					: FieldKind.Other;
	if (hit === undefined && fieldKinds.size < 4096) {
		// A copy, not a slice: a slice would keep the whole dump text alive in this module cache.
		fieldKinds.set(h, {field: Array.from(field).join(''), kind});
	}
	return kind;
}

/**
 * The readable form of a value written to `field` by `load:`/`set_field:`: an IP or MAC for
 * address fields (hex decoded, dotted/colon text kept, lower-cased), the VLAN id for `vlan_vid`
 * (OF1.3 `4097` → `1`). Undefined for other fields and for masked values.
 */
export function decodeFieldValue(field: string, value: string): string | undefined {
	const kind = fieldKind(field);
	if (kind === FieldKind.Other || value.includes('/')) return undefined;
	if (kind === FieldKind.Vlan) {
		const n = intOf(value);
		return n === undefined ? undefined : String(n & 0xfff);
	}
	if (kind === FieldKind.Ip) {
		if (value.includes('.')) return value;
		return isDecimal(value) ? hexToIp(Number(value).toString(16)) : hexToIp(value);
	}
	if (value.includes(':')) return value.toLowerCase();
	if (!isDecimal(value)) return hexToMac(value);
	const n = Number(value);
	return n < 0x1000000000000 ? macOf(n) : undefined; // wider than 48 bits: no MAC
}

// ─── tables ──────────────────────────────────────────────────────────────────

export type BridgeKind = 'br-int' | 'br-tun' | 'physical';
/** `train+`: neutron ≥ 15.0.0 (and 14.0.3 Stein backport); `pre-train`: before 52b537ca22. */
export type NeutronLayout = 'train+' | 'pre-train';

const BR_INT_TABLES: Readonly<Record<number, string>> = {
	0: 'LOCAL_SWITCHING',
	1: 'DVR_TO_SRC_MAC',
	2: 'DVR_TO_SRC_MAC_PHYSICAL',
	3: 'ARP_DVR_MAC_TO_DST_MAC',
	4: 'ARP_DVR_MAC_TO_DST_MAC_PHYSICAL',
	23: 'CANARY_TABLE',
	24: 'ARP_SPOOF_TABLE',
	25: 'MAC_SPOOF_TABLE',
	30: 'LOCAL_EGRESS_TABLE',
	31: 'LOCAL_IP_TABLE',
	58: 'PACKET_RATE_LIMIT',
	59: 'BANDWIDTH_RATE_LIMIT',
	60: 'TRANSIENT_TABLE',
	61: 'LOCAL_MAC_DIRECT',
	62: 'TRANSIENT_EGRESS_TABLE',
	71: 'BASE_EGRESS_TABLE',
	72: 'RULES_EGRESS_TABLE',
	73: 'ACCEPT_OR_INGRESS_TABLE',
	77: 'DHCP_IPV4_TABLE',
	78: 'DHCP_IPV6_TABLE',
	81: 'BASE_INGRESS_TABLE',
	82: 'RULES_INGRESS_TABLE',
	91: 'ACCEPTED_EGRESS_TRAFFIC_TABLE',
	92: 'ACCEPTED_INGRESS_TRAFFIC_TABLE',
	93: 'DROPPED_TRAFFIC_TABLE',
	94: 'ACCEPTED_EGRESS_TRAFFIC_NORMAL_TABLE',
};
/** Before Train: no tables 3/4, table 2 was `DVR_TO_SRC_MAC_VLAN`. */
const BR_INT_PRE_TRAIN: Readonly<Record<number, string | null>> = {
	2: 'DVR_TO_SRC_MAC_VLAN',
	3: null,
	4: null,
};
const BR_TUN_TABLES: Readonly<Record<number, string>> = {
	0: 'LOCAL_SWITCHING',
	1: 'DVR_PROCESS',
	2: 'PATCH_LV_TO_TUN',
	3: 'GRE_TUN_TO_LV',
	4: 'VXLAN_TUN_TO_LV',
	6: 'GENEVE_TUN_TO_LV',
	9: 'DVR_NOT_LEARN',
	10: 'LEARN_FROM_TUN',
	20: 'UCAST_TO_TUN',
	21: 'ARP_RESPONDER',
	22: 'FLOOD_TO_TUN',
};
const PHYS_TABLES: Readonly<Record<number, string>> = {
	0: 'LOCAL_SWITCHING',
	1: 'DVR_PROCESS_PHYSICAL',
	2: 'LOCAL_VLAN_TRANSLATION',
	3: 'DVR_NOT_LEARN_PHYSICAL',
};
const PHYS_PRE_TRAIN: Readonly<Record<number, string>> = {
	1: 'DVR_PROCESS_VLAN',
	3: 'DVR_NOT_LEARN_VLAN',
};

/** `br-int` and `br-tun` by name (Neutron's defaults); every other bridge is a physical bridge. */
export function bridgeKindOf(bridge: string): BridgeKind {
	if (bridge === 'br-int') return 'br-int';
	if (bridge === 'br-tun') return 'br-tun';
	return 'physical';
}

/**
 * Neutron's name for an OpenFlow table (`ARP_RESPONDER` for br-tun table 21), or undefined when
 * Neutron does not use that table on that bridge in that layout. `bridge` is a bridge name or kind.
 */
export function tableName(
	bridge: string,
	table: number,
	layout: NeutronLayout = 'train+',
): string | undefined {
	const kind = bridgeKindOf(bridge);
	if (kind === 'br-int') {
		if (layout === 'pre-train' && table in BR_INT_PRE_TRAIN) {
			return BR_INT_PRE_TRAIN[table] ?? undefined;
		}
		return BR_INT_TABLES[table];
	}
	if (kind === 'br-tun') return BR_TUN_TABLES[table];
	if (layout === 'pre-train' && table in PHYS_PRE_TRAIN) return PHYS_PRE_TRAIN[table];
	return PHYS_TABLES[table];
}

// ─── DVR host MACs ───────────────────────────────────────────────────────────

/** Neutron's `dvr_base_mac` default. */
export const DEFAULT_DVR_BASE_MAC = 'fa:16:3f:00:00:00';

/**
 * True when `mac` was generated from `dvr_base_mac`: Neutron keeps the first three octets of the
 * base (four when the fourth is not `00`) and randomises the rest.
 */
export function isDvrHostMac(mac: string, baseMac: string = DEFAULT_DVR_BASE_MAC): boolean {
	const m = mac.toLowerCase().split(':');
	const b = baseMac.toLowerCase().split(':');
	if (m.length !== 6 || b.length !== 6) return false;
	const fixed = b[3] !== '00' ? 4 : 3;
	for (let i = 0; i < fixed; i++) if (m[i] !== b[i]) return false;
	return true;
}

// ─── device names ────────────────────────────────────────────────────────────

export type DeviceRole =
	| 'router-interface' // qr- (qrouter ns, br-int)
	| 'router-gateway' // qg- (legacy/HA qrouter or snat ns)
	| 'snat-interface' // sg- (snat ns)
	| 'router-to-fip' // rfp- (qrouter side of the veth to the fip ns)
	| 'fip-to-router' // fpr- (fip side)
	| 'fip-gateway' // fg- (fip ns, agent gateway port)
	| 'ha-interface' // ha- (L3-HA keepalived)
	| 'tap' // tap (VM port on br-int, or DHCP port in qdhcp ns)
	| 'hybrid-ovs-veth' // qvo (br-int side of the hybrid plug)
	| 'hybrid-bridge-veth' // qvb (Linux-bridge side)
	| 'hybrid-bridge' // qbr
	| 'patch' // patch-int / patch-tun
	| 'physical-patch' // int-br-X / phy-br-X
	| 'tunnel' // vxlan- / gre- / geneve-
	| 'octavia-health' // o-hm0
	| 'unknown';

const PREFIX_ROLES: readonly (readonly [string, DeviceRole])[] = [
	['qr-', 'router-interface'],
	['qg-', 'router-gateway'],
	['sg-', 'snat-interface'],
	['rfp-', 'router-to-fip'],
	['fpr-', 'fip-to-router'],
	['fg-', 'fip-gateway'],
	['ha-', 'ha-interface'],
	['tap', 'tap'],
	['qvo', 'hybrid-ovs-veth'],
	['qvb', 'hybrid-bridge-veth'],
	['qbr', 'hybrid-bridge'],
	['patch-', 'patch'],
	['int-br-', 'physical-patch'],
	['phy-br-', 'physical-patch'],
	['vxlan-', 'tunnel'],
	['gre-', 'tunnel'],
	['geneve-', 'tunnel'],
	['o-hm', 'octavia-health'],
];

/** The role a Neutron device plays, from its name prefix (`qr-102c4426-86` → `router-interface`). */
export function deviceRole(name: string): DeviceRole {
	for (const [prefix, role] of PREFIX_ROLES) if (name.startsWith(prefix)) return role;
	return 'unknown';
}

/**
 * The port-id prefix a device name carries (`qr-102c4426-86` → `102c4426-86`, the first 11
 * characters of the Neutron port id), or undefined for names without one.
 */
export function portIdPrefixOf(name: string): string | undefined {
	switch (deviceRole(name)) {
		case 'router-interface':
		case 'router-gateway':
		case 'snat-interface':
		case 'fip-gateway':
		case 'ha-interface':
		case 'tap':
		case 'hybrid-ovs-veth':
		case 'hybrid-bridge-veth':
		case 'hybrid-bridge':
			return name.slice(3) || undefined;
		case 'router-to-fip':
		case 'fip-to-router':
		case 'patch':
		case 'physical-patch':
		case 'tunnel':
		case 'octavia-health':
		case 'unknown':
			return undefined;
	}
}

// ─── DVR flows ───────────────────────────────────────────────────────────────

function lastWrite(
	actions: readonly FlowAction[],
	kind: 'ip' | 'mac',
	names: readonly string[],
): string | undefined {
	let found: string | undefined;
	for (const a of actions) {
		if (a.type !== 'load' && a.type !== 'set_field') continue;
		if (a.decoded === undefined || addressKindOf(a.field) !== kind) continue;
		const name = wholeFieldName(a.field);
		if (name !== undefined && names.includes(name)) found = a.decoded;
	}
	return found;
}

export type ArpResponder = {readonly ip: string; readonly mac: string; readonly vlan?: string};

/**
 * The IP → MAC answer of a br-tun ARP-responder flow (table 21, `arp,…,arp_tpa=IP` whose actions
 * write the answering MAC to `arp_sha` and the IP to `arp_spa`, hex-encoded in OF1.0 `load:`).
 * Undefined for any other flow.
 */
export function arpResponderOf(flow: Flow): ArpResponder | undefined {
	if (flow.table !== 21 || flow.match['arp'] === undefined) return undefined;
	const tpa = flow.match['arp_tpa'];
	const mac = lastWrite(flow.actions, 'mac', ['arp_sha', 'nxm_nx_arp_sha', 'oxm_of_arp_sha']);
	const spa = lastWrite(flow.actions, 'ip', ['arp_spa', 'nxm_of_arp_spa', 'oxm_of_arp_spa']);
	const ip = tpa ?? spa;
	if (ip === undefined || mac === undefined) return undefined;
	const vlan = flow.match['dl_vlan'];
	return vlan === undefined ? {ip, mac} : {ip, mac, vlan};
}

export type ArpDrop = {readonly ip: string; readonly layout: NeutronLayout; readonly vlan?: string};

/**
 * The router-port IP that a DVR "ARP must not leave the node" flow protects: br-tun
 * `priority=3,arp,dl_vlan=N,arp_tpa=IP actions=drop` in table 22 (FLOOD_TO_TUN, Train+) or
 * table 1 (DVR_PROCESS, pre-Train). Undefined for any other flow.
 */
export function arpDropOf(flow: Flow): ArpDrop | undefined {
	if (flow.priority !== 3 || flow.match['arp'] === undefined) return undefined;
	const layout: NeutronLayout | undefined =
		flow.table === 22 ? 'train+' : flow.table === 1 ? 'pre-train' : undefined;
	const ip = flow.match['arp_tpa'];
	if (layout === undefined || ip === undefined) return undefined;
	if (flow.actions.length !== 1 || flow.actions[0]?.type !== 'drop') return undefined;
	const vlan = flow.match['dl_vlan'];
	return vlan === undefined ? {ip, layout} : {ip, layout, vlan};
}

/** True for a DVR ARP-block flow ({@link arpDropOf}), for `ip` when given. */
export function isArpDropForIp(flow: Flow, ip?: string): boolean {
	const drop = arpDropOf(flow);
	return drop !== undefined && (ip === undefined || drop.ip === ip);
}
