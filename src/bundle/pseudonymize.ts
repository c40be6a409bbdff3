/**
 * Pseudonymisation that keeps network meaning (pure; `--pseudonymize`).
 *
 * Every text of a capture set goes through one tokenizer, so the same value gets the same
 * pseudonym in every file, capture file name, namespace name and flow:
 * - IPv4: prefix-preserving (two addresses share a k-bit prefix before ⇔ after), first octet
 *   kept (two octets for 100/172/192/169), host part kept (last octet, and the host bits of any
 *   /16–/23 network seen in the data), 0/8, 127/8, 169.254/16, 224/4 and above kept as is.
 *   Hex (`load:0xa000004->NXM_OF_ARP_SPA[]`, `vxlan-0a00644d`) and integer (`lookup 167772161`)
 *   forms are mapped with the same function.
 * - MAC: OUI kept (`fa:16:3e` Neutron ports, `fa:16:3f` DVR host MACs, vendors), device half
 *   replaced; VRRP `00:00:5e:00:01:xx`/`00:00:5e:00:02:xx`, multicast, broadcast and zero kept.
 *   Hex forms (`load:0xfa163e763168->NXM_NX_ARP_SHA[]`, `dpid:0000…`) too.
 * - UUID: mapped character by character, each digit depending only on the ones before it, so a
 *   truncated id in a Neutron device name (`qr-102c4426-86`, `rfp-4d7928a0-4`) stays the prefix of
 *   the pseudonymised port/router id; version and variant nibbles kept; dash-less ids too.
 * - Host names (node ids, Neutron hosts, `host`/`binding_host_id` JSON fields): `<role>-p<n>`.
 * - IPv6: multicast, ::, ::1 kept; EUI-64 interface ids follow the MAC mapping; link-local
 *   prefix kept; other prefixes mapped prefix-preservingly after the first 16 bits.
 *
 * The key is random per bundle unless given; the mapping is returned for a private file and
 * must never go into the bundle.
 */
import {createHash, createHmac, randomBytes} from 'node:crypto';
import type {
	Capture,
	CaptureMeta,
	CaptureSet,
	CaptureSetManifest,
	NodeInfo,
} from '../model/capture.js';
import {ipv4ToNumber} from '../diagnostics/net.js';
import {
	ADDR_FIELDS_MAC,
	formatIpv6,
	intToIpv4,
	matchCase,
	NIL_UUID,
	parseIpv6,
	RESERVED_NAMES,
	TOKEN_SOURCES,
	UUID_RE,
} from './pseudonymize-tokens.js';

export const MAPPING_FORMAT = 'dvrscope-pseudonym-mapping';

export type PseudonymMapping = {
	readonly format: typeof MAPPING_FORMAT;
	readonly schemaVersion: 1;
	readonly note: string;
	readonly hosts: Readonly<Record<string, string>>;
	readonly ipv4: Readonly<Record<string, string>>;
	readonly ipv6: Readonly<Record<string, string>>;
	readonly mac: Readonly<Record<string, string>>;
	readonly uuid: Readonly<Record<string, string>>;
	/** Leading parts of UUIDs seen on their own (Neutron device-name suffixes such as `102c4426-86`). */
	readonly uuidPrefix: Readonly<Record<string, string>>;
};

export type PseudonymizerOptions = {
	/** HMAC key; random when absent. */
	readonly key?: string;
	/** Host names to replace, with the role word their pseudonym starts with. */
	readonly hosts?: readonly {readonly name: string; readonly role?: string}[];
	/** Networks (`10.20.0.0/20`) whose host part is kept. Prefixes /16–/23 matter. */
	readonly networks?: readonly string[];
};

export class Pseudonymizer {
	private readonly key: Buffer;
	private readonly hostMap = new Map<string, string>();
	private readonly hostReverse = new Map<string, string>();
	private readonly networks: {net: number; len: number}[] = [];
	private readonly ipv4 = new Map<number, number>();
	private readonly ipv4Bits = new Map<string, number>();
	private readonly ipv6 = new Map<string, string>();
	private readonly mac = new Map<string, string>();
	private readonly macUsed = new Set<string>();
	private readonly uuid = new Map<string, string>();
	private readonly uuidChars = new Map<string, string>();
	private readonly prefixSeen = new Map<string, string>();
	private hostRegex: RegExp | undefined;
	private readonly tokenRegex: RegExp;

