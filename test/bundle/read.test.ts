import {existsSync} from 'node:fs';
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {createGzip, gzipSync} from 'node:zlib';
import {createWriteStream} from 'node:fs';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
	BundleReadError,
	DEFAULT_READ_LIMITS,
	extractBundle,
	openInput,
	readArchive,
	unsafeEntryPath,
} from '../../src/bundle/read.js';
import {writeCaptureSet} from '../../src/bundle/capture-set.js';
import {writeBundle} from '../../src/bundle/write.js';
import {craftTar, craftTarGz, type CraftEntry} from './tar-craft.js';
import {sampleSet} from './sample-set.js';

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-read-test-'));
});
afterEach(async () => {
	await rm(dir, {recursive: true, force: true});
});

const put = async (name: string, bytes: Buffer): Promise<string> => {
	const file = path.join(dir, name);
	await writeFile(file, bytes);
	return file;
};

describe('unsafeEntryPath', () => {
	it.each([
		['../evil', '".." in path'],
		['a/../../evil', '".." in path'],
		['/etc/passwd', 'absolute path'],
		['C:/x', 'absolute path'],
		['a\\b', 'backslash in path'],
		['', 'empty path'],
	])('Given %j, Then it is refused (%s)', (name, why) => {
		expect(unsafeEntryPath(name)).toBe(why);
	});
	it.each([['bundle.json'], ['capture-set/captures/nodes/cmp-1/x.stdout'], ['./a..b']])(
		'Given %j, Then it is accepted',
		name => {
			expect(unsafeEntryPath(name)).toBeUndefined();
		},
	);
});

describe('readArchive / extractBundle with hostile archives', () => {
	const outside = (): string => path.join(dir, 'evil.txt');
	const hostile: [string, CraftEntry[], RegExp][] = [
		[
			'path traversal',
			[
				{name: 'bundle.json', body: '{}'},
				{name: '../evil.txt', body: 'pwned'},
			],
			/"\.\.\/evil\.txt" refused: "\.\." in path/,
		],
		[
			'absolute path',
			[{name: '/tmp/dvrscope-evil-abs.txt', body: 'pwned'}],
			/refused: absolute path/,
		],
		[
			'symlink',
			[{name: 'link', type: '2', linkname: '/etc/passwd'}],
			/refused: symbolic link \(to "\/etc\/passwd"\)/,
		],
		['hard link', [{name: 'hard', type: '1', linkname: '../../etc/shadow'}], /refused: hard link/],
		['character device', [{name: 'dev-null', type: '3'}], /refused: CharacterDevice entry/],
		['FIFO', [{name: 'fifo', type: '6'}], /refused: FIFO entry/],
		[
			'entry declaring 5 GiB',
			[{name: 'big', body: 'x', declaredSize: 5 * 1024 * 1024 * 1024}],
			/over the 64\.0 MiB entry cap/,
		],
	];
	it.each(hostile)(
		'Given a gzip tar with %s, When read or extracted, Then it is refused and nothing is written',
		async (_name, entries, message) => {
			const file = await put('hostile.tar.gz', craftTarGz(entries));
			await expect(readArchive(file)).rejects.toThrow(message);
			const dest = path.join(dir, 'out');
			const error = await extractBundle(file, dest).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(BundleReadError);
			expect((error as Error).message).toMatch(message);
			expect((error as Error).message).toContain(file);
			expect(existsSync(outside())).toBe(false);
			expect(existsSync('/tmp/dvrscope-evil-abs.txt')).toBe(false);
			expect(existsSync(dest) ? await readdir(dest) : []).toEqual([]);
		},
	);

	it('Given a small gzip that expands past the total cap (decompression bomb), When read, Then it is refused early', async () => {
		// 64 MiB of zeros after one small entry compresses to ~64 KiB.
		const file = path.join(dir, 'bomb.tar.gz');
		await new Promise<void>((resolve, reject) => {
			const gz = createGzip({level: 9});
			const out = createWriteStream(file);
			gz.pipe(out);
			out.on('finish', resolve);
			out.on('error', reject);
			gz.write(craftTar([{name: 'a.txt', body: 'hello'}]).subarray(0, 1024));
			const zeros = Buffer.alloc(1024 * 1024, 0);
			for (let i = 0; i < 64; i++) gz.write(zeros);
			gz.end();
		});
		const limits = {maxEntryBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024, maxEntries: 100};
		await expect(readArchive(file, limits)).rejects.toThrow(
			/expands beyond 2\.0 MiB — refused \(decompression bomb\?\)/,
		);
	});

	it('Given entries that together pass the per-entry cap but not the total cap, When read, Then it is refused', async () => {
		const body = Buffer.alloc(600 * 1024, 0x41);
		const file = await put(
			'many.tar.gz',
			craftTarGz([
				{name: 'a', body},
				{name: 'b', body},
				{name: 'c', body},
				{name: 'd', body},
			]),
		);
		await expect(
			readArchive(file, {
				maxEntryBytes: 1024 * 1024,
				maxTotalBytes: 2 * 1024 * 1024,
				maxEntries: 100,
			}),
		).rejects.toThrow(/"d" refused: archive content is over the 2\.0 MiB total cap/);
	});

	it('Given too many entries, When read, Then it is refused', async () => {
		const entries = Array.from({length: 12}, (_, i) => ({name: `f${i}`, body: 'x'}));
		const file = await put('n.tar.gz', craftTarGz(entries));
		await expect(readArchive(file, {...DEFAULT_READ_LIMITS, maxEntries: 10})).rejects.toThrow(
			/more than 10 entries/,
		);
	});

	it('Given the same name twice, When read, Then it is refused', async () => {
		const file = await put(
			'dup.tar.gz',
			craftTarGz([
				{name: 'bundle.json', body: '{}'},
				{name: './bundle.json', body: '{"x":1}'},
			]),
		);
		await expect(readArchive(file)).rejects.toThrow(/appears twice/);
	});
});

