/**
 * The vocabulary of the pseudonymiser (src/bundle/pseudonymize.ts): the token patterns every text
 * is scanned with (one alternation, in priority order), the reserved words never taken for host
 * names, and the IPv4/IPv6 text helpers the forward and reverse mappings share.
 */

// ─── small helpers ──────────────────────────────────────────────────────────

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A 32-bit number as a dotted quad. */
export const intToIpv4 = (n: number): string =>
	[n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');

/** Reserved words that are never replaced as host names in free text (they have meaning). */
export const RESERVED_NAMES = new Set([
	'compute',
	'controller',
	'network',
	'gateway',
	'localhost',
	'nova',
	'neutron',
	'octavia',
	'openstack',
	'master',
	'backup',
	'primary',
	'local',
	'host',
	'node',
	'other',
	'none',
	'null',
	'true',
	'false',
	'unknown',
]);

/** `value` in upper case when `template` (a hex token) was upper case. */
export const matchCase = (template: string, value: string): string =>
	/[A-F]/.test(template) && !/[a-f]/.test(template) ? value.toUpperCase() : value;

// ─── IPv6 helpers ───────────────────────────────────────────────────────────

/** The eight groups of an IPv6 address, or `undefined` when the text is not one. */
export function parseIpv6(text: string): number[] | undefined {
	if (!/^[0-9a-fA-F:]+$/.test(text) || text.length < 2) return undefined;
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	const parse = (s: string): number[] | undefined => {
		if (s === '') return [];
		const groups = s.split(':');
		const out: number[] = [];
		for (const g of groups) {
			if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
			out.push(parseInt(g, 16));
		}
		return out;
	};
	const head = parse(halves[0] ?? '');
	const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
	if (head === undefined || tail === undefined) return undefined;
	if (halves.length === 1) return head.length === 8 ? head : undefined;
	const fill = 8 - head.length - tail.length;
	if (fill < 1) return undefined;
	return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** Eight groups in RFC 5952 form. */
export function formatIpv6(groups: readonly number[]): string {
	// RFC 5952: longest run (≥ 2) of zero groups becomes '::'.
	let bestStart = -1;
	let bestLen = 0;
	for (let i = 0; i < 8;) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen && j - i >= 2) {
			bestStart = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = groups.map(g => g.toString(16));
	if (bestStart === -1) return hex.join(':');
	return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

// ─── the tokenizer ──────────────────────────────────────────────────────────

const ADDR_FIELDS_IP =
	'NXM_OF_ARP_SPA|NXM_OF_ARP_TPA|NXM_OF_IP_SRC|NXM_OF_IP_DST|arp_spa|arp_tpa|ip_src|ip_dst|nw_src|nw_dst|ipv4_src|ipv4_dst';
export const ADDR_FIELDS_MAC =
	'NXM_NX_ARP_SHA|NXM_NX_ARP_THA|NXM_OF_ETH_SRC|NXM_OF_ETH_DST|arp_sha|arp_tha|eth_src|eth_dst|dl_src|dl_dst';
const DEVICE_PREFIXES = 'qr-|qg-|sg-|fg-|ha-|rfp-|fpr-|tap|qvo|qvb|qbr|qvm';

/** Token patterns, in priority order; one alternation so no output is ever re-matched. */
export const TOKEN_SOURCES = [
	// 1 uuid
	String.raw`(?<![0-9A-Fa-f])([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![0-9A-Fa-f])`,
	// 2,3 Neutron device name with an 11-character id prefix
	String.raw`(?<![A-Za-z0-9])(${DEVICE_PREFIXES})([0-9a-f]{8}-[0-9a-f]{1,2})(?![0-9A-Fa-f])`,
	// 4,5,6 hex address loaded into a field
	String.raw`((?:load|set_field):0x)([0-9A-Fa-f]{1,12})(->(?:${ADDR_FIELDS_IP}|${ADDR_FIELDS_MAC})(?:\[\])?(?![\w[]))`,
	// 7,8 tunnel port named after the remote IP in hex
	String.raw`(?<![A-Za-z0-9])((?:vxlan|gre|geneve|stt)-)([0-9a-f]{8})(?![0-9A-Za-z])`,
	// 9,10 datapath id carrying a MAC
	String.raw`(dpid:?\s*0000)([0-9a-f]{12})(?![0-9a-f])`,
	// 11 MAC
	String.raw`(?<![0-9A-Fa-f]|[0-9A-Fa-f]{2}:)((?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2})(?![0-9A-Fa-f]|:[0-9A-Fa-f])`,
	// 12 dash-less uuid (Keystone project ids, Octavia VRRP group names)
	String.raw`(?<![0-9A-Fa-f])([0-9a-f]{32})(?![0-9A-Fa-f])`,
	// 13,14 policy-routing table named after an IP as an integer (DVR SNAT redirect rules)
	String.raw`((?:lookup|table)(?:\s+|"\s*:\s*"?))(\d{8,10})(?!\d)`,
	// 15 IPv4
	String.raw`(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?!\.?\d)`,
	// 16 IPv6 candidate (validated in code)
	String.raw`(?<![0-9A-Za-z:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![0-9A-Za-z:])`,
] as const;
