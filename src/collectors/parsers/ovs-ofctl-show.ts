/**
 * `ovs-ofctl [-O OpenFlow13] show <bridge>` → datapath id and the ofport ↔ name map
 * (` 1(patch-tun): addr:…`, ` LOCAL(br-int): addr:…`) with each port's config/state words.
 */
import type {OfctlPort, OfctlShow, ParseWarning, Parser} from '../../model/facts.js';

type MutablePort = {-readonly [K in keyof OfctlPort]: OfctlPort[K]};

const PORT = /^\s+(\d+|LOCAL)\((.*)\): addr:([0-9a-fA-F:]+)\s*$/;
const PORTISH = /^\s+(\d+|LOCAL)\(/;
const DPID = /\bdpid:([0-9a-fA-F]+)/;
const FIELD = /^\s+(config|state):\s+(.*?)\s*$/;

function parseShow(text: string): {facts: OfctlShow; warnings: ParseWarning[]} {
	const warnings: ParseWarning[] = [];
	const ports: MutablePort[] = [];
	let dpid: string | undefined;
	let port: MutablePort | undefined;
	text.split('\n').forEach((rawLine, i) => {
		const line = rawLine.replace(/\r$/, '');
		const lineNo = i + 1;
		const d = DPID.exec(line);
		if (d?.[1] !== undefined && dpid === undefined) dpid = d[1].toLowerCase();
		const m = PORT.exec(line);
		if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
			port = {
				ofport: m[1] === 'LOCAL' ? 'LOCAL' : Number(m[1]),
				name: m[2],
				mac: m[3].toLowerCase(),
				line: lineNo,
			};
			ports.push(port);
			return;
		}
		if (PORTISH.test(line)) {
			warnings.push({line: lineNo, message: 'unreadable port line', text: line.slice(0, 200)});
			port = undefined;
			return;
		}
		if (!line.startsWith(' ')) {
			port = undefined;
			return;
		}
		const f = FIELD.exec(line);
		if (port !== undefined && f?.[1] !== undefined && f[2] !== undefined) {
			if (f[1] === 'config') port.config = f[2];
			else port.state = f[2];
		}
	});
	return {facts: dpid === undefined ? {ports} : {dpid, ports}, warnings};
}

export const ovsOfctlShowParser: Parser<'ovs-ofctl-show'> = {
	kind: 'ovs-ofctl-show',
	title: 'OpenFlow port numbers and names',
	reads: ['ovs-ofctl show <bridge>', 'ovs-ofctl -O OpenFlow13 show <bridge>'],
	parse(text) {
		try {
			const {facts, warnings} = parseShow(text);
			return {kind: 'ovs-ofctl-show', facts, warnings};
		} catch (error) {
			return {
				kind: 'ovs-ofctl-show',
				facts: {ports: []},
				warnings: [{line: 1, message: `internal parser error: ${String(error)}`}],
			};
		}
	},
};
