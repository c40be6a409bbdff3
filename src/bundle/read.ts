/**
 * Safe reading of bundles (and of capture sets, directory or archived). An archive is read
 * entirely in memory, under caps, and every entry is checked before anything touches the disk:
 * `..`, absolute paths, links, devices, oversize entries, too many entries and archives that
 * expand past the total cap (decompression bombs) are refused with a message that names the
 * entry. A corrupt or foreign file gets a clear {@link BundleReadError}, never a stack trace.
 */
import {createReadStream} from 'node:fs';
import {mkdir, open, readFile, readdir, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {Readable, Transform, type TransformCallback} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {Parser, type ReadEntry} from 'tar';
import type {XzReadableStream as XzReadableStreamType} from 'xz-decompress';
import {z} from 'zod';
import type {Capture, CaptureSet} from '../model/capture.js';
import {admitCaptureSet, CaptureSetError, parseManifest, readCaptureSet} from './capture-set.js';
import {BUNDLE_CAPTURE_DIR, BUNDLE_FORMAT, type BundleManifest} from './write.js';

export class BundleReadError extends Error {
	override readonly name = 'BundleReadError';
}

export type ReadLimits = {
	/** Largest single entry, bytes. */
	readonly maxEntryBytes: number;
	/** Sum of all entries, bytes; also bounds how far the gzip stream may expand. */
	readonly maxTotalBytes: number;
	readonly maxEntries: number;
};

export const DEFAULT_READ_LIMITS: ReadLimits = {
	maxEntryBytes: 64 * 1024 * 1024,
	maxTotalBytes: 512 * 1024 * 1024,
	maxEntries: 50_000,
};

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);
const LINK_TYPES = new Set(['SymbolicLink', 'Link']);

const mib = (n: number): string =>
	n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${n} bytes`;

/** Why an archive entry name is unsafe, or undefined when it is a plain relative path. */
export function unsafeEntryPath(name: string): string | undefined {
	if (name === '' || name === '.' || name === './') return 'empty path';
	if (name.includes('\0')) return 'NUL byte in path';
	if (name.includes('\\')) return 'backslash in path';
	if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
	if (name.split('/').includes('..')) return '".." in path';
	return undefined;
}

/** `./a//b/` → `a/b`: the one spelling every reader compares entry names in. */
export const normalizeEntry = (name: string): string =>
	name
		.replace(/^(\.\/)+/, '')
		.replace(/\/+/g, '/')
		.replace(/\/$/, '');

/** Counts decompressed bytes and stops the stream past a cap (the bomb guard). */
class ByteCap extends Transform {
	private seen = 0;
	constructor(
		private readonly cap: number,
		private readonly onExceeded: () => Error,
	) {
		super();
	}
	override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
		this.seen += chunk.length;
		if (this.seen > this.cap) {
			done(this.onExceeded());
			return;
		}
		done(null, chunk);
	}
}

export type ArchiveCompression = 'gzip' | 'xz' | 'tar';

/** What an archive source is: a file on disk, or bytes already in memory (a nested archive). */
export type ArchiveSource = string | {readonly name: string; readonly data: Buffer};

const sourceName = (source: ArchiveSource): string =>
	typeof source === 'string' ? source : source.name;

function compressionOf(buffer: Buffer, bytesRead: number): ArchiveCompression | undefined {
	if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
	if (
		bytesRead >= 6 &&
		buffer.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))
	)
		return 'xz';
	if (bytesRead >= 262 && buffer.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
	return undefined;
}

/** The compression of an archive (gzip, xz, plain tar), or a {@link BundleReadError} naming it. */
export async function sniffArchive(
	source: ArchiveSource,
	what = 'a dvrscope bundle',
): Promise<ArchiveCompression> {
	const file = sourceName(source);
	if (typeof source !== 'string') {
		const kind = compressionOf(source.data, Math.min(source.data.length, 512));
		if (kind === undefined) throw new BundleReadError(`${file}: not a gzip, xz or tar archive`);
		return kind;
	}
	let handle;
	try {
		handle = await open(source, 'r');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new BundleReadError(
			code === 'ENOENT'
				? `${file}: no such file`
				: `${file}: cannot open (${code ?? String(error)})`,
		);
	}
	try {
		const buffer = Buffer.alloc(512);
		const {bytesRead} = await handle.read(buffer, 0, 512, 0);
		if (bytesRead === 0) throw new BundleReadError(`${file}: empty file, not ${what}`);
		const kind = compressionOf(buffer, bytesRead);
		if (kind !== undefined) return kind;
		throw new BundleReadError(
			`${file}: not ${what} (neither a gzip nor a tar archive, nor xz; it starts with ${JSON.stringify(buffer.subarray(0, Math.min(8, bytesRead)).toString('latin1'))})`,
		);
	} finally {
		await handle.close();
	}
}