	constructor(options: PseudonymizerOptions = {}) {
		this.key = options.key === undefined ? randomBytes(32) : Buffer.from(options.key, 'utf8');
		for (const network of options.networks ?? []) this.addNetwork(network);
		const counters = new Map<string, number>();
		const taken = new Set((options.hosts ?? []).map(h => h.name));
		for (const host of options.hosts ?? []) {
			if (this.hostMap.has(host.name) || host.name === '') continue;
			const role = /^[a-z]+$/.test(host.role ?? '') ? (host.role ?? 'host') : 'host';
			let pseudo: string;
			do {
				const n = (counters.get(role) ?? 0) + 1;
				counters.set(role, n);
				pseudo = `${role}-p${n}`;
			} while (taken.has(pseudo) || this.hostReverse.has(pseudo));
			this.hostMap.set(host.name, pseudo);
			this.hostReverse.set(pseudo, host.name);
		}
		this.tokenRegex = new RegExp(TOKEN_SOURCES.join('|'), 'g');
	}

	/** Register a network whose host bits are kept (only /16–/23 change anything). */
	addNetwork(cidr: string): void {
		const [addr, lenText] = cidr.split('/');
		const base = ipv4ToNumber(addr ?? '');
		const len = Number(lenText);
		if (base === undefined || !Number.isInteger(len) || len < 16 || len >= 24) return;
		const net = len === 0 ? 0 : (base >>> (32 - len)) << (32 - len);
		if (!this.networks.some(n => n.len === len && n.net >>> 0 === net >>> 0))
			this.networks.push({net: net >>> 0, len});
	}

	private prf(label: string, data: string, counter = 0): Buffer {
		return createHmac('sha256', this.key).update(`${label}\0${data}\0${counter}`).digest();
	}

	// ── IPv4 ──
	mapIpv4Int(a: number): number {
		const cached = this.ipv4.get(a);
		if (cached !== undefined) return cached;
		const o1 = a >>> 24;
		const o2 = (a >>> 16) & 0xff;
		let result = a;
		const identity = o1 === 0 || o1 === 127 || o1 >= 224 || (o1 === 169 && o2 === 254);
		if (!identity) {
			const keep = o1 === 100 || o1 === 169 || o1 === 172 || o1 === 192 ? 16 : 8;
			let hostStart = 24;
			for (const n of this.networks) {
				if (n.len >= keep && n.len < hostStart && a >>> (32 - n.len) === n.net >>> (32 - n.len))
					hostStart = n.len;
			}
			for (let i = keep; i < hostStart; i++) {
				const prefix = i === 0 ? 0 : a >>> (32 - i);
				const bitKey = `${i}/${prefix}`;
				let bit = this.ipv4Bits.get(bitKey);
				if (bit === undefined) {
					bit = (this.prf('ipv4', bitKey)[0] ?? 0) & 1;
					this.ipv4Bits.set(bitKey, bit);
				}
				if (bit === 1) result = (result ^ (1 << (31 - i))) >>> 0;
			}
		}
		this.ipv4.set(a, result >>> 0);
		return result >>> 0;
	}

	mapIpv4(text: string): string {
		const n = ipv4ToNumber(text);
		return n === undefined ? text : intToIpv4(this.mapIpv4Int(n));
	}

	// ── MAC ──
	/** Map a MAC given as 12 lower-case hex digits; returns 12 hex digits. */
	mapMacHex(hex: string): string {
		const cached = this.mac.get(hex);
		if (cached !== undefined) return cached;
		const first = parseInt(hex.slice(0, 2), 16);
		let result = hex;
		const keep = /^0{12}$|^f{12}$/.test(hex) || (first & 1) === 1 || /^00005e000[12]/.test(hex);
		if (!keep) {
			const oui = hex.slice(0, 6);
			for (let counter = 0; ; counter++) {
				const nic = this.prf('mac', hex, counter).subarray(0, 3).toString('hex');
				const candidate = oui + nic;
				// Never onto a value that is kept as is (a VRRP MAC), nor one already given out.
				if (
					!this.macUsed.has(candidate) &&
					nic !== '000000' &&
					nic !== 'ffffff' &&
					!/^00005e000[12]/.test(candidate)
				) {
					result = candidate;
					break;
				}
			}
		}
		this.mac.set(hex, result);
		this.macUsed.add(result);
		return result;
	}

