import type {IpAddress, IpInterface, ParseWarning, Parser} from '../../model/facts.js';
import {
	asNumber,
	isObject,
	type JsonObject,
	looksLikeJson,
	parseJsonItems,
	result,
	splitLines,
	stringItems,
	warning,
	withDefined,
} from './common.js';

type Result = ReturnType<Parser<'ip-addr'>['parse']>;

/** What this parser reads, for messages about lines it cannot. */
const ADDR_FORMS =
	'read are `ip addr` (full, also without its indentation), `ip -o addr`, `ip -br addr`, `ip -br link` and `ip -j addr`';

/** `ip -j addr show`, `ip -o addr show`, `ip -br addr show`, plain `ip addr show` (and `ip [-o|-br] link show`). */
export const ipAddrParser: Parser<'ip-addr'> = {
	kind: 'ip-addr',
	title: 'interfaces and addresses',
	reads: [
		'ip -j addr show',
		'ip -o addr show',
		'ip -br addr show',
		'ip addr show',
		'ip -o link show',
	],
	parse(text) {
		return looksLikeJson(text) ? parseJsonAddr(text) : parseTextAddr(text);
	},
};

function parseJsonAddr(text: string): Result {
	return parseJsonItems(text, 'ip-addr', 'interfaces', 'ifname', readJsonInterface);
}

/** Address flags `ip -j` prints as `"<flag>": true`, in the order they are reported. */
const JSON_ADDR_FLAGS = [
	'secondary',
	'temporary',
	'deprecated',
	'tentative',
	'dadfailed',
	'noprefixroute',
	'dynamic',
	'nodad',
	'optimistic',
	'home',
	'mngtmpaddr',
	'autojoin',
	'stable-privacy',
] as const;

function readJsonInterface(item: JsonObject, line: number): IpInterface | undefined {
	const name = item['ifname'];
	if (typeof name !== 'string') return undefined;
	const addresses: IpAddress[] = [];
	const info = item['addr_info'];
	if (Array.isArray(info)) {
		for (const a of info as unknown[]) {
			if (!isObject(a)) continue;
			const family = a['family'];
			const local = a['local'];
			const prefixlen = asNumber(a['prefixlen']);
			if ((family !== 'inet' && family !== 'inet6') || typeof local !== 'string') continue;
			const flags: string[] = [];
			for (const flag of JSON_ADDR_FLAGS) if (a[flag] === true) flags.push(flag);
			const scope = a['scope'];
			const label = a['label'];
			const broadcast = a['broadcast'];
			addresses.push(
				withDefined({
					family,
					local,
					prefixlen: prefixlen ?? (family === 'inet' ? 32 : 128),
					scope: typeof scope === 'string' ? scope : undefined,
					label: typeof label === 'string' ? label : undefined,
					broadcast: typeof broadcast === 'string' ? broadcast : undefined,
					flags,
					line,
				}),
			);
		}
	}
	const operstate = item['operstate'];
	const address = item['address'];
	const linkNetnsId = asNumber(item['link_netnsid']);
	const linkIndex = asNumber(item['link_index']);
	const link =
		typeof item['link'] === 'string'
			? item['link']
			: linkIndex !== undefined && linkNetnsId !== undefined
				? `if${linkIndex}`
				: undefined;
	return withDefined({
		ifindex: asNumber(item['ifindex']),
		name,
		link,
		flags: stringItems(item['flags']),
		mtu: asNumber(item['mtu']),
		operstate: typeof operstate === 'string' ? operstate : undefined,
		mac: typeof address === 'string' ? address.toLowerCase() : undefined,
		linkNetnsId,
		addresses,
		line,
	});
}

const HEADER = /^(\d+):\s+([^\s:@]+)(?:@([^\s:]+))?:\s+<([^>]*)>(.*)$/;
const ONELINE_ADDR = /^(\d+):\s+(\S+)\s+(inet6?)\s+(.*)$/;
const ADDR = /^(inet6?)\s+(.*)$/;
const LINK = /^link\/(\S+)(?:\s+(\S+))?(.*)$/;
/** `ip -br addr` / `ip -br link`: `NAME[@PEER]  STATE  addresses… | MAC <FLAGS>`. */
const BRIEF =
	/^([^\s@]+)(?:@(\S+))?\s+(UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT|NOTPRESENT|TESTING)(?:\s+(.*))?$/;
const MAC_TEXT = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;
/** Address flags of the text forms: the JSON ones and `permanent`. */
const ADDR_FLAGS: ReadonlySet<string> = new Set([...JSON_ADDR_FLAGS, 'permanent']);

type MutableIface = {
	ifindex?: number;
	name: string;
	link?: string;
	flags: string[];
	mtu?: number;
	operstate?: string;
	mac?: string;
	linkNetns?: string;
	linkNetnsId?: number;
	addresses: IpAddress[];
	line: number;
};

/**
 * Read one address (`inet 10.0.0.1/24 brd … scope global qr-…`) onto `iface`; an unreadable one
 * becomes a warning.
 */
