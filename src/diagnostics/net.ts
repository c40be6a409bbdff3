/**
 * The one place dvrscope reads IP addresses and CIDRs (IPv4 and IPv6, no dependencies): rules,
 * the flow filter, targets and the pseudonymiser all use these. Pure.
 */

/** Dotted-quad IPv4 as a number (0 … 2³²-1), undefined for anything else. */
export function ipv4ToNumber(ip: string): number | undefined {
	const parts = ip.split('.');
	if (parts.length !== 4) return undefined;
	let n = 0;
	for (const part of parts) {
		if (!/^\d{1,3}$/.test(part)) return undefined;
		const v = Number(part);
		if (v > 255) return undefined;
		n = n * 256 + v;
	}
	return n;
}

function v4ToBigInt(ip: string): bigint | undefined {
	const n = ipv4ToNumber(ip);
	return n === undefined ? undefined : BigInt(n);
}

function v6ToBigInt(ip: string): bigint | undefined {
	const clean = ip.split('%')[0] ?? ip;
	if (!clean.includes(':')) return undefined;
	const halves = clean.split('::');
	if (halves.length > 2) return undefined;
	const parse = (s: string): string[] => (s === '' ? [] : s.split(':'));
	const head = parse(halves[0] ?? '');
	const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
	// An embedded IPv4 tail counts as two groups.
	const expand = (groups: string[]): string[] =>
		groups.flatMap(g => {
			if (!g.includes('.')) return [g];
			const v4 = v4ToBigInt(g);
			if (v4 === undefined) return ['x'];
			return [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
		});
	const h = expand(head);
	const t = expand(tail);
	const missing = 8 - h.length - t.length;
	if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
	const groups = [...h, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...t];
	let value = 0n;
	for (const g of groups) {
		if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
		value = (value << 16n) | BigInt(parseInt(g, 16));
	}
	return value;
}

export type ParsedIp = {readonly version: 4 | 6; readonly value: bigint};

export function parseIp(ip: string): ParsedIp | undefined {
	const v4 = v4ToBigInt(ip);
	if (v4 !== undefined) return {version: 4, value: v4};
	const v6 = v6ToBigInt(ip);
	return v6 === undefined ? undefined : {version: 6, value: v6};
}

/** Canonical text for comparing IPs (`10.0.0.5`, `fd00::5`); the input when unparseable. */
export function normalizeIp(ip: string): string {
	const bare = ip.split('/')[0] ?? ip;
	const parsed = parseIp(bare);
	if (parsed === undefined) return bare.toLowerCase();
	if (parsed.version === 4) return bare;
	return parsed.value.toString(16).padStart(32, '0');
}

export const sameIp = (a: string, b: string): boolean => normalizeIp(a) === normalizeIp(b);

/** True when `ip` lies inside `cidr` (`10.0.0.0/24`). */
export function cidrContains(cidr: string, ip: string): boolean {
	const [base, lenText] = cidr.split('/');
	const net = parseIp(base ?? '');
	const addr = parseIp(ip.split('/')[0] ?? '');
	if (net === undefined || addr === undefined || net.version !== addr.version) return false;
	const bits = net.version === 4 ? 32 : 128;
	const len = lenText === undefined ? bits : Number(lenText);
	if (!Number.isInteger(len) || len < 0 || len > bits) return false;
	const shift = BigInt(bits - len);
	return net.value >> shift === addr.value >> shift;
}

/**
 * A test for one CIDR, parsed once, for use per row (the flow filter over 200,000 flows): IPv4 by
 * number arithmetic, IPv6 through {@link cidrContains}. Undefined when `cidr` is no CIDR.
 */
export function cidrMatcher(cidr: string): ((ip: string) => boolean) | undefined {
	const [base, lenText] = cidr.split('/');
	const net = parseIp(base ?? '');
	if (net === undefined || lenText === undefined) return undefined;
	const len = Number(lenText);
	if (!Number.isInteger(len) || len < 0 || len > (net.version === 4 ? 32 : 128)) return undefined;
	if (net.version === 6) return ip => cidrContains(cidr, ip);
	const size = 2 ** (32 - len);
	const block = Math.floor(Number(net.value) / size);
	return ip => {
		const n = ipv4ToNumber(ip);
		return n !== undefined && Math.floor(n / size) === block;
	};
}

/** Lower-case colon MAC (`FA-16-3E-…` → `fa:16:3e:…`). */
export const normalizeMac = (mac: string): string => mac.trim().toLowerCase().replace(/-/g, ':');

export const sameMac = (a: string | undefined, b: string | undefined): boolean =>
	a !== undefined && b !== undefined && normalizeMac(a) === normalizeMac(b);