	mapMac(text: string): string {
		const hex = text.replace(/:/g, '').toLowerCase();
		const mapped = this.mapMacHex(hex);
		return matchCase(text, mapped.replace(/(..)(?!$)/g, '$1:'));
	}

	// ── UUID ──
	/**
	 * Map a UUID or any leading part of one (`4d7928a0-4`, `102c4426-86`), character by character:
	 * each hex digit is shifted by a key-derived amount that depends only on the characters before
	 * it. So a truncated id (a Neutron device name) maps to the truncation of the mapped id, and the
	 * mapping is a bijection. Dashes, the version nibble and the variant nibble are kept.
	 */
	mapUuidPrefix(text: string): string {
		const lower = text.toLowerCase();
		const cached = this.uuidChars.get(lower);
		if (cached !== undefined) return matchCase(text, cached);
		// h(prefix) is chained over the first 11 characters (the longest id prefix Neutron puts in a
		// device name): h('') = HMAC(key), h(p + c) = sha256(h(p) + c), and each digit is shifted by
		// the hash of the characters before it. The rest of the id takes its shifts from h(first 11).
		let out = '';
		let h = this.uuidRoot();
		for (let k = 0; k < lower.length; k++) {
			const c = lower.charAt(k);
			const shift = k < 11 ? (h[0] ?? 0) & 15 : ((h[(k - 11) >> 1] ?? 0) >> (4 * (k & 1))) & 15;
			if (!(c === '-' || k === 14 || k === 19))
				out += ((parseInt(c, 16) + shift) & 15).toString(16);
			else out += c;
			if (k < 11) h = createHash('sha256').update(h).update(c).digest();
		}
		this.uuidChars.set(lower, out);
		if (lower.length < 36) this.prefixSeen.set(lower, out);
		return matchCase(text, out);
	}

	private uuidRootHash: Buffer | undefined;
	private uuidRoot(): Buffer {
		this.uuidRootHash ??= this.prf('uuid', '');
		return this.uuidRootHash;
	}

	mapUuid(text: string): string {
		const lower = text.toLowerCase();
		if (lower === NIL_UUID || !UUID_RE.test(lower)) return text;
		const result = this.mapUuidPrefix(lower);
		this.uuid.set(lower, result);
		return matchCase(text, result);
	}