function addAddress(
	iface: MutableIface,
	family: 'inet' | 'inet6',
	rest: string,
	line: number,
	raw: string,
	warnings: ParseWarning[],
): void {
	const tokens = rest.trim().split(/\s+/);
	const cidr = tokens[0] ?? '';
	const m = /^([^/\s]+)(?:\/(\d+))?$/.exec(cidr);
	if (m === null) {
		warnings.push(warning(line, 'unreadable address', raw));
		return;
	}
	const address: {
		family: 'inet' | 'inet6';
		local: string;
		prefixlen: number;
		scope?: string;
		label?: string;
		broadcast?: string;
		flags: string[];
		line: number;
	} = {
		family,
		local: m[1] ?? '',
		prefixlen: m[2] === undefined ? (family === 'inet' ? 32 : 128) : Number(m[2]),
		flags: [],
		line,
	};
	for (let i = 1; i < tokens.length; i++) {
		const t = tokens[i] ?? '';
		if (t === '') continue;
		if (t === 'brd' || t === 'scope' || t === 'peer' || t === 'metric' || t === 'proto') {
			const v = tokens[++i];
			if (v === undefined) break;
			if (t === 'brd') address.broadcast = v;
			if (t === 'scope') address.scope = v;
			continue;
		}
		if (t === 'valid_lft' || t === 'preferred_lft') {
			i++;
			continue;
		}
		if (ADDR_FLAGS.has(t)) {
			address.flags.push(t);
			continue;
		}
		// The label is printed last for IPv4: the interface name or `name:alias`.
		if (
			family === 'inet' &&
			(t === iface.name || t.startsWith(`${iface.name}:`) || i === tokens.length - 1)
		) {
			address.label = t;
			continue;
		}
		address.flags.push(t);
	}
	iface.addresses.push(address);
}

function parseTextAddr(text: string): Result {
	const order: MutableIface[] = [];
	const byKey = new Map<string, MutableIface>();
	const warnings: ParseWarning[] = [];
	let current: MutableIface | undefined;

	const ensure = (ifindex: number, name: string, line: number): MutableIface => {
		const key = `${ifindex}:${name}`;
		let iface = byKey.get(key);
		if (iface === undefined) {
			iface = {ifindex, name, flags: [], addresses: [], line};
			byKey.set(key, iface);
			order.push(iface);
		}
		return iface;
	};

	const continuation = (body: string, line: number, raw: string): void => {
		const trimmed = body.trim();
		if (trimmed === '' || current === undefined) return;
		const link = LINK.exec(trimmed);
		if (link !== null) {
			if (link[2] !== undefined && /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$/.test(link[2]))
				current.mac = link[2].toLowerCase();
			const rest = (link[3] ?? '').trim().split(/\s+/);
			for (let i = 0; i < rest.length; i++) {
				const next = rest[i + 1];
				if (rest[i] === 'link-netns' && next !== undefined) current.linkNetns = next;
				if (rest[i] === 'link-netnsid' && rest[i + 1] !== undefined) {
					const id = Number(rest[i + 1]);
					if (Number.isInteger(id)) current.linkNetnsId = id;
				}
			}
			return;
		}
		const addr = ADDR.exec(trimmed);
		if (addr !== null) {
			addAddress(
				current,
				addr[1] === 'inet6' ? 'inet6' : 'inet',
				addr[2] ?? '',
				line,
				raw,
				warnings,
			);
			return;
		}
		// valid_lft lines, altname, `ip -d` details: not needed.
	};

	/** `ip -br addr|link` line: an interface of its own (no index), its addresses or MAC. */
	const brief = (body: string, line: number, raw: string): boolean => {
		const m = BRIEF.exec(body);
		if (m === null) return false;
		const name = m[1] ?? '';
		const iface: MutableIface = {name, flags: [], addresses: [], line, operstate: m[3] ?? ''};
		if (m[2] !== undefined) iface.link = m[2];
		order.push(iface);
		current = undefined;
		for (const word of (m[4] ?? '').trim().split(/\s+/)) {
			if (word === '') continue;
			if (MAC_TEXT.test(word)) iface.mac = word.toLowerCase();
			else if (word.startsWith('<') && word.endsWith('>'))
				iface.flags = word
					.slice(1, -1)
					.split(',')
					.filter(f => f !== '');
			else addAddress(iface, word.includes(':') ? 'inet6' : 'inet', word, line, raw, warnings);
		}
		return true;
	};

	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		if (raw.trim() === '') return;
		// `ip -o` folds continuation lines into one with a literal backslash.
		const segments = raw.split('\\');
		const first = segments[0] ?? '';
		const header = HEADER.exec(first.trim());
		if (header !== null) {
			const iface = ensure(Number(header[1]), header[2] ?? '', line);
			if (header[3] !== undefined) iface.link = header[3];
			iface.flags = (header[4] ?? '').split(',').filter(f => f !== '');
			const rest = (header[5] ?? '').trim().split(/\s+/);
			for (let i = 0; i < rest.length; i++) {
				const v = rest[i + 1];
				if (v === undefined) break;
				if (rest[i] === 'mtu' && /^\d+$/.test(v)) iface.mtu = Number(v);
				if (rest[i] === 'state') iface.operstate = v;
			}
			current = iface;
		} else {
			const one = ONELINE_ADDR.exec(first.trim());
			if (one !== null) {
				const iface = ensure(Number(one[1]), one[2] ?? '', line);
				current = iface;
				addAddress(iface, one[3] === 'inet6' ? 'inet6' : 'inet', one[4] ?? '', line, raw, warnings);
			} else if (
				current !== undefined &&
				(/^\s/.test(first) || /^(?:link\/|inet6? |altname |valid_lft )/.test(first.trim()))
			) {
				// continuation lines, also pasted without their indentation
				continuation(first, line, raw);
			} else if (!brief(first.trim(), line, raw)) {
				warnings.push(warning(line, `not an interface or address line; ${ADDR_FORMS}`, raw));
				return;
			}
		}
		for (const segment of segments.slice(1)) continuation(segment, line, raw);
	});
	return result(
		'ip-addr',
		order.map(iface => ({...iface})),
		warnings,
	);
}
