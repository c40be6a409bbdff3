/**
 * The data-plane diff (src/bundle/diff.ts) rendered for the terminal, as JSON and as Markdown.
 */
import type {DataPlaneDiff, EntryStatus, FindingRef, NeighState, OwnerRef} from './diff.js';

const neighText = (s: NeighState | undefined): string =>
	s === undefined ? '—' : `${s.lladdr ?? '(no lladdr)'} ${s.states.join(',')}`.trim();

const ownerText = (o: OwnerRef | undefined): string =>
	o === undefined
		? 'unknown'
		: `${o.mac} (${o.source}${o.node === undefined ? '' : ` on ${o.node}`}${o.namespace === undefined ? '' : ` ${o.namespace}`})`;

const findingLine = (f: FindingRef): string =>
	`[${f.severity}] ${f.ruleId}${f.vip === undefined ? '' : ` VIP ${f.vip}`}${f.router === undefined ? '' : ` router ${f.router}`}: ${f.title}`;

export type DiffRenderOptions = {
	/** Also list unchanged non-VIP neighbour entries and unchanged flows. */
	readonly all?: boolean;
};

/** Plain-text rendering for the terminal. */
export function renderDiffText(diff: DataPlaneDiff, options: DiffRenderOptions = {}): string {
	const out: string[] = [];
	const s = diff.summary;
	out.push(`dvrscope diff`);
	out.push(`  before: ${diff.before.label} (${diff.before.createdAt})`);
	out.push(`  after:  ${diff.after.label} (${diff.after.createdAt})`);
	if (diff.nodes.beforeOnly.length > 0)
		out.push(`  nodes only before: ${diff.nodes.beforeOnly.join(', ')}`);
	if (diff.nodes.afterOnly.length > 0)
		out.push(`  nodes only after: ${diff.nodes.afterOnly.join(', ')}`);
	out.push('');
	out.push(
		`Summary: ${s.vipOwnersChanged} VIP owner change(s), ${s.statesChanged} HA/keepalived state change(s); neighbours ${s.neighbours.changed} changed, ${s.neighbours.unchanged} unchanged, ${s.neighbours.added} added, ${s.neighbours.removed} removed; ${s.vipEntriesUnchanged} VIP entr${s.vipEntriesUnchanged === 1 ? 'y' : 'ies'} did not change; flows +${s.flowsAdded} -${s.flowsRemoved}; findings +${s.findingsAppeared} -${s.findingsResolved}`,
	);

	out.push('', 'VIP owners');
	if (diff.vips.length === 0) out.push('  (no VIP found on either side)');
	for (const v of diff.vips) {
		const mark = v.ownerChanged ? 'MOVED  ' : 'same   ';
		out.push(`  ${mark}${v.ip}: ${ownerText(v.before)} → ${ownerText(v.after)}`);
		if (v.holdersBefore.join() !== v.holdersAfter.join())
			out.push(
				`         held by: ${v.holdersBefore.join(', ') || 'nobody seen'} → ${v.holdersAfter.join(', ') || 'nobody seen'}`,
			);
	}

	out.push('', 'HA / keepalived states');
	if (diff.states.length === 0)
		out.push('  (no L3-HA state file or keepalived state on either side)');
	for (const st of diff.states) {
		const mark = st.changed ? 'CHANGED' : 'same   ';
		out.push(
			`  ${mark} ${st.node} ${st.kind === 'ha-state' ? 'router' : 'keepalived'} ${st.key}: ${st.before ?? '—'} → ${st.after ?? '—'}`,
		);
	}

	out.push('', 'Neighbour entries in qrouter namespaces');
	if (diff.neighbours.length === 0) out.push('  (no qrouter neighbour table on either side)');
	for (const ns of diff.neighbours) {
		const c = ns.counts;
		const presence =
			ns.presence === 'both'
				? ''
				: ns.presence === 'before-only'
					? ' [only before]'
					: ' [only after]';
		out.push(
			`  ${ns.node} ${ns.namespace}${presence}: ${c.changed} changed, ${c.unchanged} unchanged, ${c.added} added, ${c.removed} removed`,
		);
		for (const e of ns.entries) {
			const vip = e.vip ? ' (VIP)' : '';
			if (e.status === 'changed')
				out.push(`    ~ ${e.dst}${vip}: ${neighText(e.before)} → ${neighText(e.after)}`);
			else if (e.status === 'added') out.push(`    + ${e.dst}${vip}: ${neighText(e.after)}`);
			else if (e.status === 'removed') out.push(`    - ${e.dst}${vip}: ${neighText(e.before)}`);
			else if (options.all === true || e.vip)
				out.push(`    = ${e.dst}${vip}: ${neighText(e.after)}`);
		}
	}

	out.push('', 'VIP entries that did NOT change');
	if (diff.vipEntriesUnchanged.length === 0) out.push('  (none)');
	for (const u of diff.vipEntriesUnchanged) {
		const note = u.ownerMoved
			? `  ← stale: the VIP moved to ${u.ownerAfter ?? '?'} but this entry still points to the old MAC`
			: '';
		out.push(
			`  ${u.node} ${u.namespace} ${u.dst} lladdr ${u.lladdr ?? '—'} ${u.states.join(',')}${note}`,
		);
	}

	out.push('', 'ARP-responder and ARP-drop flows');
	if (diff.flows.length === 0) out.push('  (none on either side)');
	for (const f of diff.flows) {
		out.push(
			`  ${f.node} ${f.bridge} ${f.kind}: +${f.added.length} -${f.removed.length} =${f.unchanged.length}`,
		);
		for (const line of f.added) out.push(`    + ${line}`);
		for (const line of f.removed) out.push(`    - ${line}`);
		if (options.all === true) for (const line of f.unchanged) out.push(`    = ${line}`);
	}

	out.push('', 'Findings');
	out.push(`  appeared (${diff.findings.appeared.length}):`);
	for (const f of diff.findings.appeared) out.push(`    + ${findingLine(f)}`);
	out.push(`  resolved (${diff.findings.resolved.length}):`);
	for (const f of diff.findings.resolved) out.push(`    - ${findingLine(f)}`);
	out.push(`  persisting (${diff.findings.persisting.length}):`);
	for (const f of diff.findings.persisting) out.push(`    = ${findingLine(f)}`);
	return `${out.join('\n')}\n`;
}