	// ── IPv6 ──
	mapIpv6(text: string): string {
		const groups = parseIpv6(text);
		if (groups === undefined) return text;
		const key = formatIpv6(groups);
		const cached = this.ipv6.get(key);
		if (cached !== undefined) return cached;
		const g0 = groups[0] ?? 0;
		const allZeroHigh = groups.slice(0, 7).every(g => g === 0);
		if (g0 >= 0xff00 || (allZeroHigh && (groups[7] ?? 0) <= 1)) {
			this.ipv6.set(key, key);
			return key;
		}
		const out = [...groups];
		const linkLocal = (g0 & 0xffc0) === 0xfe80;
		if (!linkLocal) {
			// Prefix-preserving over bits 16..63.
			let prefixBits = g0.toString(2).padStart(16, '0');
			for (let i = 16; i < 64; i++) {
				const gi = Math.floor(i / 16);
				const bitIndex = 15 - (i % 16);
				const bit = ((groups[gi] ?? 0) >> bitIndex) & 1;
				const flip = (this.prf('ipv6', `${i}/${prefixBits}`)[0] ?? 0) & 1;
				out[gi] = (out[gi] ?? 0) ^ (flip << bitIndex);
				prefixBits += String(bit);
			}
		}
		// Interface id: EUI-64 follows the MAC mapping; others are hashed (low ids such as ::1 kept).
		const g4 = groups[4] ?? 0;
		const g5 = groups[5] ?? 0;
		const g6 = groups[6] ?? 0;
		const g7 = groups[7] ?? 0;
		if ((g5 & 0xff) === 0xff && g6 >> 8 === 0xfe) {
			const macHex = [(g4 >> 8) ^ 0x02, g4 & 0xff, g5 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
				.map(b => b.toString(16).padStart(2, '0'))
				.join('');
			const m = this.mapMacHex(macHex);
			const b = [0, 2, 4, 6, 8, 10].map(i => parseInt(m.slice(i, i + 2), 16));
			out[4] = ((((b[0] ?? 0) ^ 0x02) << 8) | (b[1] ?? 0)) & 0xffff;
			out[5] = (((b[2] ?? 0) << 8) | 0xff) & 0xffff;
			out[6] = ((0xfe << 8) | (b[3] ?? 0)) & 0xffff;
			out[7] = (((b[4] ?? 0) << 8) | (b[5] ?? 0)) & 0xffff;
		} else if (!(g4 === 0 && g5 === 0 && g6 === 0 && g7 <= 0xff)) {
			const h = this.prf('ipv6iid', groups.slice(4).join(':'));
			for (let i = 0; i < 4; i++) out[4 + i] = h.readUInt16BE(i * 2);
		}
		const result = formatIpv6(out);
		this.ipv6.set(key, result);
		return result;
	}

	// ── host names ──
	private hosts(): RegExp | undefined {
		if (this.hostRegex !== undefined) return this.hostRegex;
		const names = [...this.hostMap.keys()]
			.filter(n => !RESERVED_NAMES.has(n.toLowerCase()) && n.length >= 3)
			.sort((a, b) => b.length - a.length)
			.map(n => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
		if (names.length === 0) return undefined;
		this.hostRegex = new RegExp(
			`(?<![A-Za-z0-9_-])(${names.join('|')})(?![A-Za-z0-9_]|-[0-9])`,
			'g',
		);
		return this.hostRegex;
	}

	/** The pseudonym of a host name (exact), or the name unchanged when unknown. */
	host(name: string): string {
		return this.hostMap.get(name) ?? this.text(name);
	}

	/** Pseudonymise one text. */
	text(input: string): string {
		const replaced = input.replace(this.tokenRegex, (whole: string, ...groups: unknown[]) => {
			const g = groups as (string | undefined)[];
			const [
				uuid,
				devPrefix,
				devId,
				loadHead,
				loadHex,
				loadTail,
				tunHead,
				tunHex,
				dpidHead,
				dpidHex,
				mac,
				uuid32,
				tableHead,
				tableInt,
				ipv4,
				ipv6,
			] = g;
			if (uuid !== undefined) return this.mapUuid(uuid);
			if (devPrefix !== undefined && devId !== undefined)
				return devPrefix + this.mapUuidPrefix(devId);
			if (loadHead !== undefined && loadHex !== undefined && loadTail !== undefined) {
				const isMac = new RegExp(`^->(?:${ADDR_FIELDS_MAC})`).test(loadTail);
				const value = BigInt(`0x${loadHex}`);
				if (isMac) {
					if (value >= 1n << 48n) return whole;
					const m = this.mapMacHex(value.toString(16).padStart(12, '0'));
					const hex = BigInt(`0x${m}`).toString(16);
					return `${loadHead}${matchCase(loadHex, loadHex.length === 12 ? hex.padStart(12, '0') : hex)}${loadTail}`;
				}
				if (value >= 1n << 32n) return whole;
				const ip = this.mapIpv4Int(Number(value)).toString(16);
				return `${loadHead}${matchCase(loadHex, loadHex.length === 8 ? ip.padStart(8, '0') : ip)}${loadTail}`;
			}
			if (tunHead !== undefined && tunHex !== undefined) {
				const ip = this.mapIpv4Int(parseInt(tunHex, 16));
				return tunHead + ip.toString(16).padStart(8, '0');
			}
			if (dpidHead !== undefined && dpidHex !== undefined)
				return dpidHead + this.mapMacHex(dpidHex);
			if (mac !== undefined) return this.mapMac(mac);
			if (uuid32 !== undefined) {
				const dashed = `${uuid32.slice(0, 8)}-${uuid32.slice(8, 12)}-${uuid32.slice(12, 16)}-${uuid32.slice(16, 20)}-${uuid32.slice(20)}`;
				return this.mapUuid(dashed).replace(/-/g, '');
			}
			if (tableHead !== undefined && tableInt !== undefined) {
				const n = Number(tableInt);
				if (n < 1 << 24 || n > 0xffffffff) return whole;
				return tableHead + String(this.mapIpv4Int(n));
			}
			if (ipv4 !== undefined) return ipv4ToNumber(ipv4) === undefined ? whole : this.mapIpv4(ipv4);
			if (ipv6 !== undefined)
				return ipv6.includes('::') || ipv6.split(':').length === 8 ? this.mapIpv6(ipv6) : whole;
			return whole;
		});
		const hostRe = this.hosts();
		if (hostRe === undefined) return replaced;
		return replaced.replace(hostRe, name => this.hostMap.get(name) ?? name);
	}

	/** Pseudonymise every string (and object key) of a JSON-like value. */
	value(input: unknown): unknown {
		if (typeof input === 'string') return this.text(input);
		if (Array.isArray(input)) return input.map(item => this.value(item));
		if (input !== null && typeof input === 'object') {
			const out: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(input as Record<string, unknown>))
				out[this.text(k)] = this.value(v);
			return out;
		}
		return input;
	}

	/** The private mapping (original → pseudonym) of everything replaced so far. */
	mapping(): PseudonymMapping {
		const changed = <K, V>(m: Map<K, V>, fk: (k: K) => string, fv: (v: V) => string) =>
			Object.fromEntries(
				[...m.entries()].filter(([k, v]) => fk(k) !== fv(v)).map(([k, v]) => [fk(k), fv(v)]),
			);
		return {
			format: MAPPING_FORMAT,
			schemaVersion: 1,
			note: 'PRIVATE: maps original identifiers to the pseudonyms used in a dvrscope bundle. Do not attach it to the bundle.',
			hosts: Object.fromEntries(this.hostMap),
			ipv4: changed(this.ipv4, intToIpv4, intToIpv4),
			ipv6: changed(
				this.ipv6,
				k => k,
				v => v,
			),
			mac: changed(
				this.mac,
				k => k.replace(/(..)(?!$)/g, '$1:'),
				v => v.replace(/(..)(?!$)/g, '$1:'),
			),
			uuid: Object.fromEntries(this.uuid),
			uuidPrefix: Object.fromEntries(this.prefixSeen),
		};
	}
}

/**
 * Map pseudonyms back to the originals with a mapping file (for the analyst who owns the
 * mapping, and for tests): the same tokenizer, looking values up in the inverted tables.
 */
export function reverseText(text: string, mapping: PseudonymMapping): string {
	const inv = (r: Readonly<Record<string, string>>): Map<string, string> =>
		new Map(Object.entries(r).map(([k, v]) => [v, k]));
	const hosts = inv(mapping.hosts);
	const ipv4 = inv(mapping.ipv4);
	const ipv6 = inv(mapping.ipv6);
	const mac = inv(mapping.mac);
	const uuid = inv(mapping.uuid);
	const prefix = inv(mapping.uuidPrefix);
	const ipInt = (n: number): number => {
		const back = ipv4.get(intToIpv4(n));
		return back === undefined ? n : (ipv4ToNumber(back) ?? n);
	};
	const macHex = (hex: string): string =>
		(mac.get(hex.replace(/(..)(?!$)/g, '$1:')) ?? hex).replace(/:/g, '');
	const tokenRegex = new RegExp(TOKEN_SOURCES.join('|'), 'g');
	let out = text.replace(tokenRegex, (whole: string, ...groups: unknown[]) => {
		const g = groups as (string | undefined)[];
		const [
			u,
			devPrefix,
			devId,
			loadHead,
			loadHex,
			loadTail,
			tunHead,
			tunHex,
			dpidHead,
			dpidHex,
			m,
			u32,
			tableHead,
			tableInt,
			ip4,
			ip6,
		] = g;
		if (u !== undefined) {
			const back = uuid.get(u.toLowerCase());
			return back === undefined ? u : matchCase(u, back);
		}
		if (devPrefix !== undefined && devId !== undefined)
			return devPrefix + (prefix.get(devId) ?? devId);
		if (loadHead !== undefined && loadHex !== undefined && loadTail !== undefined) {
			const isMac = new RegExp(`^->(?:${ADDR_FIELDS_MAC})`).test(loadTail);
			const value = BigInt(`0x${loadHex}`);
			if (isMac) {
				const back = BigInt(`0x${macHex(value.toString(16).padStart(12, '0'))}`).toString(16);
				return `${loadHead}${loadHex.length === 12 ? back.padStart(12, '0') : back}${loadTail}`;
			}
			const back = ipInt(Number(value)).toString(16);
			return `${loadHead}${loadHex.length === 8 ? back.padStart(8, '0') : back}${loadTail}`;
		}
		if (tunHead !== undefined && tunHex !== undefined)
			return tunHead + ipInt(parseInt(tunHex, 16)).toString(16).padStart(8, '0');
		if (dpidHead !== undefined && dpidHex !== undefined) return dpidHead + macHex(dpidHex);
		if (m !== undefined) {
			const back = mac.get(m.toLowerCase());
			return back === undefined ? m : matchCase(m, back);
		}
		if (u32 !== undefined) {
			const dashed = `${u32.slice(0, 8)}-${u32.slice(8, 12)}-${u32.slice(12, 16)}-${u32.slice(16, 20)}-${u32.slice(20)}`;
			return (uuid.get(dashed) ?? dashed).replace(/-/g, '');
		}
		if (tableHead !== undefined && tableInt !== undefined) {
			const n = Number(tableInt);
			return n < 1 << 24 || n > 0xffffffff ? whole : tableHead + String(ipInt(n));
		}
		if (ip4 !== undefined) return ipv4.get(ip4) ?? ip4;
		if (ip6 !== undefined) {
			const groups6 = parseIpv6(ip6);
			return groups6 === undefined ? whole : (ipv6.get(formatIpv6(groups6)) ?? ip6);
		}
		return whole;
	});
	// Short ids in human text (`router lb (4d7928a0)`): 8-digit prefixes of mapped UUIDs.
	const short = new Map<string, string>();
	for (const [pseudo, original] of uuid) short.set(pseudo.slice(0, 8), original.slice(0, 8));
	out = out.replace(
		/(?<![0-9A-Za-z-])([0-9a-f]{8})(?![0-9A-Za-z-])/g,
		(m: string) => short.get(m) ?? m,
	);
	const names = [...hosts.keys()].sort((a, b) => b.length - a.length);
	if (names.length > 0) {
		const re = new RegExp(
			`(?<![A-Za-z0-9_-])(${names.map(n => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![A-Za-z0-9_]|-[0-9])`,
			'g',
		);
		out = out.replace(re, name => hosts.get(name) ?? name);
	}
	return out;
}

// ─── capture sets ───────────────────────────────────────────────────────────

const HOST_KEYS =
	/"(?:host|Host|hostname|binding_host_id|binding:host_id|binding_host|compute_host|OS-EXT-SRV-ATTR:host|hypervisor_hostname|node_name|nodeName)"\s*:\s*"([A-Za-z0-9][A-Za-z0-9._-]{0,252})"/g;
const HOST_CELLS =
	/\|\s*(?:binding_host_id|binding:host_id|host|Host|hostname|OS-EXT-SRV-ATTR:host)\s*\|\s*([A-Za-z0-9][A-Za-z0-9._-]{0,252})\s*\|/g;
const CIDR = /(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})\/(\d{1,2})(?!\d)/g;

