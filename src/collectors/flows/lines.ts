/**
 * `ovs-ofctl dump-flows` text as people paste it: lines wrapped by a terminal or a web page, and
 * a first line cut at its head (a truncated sos capture: `t=4 actions=load:…`). Wrapped pieces
 * are joined back to their flow; a line that does not begin like a flow and continues none is a
 * warning with its line number, never a flow. Dumps whose every line begins with `cookie=` (what
 * OVS prints) are left alone without copying.
 */
import type {ParseWarning} from '../../model/facts.js';
import {FLAG_WORDS, STAT_KEY_NAMES} from './format.js';

/** What the ovs-flows parser reads, for messages about lines it cannot. */
export const FLOW_FORMS =
	'ovs-ofctl [-O OpenFlow13] [--names] [--no-stats] dump-flows <bridge> lines (cookie=…, table=…, priority=…, match… actions=…)';

/** Keys and flag words that can begin a flow line (stats, then the match). */
const STAT_WORDS = new Set<string>([
	...STAT_KEY_NAMES,
	'priority',
	...FLAG_WORDS,
	'out_port',
	'out_group',
]);

/** OpenFlow match field names and protocol shorthands (ovs-fields(7), ovs-ofctl(8)). */
const MATCH_WORDS = new Set([
	...['in_port', 'in_port_oxm', 'in_phy_port', 'actset_output', 'packet_type', 'metadata'],
	...['dl_src', 'dl_dst', 'dl_type', 'dl_vlan', 'dl_vlan_pcp', 'vlan_tci', 'vlan_vid', 'vlan_pcp'],
	...['eth_src', 'eth_dst', 'eth_type', 'mpls_label', 'mpls_tc', 'mpls_bos', 'mpls_ttl'],
	...['nw_src', 'nw_dst', 'nw_proto', 'nw_tos', 'nw_ecn', 'nw_ttl', 'nw_frag', 'ip_frag'],
	...['ip_src', 'ip_dst', 'ip_dscp', 'ip_ecn', 'ip_proto', 'ipv6_src', 'ipv6_dst', 'ipv6_label'],
	...['arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha', 'nd_target', 'nd_sll', 'nd_tll'],
	...['tp_src', 'tp_dst', 'tcp_src', 'tcp_dst', 'tcp_flags', 'udp_src', 'udp_dst'],
	...['sctp_src', 'sctp_dst', 'icmp_type', 'icmp_code', 'icmpv6_type', 'icmpv6_code'],
	...['tun_id', 'tunnel_id', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_flags'],
	...['tun_gbp_id', 'tun_gbp_flags', 'pkt_mark', 'skb_priority', 'recirc_id', 'dp_hash'],
	...['conj_id', 'ct_state', 'ct_zone', 'ct_mark', 'ct_label', 'ct_nw_src', 'ct_nw_dst'],
	...['ct_nw_proto', 'ct_tp_src', 'ct_tp_dst', 'ct_ipv6_src', 'ct_ipv6_dst'],
	...['ip', 'ipv6', 'icmp', 'icmp6', 'tcp', 'tcp6', 'udp', 'udp6', 'sctp', 'sctp6', 'arp', 'rarp'],
	...['mpls', 'mplsm', 'eth', 'dl_vlan_pcp'],
]);

const NUMBERED = /^(?:reg|xreg|xxreg|tun_metadata)\d+$/;

/** First word of a line: up to `=`, `,`, space or `(`. */
const firstWord = (line: string): string => /^[^=,\s(]*/.exec(line)?.[0] ?? '';

/** True when a (trimmed) line begins as `ovs-ofctl dump-flows` prints a flow. */
export function beginsLikeFlow(line: string): boolean {
	const word = firstWord(line);
	return STAT_WORDS.has(word) || MATCH_WORDS.has(word) || NUMBERED.test(word);
}

/** A flow line never ends like this: the action goes on in the next piece. */
const OPEN_END = /[-:>,(=[.]$/;

const isHeader = (line: string): boolean =>
	line.startsWith('NXST_FLOW') || line.startsWith('OFPST_FLOW');

/** The line ends and their trimmed bodies, in one pass. */
function physicalLines(text: string): string[] {
	return text.split('\n').map(l => l.replace(/\r$/, '').trim());
}

/** True when every non-empty line is a header or begins with `cookie=` (nothing to join). */
function plainDump(text: string): boolean {
	let pos = 0;
	const len = text.length;
	while (pos < len) {
		let nl = text.indexOf('\n', pos);
		if (nl < 0) nl = len;
		let s = pos;
		while (s < nl && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
		const empty = s === nl || (s === nl - 1 && text.charCodeAt(s) === 13);
		if (!empty && !text.startsWith('cookie=', s) && !isHeader(text.slice(s, s + 10))) return false;
		pos = nl + 1;
	}
	return true;
}

export type JoinedFlows = {
	/** One flow (or header) per line. */
	readonly text: string;
	/** Line of the original text each line of `text` began on (index 0 = line 1). */
	readonly lines: readonly number[];
	/** Lines that are no flow: a head cut, or a piece that continues nothing. */
	readonly warnings: readonly ParseWarning[];
};

/**
 * Join wrapped flow lines and drop lines that do not begin like a flow; `undefined` when the
 * text needs neither (then parse it as it is).
 */
export function joinFlowLines(text: string): JoinedFlows | undefined {
	if (plainDump(text)) return undefined;
	const out: string[] = [];
	const lines: number[] = [];
	const warnings: ParseWarning[] = [];
	let pending: {text: string; line: number; actions: boolean; flow: boolean} | undefined;
	const flush = (): void => {
		if (pending === undefined) return;
		if (pending.flow) {
			out.push(pending.text);
			lines.push(pending.line);
		} else
			warnings.push({
				line: pending.line,
				message: `does not begin like a flow ("${firstWord(pending.text) || pending.text.slice(0, 12)}…": a line cut at its head, or a piece of a wrapped one?); read are ${FLOW_FORMS}`,
				text: pending.text.slice(0, 200),
			});
		pending = undefined;
	};
	let header = false;
	physicalLines(text).forEach((body, i) => {
		if (body === '') return;
		// A reply header (`NXST_FLOW reply (xid=0x4):`), wrapped or not, ends with a colon.
		if (header) {
			header = !body.endsWith(':');
			return;
		}
		if (isHeader(body)) {
			flush();
			out.push(body);
			lines.push(i + 1);
			header = !body.endsWith(':');
			return;
		}
		// A piece continues the flow before it: any piece until `actions=` is seen (a new flow
		// begins with `cookie=`), then pieces of one word that begin like no flow or follow a
		// piece that cannot end a flow (`…->`, `…,`).
		const continues =
			pending !== undefined &&
			(pending.actions
				? !/\s/.test(body) && (OPEN_END.test(pending.text) || !beginsLikeFlow(body))
				: !body.startsWith('cookie='));
		if (continues && pending !== undefined) {
			pending.text += (body.startsWith('actions=') ? ' ' : '') + body;
			pending.actions = pending.text.includes('actions=');
			return;
		}
		flush();
		pending = {
			text: body,
			line: i + 1,
			actions: body.includes('actions='),
			flow: beginsLikeFlow(body),
		};
	});
	flush();
	return {text: out.join('\n'), lines, warnings};
}
