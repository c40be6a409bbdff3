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
	const [{assembleSnapshot}, {diagnose}, {version}] = await Promise.all([
		import('../collectors/assemble.js'),
		import('../diagnostics/index.js'),
		import('./version.js'),
	]);
	const snapshot = assembleSnapshot(options.set);
	const diagnosis = diagnose(snapshot);
	const where = options.source.location;
	let output: string;
	switch (options.format) {
		case 'json': {
			const {renderJson} = await import('../diagnostics/report/json.js');
			output = renderJson(diagnosis, {snapshot, version, path: where});
			break;
		}
		case 'markdown': {
			const {renderMarkdown} = await import('../diagnostics/report/markdown.js');
			output = renderMarkdown(diagnosis, {snapshot, path: where});
			break;
		}
		case 'text': {
			const {renderText} = await import('../diagnostics/report/text.js');
			const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
			const header =
				options.source.kind === 'sample'
					? `SAMPLE INCIDENT — ${options.source.description ?? 'built-in sample'} (${where})${options.source.note === undefined ? '' : ` [${options.source.note}]`}\n\n`
					: '';
			output =
				header +
				renderText(diagnosis, {
					color: !noColor && process.stdout.isTTY,
					snapshot,
					path: where,
					verbose: false,
					width: Math.min(process.stdout.columns > 0 ? process.stdout.columns : 100, 120),
				});
			break;
		}
	}
	process.stdout.write(output);
	return diagnosis.exitCode;
}