/** Host names and networks of a capture set, found before any replacement. */
export function discoverNames(
	set: CaptureSet,
	extraText: readonly string[] = [],
): {
	hosts: {name: string; role?: string}[];
	networks: string[];
} {
	const hosts: {name: string; role?: string}[] = [];
	const seen = new Set<string>();
	const add = (name: string | undefined, role?: string): void => {
		if (name === undefined || name === '' || seen.has(name) || ipv4ToNumber(name) !== undefined)
			return;
		if (parseIpv6(name) !== undefined || RESERVED_NAMES.has(name.toLowerCase())) return;
		seen.add(name);
		hosts.push(role === undefined ? {name} : {name, role});
		// The short name of an FQDN is a host name too.
		const short = name.split('.')[0];
		if (short !== undefined && short !== name && short.length >= 3) add(short, role);
	};
	for (const node of set.manifest.nodes) {
		const role = node.roles[0];
		add(node.id, role);
		add(node.neutronHost, role);
		if (node.address !== undefined)
			add(node.address.replace(/^.*@/, '').replace(/:\d+$/, ''), role);
	}
	const networks = new Set<string>();
	const scan = (text: string): void => {
		for (const m of text.matchAll(HOST_KEYS)) add(m[1], 'host');
		for (const m of text.matchAll(HOST_CELLS)) add(m[1], 'host');
		for (const m of text.matchAll(CIDR)) networks.add(`${m[1] ?? ''}/${m[2] ?? ''}`);
	};
	for (const capture of set.captures) {
		scan(capture.stdout);
		scan(capture.argv.join(' '));
	}
	for (const text of extraText) scan(text);
	return {hosts, networks: [...networks]};
}

