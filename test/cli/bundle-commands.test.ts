import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {reverseText, type PseudonymMapping} from '../../src/bundle/pseudonymize.js';
import {craftTarGz} from '../bundle/tar-craft.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCENARIO = path.join(ROOT, 'test/scenarios/failover-stale');

/** Run the real CLI from source (tsx), as a user would. */
const dvrscope = (args: string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {cwd: ROOT, reject: false});

type Report = {
	exitCode: number;
	findings: {ruleId: string; severity: string; vip?: string; message: string; nodes: string[]}[];
};

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-cli-bundle-'));
});
afterAll(async () => {
	await rm(dir, {recursive: true, force: true});
});

describe('dvrscope bundle + analyze', () => {
	it('Given a capture set, When bundled and analyzed, Then analyze prints the same findings and exit code as diagnose', async () => {
		const output = path.join(dir, 'incident.tar.gz');
		const bundled = await dvrscope(['bundle', SCENARIO, '-o', output]);
		expect(bundled.exitCode).toBe(0);
		expect(bundled.stdout).toMatch(
			/^wrote .*incident\.tar\.gz \(.*\)\n {2}33 captures from 4 node\(s\); 0 did not complete, 0 truncated\n {2}redacted: 0\n {2}partial: no\n {2}findings: 1 critical, 1 warning, 0 info$/,
		);
		const diagnosed = await dvrscope(['diagnose', SCENARIO, '--json']);
		const analyzed = await dvrscope(['analyze', output, '--json']);
		expect(analyzed.exitCode).toBe(2);
		expect(analyzed.exitCode).toBe(diagnosed.exitCode);
		const a = JSON.parse(analyzed.stdout) as Report;
		const d = JSON.parse(diagnosed.stdout) as Report;
		expect(a.findings).toEqual(d.findings);
		const text = await dvrscope(['analyze', output]);
		expect(text.stdout).toContain('dvr/stale-permanent-arp');
	});

	it('Given --pseudonymize --mapping-out, When analyzed, Then the findings mapped back are those of the original', async () => {
		const output = path.join(dir, 'shareable.tar.gz');
		const mappingOut = path.join(dir, 'mapping.json');
		const bundled = await dvrscope([
			'bundle',
			SCENARIO,
			'-o',
			output,
			'--pseudonymize',
			'--mapping-out',
			mappingOut,
		]);
		expect(bundled.exitCode).toBe(0);
		expect(bundled.stdout).toContain(`private mapping: ${mappingOut}`);
		const analyzed = await dvrscope(['analyze', output, '--json']);
		expect(analyzed.stderr).toContain('note: pseudonymised bundle');
		expect(analyzed.stdout).not.toMatch(/cmp-1|10\.0\.0\.100|fa:16:3e:11:11:11/);
		const mapping = JSON.parse(await readFile(mappingOut, 'utf8')) as PseudonymMapping;
		const back = JSON.parse(reverseText(analyzed.stdout, mapping)) as Report;
		const original = JSON.parse(
			(await dvrscope(['diagnose', SCENARIO, '--json'])).stdout,
		) as Report;
		expect(back.findings).toEqual(original.findings);
		expect(analyzed.exitCode).toBe(2);
	});

	it('Given an existing output, When bundling without --force, Then exit 3', async () => {
		const output = path.join(dir, 'exists.tar.gz');
		await writeFile(output, 'x');
		const run = await dvrscope(['bundle', SCENARIO, '-o', output]);
		expect(run.exitCode).toBe(3);
		expect(run.stderr).toContain('exists (use --force to overwrite)');
	});

	it.each([
		[
			'garbage',
			Buffer.from('garbage, not an archive'),
			/not a bundle, sos report or osctl dump \(neither a gzip nor a tar archive/,
		],
		[
			'traversal',
			craftTarGz([{name: '../../escape.txt', body: 'x'}]),
			/entry "\.\.\/\.\.\/escape\.txt" refused: "\.\." in path/,
		],
		[
			'symlink',
			craftTarGz([{name: 'bundle.json', type: '2', linkname: '/etc/shadow'}]),
			/refused: symbolic link/,
		],
		[
			'foreign tar',
			craftTarGz([{name: 'README', body: 'hi'}]),
			/not a dvrscope bundle or capture set/,
		],
	])(
		'Given a %s archive, When analyzed, Then exit 3 with one clear line and no stack trace',
		async (name, bytes, message) => {
			const file = path.join(dir, `${name}.tar.gz`);
			await writeFile(file, bytes);
			const run = await dvrscope(['analyze', file]);
			expect(run.exitCode).toBe(3);
			expect(run.stderr).toMatch(message);
			expect(run.stderr.startsWith('dvrscope analyze: ')).toBe(true);
			expect(run.stderr).not.toMatch(/\n\s+at /);
			expect(run.stdout).toBe('');
		},
	);
});
