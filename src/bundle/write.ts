import {
	chmod,
	mkdir,
	mkdtemp,
	readFile,
	readdir,
	rename,
	rm,
	stat,
	writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {create as tarCreate} from 'tar';
import type {Capture, CaptureMeta, CaptureSet, CaptureSetManifest} from '../model/capture.js';
import {version as dvrscopeVersion} from '../model/version.js';
import {admitCaptureSet, writeCaptureSet} from './capture-set.js';
import {scanText} from './scan.js';
import {
	redactArgv,
	redactText,
	redactValue,
	redactionReport,
	type Redaction,
	type RedactionReport,
} from './redact.js';
import {pseudonymizeCaptureSet, type Pseudonymizer, type PseudonymMapping} from './pseudonymize.js';

export const BUNDLE_FORMAT = 'dvrscope-bundle';
export const BUNDLE_SCHEMA_VERSION = 1;
/** Where the capture set lives inside a bundle. */
export const BUNDLE_CAPTURE_DIR = 'capture-set';

/** Something the collection did not do, and why (node unreachable, namespace cap, user skip). */
export type SkippedItem = {
	readonly node?: string;
	readonly what: string;
	readonly reason: string;
};

/** Findings documents written into the bundle (rendered by the diagnostics reporters). */
export type FindingsDocs = {
	readonly json: string;
	readonly markdown: string;
	/** Counts for bundle.json (`critical`, `warning`, `info` …). */
	readonly summary?: Readonly<Record<string, number>>;
};

/** Runs diagnose on the capture set that goes into the bundle (after redaction/pseudonymisation). */
export type AnalyzeFn = (set: CaptureSet) => Promise<FindingsDocs | undefined>;

/** The default AnalyzeFn: findings.json and findings.md as `dvrscope diagnose` renders them. */
async function analyzeForBundle(set: CaptureSet): Promise<FindingsDocs> {
	// Lazily: writing a bundle with --no-analyze does not load the rules.
	const [{analyze}, {render}] = await Promise.all([
		import('../diagnostics/analyze.js'),
		import('../diagnostics/render.js'),
	]);
	const report = analyze(set);
	const {summary, exitCode} = report.diagnosis;
	return {
		json: render(report, 'json', {path: BUNDLE_CAPTURE_DIR}),
		markdown: render(report, 'markdown', {path: BUNDLE_CAPTURE_DIR}),
		summary: {
			critical: summary.critical,
			warning: summary.warning,
			info: summary.info,
			exitCode,
		},
	};
}

/** Where a bundle keeps watch mode's timeline (NDJSON). */
export const BUNDLE_WATCH_TIMELINE = 'watch/timeline.ndjson';

export type WriteBundleOptions = {
	/** Output path of the gzip tar (`incident.tar.gz`). */
	readonly output: string;
	/** The inventory used for collection; secrets are removed before it is written. */
	readonly inventory?: unknown;
	/** What was targeted (`router 3f2a…`, `vip 10.0.0.50`, node names). */
	readonly targets?: readonly string[];
	readonly skipped?: readonly SkippedItem[];
	/** Extra reasons the collection is partial (Ctrl-C, failed nodes) beyond the manifest's own. */
	readonly partialReasons?: readonly string[];
	/** Replace IPs, MACs, host names and UUIDs consistently (see pseudonymize.ts). */
	readonly pseudonymize?: boolean;
	/** Where the private pseudonym mapping goes (never inside the bundle). */
	readonly mappingOut?: string;
	/** Key for the pseudonymiser (tests); random per bundle otherwise. */
	readonly pseudonymKey?: string;
	/**
	 * Diagnose the set (default: `analyze` + `render`, as `dvrscope diagnose` prints them). `false` skips it; then,
	 * or when it returns undefined or throws, the findings files say so.
	 */
	readonly analyze?: AnalyzeFn | false;
	readonly now?: Date;
	/**
	 * Do everything but write: the report says what the bundle would hold, what projections
	 * dropped and what was redacted (`dvrscope bundle --dry-run`). No file is created.
	 */
	readonly dryRun?: boolean;
	/**
	 * Watch mode's timeline (NDJSON, one row a line) written as `watch/timeline.ndjson`, through
	 * the redactor and the pseudonymiser like every other file; `analyze --format markdown` renders it.
	 */
	readonly watchTimeline?: string;
};

export type BundleManifest = {
	readonly format: typeof BUNDLE_FORMAT;
	readonly schemaVersion: typeof BUNDLE_SCHEMA_VERSION;
	readonly createdAt: string;
	readonly tool: {readonly name: 'dvrscope'; readonly version: string};
	readonly captureSet: string;
	readonly captureSetCreatedAt: string;
	readonly source: string;
	readonly description?: string;
	readonly nodes: readonly string[];
	readonly captures: {
		readonly total: number;
		readonly failed: number;
		readonly nonZeroExit: number;
		readonly truncated: number;
		readonly failuresByKind: Readonly<Record<string, number>>;
	};
	readonly targets: readonly string[];
	readonly inventory?: unknown;
	readonly skipped: readonly SkippedItem[];
	readonly partial: boolean;
	readonly partialReasons: readonly string[];
	readonly pseudonymized: boolean;
	readonly redactions: number;
	readonly findings: {
		readonly available: boolean;
		readonly summary?: Readonly<Record<string, number>>;
		readonly note?: string;
	};
	readonly files: readonly string[];
};

export type WriteBundleResult = {
	readonly output: string;
	readonly bytes: number;
	readonly manifest: BundleManifest;
	readonly report: RedactionReport;
	readonly mappingOut?: string;
	readonly dryRun?: boolean;
};

export class BundleWriteError extends Error {
	override readonly name = 'BundleWriteError';
}

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** The manifest entry of a loaded capture (bodies dropped). */
export function toMeta(capture: Capture): CaptureMeta {
	const meta: Record<string, unknown> = {...capture};
	delete meta['stdout'];
	delete meta['stderr'];
	return meta as CaptureMeta;
}

/** Redact every text of a capture set: stdout, stderr, argv, manifest strings. Pure. */
export function redactCaptureSet(set: CaptureSet): {set: CaptureSet; redactions: Redaction[]} {
	const redactions: Redaction[] = [];
	const text = (value: string, where: string): string => {
		const result = redactText(value, where);
		redactions.push(...result.redactions);
		return result.text;
	};
	const captures: Capture[] = set.captures.map(capture => {
		const argv = redactArgv(capture.argv, `${capture.stdoutFile}#argv`);
		redactions.push(...argv.redactions);
		const stdout = text(capture.stdout, capture.stdoutFile);
		const stderr = text(capture.stderr, capture.stderrFile ?? `${capture.stdoutFile}#stderr`);
		const out: Mutable<Capture> = {
			...capture,
			argv: argv.argv,
			stdout,
			stderr,
			stdoutBytes: Buffer.byteLength(stdout),
			stderrBytes: Buffer.byteLength(stderr),
		};
		if (capture.failure !== undefined) {
			out.failure = {
				kind: capture.failure.kind,
				message: text(capture.failure.message, `${capture.stdoutFile}#failure`),
			};
		}
		if (capture.params?.path !== undefined) {
			out.params = {...capture.params, path: text(capture.params.path, `${capture.id}#path`)};
		}
		return out;
	});
	const byId = new Map(captures.map(c => [c.id, c]));
	const manifest: Mutable<CaptureSetManifest> = {
		...set.manifest,
		captures: set.manifest.captures.map(meta => {
			const c = byId.get(meta.id);
			if (c === undefined) return meta;
			return toMeta(c);
		}),
	};
	if (set.manifest.description !== undefined)
		manifest.description = text(set.manifest.description, 'manifest.json#description');
	if (set.manifest.problems !== undefined) {
		manifest.problems = set.manifest.problems.map(p => ({
			...p,
			message: text(p.message, 'manifest.json#problems'),
		}));
	}
	manifest.nodes = set.manifest.nodes.map(n =>
		n.address === undefined ? n : {...n, address: text(n.address, 'manifest.json#nodes')},
	);
	return {set: {manifest, captures}, redactions};
}

/** The projection record of every capture that has one, keyed by its file in the bundle. */
function projectionsByFile(
	set: CaptureSet,
	p: (s: string) => string,
): Record<string, NonNullable<RedactionReport['files'][string]['projection']>> {
	const out: Record<string, NonNullable<RedactionReport['files'][string]['projection']>> = {};
	for (const capture of set.captures) {
		const projection = capture.projection;
		if (projection === undefined) continue;
		out[p(`${BUNDLE_CAPTURE_DIR}/${capture.stdoutFile}`)] = {
			...projection,
			kept: projection.kept.map(p),
			// Paths are keys of the customer's data: through the first net like any other text.
			dropped: projection.dropped.map(d => redactText(p(d), 'dropped').text),
		};
	}
	return out;
}

/** Problem kinds that say what was deliberately not collected (skipped), not lost data. */
const SKIP_KINDS: ReadonlySet<string> = new Set(['refused', 'target', 'skipped']);

/** What was not collected on purpose, from the manifest's problems (refused names, targeting). */
export function skippedFromProblems(set: CaptureSet): SkippedItem[] {
	return (set.manifest.problems ?? [])
		.filter(p => SKIP_KINDS.has(p.kind))
		.map(p => ({
			...(p.node === undefined ? {} : {node: p.node}),
			what: p.kind === 'target' ? 'nodes outside the target' : 'command',
			reason: p.message,
		}));
}

/** Why a capture set is partial: the manifest's problems, failed captures, and caller reasons. */
export function partialReasons(set: CaptureSet, extra: readonly string[] = []): string[] {
	const reasons: string[] = [];
	for (const p of set.manifest.problems ?? []) {
		if (SKIP_KINDS.has(p.kind)) continue;
		reasons.push(`${p.node === undefined ? '' : `${p.node}: `}${p.kind}: ${p.message}`);
	}
	const failed = set.manifest.captures.filter(c => c.failure !== undefined);
	const byNodeKind = new Map<string, number>();
	for (const c of failed) {
		const key = `${c.node ?? 'cloud'}: ${c.failure?.kind ?? 'failed'}`;
		byNodeKind.set(key, (byNodeKind.get(key) ?? 0) + 1);
	}
	for (const [key, count] of byNodeKind)
		reasons.push(`${key} (${count} command${count === 1 ? '' : 's'} did not complete)`);
	reasons.push(...extra);
	if (reasons.length === 0 && set.manifest.partial === true)
		reasons.push('collection marked partial');
	return reasons;
}

function captureStats(manifest: CaptureSetManifest): BundleManifest['captures'] {
	const failuresByKind: Record<string, number> = {};
	for (const c of manifest.captures) {
		if (c.failure !== undefined)
			failuresByKind[c.failure.kind] = (failuresByKind[c.failure.kind] ?? 0) + 1;
	}
	return {
		total: manifest.captures.length,
		failed: manifest.captures.filter(c => c.failure !== undefined).length,
		nonZeroExit: manifest.captures.filter(c => c.exitCode !== null && c.exitCode !== 0).length,
		truncated: manifest.captures.filter(c => c.truncated === true).length,
		failuresByKind,
	};
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
	const out: string[] = [];
	const entries = await readdir(path.join(root, rel), {withFileTypes: true});
	entries.sort((a, b) => a.name.localeCompare(b.name));
	for (const entry of entries) {
		const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
		if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
		else out.push(child);
	}
	return out;
}

/** Drop repeats (re-bundling a bundle passes its reasons and skipped items in again). */
const uniqueBy = <T>(items: readonly T[]): T[] => {
	const seen = new Set<string>();
	return items.filter(item => {
		const key = JSON.stringify(item);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
};

const json = (value: unknown): string => `${JSON.stringify(value, null, '\t')}\n`;

/** The bundle's and the mapping's absolute paths; a mapping file needs pseudonyms and a path of its own. */
function outputPaths(options: WriteBundleOptions): {output: string; mappingOut?: string} {
	const output = path.resolve(options.output);
	const mappingOut =
		options.mappingOut === undefined ? undefined : path.resolve(options.mappingOut);
	if (mappingOut !== undefined && mappingOut === output)
		throw new BundleWriteError(`--mapping-out must not be the bundle itself (${output})`);
	if (mappingOut !== undefined && options.pseudonymize !== true)
		throw new BundleWriteError('--mapping-out only makes sense with --pseudonymize');
	return mappingOut === undefined ? {output} : {output, mappingOut};
}

/** Run the analysis (unless turned off); a failure becomes the note, never the end of the bundle. */
async function bundleFindings(
	set: CaptureSet,
	analyzeOption: WriteBundleOptions['analyze'],
): Promise<{findings: FindingsDocs | undefined; findingsNote: string | undefined}> {
	let findings: FindingsDocs | undefined;
	let findingsNote: string | undefined;
	try {
		if (analyzeOption !== false) {
			const analyze = analyzeOption ?? analyzeForBundle;
			findings = await analyze(set);
		}
		if (findings === undefined) findingsNote = 'diagnostics were not run for this bundle';
	} catch (error) {
		findingsNote = `diagnostics failed: ${(error as Error).message}`;
	}
	return {findings, findingsNote};
}

/** `findings.json` and `findings.md`, or what says why they are not available. */
async function stageFindings(
	stage: string,
	findings: FindingsDocs | undefined,
	findingsNote: string | undefined,
): Promise<void> {
	await writeFile(
		path.join(stage, 'findings.json'),
		findings?.json ?? json({available: false, note: findingsNote}),
	);
	await writeFile(
		path.join(stage, 'findings.md'),
		findings?.markdown ?? `# dvrscope findings\n\nNot available: ${findingsNote ?? ''}.\n`,
	);
}

/**
 * Redact every staged file once more, then run the second net (secretlint's recommended rules)
 * over what that pass left; what either finds is added to `redactions`.
 */
async function lastRedactionPass(stage: string, redactions: Redaction[]): Promise<void> {
	for (const rel of await listFiles(stage)) {
		const full = path.join(stage, rel);
		const body = await readFile(full, 'utf8');
		const result = redactText(body, rel);
		const scanned = await scanText(result.text, rel);
		if (result.redactions.length > 0 || scanned.redactions.length > 0) {
			redactions.push(...result.redactions, ...scanned.redactions);
			await writeFile(full, scanned.text);
		}
	}
}

/** The pseudonym mapping, readable by its owner only. */
async function writeMapping(mappingOut: string, mapping: PseudonymMapping): Promise<void> {
	await mkdir(path.dirname(mappingOut), {recursive: true});
	await writeFile(mappingOut, json(mapping), {mode: 0o600});
	await chmod(mappingOut, 0o600);
}

/**
 * Write a support bundle: a gzip tar with `bundle.json`, `capture-set/` (manifest + bodies),
 * `findings.json`, `findings.md` and `redaction-report.json`. Secrets are always redacted; with
 * `pseudonymize`, IPs/MACs/hosts/UUIDs are replaced and the mapping goes to `mappingOut` only.
 * A partial capture set still produces a bundle, marked partial with its reasons.
 */
export async function writeBundle(
	input: CaptureSet,
	options: WriteBundleOptions,
): Promise<WriteBundleResult> {
	const {output, mappingOut} = outputPaths(options);

	// 0. Only the projected fields of structured captures (idempotent: sources already did this).
	const admitted = admitCaptureSet(input);
	// 1. Secrets out, always.
	const redacted = redactCaptureSet(admitted);
	const redactions = [...redacted.redactions];
	let set = redacted.set;
	const inventory =
		options.inventory === undefined
			? undefined
			: redactValue(options.inventory, 'bundle.json#inventory', redactions);

	// 2. Names out, on request.
	let pseudo: Pseudonymizer | undefined;
	let mapping: PseudonymMapping | undefined;
	if (options.pseudonymize === true) {
		const result = pseudonymizeCaptureSet(set, {
			...(options.pseudonymKey === undefined ? {} : {key: options.pseudonymKey}),
			extraText: [JSON.stringify(inventory ?? null), ...(options.targets ?? [])],
		});
		set = result.set;
		pseudo = result.pseudonymizer;
		mapping = result.mapping;
	}
	const p = (s: string): string => (pseudo === undefined ? s : pseudo.text(s));
	const pv = (v: unknown): unknown => (pseudo === undefined ? v : pseudo.value(v));

	// 3. Findings on exactly what goes into the bundle.
	const {findings, findingsNote} = await bundleFindings(set, options.analyze);

	const now = options.now ?? new Date();
	// Caller-given text (an earlier bundle's reasons and skipped items) is redacted like the rest:
	// it is printed and written, and an earlier bundle may not have been redacted.
	const clean = (text: string, where: string): string => {
		const result = redactText(text, where);
		redactions.push(...result.redactions);
		return result.text;
	};
	const reasons = uniqueBy(
		partialReasons(set, options.partialReasons ?? [])
			.map(r => clean(r, 'bundle.json#partialReasons'))
			.map(p),
	);
	const stage = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-bundle-'));
	const partialOut = `${output}.partial-${process.pid}`;
	try {
		await writeCaptureSet(path.join(stage, BUNDLE_CAPTURE_DIR), set);
		await stageFindings(stage, findings, findingsNote);
		if (options.watchTimeline !== undefined) {
			await mkdir(path.join(stage, 'watch'), {recursive: true});
			await writeFile(
				path.join(stage, BUNDLE_WATCH_TIMELINE),
				p(clean(options.watchTimeline, BUNDLE_WATCH_TIMELINE)),
			);
		}
		const filesSoFar = await listFiles(stage);
		const files = [...filesSoFar, 'bundle.json', 'redaction-report.json'].sort();
		const manifest: BundleManifest = {
			format: BUNDLE_FORMAT,
			schemaVersion: BUNDLE_SCHEMA_VERSION,
			createdAt: now.toISOString(),
			tool: {name: 'dvrscope', version: dvrscopeVersion},
			captureSet: `${BUNDLE_CAPTURE_DIR}/manifest.json`,
			captureSetCreatedAt: set.manifest.createdAt,
			source: set.manifest.source,
			...(set.manifest.description === undefined ? {} : {description: set.manifest.description}),
			nodes: set.manifest.nodes.map(n => n.id),
			captures: captureStats(set.manifest),
			targets: (options.targets ?? []).map(t => p(redactText(t, 'bundle.json#targets').text)),
			...(inventory === undefined ? {} : {inventory: pv(inventory)}),
			skipped: uniqueBy(
				[...(options.skipped ?? []), ...skippedFromProblems(set)].map(s => ({
					...(s.node === undefined ? {} : {node: p(s.node)}),
					what: p(clean(s.what, 'bundle.json#skipped')),
					reason: p(clean(s.reason, 'bundle.json#skipped')),
				})),
			),
			partial: reasons.length > 0 || set.manifest.partial === true,
			partialReasons: reasons,
			pseudonymized: pseudo !== undefined,
			redactions: 0,
			findings: {
				available: findings !== undefined,
				...(findings?.summary === undefined ? {} : {summary: findings.summary}),
				...(findingsNote === undefined ? {} : {note: findingsNote}),
			},
			files,
		};
		await writeFile(path.join(stage, 'bundle.json'), json(manifest));

		// 4. Belt and braces: a last redaction pass over every file that goes into the archive.
		await lastRedactionPass(stage, redactions);
		const report = redactionReport(
			redactions.map(r => ({...r, where: p(r.where)})),
			pseudo !== undefined,
			projectionsByFile(set, p),
		);
		const finalManifest: BundleManifest = {...manifest, redactions: report.total};
		await writeFile(path.join(stage, 'bundle.json'), json(finalManifest));
		await writeFile(path.join(stage, 'redaction-report.json'), json(report));
		if (options.dryRun === true)
			return {output, bytes: 0, manifest: finalManifest, report, dryRun: true};

		await mkdir(path.dirname(output), {recursive: true});
		await tarCreate(
			{gzip: true, file: partialOut, cwd: stage, portable: true, mtime: now},
			await listFiles(stage),
		);
		await rename(partialOut, output);
		if (mapping !== undefined && mappingOut !== undefined) await writeMapping(mappingOut, mapping);
		const bytes = (await stat(output)).size;
		return {
			output,
			bytes,
			manifest: finalManifest,
			report,
			...(mappingOut === undefined || mapping === undefined ? {} : {mappingOut}),
		};
	} catch (error) {
		await rm(partialOut, {force: true});
		if (error instanceof BundleWriteError) throw error;
		throw new BundleWriteError(`cannot write bundle ${output}: ${(error as Error).message}`);
	} finally {
		await rm(stage, {recursive: true, force: true});
	}
}
