/**
 * What a command found in a sos report or osctl dump is, in dvrscope's terms: the parser kind that
 * reads its output and the namespace/bridge it is about. One table for both formats, keyed by the
 * command's words (sos manifests give `exec`; file names are turned back into words first).
 */
import type {CaptureParams} from '../model/capture.js';
import {OVN_TABLE_DB} from '../collectors/parsers/ovn-db.js';
import type {ParserKind} from '../model/facts.js';

export type Classified = {readonly kind: ParserKind; readonly params?: CaptureParams};

const NEUTRON_NS = /^(?:qrouter|snat|fip|qdhcp)-[0-9a-f-]{36}$/;
const BRIDGE = /^br-?[A-Za-z0-9_.-]{1,13}$/;

const words = (argv: readonly string[], from: number): string => argv.slice(from).join(' ');

/** `ip …` words (after any `ip netns exec NS`) → kind. */
function ipKind(rest: string): ParserKind | undefined {
	// Options that do not change the format the parsers read: -s, -d, -4/-6 stay; -j is JSON (read too).
	const verb = rest
		.replace(/^ip\s+/, '')
		.replace(/(^|\s)-(?:s|d|o|j|4|6|details|stats)(?=\s|$)/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	if (/^(?:addr|address|a)(?:\s+(?:show|list|sh|ls))?$/.test(verb)) return 'ip-addr';
	if (/^(?:neigh|nei|neighbor|neighbour|n)(?:\s+(?:show|list|sh|ls))?$/.test(verb))
		return 'ip-neigh';
	if (/^(?:route|r|ro)\s+(?:show|list)\s+table\s+all$/.test(verb)) return 'ip-route';
	if (/^(?:rule|ru)(?:\s+(?:show|list|sh|ls))?$/.test(verb)) return 'ip-rule';
	if (/^netns(?:\s+(?:list|show|ls))?$/.test(verb)) return 'ip-netns';
	return undefined;
}

/** Words of an `openstack … list|show` command → kind. */
function openstackKind(argv: readonly string[]): ParserKind | undefined {
	const text = words(argv, 1);
	if (/^port (?:list|show)\b/.test(text)) return 'openstack-ports';
	if (/^router (?:list|show)\b/.test(text)) return 'openstack-routers';
	if (/^network agent (?:list|show)\b/.test(text)) return 'openstack-agents';
	if (/^subnet (?:list|show)\b/.test(text)) return 'openstack-subnets';
	if (/^network (?:list|show)\b/.test(text)) return 'openstack-networks';
	return undefined;
}

/** The bridge an `ovs-ofctl … VERB BR` / `ovs-appctl fdb/show BR` command names. */
function bridgeAfter(argv: readonly string[], verb: string): string | undefined {
	const at = argv.indexOf(verb);
	if (at < 0) return undefined;
	const bridge = argv.slice(at + 1).find(w => !w.startsWith('-'));
	return bridge !== undefined && BRIDGE.test(bridge) ? bridge : undefined;
}

/**
 * `ovn-nbctl|ovn-sbctl [--no-leader-only] list T` of a table dvrscope reads, whole (sos's
 * ovn_central): its text output is the same rows as the JSON read. `--columns=_uuid list
 * MAC_Binding` (sos counts the rows that way) and every other verb are not.
 */
function ovnList(head: string, rest: readonly string[]): Classified | undefined {
	const words = rest.slice(1).filter(w => w !== '--no-leader-only');
	if (words.length !== 2 || words[0] !== 'list') return undefined;
	const db = OVN_TABLE_DB[words[1] ?? ''];
	return db !== undefined && db === (head === 'ovn-nbctl' ? 'nb' : 'sb')
		? {kind: 'ovn-db'}
		: undefined;
}

/**
 * Kind and params of a command, or undefined for one no dvrscope parser reads (`netstat`,
 * `iptables-save`, `ovs-ofctl dump-ports` …).
 */
export function classifyCommand(argv: readonly string[]): Classified | undefined {
	let rest = argv;
	let namespace: string | undefined;
	if (rest[0] === 'ip' && rest[1] === 'netns' && rest[2] === 'exec' && rest[3] !== undefined) {
		namespace = rest[3];
		rest = rest.slice(4);
	}
	const head = rest[0]?.replace(/^.*\//, '');
	if (head === 'ip') {
		const kind = ipKind(rest.join(' '));
		if (kind === undefined) return undefined;
		if (kind === 'ip-netns') return namespace === undefined ? {kind} : undefined;
		if (namespace !== undefined && !NEUTRON_NS.test(namespace)) return undefined;
		return {kind, params: {namespace: namespace ?? ''}};
	}
	if (namespace !== undefined) return undefined;
	if (head === 'ovs-ofctl') {
		const flows = bridgeAfter(rest, 'dump-flows');
		if (flows !== undefined) return {kind: 'ovs-flows', params: {bridge: flows}};
		const show = bridgeAfter(rest, 'show');
		if (show !== undefined) return {kind: 'ovs-ofctl-show', params: {bridge: show}};
		return undefined;
	}
	if (head === 'ovs-appctl') {
		const fdb = bridgeAfter(rest, 'fdb/show');
		return fdb === undefined ? undefined : {kind: 'ovs-fdb', params: {bridge: fdb}};
	}
	if (head === 'ovs-vsctl') {
		const verbs = rest.filter(w => !w.startsWith('-') && !/^\d+$/.test(w)).slice(1);
		if (verbs.length === 1 && verbs[0] === 'show') return {kind: 'ovs-vsctl-show'};
		// the local Open_vSwitch row (external_ids: ovn-remote, system-id …): ml2/ovn evidence
		return verbs.join(' ') === 'list Open_vSwitch' && !rest.some(w => w.startsWith('--columns'))
			? {kind: 'ovsdb-json'}
			: undefined;
	}
	if (head === 'ovn-nbctl' || head === 'ovn-sbctl') return ovnList(head, rest);
	if (head === 'openstack') {
		const kind = openstackKind(rest);
		return kind === undefined ? undefined : {kind};
	}
	return undefined;
}

/**
 * Words of a command from the file name sos gave its output (`_mangle_command`: every run of
 * characters other than word characters, `-`, `.` and `/` became `_`, `/` became `.`). Neutron
 * namespaces, bridges and UUIDs hold none of those, so splitting on `_` gives the words back;
 * `fdb.show` is turned back into `fdb/show`.
 */
export function wordsFromSosName(name: string): string[] {
	const words = name
		.split('_')
		.filter(w => w !== '')
		.map(w => (/^[a-z-]+\.[a-z-]+$/.test(w) && !/^br/.test(w) ? w.replace('.', '/') : w));
	// OVSDB table names hold `_` themselves (`ovn-nbctl list Logical_Switch_Port`): one word again
	const list = words.indexOf('list');
	return /^(?:ovn-nbctl|ovn-sbctl|ovs-vsctl)$/.test(words[0] ?? '') &&
		list > 0 &&
		list < words.length - 1
		? [...words.slice(0, list + 1), words.slice(list + 1).join('_')]
		: words;
}
