/** Text, Markdown and JSON of a packet-path proof (`dvrscope trace`, src/diagnostics/path.ts). */
import type {PathHop, PathProof} from '../path.js';

export const PATH_SCHEMA = 'dvrscope-path/1';

const MARK: Readonly<Record<PathHop['status'], string>> = {
	ok: 'ok',
	drift: 'DRIFT',
	break: 'BREAK',
	unread: 'UNREAD',
};

export function pathJson(proof: PathProof): string {
	return `${JSON.stringify({schema: PATH_SCHEMA, ...proof}, null, 2)}\n`;
}

function holderLine(proof: PathProof): string {
	return proof.holder.known
		? `holder of ${proof.to}: ${proof.holder.label} — ${proof.holder.basis}`
		: `holder of ${proof.to}: unknown — ${proof.holder.reason}`;
}

export function pathText(proof: PathProof, options: {verbose?: boolean} = {}): string {
	const out = [
		proof.headline,
		'',
		`from ${proof.from.label} (${proof.from.tap} on ${proof.from.node}) to ${proof.to}${proof.l2 ? ' — same subnet: L2 path, no router' : ''}`,
		holderLine(proof),
		'',
	];
	proof.hops.forEach((hop, i) => {
		const flag = hop.contradictsHolder === true ? '  ✗ contradicts the holder' : '';
		out.push(`${String(i + 1).padStart(2)}. [${MARK[hop.status]}] ${hop.title}${flag}`);
		out.push(`      ${hop.detail}`);
		if (hop.command !== undefined && hop.status !== 'unread')
			out.push(`      read with: ${hop.command.command}`);
		for (const e of hop.evidence) {
			out.push(
				`      evidence: ${e.capture} line${e.lines.length === 1 ? '' : 's'} ${e.lines.join(',')}`,
			);
			if (options.verbose === true || hop.status !== 'ok')
				for (const line of e.excerpt.split('\n')) out.push(`        | ${line}`);
		}
	});
	if (proof.requests.length > 0) {
		out.push('', 'To read the missing hops (read-only):');
		for (const r of proof.requests) out.push(`  on ${r.node}: ${r.command}`);
	}
	return `${out.join('\n')}\n`;
}

export function pathMarkdown(proof: PathProof): string {
	const out = [
		`# Packet path: ${proof.from.ip} → ${proof.to}`,
		'',
		`**${proof.headline}**`,
		'',
		`- from: ${proof.from.label} (\`${proof.from.tap}\` on ${proof.from.node})`,
		`- ${holderLine(proof)}`,
		...(proof.l2 ? ['- same subnet: L2 path, no router'] : []),
		'',
		'| # | status | hop | what it shows |',
		'|---|---|---|---|',
	];
	proof.hops.forEach((hop, i) =>
		out.push(
			`| ${i + 1} | ${MARK[hop.status]}${hop.contradictsHolder === true ? ' ✗' : ''} | ${hop.title.replace(/\|/g, '\\|')} | ${hop.detail.replace(/\|/g, '\\|')} |`,
		),
	);
	for (const [i, hop] of proof.hops.entries()) {
		if (hop.evidence.length === 0 && hop.command === undefined) continue;
		out.push('', `## ${i + 1}. ${hop.title}`, '');
		if (hop.command !== undefined)
			out.push(`On ${hop.command.node}: \`${hop.command.command}\``, '');
		for (const e of hop.evidence) out.push('```', e.excerpt, '```', '');
	}
	return `${out.join('\n')}\n`;
}

/** The command that re-runs a proof, as an engineer pastes it (the source options are theirs). */
export const traceCommand = (proof: Pick<PathProof, 'from' | 'to'>): string =>
	`dvrscope trace --from ${proof.from.ip} --to ${proof.to}`;

/** A finding's proof in a few lines (text report): the verdict, every hop, details of the others. */
export function findingPathText(proof: PathProof): string[] {
	const out = ['', `  Path proof (${traceCommand(proof)}):`, `    ${proof.headline}`];
	proof.hops.forEach((hop, i) => {
		const flag = hop.contradictsHolder === true ? '  ✗ contradicts the holder' : '';
		out.push(`    ${String(i + 1).padStart(2)}. [${MARK[hop.status]}] ${hop.title}${flag}`);
		if (hop.status !== 'ok') out.push(`        ${hop.detail}`);
	});
	return out;
}

/** A finding's proof in Markdown: the verdict and the hop table. */
export function findingPathMarkdown(proof: PathProof): string[] {
	const out = [
		`**Path proof** (\`${traceCommand(proof)}\`): ${proof.headline}`,
		'',
		'| # | status | hop | what it shows |',
		'|---|---|---|---|',
	];
	proof.hops.forEach((hop, i) =>
		out.push(
			`| ${i + 1} | ${MARK[hop.status]}${hop.contradictsHolder === true ? ' ✗' : ''} | ${hop.title.replace(/\|/g, '\\|')} | ${hop.detail.replace(/\|/g, '\\|')} |`,
		),
	);
	out.push('');
	return out;
}
