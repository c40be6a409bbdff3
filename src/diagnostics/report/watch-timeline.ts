/**
 * Watch mode's timeline as a post-mortem reads it: `dvrscope analyze <bundle> --format markdown`
 * appends it when the bundle holds `watch/timeline.ndjson` (written by the console's `e`).
 * Lines that are not timeline rows are counted and named, not fatal. Pure.
 */
type Row = {
	at: string;
	round: number;
	kind: string;
	text: string;
	changed: boolean;
	vip?: string;
	node?: string;
	level?: string;
	stale?: boolean;
	inferred?: boolean;
};

function asRow(value: unknown): Row | undefined {
	if (typeof value !== 'object' || value === null) return undefined;
	const r = value as Record<string, unknown>;
	if (typeof r['at'] !== 'string' || typeof r['round'] !== 'number') return undefined;
	if (typeof r['kind'] !== 'string' || typeof r['text'] !== 'string') return undefined;
	return {
		at: r['at'],
		round: r['round'],
		kind: r['kind'],
		text: r['text'],
		changed: r['changed'] === true,
		...(typeof r['vip'] === 'string' && r['vip'] !== '' ? {vip: r['vip']} : {}),
		...(typeof r['node'] === 'string' ? {node: r['node']} : {}),
		...(typeof r['level'] === 'string' ? {level: r['level']} : {}),
		...(r['stale'] === true ? {stale: true} : {}),
		...(r['inferred'] === true ? {inferred: true} : {}),
	};
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const time = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

/** The timeline's Markdown section: when it broke and was fixed, then every change. */
export function watchTimelineMarkdown(ndjson: string): string {
	const rows: Row[] = [];
	let bad = 0;
	for (const line of ndjson.split('\n')) {
		if (line.trim() === '') continue;
		let row: Row | undefined;
		try {
			row = asRow(JSON.parse(line));
		} catch {
			row = undefined;
		}
		if (row === undefined) bad++;
		else rows.push(row);
	}
	const verdicts = rows.filter(r => r.kind === 'verdict');
	const broke = verdicts.find(r => / → CRITICAL/.test(r.text));
	const fixed =
		broke === undefined
			? undefined
			: verdicts.find(r => r.round > broke.round && /^verdict CRITICAL → /.test(r.text));
	const out = ['## Watch timeline', ''];
	if (rows.length === 0) out.push('The bundle holds a watch timeline with no rows.', '');
	else {
		const first = rows[0];
		const last = rows.at(-1);
		out.push(
			`Rounds ${first?.round ?? 0}–${last?.round ?? 0} (${first === undefined ? '' : time(first.at)} to ${last === undefined ? '' : time(last.at)}). ${broke === undefined ? 'No transition into CRITICAL.' : `Broke ${time(broke.at)} (round ${broke.round})`}${broke === undefined ? '' : fixed === undefined ? ', not fixed while watched.' : `, fixed ${time(fixed.at)} (round ${fixed.round}).`}`,
			'',
			'Times are when the data was read on the node. **STALE**: an entry that still points at a MAC that no longer holds the VIP. *inferred*: a keepalived flip worked out from a holder change.',
			'',
			'| time (read) | round | VIP | node | what |',
			'|---|---|---|---|---|',
		);
		for (const r of rows.filter(
			row => row.changed || row.kind === 'baseline' || row.stale === true,
		)) {
			const marked =
				r.stale !== true
					? r.text
					: r.text.startsWith('STALE')
						? `**STALE**${r.text.slice(5)}`
						: `**STALE** ${r.text}`;
			const text = `${r.kind === 'verdict' ? `**${marked}**` : marked}${r.inferred === true ? ' *(inferred)*' : ''}`;
			out.push(
				`| ${time(r.at)} | ${r.round} | ${cell(r.vip ?? '')} | ${cell(r.node ?? '')} | ${cell(text)} |`,
			);
		}
		out.push('');
	}
	if (bad > 0)
		out.push(
			`${bad} line(s) of watch/timeline.ndjson are not timeline rows and were left out.`,
			'',
		);
	return out.join('\n');
}