type XzModule = {
	readonly XzReadableStream?: typeof XzReadableStreamType;
	readonly default?: {readonly XzReadableStream?: typeof XzReadableStreamType};
};

/** Decompressed byte stream of an archive source. The xz decoder (WebAssembly) loads on demand. */
async function decompressed(
	source: ArchiveSource,
	kind: ArchiveCompression,
): Promise<{input: Readable; stages: Readable[]}> {
	const input: Readable =
		typeof source === 'string' ? createReadStream(source) : Readable.from([source.data]);
	if (kind === 'tar') return {input, stages: [input]};
	if (kind === 'gzip') {
		const gunzip = createGunzip();
		return {input: input.pipe(gunzip), stages: [input, gunzip]};
	}
	// A CommonJS package: Node puts its exports on `default`, some loaders also name them.
	const loaded = (await import('xz-decompress')) as unknown as XzModule;
	const XzStream = loaded.XzReadableStream ?? loaded.default?.XzReadableStream;
	if (XzStream === undefined)
		throw new BundleReadError('xz-decompress: no XzReadableStream export');
	const web = Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>;
	const out = Readable.fromWeb(new XzStream(web));
	return {input: out, stages: [input, out]};
}

export type ArchiveLink = {
	readonly name: string;
	readonly target: string;
	readonly type: 'symlink' | 'hardlink';
};

export type ScanOptions = {
	readonly limits?: ReadLimits;
	/**
	 * Which regular files to keep (by normalized name). Absent: every file, and every entry counts
	 * against `maxEntries`; present: entries not wanted are skipped unread and only kept ones count
	 * against the byte caps, so a report's `sys/` tree neither fills memory nor hits a cap.
	 */
	readonly want?: (name: string) => boolean;
	/** `refuse` (bundles): a link refuses the archive. `record`: skipped, listed, never followed. */
	readonly links?: 'refuse' | 'record';
	/** Cap on the decompressed stream (bomb guard) when `want` lets entries pass unread. */
	readonly maxStreamBytes?: number;
	/** Words for the error messages: `a dvrscope bundle`, `a sos report` … */
	readonly what?: string;
};

export type ScanResult = {
	readonly files: Map<string, Buffer>;
	readonly links: readonly ArchiveLink[];
	readonly entries: number;
	readonly compression: ArchiveCompression;
};

/** The error a failing decompression or read stage means, naming the file. */
function streamError(error: Error, file: string, kind: ArchiveCompression): BundleReadError {
	if (error instanceof BundleReadError) return error;
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (code.startsWith('Z_') || /incorrect header|invalid|unexpected end/i.test(error.message))
		return new BundleReadError(`${file}: corrupt ${kind} data (${error.message})`);
	return new BundleReadError(`${file}: cannot read ${kind} data (${error.message})`);
}

/** What becomes of one tar entry that is safe and within the entry count. */
type EntryVerdict = 'skip' | 'keep' | {readonly refuse: string} | {readonly skipLink: ArchiveLink};

/**
 * Judge one entry: a link recorded (`links: 'record'`) or refused, a type that is not a regular
 * file or directory refused, a directory or an unwanted file skipped unread, and a kept file
 * checked against the entry and total caps and for a duplicate name.
 */
