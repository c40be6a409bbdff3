import {useMemo, type ReactNode} from 'react';
import {Box} from 'ink';
import {aliases, bindings, keyLabel, type Binding} from '../keymap.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {pad} from '../text.js';

/** Generated from the bindings and alias tables, so it cannot drift from what the keys do. */
export function HelpScreen({
	height,
	width,
}: {
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const rows = useMemo((): ListRow[] => {
		const out: ListRow[] = [{key: 'h1', text: 'Keys', bold: true}];
		for (const b of bindings as readonly Binding[])
			out.push({key: b.command, text: `  ${pad(b.keys.map(keyLabel).join(' '), 18)} ${b.help}`});
		out.push({key: 'h2', text: ''});
		out.push({
			key: 'h3',
			text: 'Commands (type : then the command, Enter; Tab completes)',
			bold: true,
		});
		for (const a of aliases)
			out.push({
				key: `a${a.names[0] ?? ''}`,
				text: `  :${pad(`${a.names[0] ?? ''} ${a.args}`, 17)} ${a.help}${a.names.length > 1 ? ` (also ${a.names.slice(1).join(', ')})` : ''}`,
			});
		out.push({key: 'h4', text: ''});
		out.push({key: 'h5', text: 'Flow filter (/ on the flows screen)', bold: true});
		for (const [i, l] of [
			'arp && arp_tpa=10.0.0.100   field present, field equals (IPs: =10.0.0.0/24 is containment)',
			'table=22   table>=20   table=ARP_RESPONDER   priority>2   n_packets>0',
			'actions~=drop   output=patch-tun   resubmit=22   (~= is "contains")',
			'node=compute-1   bridge=br-tun   !arp   a || b   (a || b) && c',
			'10.0.0.100   a bare word searches the flow text and decoded notes',
		].entries())
			out.push({key: `f${i}`, text: `  ${l}`});
		out.push({key: 'h6', text: ''});
		out.push({
			key: 'h7',
			text: 'Other lists: / is a substring filter; !text excludes. Esc clears a filter being typed.',
			bold: false,
		});
		return out;
	}, []);
	const cursor = useList(rows.length, height);
	return (
		<Box flexDirection="column">
			<ListView rows={rows} cursor={cursor} height={height} width={width} />
		</Box>
	);
}
