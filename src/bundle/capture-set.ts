import {mkdirSync, writeFileSync} from 'node:fs';
import {mkdir, readFile, writeFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {z} from 'zod';
import {
	CAPTURE_SET_FORMAT,
	CAPTURE_SET_SCHEMA_VERSION,
	type Capture,
	type CaptureMeta,
	type CaptureSet,
	type CaptureSetManifest,
} from '../model/capture.js';
import {PARSER_KINDS} from '../model/facts.js';
import {isSafeId} from '../model/ids.js';
import {projectCapture} from '../collectors/projections.js';

/** Error for a capture set that cannot be read; the message names the file and what is wrong. */
export class CaptureSetError extends Error {
	override readonly name = 'CaptureSetError';
}

const safeId = z
	.string()
	.refine(isSafeId, {error: 'must be a safe identifier ([A-Za-z0-9._@-], no "..")'});
/** Relative path inside the set: no absolute paths, no `..`, no backslashes. */
const relPath = z
	.string()
	.min(1)
	.refine(
		p =>
			!path.isAbsolute(p) && !p.split('/').includes('..') && !p.includes('\\') && !p.includes('\0'),
		{
			error: 'must be a relative path inside the capture set',
		},
	);

const failureSchema = z.object({
	kind: z.enum([
		'timeout',
		'cancelled',
		'unreachable',
		'auth',
		'spawn',
		'refused',
		'not-collected',
	]),
	message: z.string(),
});

const captureMetaSchema = z.object({
	id: safeId,
	scope: z.enum(['node', 'cloud']),
	node: safeId.optional(),
	argv: z.array(z.string()).min(1),
	kind: z.enum(PARSER_KINDS).optional(),
	params: z
		.object({
			namespace: z.string().optional(),
			bridge: z.string().optional(),
			router: z.string().optional(),
			path: z.string().optional(),
			inner: z.enum(PARSER_KINDS).optional(),
		})
		.optional(),
	catalogId: z.string().optional(),
	exitCode: z.number().int().nullable(),
	startedAt: z.string(),
	durationMs: z.number().nonnegative(),
	failure: failureSchema.optional(),
	stdoutFile: relPath,
	stderrFile: relPath.optional(),
	stdoutBytes: z.number().int().nonnegative(),
	stderrBytes: z.number().int().nonnegative(),
	truncated: z.boolean().optional(),
	via: z.string().optional(),
	projection: z
		.object({
			name: z.string(),
			kept: z.array(z.string()),
			dropped: z.array(z.string()),
			withheld: z.string().optional(),
		})
		.optional(),
});

const nodeSchema = z.object({
	id: safeId,
	roles: z.array(z.enum(['controller', 'network', 'compute', 'gateway', 'ovn-db', 'other'])),
	transport: z.string().optional(),
	address: z.string().optional(),
	neutronHost: z.string().optional(),
});

export const manifestSchema = z.object({
	format: z.literal(CAPTURE_SET_FORMAT),
	schemaVersion: z.literal(CAPTURE_SET_SCHEMA_VERSION),
	createdAt: z.string(),
	tool: z.object({name: z.string(), version: z.string()}),
	description: z.string().optional(),
	source: z.string(),
	nodes: z.array(nodeSchema),
	captures: z.array(captureMetaSchema),
	partial: z.boolean().optional(),
	problems: z
		.array(z.object({node: z.string().optional(), kind: z.string(), message: z.string()}))
		.optional(),
});

/** Validate a parsed manifest object; the error lists every problem with its JSON path. */
export function parseManifest(value: unknown, where: string): CaptureSetManifest {
	const result = manifestSchema.safeParse(value);
	if (!result.success) {
		const problems = result.error.issues
			.slice(0, 10)
			.map(issue => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`)
			.join('\n');
		throw new CaptureSetError(`${where}: not a valid dvrscope capture-set manifest:\n${problems}`);
	}
	const ids = new Set<string>();
	for (const capture of result.data.captures) {
		if (ids.has(capture.id))
			throw new CaptureSetError(`${where}: capture id "${capture.id}" appears twice`);
		ids.add(capture.id);
	}
	return result.data as CaptureSetManifest;
}

/** The file names a capture's bodies get inside a capture set. */
export function captureFiles(meta: Pick<CaptureMeta, 'id' | 'scope' | 'node'>): {
	stdout: string;
	stderr: string;
} {
	const dir =
		meta.scope === 'cloud' ? 'captures/cloud' : `captures/nodes/${meta.node ?? 'unknown'}`;
	return {stdout: `${dir}/${meta.id}.stdout`, stderr: `${dir}/${meta.id}.stderr`};
}

/** Read a capture-set directory. Missing body files are an error that names them. */
export async function readCaptureSet(dir: string): Promise<CaptureSet> {
	const manifestPath = path.join(dir, 'manifest.json');
	let raw: string;
	try {
		raw = await readFile(manifestPath, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			const isDir = await stat(dir).then(
				s => s.isDirectory(),
				() => false,
			);
			throw new CaptureSetError(
				isDir
					? `${dir}: no manifest.json — not a dvrscope capture set`
					: `${dir}: no such capture set`,
			);
		}
		throw new CaptureSetError(`${manifestPath}: cannot read (${code ?? String(error)})`);
	}
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch (error) {
		throw new CaptureSetError(`${manifestPath}: invalid JSON (${(error as Error).message})`);
	}
	const manifest = parseManifest(json, manifestPath);
	const root = path.resolve(dir);
	const load = async (rel: string | undefined): Promise<string> => {
		if (rel === undefined) return '';
		const full = path.resolve(root, rel);
		if (!full.startsWith(root + path.sep))
			throw new CaptureSetError(`${manifestPath}: "${rel}" points outside the capture set`);
		try {
			return await readFile(full, 'utf8');
		} catch {
			throw new CaptureSetError(
				`${dir}: capture file ${rel} is listed in manifest.json but missing`,
			);
		}
	};
	// All files at once (one at a time, the sample's 108 small files took longer to wait for
	// than to read); a failure is reported for the first capture in manifest order, as before.
	const read = await Promise.allSettled(
		manifest.captures.map(async meta => {
			const [stdout, stderr] = await Promise.allSettled([
				load(meta.stdoutFile),
				load(meta.stderrFile),
			]);
			if (stdout.status === 'rejected') throw stdout.reason;
			if (stderr.status === 'rejected') throw stderr.reason;
			return {...meta, stdout: stdout.value, stderr: stderr.value};
		}),
	);
	const captures: Capture[] = [];
	for (const result of read) {
		if (result.status === 'rejected') throw result.reason;
		captures.push(result.value);
	}
	return admitCaptureSet({manifest, captures});
}

/** A manifest entry: the capture without its bodies. */
export function captureMetaOf(capture: Capture): CaptureMeta {
	const meta: Record<string, unknown> = {...capture};
	delete meta['stdout'];
	delete meta['stderr'];
	return meta as CaptureMeta;
}

/**
 * THE choke point of "collect the minimum": every capture set that is read (saved set, bundle,
 * import) or written passes through here, and every new capture through {@link toCaptureMeta};
 * both apply the declared projections (src/collectors/projections.ts) and keep the manifest entries
 * in step, so the manifest says what was kept. Idempotent.
 */
export function admitCaptureSet(set: CaptureSet): CaptureSet {
	const captures = set.captures.map(projectCapture);
	if (captures.every((capture, i) => capture === set.captures[i])) return set;
	const byId = new Map(captures.map(capture => [capture.id, capture]));
	return {
		manifest: {
			...set.manifest,
			captures: set.manifest.captures.map(meta => {
				const capture = byId.get(meta.id);
				return capture === undefined ? meta : captureMetaOf(capture);
			}),
		},
		captures,
	};
}

/** Files written between two turns of the event loop by {@link writeCaptureSet}. */
const WRITE_SLICE = 256;

/**
 * Write a capture set to `dir` (created if needed). Returns the manifest written. Each directory is
 * made once and the files are written synchronously in slices of {@link WRITE_SLICE}, the event
 * loop turning between slices: through the thread pool one after the other, a 50-node
 * collection's ~2,000 small files took seconds of hand-offs, and ~0.25 s even 16 at a time
 * (bench/fanout.ts); written here, ~0.05 s.
 */
export async function writeCaptureSet(dir: string, input: CaptureSet): Promise<CaptureSetManifest> {
	const set = admitCaptureSet(input);
	const manifest = parseManifest(set.manifest, 'capture set to write');
	const files: (readonly [string, string])[] = [];
	for (const capture of set.captures) {
		files.push([capture.stdoutFile || captureFiles(capture).stdout, capture.stdout]);
		if (capture.stderrFile !== undefined) files.push([capture.stderrFile, capture.stderr]);
	}
	await mkdir(dir, {recursive: true});
	for (const sub of new Set(files.map(([name]) => path.dirname(name))))
		if (sub !== '.') mkdirSync(path.join(dir, sub), {recursive: true});
	for (const [i, [name, body]] of files.entries()) {
		if (i > 0 && i % WRITE_SLICE === 0) await new Promise(resolve => setImmediate(resolve));
		writeFileSync(path.join(dir, name), body);
	}
	await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, '\t')}\n`);
	return manifest;
}

/** Build the manifest entry for an in-memory capture (sizes and file names filled in). */
export function toCaptureMeta(
	capture: Omit<Capture, 'stdoutFile' | 'stderrFile' | 'stdoutBytes' | 'stderrBytes'>,
): Capture {
	const files = captureFiles(capture);
	const base = {
		...capture,
		stdoutFile: files.stdout,
		stdoutBytes: Buffer.byteLength(capture.stdout),
		stderrBytes: Buffer.byteLength(capture.stderr),
	};
	// New captures (live, Kubernetes discovery, importers) are projected as they are made.
	return projectCapture(capture.stderr.length > 0 ? {...base, stderrFile: files.stderr} : base);
}
