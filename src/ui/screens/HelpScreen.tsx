import {useMemo, type ReactNode} from 'react';
import {Box} from 'ink';
import {aliases, bindings, keyLabel, type Binding} from '../keymap.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {pad, wrap} from '../text.js';
import {useAppStore} from '../context.js';
import {exampleVip} from '../../state/selectors.js';

/** Generated from the bindings and alias tables, so it cannot drift from what the keys do. */
export function HelpScreen({
	height,
	width,
}: {
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const vip = useAppStore(exampleVip);
	const rows = useMemo((): ListRow[] => {
		// Examples name this incident's VIP, not a made-up one.
		const example = (text: string): string => text.replaceAll('10.0.0.100', vip);
		const out: ListRow[] = [{key: 'h1', text: 'Keys', bold: true}];
		// A description longer than the terminal wraps under itself (80 columns show every word).
		const entry = (key: string, label: string, labelWidth: number, help: string): void => {
			const indent = 2 + labelWidth + 1;
			wrap(help, Math.max(20, width - 1 - indent)).forEach((line, i) => {
				out.push({
					key: i === 0 ? key : `${key}~${i}`,
					text: i === 0 ? `  ${pad(label, labelWidth)} ${line}` : `${' '.repeat(indent)}${line}`,
				});
			});
		};
		const all = bindings as readonly Binding[];
		for (const b of all.filter(x => x.mode === undefined))
			entry(b.command, b.keys.map(keyLabel).join(' '), 18, example(b.help));
		out.push({key: 'hi', text: ''});
		out.push({key: 'hi2', text: 'While typing a filter (/) or a command (:)', bold: true});
		for (const b of all.filter(x => x.mode === 'input'))
			entry(b.command, b.keys.map(keyLabel).join(' '), 18, b.help);
		out.push({key: 'h2', text: ''});
		out.push({
			key: 'h3',
			text: 'Commands (type : then the command, Enter; Tab completes)',
			bold: true,
		});
		for (const a of aliases)
			entry(
				`a${a.names[0] ?? ''}`,
				`:${a.names[0] ?? ''} ${a.args}`,
				18,
				`${a.help}${
					a.names.length > 1
						? ` (also ${a.names
								.slice(1)
								.map(n => `:${n}`)
								.join(', ')})`
						: ''
				}`,
			);
		out.push({key: 'h4', text: ''});
		out.push({key: 'h5', text: 'Flow filter (/ on the flows screen)', bold: true});
		for (const [i, l] of [
			'arp && arp_tpa=10.0.0.100   field present, field equals (IPs: =10.0.0.0/24 is containment)',
			'table=22   table>=20   table=ARP_RESPONDER   priority>2   n_packets>0',
			'actions~=drop   output=patch-tun   resubmit=22   (~= is "contains")',
			'node=compute-1   bridge=br-tun   !arp   a || b   (a || b) && c',
			'10.0.0.100   a bare word searches the flow text and decoded notes',
		].entries())
			out.push({key: `f${i}`, text: `  ${example(l)}`});
		out.push({key: 'h6', text: ''});
		out.push({
			key: 'h7',
			text: 'Other lists: / is a substring filter; !text excludes. Esc clears a filter being typed.',
			bold: false,
		});
		return out;
	}, [width, vip]);
	const cursor = useList(rows.length, height);
	return (
		<Box flexDirection="column">
			<ListView rows={rows} cursor={cursor} height={height} width={width} />
		</Box>
	);
}