/** Pseudonymise a whole capture set (bodies, argv, ids, file names, manifest). Pure. */
export function pseudonymizeCaptureSet(
	set: CaptureSet,
	options: {readonly key?: string; readonly extraText?: readonly string[]} = {},
): {set: CaptureSet; mapping: PseudonymMapping; pseudonymizer: Pseudonymizer} {
	const found = discoverNames(set, options.extraText);
	const p = new Pseudonymizer({
		...(options.key === undefined ? {} : {key: options.key}),
		hosts: found.hosts,
		networks: found.networks,
	});
	const t = (s: string): string => p.text(s);
	const opt = (s: string | undefined): string | undefined => (s === undefined ? undefined : t(s));
	const meta = (m: CaptureMeta): CaptureMeta => {
		const out: Record<string, unknown> = {
			...m,
			id: t(m.id),
			argv: m.argv.map(t),
			stdoutFile: t(m.stdoutFile),
		};
		if (m.node !== undefined) out['node'] = p.host(m.node);
		if (m.stderrFile !== undefined) out['stderrFile'] = t(m.stderrFile);
		if (m.failure !== undefined)
			out['failure'] = {kind: m.failure.kind, message: t(m.failure.message)};
		if (m.params !== undefined) {
			const params: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(m.params)) params[k] = k === 'inner' ? v : opt(v);
			out['params'] = params;
		}
		return out as CaptureMeta;
	};
	const node = (n: NodeInfo): NodeInfo => {
		const out: Record<string, unknown> = {...n, id: p.host(n.id)};
		if (n.address !== undefined) out['address'] = t(n.address);
		if (n.neutronHost !== undefined) out['neutronHost'] = p.host(n.neutronHost);
		return out as NodeInfo;
	};
	const captures: Capture[] = set.captures.map(c => ({
		...meta(c),
		stdout: t(c.stdout),
		stderr: t(c.stderr),
	}));
	const manifest: CaptureSetManifest = {
		...set.manifest,
		...(set.manifest.description === undefined ? {} : {description: t(set.manifest.description)}),
		nodes: set.manifest.nodes.map(node),
		captures: set.manifest.captures.map(meta),
		...(set.manifest.problems === undefined
			? {}
			: {
					problems: set.manifest.problems.map(pr => ({
						...pr,
						...(pr.node === undefined ? {} : {node: p.host(pr.node)}),
						message: t(pr.message),
					})),
				}),
	};
	// Byte counts follow the new bodies.
	const sized = captures.map(c => ({
		...c,
		stdoutBytes: Buffer.byteLength(c.stdout),
		stderrBytes: Buffer.byteLength(c.stderr),
	}));
	const byId = new Map(sized.map(c => [c.id, c]));
	const finalManifest: CaptureSetManifest = {
		...manifest,
		captures: manifest.captures.map(m => {
			const c = byId.get(m.id);
			return c === undefined ? m : {...m, stdoutBytes: c.stdoutBytes, stderrBytes: c.stderrBytes};
		}),
	};
	return {set: {manifest: finalManifest, captures: sized}, mapping: p.mapping(), pseudonymizer: p};
}
