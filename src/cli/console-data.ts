import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {CaptureSet} from '../model/capture.js';
import type {SourceInfo, DiagnosisView} from '../state/store.js';
import type {Snapshot} from '../model/snapshot.js';

/** Where the built-in sample incident lives, relative to the package root. */
export const SAMPLE_DIR = 'sample/incident-failover';
/** Stand-in until the lab's recorded sample exists: the diagnostics helper's failover scenario. */
export const SAMPLE_FALLBACK_DIR = 'test/scenarios/failover-stale';

const packageRoot = (): string =>
	path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The sample to open with no arguments, and whether it is the stand-in. */
export function findSample(): {dir: string; isFallback: boolean} | undefined {
	const root = packageRoot();
	const sample = path.join(root, SAMPLE_DIR);
	if (existsSync(path.join(sample, 'manifest.json'))) return {dir: sample, isFallback: false};
	const fallback = path.join(root, SAMPLE_FALLBACK_DIR);
	if (existsSync(path.join(fallback, 'manifest.json'))) return {dir: fallback, isFallback: true};
	return undefined;
}

/** How the console names the sample: its path inside the package (`sample/incident-failover`). */
export const sampleLocation = (dir: string): string => path.relative(packageRoot(), dir);

export type OpenedSource = {
	readonly source: SourceInfo;
	readonly set: CaptureSet;
	readonly reload: () => Promise<CaptureSet>;
};

/**
 * Open a capture-set directory, a bundle (.tar.gz or extracted), a sos report, sos collect archive
 * or osctl dump, plus `--api-data` files; errors name the input.
 */
export async function openSource(
	input: string,
	kind?: 'sample',
	note?: string,
	apiData: readonly string[] = [],
): Promise<OpenedSource> {
	// A plain capture-set directory needs only the manifest reader; bundles need tar.
	const plainDir =
		apiData.length === 0 &&
		existsSync(path.join(input, 'manifest.json')) &&
		!existsSync(path.join(input, 'bundle.json'));
	const open = async () => {
		if (plainDir) {
			const {readCaptureSet} = await import('../bundle/capture-set.js');
			return {kind: 'capture-set' as const, set: await readCaptureSet(input)};
		}
		const imports = await import('../import/index.js');
		if (apiData.length === 0) return imports.openSource(input);
		return {kind: 'capture-set' as const, set: (await imports.openSources([input], apiData)).set};
	};
	const opened = await open();
	const rel = path.relative(process.cwd(), input) || '.';
	const description = opened.set.manifest.description;
	const source: SourceInfo = {
		kind: kind ?? (opened.kind === 'bundle' ? 'bundle' : 'capture-set'),
		location: kind === 'sample' ? sampleLocation(input) : rel,
		...(description === undefined ? {} : {description}),
		...(note === undefined ? {} : {note}),
	};
	return {source, set: opened.set, reload: async () => (await open()).set};
}

/** analyze + rule docs, for the console. */
export async function loadAnalyzer(): Promise<
	(set: CaptureSet) => {snapshot: Snapshot; diagnosis: DiagnosisView; exitCode: 0 | 1 | 2 | 4}
> {
	const [{analyze}, {rules}, {verdictHeadline}] = await Promise.all([
		import('../diagnostics/analyze.js'),
		import('../diagnostics/registry.js'),
		import('../diagnostics/coverage.js'),
	]);
	const docs = Object.fromEntries(rules.map(r => [r.id, r.meta.docs]));
	return set => {
		const {snapshot, diagnosis: d} = analyze(set);
		return {
			snapshot,
			diagnosis: {
				findings: d.findings,
				outcomes: d.outcomes,
				docs,
				verdict: d.verdict,
				coverage: d.coverage,
				headline: verdictHeadline(d.verdict, d.coverage, d.summary, d.backend?.backend),
				...(d.backend !== undefined ? {backend: d.backend} : {}),
			},
			exitCode: d.exitCode,
		};
	};
}
