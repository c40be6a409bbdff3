/**
 * The flow words `ofproto/trace` may be given (issue 22). A flow is built from typed fields by
 * {@link traceFlow} and checked word by word by {@link checkTraceFlow} before the catalog puts it
 * in an argv: known keys only, each value in its own strict form, no packet and no option.
 */

/** Longest flow accepted (an IPv6 flow with a tunnel id fits comfortably). */
export const MAX_FLOW_LENGTH = 400;

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9a-f:]{2,39}$/;
/** An OVS port name (`tap1a2b3c4d-5e`, `qr-…`, `patch-tun`, `vxlan-c6120112`) or an OpenFlow port number. */
const PORT = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}|\d{1,5})$/;
const TUN_ID = /^(?:0x[0-9a-f]{1,16}|\d{1,20})$/;
const VLAN = /^\d{1,4}$/;

/** Protocol words (no value). */
const PROTOCOLS = new Set(['ip', 'ipv6', 'arp', 'icmp', 'icmp6', 'tcp', 'udp']);

/** Keys with a value, and the form of the value. */
const VALUED: Readonly<Record<string, (value: string) => boolean>> = {
	in_port: v => PORT.test(v),
	dl_src: v => MAC.test(v),
	dl_dst: v => MAC.test(v),
	nw_src: v => IPV4.test(v),
	nw_dst: v => IPV4.test(v),
	ipv6_src: v => IPV6.test(v),
	ipv6_dst: v => IPV6.test(v),
	tun_id: v => TUN_ID.test(v),
	tun_src: v => IPV4.test(v),
	tun_dst: v => IPV4.test(v),
	dl_vlan: v => VLAN.test(v) && Number(v) < 4096,
	arp_spa: v => IPV4.test(v),
	arp_tpa: v => IPV4.test(v),
	arp_op: v => v === '1' || v === '2',
};

/** `undefined` when every word of `flow` is a known key with a legal value, else why not. */
export function checkTraceFlow(flow: string): string | undefined {
	if (flow.startsWith('-')) return 'a flow never starts with "-" (no -generate, no options)';
	const words = flow.split(',');
	const seen = new Set<string>();
	for (const word of words) {
		const eq = word.indexOf('=');
		const key = eq === -1 ? word : word.slice(0, eq);
		if (seen.has(key)) return `"${key}" appears twice`;
		seen.add(key);
		if (eq === -1) {
			if (!PROTOCOLS.has(key)) return `"${key}" is not a protocol word dvrscope traces with`;
			continue;
		}
		const check = VALUED[key];
		if (check === undefined) return `"${key}" is not a field dvrscope traces with`;
		if (!check(word.slice(eq + 1))) return `"${word}" is not a legal ${key}`;
	}
	if (!seen.has('in_port')) return 'a trace needs in_port (without it OVS cannot start)';
	const l3 = ['nw_src', 'nw_dst'].some(k => seen.has(k));
	// OVS refuses nw_* without ip ("prerequisites not met"): refuse before running
	if (l3 && !['ip', 'icmp', 'tcp', 'udp'].some(k => seen.has(k)))
		return 'nw_src/nw_dst need "ip" (OVS: prerequisites not met)';
	return undefined;
}

/** Typed fields of a trace; `undefined` fields are left out. */
export type TraceFlowFields = {
	readonly inPort: string;
	readonly tunId?: string;
	readonly dlSrc?: string;
	readonly dlDst?: string;
	readonly nwSrc?: string;
	readonly nwDst?: string;
};

/** The flow word of a trace: `in_port=…,[tun_id=…,]ip,dl_src=…,dl_dst=…,nw_src=…,nw_dst=…`. */
export function traceFlow(fields: TraceFlowFields): string {
	const words = [`in_port=${fields.inPort}`];
	if (fields.tunId !== undefined) words.push(`tun_id=${fields.tunId}`);
	words.push('ip');
	if (fields.dlSrc !== undefined) words.push(`dl_src=${fields.dlSrc.toLowerCase()}`);
	if (fields.dlDst !== undefined) words.push(`dl_dst=${fields.dlDst.toLowerCase()}`);
	if (fields.nwSrc !== undefined) words.push(`nw_src=${fields.nwSrc}`);
	if (fields.nwDst !== undefined) words.push(`nw_dst=${fields.nwDst}`);
	return words.join(',');
}
