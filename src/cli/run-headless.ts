import type {CaptureSet} from '../model/capture.js';
import type {SourceInfo} from '../state/store.js';

/**
 * No TTY, or --json / --format: print the diagnosis with the diagnostics reporters and return
 * its exit code. Never imports Ink (gatsby loggers; ink#725), so it works in pipes, cron and CI.
 */
export async function runHeadless(options: {
	readonly set: CaptureSet;
	readonly source: SourceInfo;
	readonly format: 'text' | 'json' | 'markdown';
}): Promise<number> {
	const [{analyze}, {render}, {terminalRenderOptions}] = await Promise.all([
		import('../diagnostics/analyze.js'),
		import('../diagnostics/render.js'),
		import('./terminal.js'),
	]);
	const report = analyze(options.set);
	const where = options.source.location;
	const header =
		options.format === 'text' && options.source.kind === 'sample'
			? `SAMPLE INCIDENT — ${options.source.description ?? 'built-in sample'} (${where})${options.source.note === undefined ? '' : ` [${options.source.note}]`}\n\n`
			: '';
	const text = render(report, options.format, terminalRenderOptions({path: where, verbose: false}));
	// The verdict stays the first line; the sample banner follows it.
	const cut = text.indexOf('\n\n');
	process.stdout.write(
		header === '' || cut < 0 ? text : `${text.slice(0, cut + 2)}${header}${text.slice(cut + 2)}`,
	);
	return report.diagnosis.exitCode;
}