export function renderDiffJson(diff: DataPlaneDiff): string {
	return `${JSON.stringify(diff, null, 2)}\n`;
}

const md = (text: string): string => text.replace(/\|/g, '\\|');

/** Markdown for tickets. */
export function renderDiffMarkdown(diff: DataPlaneDiff, options: DiffRenderOptions = {}): string {
	const out: string[] = [];
	const s = diff.summary;
	out.push('# dvrscope data-plane diff', '');
	out.push(`- **Before:** \`${diff.before.label}\` (${diff.before.createdAt})`);
	out.push(`- **After:** \`${diff.after.label}\` (${diff.after.createdAt})`);
	out.push(
		`- **Summary:** ${s.vipOwnersChanged} VIP owner change(s), ${s.statesChanged} HA/keepalived state change(s), ${s.vipEntriesUnchanged} VIP neighbour entr${s.vipEntriesUnchanged === 1 ? 'y' : 'ies'} unchanged, findings +${s.findingsAppeared} / -${s.findingsResolved}`,
		'',
	);
	out.push('## VIP owners', '');
	if (diff.vips.length === 0) out.push('No VIP found on either side.');
	else out.push('| VIP | before | after | moved |', '|---|---|---|---|');
	for (const v of diff.vips)
		out.push(
			`| ${v.ip} | ${md(ownerText(v.before))} | ${md(ownerText(v.after))} | ${v.ownerChanged ? '**yes**' : 'no'} |`,
		);
	out.push('', '## HA / keepalived states', '');
	if (diff.states.length === 0) out.push('No L3-HA state file or keepalived state on either side.');
	else out.push('| node | kind | key | before | after |', '|---|---|---|---|---|');
	for (const st of diff.states)
		out.push(
			`| ${st.node} | ${st.kind} | ${md(st.key)} | ${st.before ?? '—'} | ${st.changed ? `**${st.after ?? '—'}**` : (st.after ?? '—')} |`,
		);
	out.push('', '## VIP neighbour entries that did NOT change', '');
	if (diff.vipEntriesUnchanged.length === 0) out.push('None.');
	else {
		out.push(
			'| node | namespace | VIP | lladdr | state | owner moved |',
			'|---|---|---|---|---|---|',
		);
		for (const u of diff.vipEntriesUnchanged)
			out.push(
				`| ${u.node} | ${u.namespace} | ${u.dst} | ${u.lladdr ?? '—'} | ${u.states.join(',')} | ${u.ownerMoved ? `**yes → ${u.ownerAfter ?? '?'}**` : 'no'} |`,
			);
	}
	out.push('', '## Neighbour entries in qrouter namespaces', '');
	for (const ns of diff.neighbours) {
		const c = ns.counts;
		out.push(
			`### ${ns.node} \`${ns.namespace}\``,
			'',
			`${c.changed} changed, ${c.unchanged} unchanged, ${c.added} added, ${c.removed} removed${ns.presence === 'both' ? '' : ` (${ns.presence})`}`,
			'',
		);
		const rows = ns.entries.filter(e => e.status !== 'unchanged' || e.vip || options.all === true);
		if (rows.length > 0) {
			out.push('| | IP | before | after |', '|---|---|---|---|');
			const sign: Record<EntryStatus, string> = {
				changed: '~',
				unchanged: '=',
				added: '+',
				removed: '-',
			};
			for (const e of rows)
				out.push(
					`| ${sign[e.status]} | ${e.dst}${e.vip ? ' (VIP)' : ''} | ${neighText(e.before)} | ${neighText(e.after)} |`,
				);
			out.push('');
		}
	}
	out.push('## ARP-responder and ARP-drop flows', '');
	if (diff.flows.length === 0) out.push('None on either side.', '');
	for (const f of diff.flows) {
		out.push(
			`- ${f.node} ${f.bridge} ${f.kind}: +${f.added.length} -${f.removed.length} =${f.unchanged.length}`,
		);
		for (const line of f.added) out.push(`  - \`+ ${line}\``);
		for (const line of f.removed) out.push(`  - \`- ${line}\``);
	}
	out.push('', '## Findings', '');
	out.push(`**Appeared (${diff.findings.appeared.length})**`, '');
	for (const f of diff.findings.appeared) out.push(`- ${md(findingLine(f))}`);
	out.push('', `**Resolved (${diff.findings.resolved.length})**`, '');
	for (const f of diff.findings.resolved) out.push(`- ${md(findingLine(f))}`);
	out.push('', `**Persisting (${diff.findings.persisting.length})**`, '');
	for (const f of diff.findings.persisting) out.push(`- ${md(findingLine(f))}`);
	return `${out.join('\n')}\n`;
}
