import {mkdtemp, readFile, readdir, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {extractBundle, openInput} from '../../src/bundle/read.js';
import {writeBundle} from '../../src/bundle/write.js';
import {reverseText, type PseudonymMapping} from '../../src/bundle/pseudonymize.js';
import {CANARIES, sampleInventory, sampleSet} from './sample-set.js';

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-write-test-'));
});
afterEach(async () => {
	await rm(dir, {recursive: true, force: true});
});

async function walk(root: string, rel = ''): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(path.join(root, rel), {withFileTypes: true})) {
		const child = path.join(rel, entry.name);
		if (entry.isDirectory()) out.push(...(await walk(root, child)));
		else out.push(child);
	}
	return out;
}

describe('writeBundle', () => {
	it('Given a capture set with planted secrets, When bundled, Then no secret appears in the archive bytes or the extracted tree (canary)', async () => {
		const output = path.join(dir, 'incident.tar.gz');
		const result = await writeBundle(sampleSet({partial: true}), {
			output,
			inventory: sampleInventory,
			targets: [`router 4d7928a0 password=${CANARIES.inventoryPw}`],
			analyze: async set => ({
				json: JSON.stringify({findings: set.captures.map(c => c.stdout.slice(0, 400))}),
				markdown: set.captures.map(c => c.stdout).join('\n'),
			}),
		});
		const raw = gunzipSync(await readFile(output)).toString('latin1');
		const extracted = path.join(dir, 'x');
		await extractBundle(output, extracted);
		const files = await walk(extracted);
		expect(files).toEqual(
			expect.arrayContaining([
				'bundle.json',
				'findings.json',
				'findings.md',
				'redaction-report.json',
				'capture-set/manifest.json',
			]),
		);
		const tree = (
			await Promise.all(files.map(f => readFile(path.join(extracted, f), 'utf8')))
		).join('\n');
		for (const [name, secret] of Object.entries(CANARIES)) {
			expect(raw, name).not.toContain(secret);
			expect(tree, name).not.toContain(secret);
		}
		// The report counts by kind without values, and the network data is still there.
		expect(result.report.byKind['keepalived-auth-pass']).toBe(1);
		expect(result.report.byKind['url-credentials']).toBeGreaterThanOrEqual(3);
		expect(result.report.byKind['private-key']).toBe(1);
		expect(tree).toContain('fa:16:3e:76:31:68');
		expect(tree).toContain('auth_pass ***REDACTED***');
	});

	it('Given a partial collection, When bundled, Then bundle.json is marked partial with reasons and skipped items', async () => {
		const output = path.join(dir, 'partial.tar.gz');
		await writeBundle(sampleSet({partial: true}), {
			output,
			skipped: [{node: 'cmp-2', what: 'all commands', reason: 'unreachable'}],
			partialReasons: ['cancelled by the user (Ctrl-C)'],
			analyze: false,
		});
		const opened = await openInput(output);
		expect(opened.kind).toBe('bundle');
		expect(opened.bundle?.partial).toBe(true);
		expect(opened.bundle?.partialReasons.join('\n')).toMatch(/cmp-2: unreachable/);
		expect(opened.bundle?.partialReasons.join('\n')).toMatch(
			/cmp-2: timeout \(1 command did not complete\)/,
		);
		expect(opened.bundle?.partialReasons).toContain('cancelled by the user (Ctrl-C)');
		expect(opened.bundle?.skipped).toEqual([
			{node: 'cmp-2', what: 'all commands', reason: 'unreachable'},
		]);
		expect(opened.bundle?.captures).toMatchObject({failed: 1, failuresByKind: {timeout: 1}});
		expect(opened.bundle?.findings.available).toBe(false);
		const failed = opened.set.manifest.captures.find(c => c.id === 'flows-br-int');
		expect(failed).toMatchObject({exitCode: null, failure: {kind: 'timeout'}});
		expect(opened.set.captures).toHaveLength(11);
	});

	it('Given a complete set, When bundled and reopened, Then every capture (argv, exit code, timing, bytes) survives', async () => {
		const set = sampleSet();
		const output = path.join(dir, 'ok.tar.gz');
		const result = await writeBundle(set, {output});
		expect(result.manifest.partial).toBe(false);
		const opened = await openInput(output);
		for (const original of set.captures) {
			const got = opened.set.captures.find(c => c.id === original.id)!;
			expect(got).toMatchObject({
				exitCode: original.exitCode,
				startedAt: original.startedAt,
				durationMs: original.durationMs,
			});
			expect(got.kind).toBe(original.kind);
			if (original.id !== 'ports') expect(got.argv).toEqual(original.argv);
			expect(got.stdoutBytes).toBe(Buffer.byteLength(got.stdout));
			if (original.id === 'neigh-qrouter') expect(got.stdout).toBe(original.stdout);
		}
	});

	it('Given --pseudonymize with --mapping-out, When bundled, Then identifiers are replaced, OUIs kept, and the mapping is outside the bundle only', async () => {
		const output = path.join(dir, 'pseudo.tar.gz');
		const mappingOut = path.join(dir, 'private', 'mapping.json');
		await writeBundle(sampleSet(), {output, pseudonymize: true, mappingOut, pseudonymKey: 'k'});
		const mapping = JSON.parse(await readFile(mappingOut, 'utf8')) as PseudonymMapping;
		expect((await stat(mappingOut)).mode & 0o777).toBe(0o600);
		const raw = gunzipSync(await readFile(output)).toString('utf8');
		for (const original of [
			'cmp-1',
			'ctl-1',
			'10.0.0.13',
			'fa:16:3e:11:22:33',
			'4d7928a0-4a3c-4b99-b01b-97da2f97e279',
			'10.10.0.11',
		])
			expect(raw, original).not.toContain(original);
		expect(raw).not.toContain('dvrscope-pseudonym-mapping');
		const opened = await openInput(output);
		expect(opened.bundle?.pseudonymized).toBe(true);
		expect(opened.set.manifest.nodes.map(n => n.id)).toEqual(['compute-p1', 'network-p1']);
		const neigh = opened.set.captures.find(c => c.id === 'neigh-qrouter')!;
		expect(neigh.node).toBe('compute-p1');
		expect(neigh.params?.namespace).toMatch(/^qrouter-[0-9a-f-]{36}$/);
		expect(neigh.stdout).toMatch(/lladdr fa:16:3e:/);
		expect(reverseText(neigh.stdout, mapping)).toBe(
			sampleSet().captures.find(c => c.id === 'neigh-qrouter')!.stdout,
		);
	});

	it('Given --mapping-out without --pseudonymize, When bundling, Then it is refused with a clear message', async () => {
		await expect(
			writeBundle(sampleSet(), {
				output: path.join(dir, 'a.tar.gz'),
				mappingOut: path.join(dir, 'm.json'),
			}),
		).rejects.toThrow(/only makes sense with --pseudonymize/);
	});
});

