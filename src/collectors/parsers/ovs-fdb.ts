/**
 * `ovs-appctl fdb/show <bridge>` → MAC table entries. Header ` port  VLAN  MAC  Age`, then
 * right-aligned columns: port (number, `LOCAL` or name), VLAN (the local VLAN, lvid), MAC, age in
 * seconds or `static`.
 */
import type {Fdb, FdbEntry, ParseWarning, Parser} from '../../model/facts.js';

const HEADER = /^\s*port\s+VLAN\s+MAC\s+Age\s*$/;
const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

function parseFdb(text: string): {facts: Fdb; warnings: ParseWarning[]} {
	const warnings: ParseWarning[] = [];
	const entries: FdbEntry[] = [];
	text.split('\n').forEach((rawLine, i) => {
		const line = rawLine.replace(/\r$/, '');
		const lineNo = i + 1;
		if (line.trim() === '' || HEADER.test(line)) return;
		const warn = (message: string): undefined => {
			warnings.push({line: lineNo, message, text: line.slice(0, 200)});
			return undefined;
		};
		const cols = line.trim().split(/\s+/);
		if (cols.length !== 4) {
			warn(`expected 4 columns (port VLAN MAC Age), found ${cols.length}`);
			return;
		}
		const [port = '', vlanText = '', mac = '', ageText = ''] = cols;
		const vlan = Number(vlanText);
		if (!/^\d+$/.test(vlanText) || vlan > 4095) {
			warn(`bad VLAN "${vlanText}"`);
			return;
		}
		if (!MAC.test(mac)) {
			warn(`bad MAC "${mac}"`);
			return;
		}
		let age: number | 'static';
		if (ageText === 'static') age = 'static';
		else if (/^\d+$/.test(ageText)) age = Number(ageText);
		else {
			warn(`bad age "${ageText}"`);
			return;
		}
		entries.push({port, vlan, mac: mac.toLowerCase(), age, line: lineNo});
	});
	return {facts: {entries}, warnings};
}

export const ovsFdbParser: Parser<'ovs-fdb'> = {
	kind: 'ovs-fdb',
	title: 'Open vSwitch MAC learning table',
	reads: ['ovs-appctl fdb/show <bridge>'],
	parse(text) {
		try {
			const {facts, warnings} = parseFdb(text);
			return {kind: 'ovs-fdb', facts, warnings};
		} catch (error) {
			return {
				kind: 'ovs-fdb',
				facts: {entries: []},
				warnings: [{line: 1, message: `internal parser error: ${String(error)}`}],
			};
		}
	},
};
