import {useMemo, type ReactNode} from 'react';
import {useAppStore, useTheme} from '../context.js';
import {Browser, type BrowserRow} from './Browser.js';
import {pad} from '../text.js';
import {selectFindings} from '../../state/selectors.js';
import {ovnScreenRows} from '../../state/ovn-rows.js';

type Props = {readonly height: number; readonly width: number};

/**
 * ml2/ovn in place of the qrouter neighbours: per VIP, the virtual port (NB), the port binding
 * OVN believes holds it (SB virtual_parent and chassis), each member's port_security and the
 * routers' MAC_Binding rows. Rows a finding quotes are marked; Enter opens the NB/SB line.
 */
export function OvnScreen({height, width}: Props): ReactNode {
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const ovn = useMemo(() => ovnScreenRows(snapshot, findings), [snapshot, findings]);
	const rows = useMemo(
		(): BrowserRow[] =>
			(ovn ?? []).map(r => {
				const mark = r.finding === undefined ? '' : `✗ ${r.finding.severity.toUpperCase()}`;
				return {
					key: r.key,
					text: `${pad(mark, 11)} ${pad(r.vip, 16)} ${pad(r.kind, 12)} ${pad(r.what, 24)} ${r.detail}`,
					bold: r.finding !== undefined,
					color: r.finding === undefined ? undefined : theme.severity[r.finding.severity],
					...(r.open === undefined ? {} : {open: r.open}),
					hay: r.finding?.ruleId ?? '',
				};
			}),
		[ovn, theme],
	);
	return (
		<Browser
			title="OVN (ml2/ovn): virtual ports, bindings, port security, MAC_Binding"
			columns={`${pad('', 11)} ${pad('VIP', 16)} ${pad('ROW', 12)} ${pad('PORT', 24)} DETAIL`}
			rows={rows}
			height={height}
			width={width}
			empty={
				ovn === undefined
					? 'No OVN NB and SB read: not an ml2/ovn capture set (or the ovn-db node was not collected).'
					: 'No VIP in the OVN databases.'
			}
		/>
	);
}