function judgeEntry(
	entry: ReadEntry,
	name: string,
	scan: {
		readonly files: ReadonlyMap<string, Buffer>;
		readonly total: number;
		readonly limits: ReadLimits;
		readonly options: ScanOptions;
	},
): EntryVerdict {
	const {limits, options} = scan;
	if (LINK_TYPES.has(entry.type) && options.links === 'record')
		return {
			skipLink: {
				name,
				target: entry.linkpath ?? '',
				type: entry.type === 'Link' ? 'hardlink' : 'symlink',
			},
		};
	if (!ALLOWED_TYPES.has(entry.type)) {
		const what = LINK_TYPES.has(entry.type)
			? `${entry.type === 'Link' ? 'hard link' : 'symbolic link'} (to "${entry.linkpath ?? ''}")`
			: `${entry.type} entry`;
		return {refuse: `${what}; only regular files and directories are allowed`};
	}
	if (entry.type === 'Directory' || (options.want !== undefined && !options.want(name)))
		return 'skip';
	if (entry.size > limits.maxEntryBytes)
		return {refuse: `${mib(entry.size)} is over the ${mib(limits.maxEntryBytes)} entry cap`};
	if (scan.total + entry.size > limits.maxTotalBytes)
		return {refuse: `archive content is over the ${mib(limits.maxTotalBytes)} total cap`};
	if (scan.files.has(name)) return {refuse: 'appears twice in the archive'};
	return 'keep';
}

/**
 * Stream a (gzip, xz or plain) tar once and keep the regular files `want` selects, refusing
 * anything unsafe: `..`, absolute paths, devices, oversize entries, too many entries and streams
 * that expand past the caps (decompression bombs) are refused with a message that names the entry.
 * Links are refused or, with `links: 'record'`, skipped and listed — never followed. Nothing is
 * written to disk.
 */
export async function scanArchive(
	source: ArchiveSource,
	options: ScanOptions = {},
): Promise<ScanResult> {
	const limits = options.limits ?? DEFAULT_READ_LIMITS;
	const file = sourceName(source);
	const kind = await sniffArchive(source, options.what);
	const files = new Map<string, Buffer>();
	const links: ArchiveLink[] = [];
	let entries = 0;
	let total = 0;
	let failure: BundleReadError | undefined;
	const {input, stages} = await decompressed(source, kind);

	return new Promise<ScanResult>((resolve, reject) => {
		// Headers and padding take at most ~1.5 KiB per entry on top of the data.
		const streamCap =
			options.maxStreamBytes ?? limits.maxTotalBytes + limits.maxEntries * 1536 + 1024 * 1024;
		const cap = new ByteCap(streamCap, () =>
			fail(
				`${file}: archive expands beyond ${mib(options.maxStreamBytes ?? limits.maxTotalBytes)} — refused (decompression bomb?)`,
			),
		);
		let settled = false;
		const finish = (error?: Error): void => {
			if (settled) return;
			settled = true;
			for (const stage of stages) stage.destroy();
			cap.destroy();
			if (error !== undefined) {
				reject(
					error instanceof BundleReadError
						? error
						: new BundleReadError(`${file}: corrupt archive (${error.message})`),
				);
			} else resolve({files, links, entries, compression: kind});
		};
		const fail = (message: string): BundleReadError => {
			failure ??= new BundleReadError(message);
			return failure;
		};

		const parser = new Parser({
			strict: true,
			onReadEntry: (entry: ReadEntry) => {
				if (failure !== undefined || settled) {
					entry.resume();
					return;
				}
				const raw = entry.path;
				if (entry.type === 'Directory' && (raw === './' || raw === '.')) {
					// The archive's own root (Python's make_archive writes one): nothing to keep.
					entry.resume();
					return;
				}
				const unsafe = unsafeEntryPath(raw);
				const name = normalizeEntry(raw);
				const refuse = (why: string): void => {
					entry.resume();
					finish(fail(`${file}: entry "${raw}" refused: ${why}`));
				};
				if (unsafe !== undefined) {
					refuse(unsafe);
					return;
				}
				if (++entries > limits.maxEntries) {
					refuse(`more than ${limits.maxEntries} entries in the archive`);
					return;
				}
				const verdict = judgeEntry(entry, name, {files, total, limits, options});
				if (verdict === 'skip') {
					entry.resume();
					return;
				}
				if (verdict !== 'keep') {
					if ('refuse' in verdict) {
						refuse(verdict.refuse);
						return;
					}
					links.push(verdict.skipLink);
					entry.resume();
					return;
				}
				const chunks: Buffer[] = [];
				let size = 0;
				entry.on('data', (chunk: Buffer) => {
					size += chunk.length;
					total += chunk.length;
					if (size > limits.maxEntryBytes || total > limits.maxTotalBytes) {
						finish(fail(`${file}: entry "${raw}" refused: bigger than declared / over the caps`));
						return;
					}
					chunks.push(chunk);
				});
				entry.on('end', () => {
					if (failure === undefined) files.set(name, Buffer.concat(chunks));
				});
			},
		});
		parser.on('error', (error: Error) => {
			finish(failure ?? new BundleReadError(`${file}: corrupt archive (${error.message})`));
		});
		parser.on('end', () => {
			finish(failure);
		});
		const onStreamError = (error: Error): void => {
			finish(streamError(error, file, kind));
		};
		for (const stage of stages) stage.on('error', onStreamError);
		cap.on('error', onStreamError);
		input.pipe(cap);
		cap.on('data', (chunk: Buffer) => {
			if (!settled) parser.write(chunk);
		});
		cap.on('end', () => {
			if (!settled) parser.end();
		});
	});
}