describe('openInput with foreign or broken input', () => {
	it.each([
		[
			'garbage bytes',
			Buffer.from('this is definitely not an archive\n'),
			/not a dvrscope bundle \(neither a gzip nor a tar archive/,
		],
		['gzip of garbage', gzipSync(Buffer.from('x'.repeat(2000))), /corrupt archive/],
		['empty file', Buffer.alloc(0), /empty file/],
		[
			'tar without manifest',
			craftTarGz([
				{name: 'notes.txt', body: 'hello'},
				{name: 'etc/hosts', body: '127.0.0.1 localhost'},
			]),
			/no bundle\.json or manifest\.json in the archive — not a dvrscope bundle or capture set \(it holds: notes\.txt, etc\/hosts\)/,
		],
		[
			'bundle.json of another tool',
			craftTarGz([{name: 'bundle.json', body: '{"format":"other"}'}]),
			/bundle\.json: not a dvrscope bundle manifest/,
		],
		[
			'manifest.json that is not JSON',
			craftTarGz([{name: 'manifest.json', body: '{oops'}]),
			/manifest\.json is invalid JSON/,
		],
		[
			'manifest listing a missing file',
			craftTarGz([
				{
					name: 'manifest.json',
					body: JSON.stringify({
						...sampleSet().manifest,
						captures: sampleSet().manifest.captures.slice(0, 1),
					}),
				},
			]),
			/capture file captures\/nodes\/cmp-1\/netns-list\.stdout is listed in manifest\.json but missing/,
		],
	])(
		'Given %s, When opened, Then a BundleReadError names the file and the problem',
		async (_name, bytes, message) => {
			const file = await put('input.tar.gz', bytes);
			const error = await openInput(file).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(BundleReadError);
			expect((error as Error).message).toMatch(message);
			expect((error as Error).message).toContain(file);
		},
	);

	it('Given a truncated bundle, When opened, Then it is reported as corrupt', async () => {
		const good = path.join(dir, 'good.tar.gz');
		await writeBundle(sampleSet(), {output: good});
		const {readFile} = await import('node:fs/promises');
		const bytes = await readFile(good);
		const file = await put('truncated.tar.gz', bytes.subarray(0, Math.floor(bytes.length / 2)));
		await expect(openInput(file)).rejects.toThrow(/corrupt|unexpected end/i);
	});

	it('Given a missing path, When opened, Then it says so', async () => {
		await expect(openInput(path.join(dir, 'nope.tar.gz'))).rejects.toThrow(
			/no such bundle or capture set/,
		);
	});
});

describe('openInput with valid input', () => {
	it('Given a capture-set directory, a tar of it under one top directory, and a bundle, When opened, Then all give the same captures', async () => {
		const set = sampleSet();
		const setDir = path.join(dir, 'set');
		await writeCaptureSet(setDir, set);
		const fromDir = await openInput(setDir);
		expect(fromDir.kind).toBe('capture-set');
		const {create} = await import('tar');
		const tarFile = path.join(dir, 'set.tar.gz');
		await create({gzip: true, file: tarFile, cwd: dir}, ['set']);
		const fromTar = await openInput(tarFile);
		expect(fromTar.kind).toBe('capture-set');
		const bundleFile = path.join(dir, 'b.tar.gz');
		await writeBundle(set, {output: bundleFile});
		const fromBundle = await openInput(bundleFile);
		expect(fromBundle.kind).toBe('bundle');
		const ids = (o: typeof fromDir) => o.set.captures.map(c => c.id).sort();
		expect(ids(fromTar)).toEqual(ids(fromDir));
		expect(ids(fromBundle)).toEqual(ids(fromDir));
		const neigh = (o: typeof fromDir) => o.set.captures.find(c => c.id === 'neigh-qrouter')?.stdout;
		expect(neigh(fromTar)).toBe(neigh(fromDir));
		expect(neigh(fromBundle)).toBe(neigh(fromDir));
		const extracted = path.join(dir, 'extracted');
		await extractBundle(bundleFile, extracted);
		const fromExtracted = await openInput(extracted);
		expect(fromExtracted.kind).toBe('bundle');
		expect(ids(fromExtracted)).toEqual(ids(fromDir));
	});
});
