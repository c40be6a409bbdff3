/**
 * The microflow `ovn-trace` may be given (issue 22, the OVN path). It is built from typed fields
 * by {@link ovnMicroflow} and must match {@link MICROFLOW} exactly before the catalog puts it in an
 * argv: one logical inport (an LSP name of plain characters, quoted), the client's MAC and IPv4
 * address, the next hop's MAC (its router port, or the holder's MAC on an L2 path), the
 * destination, TTL 64 and an ICMP echo request — what `ping` sends, so the switch's ACLs (a
 * security group allowing ICMP) are traced as the client's ping meets them. Nothing else: no
 * other field, no option, no expression an engineer's data could smuggle in.
 */

const MAC = '[0-9a-f]{2}(?::[0-9a-f]{2}){5}';
const IPV4 =
	'(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** A logical switch port name as Neutron writes it (the port's UUID) or a plain OVN name. */
export const LSP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/** The only microflow form the catalog runs. */
export const MICROFLOW = new RegExp(
	`^inport == "[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}" && eth\\.src == ${MAC} && ip4\\.src == ${IPV4} && eth\\.dst == ${MAC} && ip4\\.dst == ${IPV4} && ip\\.ttl == 64 && icmp4\\.type == 8 && icmp4\\.code == 0$`,
);

/** A logical datapath as ovn-trace takes it: Neutron's `neutron-<network id>` or the row's UUID. */
export const DATAPATH = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export type OvnMicroflowFields = {
	readonly inport: string;
	readonly ethSrc: string;
	readonly ip4Src: string;
	readonly ethDst: string;
	readonly ip4Dst: string;
};

/** `inport == "…" && eth.src == … && ip4.src == … && eth.dst == … && ip4.dst == … && ip.ttl == 64 && icmp4…`. */
export function ovnMicroflow(f: OvnMicroflowFields): string {
	return `inport == "${f.inport}" && eth.src == ${f.ethSrc.toLowerCase()} && ip4.src == ${f.ip4Src} && eth.dst == ${f.ethDst.toLowerCase()} && ip4.dst == ${f.ip4Dst} && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`;
}
