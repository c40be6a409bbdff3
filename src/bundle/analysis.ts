import type {CaptureSet} from '../model/capture.js';
import type {FindingsDocs} from './write.js';

/**
 * Diagnose a capture set for a bundle: the same assembler, rules and reporters as
 * `dvrscope diagnose`, rendered to `findings.json` and `findings.md`. Imported lazily.
 */
export async function analyzeForBundle(
	set: CaptureSet,
	label = 'capture-set',
): Promise<FindingsDocs> {
	const {assembleSnapshot} = await import('../collectors/assemble.js');
	const {diagnose} = await import('../diagnostics/index.js');
	const {renderJson} = await import('../diagnostics/report/json.js');
	const {renderMarkdown} = await import('../diagnostics/report/markdown.js');
	const {version} = await import('../cli/version.js');
	const snapshot = assembleSnapshot(set);
	const diagnosis = diagnose(snapshot);
	return {
		json: renderJson(diagnosis, {snapshot, version, path: label}),
		markdown: renderMarkdown(diagnosis, {snapshot, path: label}),
		summary: {
			critical: diagnosis.summary.critical,
			warning: diagnosis.summary.warning,
			info: diagnosis.summary.info,
			exitCode: diagnosis.exitCode,
		},
	};
}
