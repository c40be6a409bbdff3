/**
 * `ovs-vsctl show` → bridges, ports, interfaces. OVS 2.x quotes names that contain dashes
 * (`Port "vxlan-0a00644d"`), 3.x prints them bare; both read the same. Nesting is taken from the
 * keyword and its indentation (4 spaces per level).
 */
import type {OvsShow, ParseWarning, Parser} from '../../model/facts.js';
import {unquote} from '../flows/format.js';

type MutableInterface = {
	name: string;
	type?: string;
	options: Record<string, string>;
	error?: string;
};
type MutablePort = {name: string; tag?: number; interfaces: MutableInterface[]; line: number};
type MutableBridge = {
	name: string;
	controllers: string[];
	failMode?: string;
	datapathType?: string;
	ports: MutablePort[];
	line: number;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Splits `a=b, c="d, e"` at top-level `, ` outside quotes, braces and brackets. */
function splitItems(body: string): string[] {
	const items: string[] = [];
	let depth = 0;
	let quoted = false;
	let start = 0;
	for (let i = 0; i < body.length; i++) {
		const c = body[i];
		if (quoted) {
			if (c === '\\') i++;
			else if (c === '"') quoted = false;
		} else if (c === '"') quoted = true;
		else if (c === '{' || c === '[') depth++;
		else if (c === '}' || c === ']') depth--;
		else if (c === ',' && depth === 0) {
			items.push(body.slice(start, i).trim());
			start = i + 1;
		}
	}
	const last = body.slice(start).trim();
	if (last !== '') items.push(last);
	return items;
}

/** `{peer=phy-br-ex, remote_ip="10.0.0.2"}` → record with unquoted values; undefined if not a map. */
export function parseOvsMap(text: string): Record<string, string> | undefined {
	const t = text.trim();
	if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
	const out: Record<string, string> = Object.create(null) as Record<string, string>;
	for (const item of splitItems(t.slice(1, -1))) {
		const eq = item.indexOf('=');
		if (eq <= 0) return undefined;
		out[unquote(item.slice(0, eq))] = unquote(item.slice(eq + 1));
	}
	return out;
}

/** What this parser reads, for messages about lines it cannot. */
const SHOW_FORMS =
	'`ovs-vsctl show` output, whole or an excerpt that starts at a Bridge (or Port) line, at any uniform indentation';

/** Indentation of the first item of each kind in `ovs-vsctl show` (4 spaces per level). */
const LEVEL_OF: Readonly<Record<string, number>> = {
	Bridge: 4,
	Manager: 4,
	'ovs_version:': 4,
	Port: 8,
	Controller: 8,
	'fail_mode:': 8,
	'datapath_type:': 8,
	Interface: 12,
	'tag:': 12,
	'type:': 16,
	'options:': 16,
	'error:': 16,
};

/**
 * How far a pasted excerpt is shifted from where `ovs-vsctl show` prints it: the first line's
 * indentation minus the one its keyword has (a UUID line is at 0). 0 when unknown.
 */
function excerptShift(lines: readonly string[]): number {
	const first = lines.find(l => l.trim() !== '');
	if (first === undefined) return 0;
	const trimmed = first.trim();
	const indent = first.length - first.trimStart().length;
	const level = UUID.test(trimmed) ? 0 : LEVEL_OF[trimmed.split(' ')[0] ?? ''];
	return level === undefined ? 0 : indent - level;
}

function parseShow(text: string): {facts: OvsShow; warnings: ParseWarning[]} {
	const warnings: ParseWarning[] = [];
	const managers: string[] = [];
	const bridges: MutableBridge[] = [];
	let uuid: string | undefined;
	let ovsVersion: string | undefined;
	let bridge: MutableBridge | undefined;
	let port: MutablePort | undefined;
	let iface: MutableInterface | undefined;
	/** What the last 8-space item was: a Controller (whose children are ignored) or a Port. */
	let in8: 'port' | 'controller' | 'other' = 'other';

	const lines = text.split('\n');
	const shift = excerptShift(lines);
	for (let i = 0; i < lines.length; i++) {
		const lineNo = i + 1;
		const raw = (lines[i] ?? '').replace(/\r$/, '');
		const trimmed = raw.trim();
		if (trimmed === '') continue;
		const indent = raw.length - raw.trimStart().length - shift;
		const warn = (message: string): void => {
			warnings.push({line: lineNo, message, text: raw.slice(0, 200)});
		};
		const sp = trimmed.indexOf(' ');
		const word = sp < 0 ? trimmed : trimmed.slice(0, sp);
		const rest = sp < 0 ? '' : trimmed.slice(sp + 1).trim();
		const colonValue = (): string => unquote(trimmed.slice(trimmed.indexOf(':') + 1).trim());

		if (indent === 0) {
			if (UUID.test(trimmed)) uuid = trimmed;
			else warn(`expected the Open_vSwitch UUID line; read are ${SHOW_FORMS}`);
			continue;
		}
		if (indent <= 4) {
			bridge = undefined;
			port = undefined;
			iface = undefined;
			in8 = 'other';
			if (word === 'Bridge' && rest !== '') {
				bridge = {name: unquote(rest), controllers: [], ports: [], line: lineNo};
				bridges.push(bridge);
			} else if (word === 'Manager' && rest !== '') managers.push(unquote(rest));
			else if (word === 'ovs_version:') ovsVersion = colonValue();
			else if (!word.endsWith(':')) warn(`unexpected top-level item "${word}"`);
			continue;
		}
		if (indent <= 8) {
			port = undefined;
			iface = undefined;
			in8 = 'other';
			if (bridge === undefined) {
				// children of a Manager (is_connected …) or of nothing
				if (!word.endsWith(':')) warn(`"${word}" outside a Bridge`);
				continue;
			}
			if (word === 'Port' && rest !== '') {
				port = {name: unquote(rest), interfaces: [], line: lineNo};
				bridge.ports.push(port);
				in8 = 'port';
			} else if (word === 'Controller' && rest !== '') {
				bridge.controllers.push(unquote(rest));
				in8 = 'controller';
			} else if (word === 'fail_mode:') bridge.failMode = colonValue();
			else if (word === 'datapath_type:') bridge.datapathType = colonValue();
			else if (!word.endsWith(':')) warn(`unexpected bridge item "${word}"`);
			continue;
		}
		if (indent <= 12) {
			iface = undefined;
			if (in8 === 'controller') continue;
			if (port === undefined) {
				warn(`"${word}" outside a Port`);
				continue;
			}
			if (word === 'Interface' && rest !== '') {
				iface = {name: unquote(rest), options: {}};
				port.interfaces.push(iface);
			} else if (word === 'tag:') {
				const tag = Number(colonValue());
				if (Number.isInteger(tag)) port.tag = tag;
				else warn(`bad tag "${colonValue()}"`);
			} else if (!word.endsWith(':')) warn(`unexpected port item "${word}"`);
			continue;
		}
		if (iface === undefined) {
			if (in8 !== 'controller') warn(`"${word}" outside an Interface`);
			continue;
		}
		if (word === 'type:') iface.type = colonValue();
		else if (word === 'error:') iface.error = colonValue();
		else if (word === 'options:') {
			const map = parseOvsMap(rest);
			if (map === undefined) warn(`unreadable options "${rest}"`);
			else iface.options = map;
		} else if (!word.endsWith(':')) warn(`unexpected interface item "${word}"`);
	}

	const facts: OvsShow = {
		...(uuid === undefined ? {} : {uuid}),
		managers,
		bridges: bridges,
		...(ovsVersion === undefined ? {} : {ovsVersion}),
	};
	return {facts, warnings};
}

export const ovsVsctlShowParser: Parser<'ovs-vsctl-show'> = {
	kind: 'ovs-vsctl-show',
	title: 'Open vSwitch bridges, ports and interfaces',
	reads: ['ovs-vsctl show', 'an excerpt of it from a Bridge line'],
	parse(text) {
		try {
			const {facts, warnings} = parseShow(text);
			return {kind: 'ovs-vsctl-show', facts, warnings};
		} catch (error) {
			return {
				kind: 'ovs-vsctl-show',
				facts: {managers: [], bridges: []},
				warnings: [{line: 1, message: `internal parser error: ${String(error)}`}],
			};
		}
	},
};
