/**
 * `dvrscope --inventory … --quiet` without a terminal (headless live console) as a user runs it
 * (tsx from source): progress on stderr like `dvrscope diagnose --inventory`, and --quiet keeps
 * only warnings and the summary. The node is `transport: local` with the FAKE node tools
 * (test/fixtures/fake-node-bin, answering from fixtures) first on PATH.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let work: string;
let inventory: string;
let bin: string;

const dvrscope = (args: string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		cwd: ROOT,
		reject: false,
		stdin: 'ignore',
		env: {PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`, NO_COLOR: '1'},
	});

beforeAll(() => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-cli-console-'));
	bin = prepareFakeNodeBin(work);
	inventory = path.join(work, 'inv.yaml');
	writeFileSync(inventory, 'nodes:\n  - {id: cmp-1, transport: local, roles: [compute]}\n');
});
afterAll(() => {
	rmSync(work, {recursive: true, force: true});
});

describe('dvrscope --inventory (headless console) --quiet', () => {
	it.each([
		[[], true],
		[['--quiet'], false],
		[['-q'], false],
	] as const)(
		'%j: diagnosis on stdout, progress on stderr only without --quiet',
		async (extra, progress) => {
			// When
			const result = await dvrscope([
				'--inventory',
				inventory,
				'--openstack',
				'none',
				'--json',
				...extra,
			]);
			// Then the diagnosis is printed either way
			// (no OpenStack API: the rules that need it are skipped, so the verdict says INCOMPLETE)
			expect(result.exitCode, result.stderr).toBe(4);
			expect(JSON.parse(result.stdout)).toMatchObject({
				schema: 'dvrscope.findings',
				verdict: 'incomplete',
			});
			// And the summary always; the progress lines only when not quiet
			expect(result.stderr).toMatch(/done: 1 node\(s\) complete, 0 failed, \d+ capture\(s\)/);
			const lines = ['collecting from 1 node(s), 20 at a time', '[1/1] cmp-1: '];
			for (const line of lines)
				if (progress) expect(result.stderr).toContain(line);
				else expect(result.stderr).not.toContain(line);
		},
	);

	it('a bad inventory is a usage error that names it (exit 3)', async () => {
		const result = await dvrscope(['--inventory', path.join(work, 'missing.yaml'), '--quiet']);
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toContain('missing.yaml');
		expect(result.stdout).toBe('');
	});
});
