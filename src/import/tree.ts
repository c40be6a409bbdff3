/**
 * A report as a tree of the files an importer needs, read from an archive (gzip or xz tar,
 * streamed once, only wanted members kept) or from an unpacked directory (only wanted paths
 * walked). Links are never followed: they are listed in `links`. Every defence of the bundle
 * reader applies (it is the same reader: {@link scanArchive}).
 */
import {lstat, readFile, readdir, readlink} from 'node:fs/promises';
import path from 'node:path';
import {
	type ArchiveLink,
	type ArchiveSource,
	BundleReadError,
	scanArchive,
	unsafeEntryPath,
} from '../bundle/read.js';

/** What an importer wants kept, relative to the report's root. */
export type WantSpec = {
	/** Paths kept with everything below them (`sos_commands/networking`, `hostname`). */
	readonly prefixes: readonly string[];
	/** Other names kept (`*.tar.xz` reports inside a `sos collect` archive). */
	readonly also?: (rel: string) => boolean;
};

export type ImportTree = {
	/** The file or directory as given. */
	readonly source: string;
	/** Files relative to the report root (a single top directory is stripped). */
	readonly files: ReadonlyMap<string, Buffer>;
	/** Links found where wanted files are, relative to the root; skipped, never followed. */
	readonly links: readonly ArchiveLink[];
	/** The top directory stripped (`sosreport-cmp-1-2024…`), '' when there was none. */
	readonly top: string;
};

/** Limits for imports: entries not kept are not capped beyond `maxEntries`; kept ones are. */
export const IMPORT_LIMITS = {
	maxEntryBytes: 64 * 1024 * 1024,
	maxTotalBytes: 512 * 1024 * 1024,
	maxEntries: 2_000_000,
	/** A sos report with logs expands to a few GiB at most; past this the stream is refused. */
	maxStreamBytes: 16 * 1024 * 1024 * 1024,
} as const;

const under = (rel: string, prefix: string): boolean =>
	rel === prefix || rel.startsWith(`${prefix}/`);

/** True when `rel` (root-relative) is wanted. */
export function wanted(spec: WantSpec, rel: string): boolean {
	return spec.prefixes.some(p => under(rel, p)) || (spec.also?.(rel) ?? false);
}

/** True for `rel` itself, or for `rel` under a single top directory. */
const wantedAnyDepth = (spec: WantSpec, name: string): boolean => {
	if (wanted(spec, name)) return true;
	const slash = name.indexOf('/');
	return slash > 0 && wanted(spec, name.slice(slash + 1));
};

/** The single top directory every name is under, when the wanted files are all below one. */
function topOf(names: readonly string[], spec: WantSpec): string {
	if (names.length === 0) return '';
	const tops = new Set(names.map(n => (n.includes('/') ? n.slice(0, n.indexOf('/')) : '')));
	if (tops.size !== 1) return '';
	const [top] = [...tops];
	if (top === undefined || top === '') return '';
	// A top directory that is itself a wanted prefix (`neutron/…` of an osctl dump) is content.
	return spec.prefixes.some(p => p === top || p.startsWith(`${top}/`)) ? '' : top;
}

function rebase(
	files: ReadonlyMap<string, Buffer>,
	links: readonly ArchiveLink[],
	spec: WantSpec,
	source: string,
): ImportTree {
	const top = topOf([...files.keys(), ...links.map(l => l.name)], spec);
	if (top === '') {
		return {
			source,
			files: new Map([...files].filter(([n]) => wanted(spec, n))),
			links: links.filter(l => wanted(spec, l.name)),
			top,
		};
	}
	const cut = (n: string): string => n.slice(top.length + 1);
	return {
		source,
		files: new Map(
			[...files].filter(([n]) => wanted(spec, cut(n))).map(([n, b]) => [cut(n), b] as const),
		),
		links: links.filter(l => wanted(spec, cut(l.name))).map(l => ({...l, name: cut(l.name)})),
		top,
	};
}

/** Stream an archive (file or nested bytes) once, keeping the wanted members. */
export async function treeFromArchive(
	source: ArchiveSource,
	spec: WantSpec,
	what = 'a sos report or osctl dump',
): Promise<ImportTree> {
	const result = await scanArchive(source, {
		limits: IMPORT_LIMITS,
		maxStreamBytes: IMPORT_LIMITS.maxStreamBytes,
		links: 'record',
		want: name => wantedAnyDepth(spec, name),
		what,
	});
	const name = typeof source === 'string' ? source : source.name;
	return rebase(result.files, result.links, spec, name);
}

/** True when a directory at `rel` may hold wanted files (so the walk descends into it). */
function mayHold(spec: WantSpec, rel: string): boolean {
	if (spec.also !== undefined) return true;
	return spec.prefixes.some(p => under(rel, p) || p.startsWith(`${rel}/`));
}

/**
 * Walk an unpacked report. Only directories that may hold wanted files are entered (depth-first,
 * with the same caps as archives); links are listed, never followed.
 */
export async function treeFromDir(dir: string, spec: WantSpec): Promise<ImportTree> {
	const files = new Map<string, Buffer>();
	const links: ArchiveLink[] = [];
	let total = 0;
	let entries = 0;
	// The report may sit one level down (an extracted archive's top directory).
	const walk = async (rel: string, depth: number): Promise<void> => {
		const abs = rel === '' ? dir : path.join(dir, rel);
		let list;
		try {
			list = await readdir(abs, {withFileTypes: true});
		} catch (error) {
			throw new BundleReadError(`${abs}: cannot read directory (${(error as Error).message})`);
		}
		for (const entry of list) {
			const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
			if (unsafeEntryPath(child) !== undefined) continue;
			if (++entries > IMPORT_LIMITS.maxEntries)
				throw new BundleReadError(`${dir}: more than ${IMPORT_LIMITS.maxEntries} entries`);
			const full = path.join(dir, child);
			if (entry.isSymbolicLink()) {
				if (wantedAnyDepth(spec, child))
					links.push({name: child, target: await readlink(full).catch(() => ''), type: 'symlink'});
				continue;
			}
			if (entry.isDirectory()) {
				// Depth 0 may be the report's own top directory: look one level into it.
				const inner = child.includes('/') ? child.slice(child.indexOf('/') + 1) : '';
				if (depth === 0 || mayHold(spec, child) || mayHold(spec, inner))
					await walk(child, depth + 1);
				continue;
			}
			if (!entry.isFile() || !wantedAnyDepth(spec, child)) continue;
			const info = await lstat(full);
			if (info.size > IMPORT_LIMITS.maxEntryBytes)
				throw new BundleReadError(`${full}: ${info.size} bytes is over the entry cap`);
			total += info.size;
			if (total > IMPORT_LIMITS.maxTotalBytes)
				throw new BundleReadError(`${dir}: wanted files are over the total cap`);
			files.set(child, await readFile(full));
		}
	};
	await walk('', 0);
	return rebase(files, links, spec, dir);
}

/** Text of a file of the tree, or undefined. */
export const text = (tree: ImportTree, rel: string): string | undefined =>
	tree.files.get(rel)?.toString('utf8');

/** The link at `rel`, when the report had a link there. */
export const linkAt = (tree: ImportTree, rel: string): ArchiveLink | undefined =>
	tree.links.find(l => l.name === rel);