describe('writeBundle with the diagnostics engine', () => {
	it('Given the default analysis, When bundled, Then findings.json is the diagnose JSON report and bundle.json has its summary', async () => {
		const output = path.join(dir, 'diag.tar.gz');
		const result = await writeBundle(sampleSet(), {output});
		expect(result.manifest.findings.available).toBe(true);
		const opened = await openInput(output);
		const findings = JSON.parse(opened.storedFindings ?? '{}') as {
			schema?: string;
			summary?: unknown;
		};
		expect(findings.schema).toBe('dvrscope.findings');
		expect(typeof result.manifest.findings.summary?.['critical']).toBe('number');
		expect(typeof result.manifest.findings.summary?.['warning']).toBe('number');
	});
});

describe('writeBundle: skipped and partial', () => {
	it('Given refused commands and a re-bundled bundle, When written, Then refusals are skipped items (not partial reasons) and nothing repeats', async () => {
		const base = sampleSet();
		const set = {
			...base,
			manifest: {
				...base.manifest,
				problems: [
					{
						node: 'cmp-1',
						kind: 'refused',
						message: 'refused namespace "x;rm" for netns.neigh (not run)',
					},
				],
			},
		};
		const first = path.join(dir, 'first.tar.gz');
		const result = await writeBundle(set, {output: first, analyze: false});
		expect(result.manifest.partial).toBe(false);
		expect(result.manifest.skipped).toEqual([
			{
				node: 'cmp-1',
				what: 'command',
				reason: 'refused namespace "x;rm" for netns.neigh (not run)',
			},
		]);
		const opened = await openInput(first);
		const again = await writeBundle(opened.set, {
			output: path.join(dir, 'again.tar.gz'),
			skipped: opened.bundle?.skipped ?? [],
			partialReasons: ['cancelled by the user (Ctrl-C)', 'cancelled by the user (Ctrl-C)'],
			analyze: false,
		});
		expect(again.manifest.skipped).toHaveLength(1);
		expect(again.manifest.partialReasons).toEqual(['cancelled by the user (Ctrl-C)']);
		expect(again.manifest.partial).toBe(true);
	});
});