/**
 * Read every regular file of a (gzip) tar into memory, refusing anything unsafe (links too).
 * Directories are accepted and not returned. Nothing is written to disk.
 */
export async function readArchive(
	file: string,
	limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<Map<string, Buffer>> {
	return (await scanArchive(file, {limits, links: 'refuse'})).files;
}

/**
 * Safely extract an archive into `destDir` (created; must be empty if it exists). Everything is
 * validated in memory first, so a refused archive writes nothing. Returns the files written.
 */
export async function extractBundle(
	file: string,
	destDir: string,
	limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<string[]> {
	const files = await readArchive(file, limits);
	const root = path.resolve(destDir);
	await mkdir(root, {recursive: true});
	if ((await readdir(root)).length > 0)
		throw new BundleReadError(`${destDir}: extraction directory is not empty`);
	const written: string[] = [];
	for (const [name, body] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
		const target = path.resolve(root, name);
		if (!target.startsWith(root + path.sep))
			throw new BundleReadError(`${file}: entry "${name}" points outside ${destDir}`);
		await mkdir(path.dirname(target), {recursive: true});
		await writeFile(target, body, {flag: 'wx', mode: 0o644});
		written.push(name);
	}
	return written;
}

const bundleManifestSchema = z
	.object({
		format: z.literal(BUNDLE_FORMAT),
		schemaVersion: z.number(),
		createdAt: z.string(),
		partial: z.boolean(),
		partialReasons: z.array(z.string()),
		pseudonymized: z.boolean(),
	})
	.loose();

function parseBundleManifest(text: string, where: string): BundleManifest {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new BundleReadError(`${where}: invalid JSON (${(error as Error).message})`);
	}
	const result = bundleManifestSchema.safeParse(value);
	if (!result.success) {
		const problems = result.error.issues
			.slice(0, 5)
			.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
			.join('; ');
		throw new BundleReadError(`${where}: not a dvrscope bundle manifest (${problems})`);
	}
	return result.data as unknown as BundleManifest;
}

/** Build a capture set from in-memory files (`root` is the prefix of manifest.json). */
function captureSetFromFiles(
	files: ReadonlyMap<string, Buffer>,
	root: string,
	where: string,
): CaptureSet {
	const manifestName = `${root}manifest.json`;
	const raw = files.get(manifestName);
	if (raw === undefined) throw new BundleReadError(`${where}: no ${manifestName} in the archive`);
	let json: unknown;
	try {
		json = JSON.parse(raw.toString('utf8'));
	} catch (error) {
		throw new BundleReadError(
			`${where}: ${manifestName} is invalid JSON (${(error as Error).message})`,
		);
	}
	let manifest;
	try {
		manifest = parseManifest(json, `${where}:${manifestName}`);
	} catch (error) {
		throw new BundleReadError((error as Error).message);
	}
	const body = (rel: string | undefined): string => {
		if (rel === undefined) return '';
		const buffer = files.get(`${root}${normalizeEntry(rel)}`);
		if (buffer === undefined)
			throw new BundleReadError(
				`${where}: capture file ${rel} is listed in ${manifestName} but missing`,
			);
		return buffer.toString('utf8');
	};
	const captures: Capture[] = manifest.captures.map(meta => ({
		...meta,
		stdout: body(meta.stdoutFile),
		stderr: body(meta.stderrFile),
	}));
	return admitCaptureSet({manifest, captures});
}

export type OpenedInput = {
	/** `bundle` (archive or directory with bundle.json) or `capture-set` (directory or archive). */
	readonly kind: 'bundle' | 'capture-set';
	readonly source: string;
	readonly set: CaptureSet;
	readonly bundle?: BundleManifest;
	/** `findings.json` as stored in the bundle (analysis at bundle time), when present. */
	readonly storedFindings?: string;
	/** Watch mode's timeline (`watch/timeline.ndjson`), when the bundle holds one. */
	readonly watchTimeline?: string;
};

/** Prefix under which `marker` sits: '' at the root, or `dir/` when everything is under one dir. */
function rootOf(files: ReadonlyMap<string, Buffer>, marker: string): string | undefined {
	if (files.has(marker)) return '';
	const tops = new Set([...files.keys()].map(name => name.split('/')[0]));
	if (tops.size === 1) {
		const [top] = [...tops];
		if (top !== undefined && files.has(`${top}/${marker}`)) return `${top}/`;
	}
	return undefined;
}

/**
 * Open a bundle or a capture set: a `.tar.gz`/`.tar` (bundle, or an archived capture set) or a
 * directory (capture set, or an extracted bundle). Errors are {@link BundleReadError} or
 * {@link CaptureSetError} with a message that names the input.
 */
export async function openInput(
	input: string,
	limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<OpenedInput> {
	let info;
	try {
		info = await stat(input);
	} catch {
		throw new BundleReadError(`${input}: no such bundle or capture set`);
	}
	if (info.isDirectory()) {
		const bundleJson = path.join(input, 'bundle.json');
		const hasBundle = await stat(bundleJson).then(
			s => s.isFile(),
			() => false,
		);
		if (!hasBundle) return {kind: 'capture-set', source: input, set: await readCaptureSet(input)};
		const bundle = parseBundleManifest(await readFile(bundleJson, 'utf8'), bundleJson);
		const set = await readCaptureSet(path.join(input, BUNDLE_CAPTURE_DIR));
		const storedFindings = await readFile(path.join(input, 'findings.json'), 'utf8').catch(
			() => undefined,
		);
		const watchTimeline = await readFile(
			path.join(input, 'watch', 'timeline.ndjson'),
			'utf8',
		).catch(() => undefined);
		return {
			kind: 'bundle',
			source: input,
			set,
			bundle,
			...(storedFindings === undefined ? {} : {storedFindings}),
			...(watchTimeline === undefined ? {} : {watchTimeline}),
		};
	}
	const files = await readArchive(input, limits);
	const bundleRoot = rootOf(files, 'bundle.json');
	if (bundleRoot !== undefined) {
		const bundle = parseBundleManifest(
			(files.get(`${bundleRoot}bundle.json`) ?? Buffer.alloc(0)).toString('utf8'),
			`${input}:bundle.json`,
		);
		const set = captureSetFromFiles(files, `${bundleRoot}${BUNDLE_CAPTURE_DIR}/`, input);
		const stored = files.get(`${bundleRoot}findings.json`)?.toString('utf8');
		const timeline = files.get(`${bundleRoot}watch/timeline.ndjson`);
		return {
			kind: 'bundle',
			source: input,
			set,
			bundle,
			...(stored === undefined ? {} : {storedFindings: stored}),
			...(timeline === undefined ? {} : {watchTimeline: timeline.toString('utf8')}),
		};
	}
	const setRoot = rootOf(files, 'manifest.json');
	if (setRoot !== undefined)
		return {kind: 'capture-set', source: input, set: captureSetFromFiles(files, setRoot, input)};
	const listing = [...files.keys()].slice(0, 5).join(', ');
	throw new BundleReadError(
		`${input}: no bundle.json or manifest.json in the archive — not a dvrscope bundle or capture set${listing === '' ? ' (archive is empty)' : ` (it holds: ${listing}${files.size > 5 ? ', …' : ''})`}`,
	);
}

/** True for the errors {@link openInput} raises on bad input (print the message, exit 3). */
export const isInputError = (error: unknown): error is Error =>
	error instanceof BundleReadError || error instanceof CaptureSetError;
