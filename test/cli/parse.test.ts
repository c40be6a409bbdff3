import {mkdtempSync, statSync, writeFileSync} from 'node:fs';
import {availableParallelism, tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {flowSpecs, formatDump} from '../../bench/flow-dump.js';
import {PARALLEL_MIN_BYTES, parseWorkerCount} from '../../src/cli/commands/parse-workers.js';
import {parseCapture} from '../../src/collectors/parsers/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures');

/** Run the real CLI from source (tsx), as a user would with `dvrscope parse …`. */
async function dvrscope(args: string[], input?: string, env?: Record<string, string>) {
	return execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		cwd: ROOT,
		reject: false,
		...(input !== undefined ? {input} : {}),
		...(env !== undefined ? {env} : {}),
	});
}

describe('dvrscope parse', () => {
	it('Given a good neighbour capture, when parsed, then typed facts are printed as JSON and exit is 0', async () => {
		const run = await dvrscope([
			'parse',
			'ip-neigh',
			path.join(FIXTURES, 'gen-ip-neigh-show-qrouter.txt'),
		]);
		expect(run.exitCode).toBe(0);
		expect(run.stderr).toBe('');
		const out = JSON.parse(run.stdout) as {
			kind: string;
			facts: {dst: string; lladdr?: string; states: string[]}[];
			warnings: unknown[];
		};
		expect(out.kind).toBe('ip-neigh');
		expect(out.warnings).toEqual([]);
		expect(out.facts.find(n => n.dst === '10.0.0.100')).toMatchObject({
			lladdr: 'fa:16:3e:11:22:33',
			states: ['PERMANENT'],
		});
	});

	it('Given stdin ("-"), then the amphora table is read', async () => {
		const {readFile} = await import('node:fs/promises');
		const text = await readFile(
			path.join(FIXTURES, 'pub-openstack-loadbalancer-amphora-list.txt'),
			'utf8',
		);
		const run = await dvrscope(['parse', 'octavia-amphorae', '-', '--compact'], text);
		expect(run.exitCode).toBe(0);
		const out = JSON.parse(run.stdout) as {facts: {role: string}[]};
		expect(out.facts.map(a => a.role)).toEqual([
			'BACKUP',
			'MASTER',
			'MASTER',
			'MASTER',
			'BACKUP',
			'BACKUP',
		]);
	});

	it('Given a malformed file, then stderr names the line numbers and exit is 2', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-parse-'));
		const file = path.join(dir, 'broken.json');
		writeFileSync(file, '[\n  {"dst": "10.0.0.1",\n   "dev" "qr-x"}\n]\n');
		const run = await dvrscope(['parse', 'ip-neigh', file]);
		expect(run.exitCode).toBe(2);
		expect(run.stdout).toBe('');
		expect(run.stderr).toContain(file);
		expect(run.stderr).toMatch(/line 3: invalid JSON/);
	});

	it('Given partly unreadable text, then facts are printed, the bad line is listed and exit is 1', async () => {
		const run = await dvrscope(
			['parse', 'ip-neigh', '-'],
			'10.0.0.1 dev qr-x lladdr fa:16:3e:00:00:01 PERMANENT \nnot a neighbour\n',
		);
		expect(run.exitCode).toBe(1);
		expect((JSON.parse(run.stdout) as {facts: unknown[]}).facts).toHaveLength(1);
		expect(run.stderr).toMatch(/line 2: not a neighbour line/);
	});

	it.each([
		[['parse', 'ip-nope', 'x'], /unknown kind "ip-nope"/],
		[
			['parse', 'ip-neigh', '/nonexistent/capture.txt'],
			/cannot read \/nonexistent\/capture.txt: no such file/,
		],
		[['parse', 'ip-neigh', '-', '--inner', 'ip-rule'], /--inner only applies to ip-all-netns/],
		[['parse', '--bogus', 'ip-neigh', '-'], /unknown option '--bogus'/],
	])('Given %j, then a clear message and exit 2', async (args, message) => {
		const run = await dvrscope(args, '');
		expect(run.exitCode).toBe(2);
		expect(run.stderr).toMatch(message);
	});

	it('Given --list, then every non-OVS kind is listed with the commands it reads', async () => {
		const run = await dvrscope(['parse', '--list']);
		expect(run.exitCode).toBe(0);
		expect(run.stdout).toMatch(/^ip-neigh\s+neighbour/m);
		expect(run.stdout).toContain('ip -j neigh show');
		expect(run.stdout).toMatch(/^octavia-amphorae\s/m);
		expect(run.stdout).toContain('openstack loadbalancer amphora show <id> -f json');
	});

	it('Given ip-all-netns with --inner, then sections are parsed with capture line numbers', async () => {
		const run = await dvrscope([
			'parse',
			'ip-all-netns',
			path.join(FIXTURES, 'iproute2-local/ip-all-netns-exec-ip-neigh-show.txt'),
			'--inner',
			'ip-neigh',
		]);
		expect(run.exitCode).toBe(0);
		const out = JSON.parse(run.stdout) as {
			facts: {namespace: string; facts: {dst: string; line: number}[]}[];
		};
		expect(out.facts.map(s => s.namespace)).toEqual(['dvrsc-h2a', 'dvrsc-h2b']);
		expect(out.facts[1]?.facts[0]).toMatchObject({dst: '10.0.0.1', line: 13});
	});

	describe('streaming output', () => {
		// A dump over several of the 1 MB blocks the CLI parses at a time.
		const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-parse-stream-'));
		const big = path.join(dir, 'big-dump.txt');
		const text = formatDump(flowSpecs(40_000));
		writeFileSync(big, text);

		it('Given a multi-block flow dump, when parsed with --ndjson, then each line is one flow, as the whole-text parse reads it', async () => {
			const run = await dvrscope(['parse', 'ovs-flows', big, '--ndjson']);
			expect(run.exitCode).toBe(0);
			expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
			const lines = run.stdout.split('\n');
			const whole = parseCapture('ovs-flows', text).facts.flows;
			expect(lines).toHaveLength(whole.length);
			for (const at of [0, 1, Math.floor(whole.length / 2), whole.length - 1])
				expect(JSON.parse(lines[at] ?? ''), String(at)).toEqual(
					JSON.parse(JSON.stringify(whole[at])),
				);
		});

		it('Given stdout is a pipe, when parsed without options, then the document is compact JSON on one line', async () => {
			const run = await dvrscope(['parse', 'ovs-flows', big]);
			expect(run.exitCode).toBe(0);
			expect(run.stdout.split('\n')).toHaveLength(1);
			const out = JSON.parse(run.stdout) as {
				kind: string;
				facts: {protocol: string; flows: {line: number}[]};
			};
			expect(out.kind).toBe('ovs-flows');
			expect(out.facts.protocol).toBe('OpenFlow10');
			expect(out.facts.flows.at(-1)?.line).toBe(
				parseCapture('ovs-flows', text).facts.flows.at(-1)?.line,
			);
		});

		it('Given --stats, then every flow is decoded and counted: flows per table, match fields and action types add up to the whole-text parse', async () => {
			const run = await dvrscope(['parse', 'ovs-flows', big, '--stats']);
			expect(run.exitCode).toBe(0);
			const out = JSON.parse(run.stdout) as {
				kind: string;
				protocol: string;
				stats: {
					flows: number;
					packets: number;
					tables: Record<string, number>;
					matchFields: Record<string, number>;
					actions: Record<string, number>;
				};
				warnings: unknown[];
			};
			const whole = parseCapture('ovs-flows', text).facts.flows;
			const count = (keys: (string | number)[]): Record<string, number> => {
				const c: Record<string, number> = {};
				for (const k of keys) c[k] = (c[k] ?? 0) + 1;
				return c;
			};
			expect(out).toMatchObject({kind: 'ovs-flows', protocol: 'OpenFlow10', warnings: []});
			expect(out.stats.flows).toBe(whole.length);
			expect(out.stats.packets).toBe(whole.reduce((sum, f) => sum + (f.packets ?? 0), 0));
			expect(out.stats.tables).toEqual(count(whole.map(f => f.table)));
			expect(out.stats.matchFields).toEqual(count(whole.flatMap(f => Object.keys(f.match))));
			expect(out.stats.actions).toEqual(count(whole.flatMap(f => f.actions.map(a => a.type))));
		});

		it('Given a file big enough for worker threads, then its output is byte for byte what one thread gives for the same text on stdin, in every mode', async () => {
			// A file over PARALLEL_MIN_BYTES is decoded on worker threads (one per core but one) and the
			// main thread; stdin on the main thread alone.
			expect(statSync(big).size).toBeGreaterThan(PARALLEL_MIN_BYTES);
			expect(parseWorkerCount(statSync(big).size)).toBe(Math.min(4, availableParallelism()) - 1);
			// Both as it runs (the main thread decodes alone until the worker has started: under tsx
			// maybe every block) and with the main thread waiting for the worker, so that blocks are
			// decoded on both threads and put back in order.
			const both = {DVRSCOPE_PARSE_WAIT_WORKERS: '1'};
			for (const mode of [[], ['--stats'], ['--ndjson']]) {
				const [file, shared, stdin] = await Promise.all([
					dvrscope(['parse', 'ovs-flows', big, ...mode]),
					dvrscope(['parse', 'ovs-flows', big, ...mode], undefined, both),
					dvrscope(['parse', 'ovs-flows', '-', ...mode], text),
				]);
				expect([file.exitCode, shared.exitCode, stdin.exitCode], mode.join()).toEqual([0, 0, 0]);
				expect(file.stdout.length, mode.join()).toBeGreaterThan(100);
				expect(file.stdout === stdin.stdout, mode.join()).toBe(true);
				expect(shared.stdout === stdin.stdout, mode.join()).toBe(true);
			}
		});

		it('Given CRLF lines, no final newline and a malformed line in a later block, then the warning names its file line and the flows around it are kept (exit 1)', async () => {
			const lines = text.trimEnd().split('\n');
			const bad = 30_001;
			lines.splice(bad - 1, 0, ' cookie=0x1, duration=1s, table=0, n_packets=1, priority=1,ip');
			const crlf = lines.join('\r\n');
			const file = path.join(dir, 'crlf-dump.txt');
			writeFileSync(file, crlf);
			expect(crlf.indexOf('priority=1,ip\r')).toBeGreaterThan(2 * 1024 * 1024);
			const [run, stdin] = await Promise.all([
				dvrscope(['parse', 'ovs-flows', file, '--stats']),
				dvrscope(['parse', 'ovs-flows', '-', '--stats'], crlf),
			]);
			expect(run.exitCode).toBe(1);
			expect(run.stderr).toContain(`line ${bad}: no "actions="`);
			const out = JSON.parse(run.stdout) as {stats: {flows: number}; warnings: {line: number}[]};
			expect(out.stats.flows).toBe(lines.length - 2); // the header and the bad line
			expect(out.warnings.map(w => w.line)).toEqual([bad]);
			expect(run.stdout).toBe(stdin.stdout);
		});

		it('Given --stats with a kind other than ovs-flows, then it is a usage error (exit 2)', async () => {
			const run = await dvrscope(['parse', 'ip-neigh', big, '--stats']);
			expect(run.exitCode).toBe(2);
			expect(run.stderr).toContain('--stats only applies to ovs-flows');
		});

		it('Given the reader goes away (| head -n 1), then parse ends quietly with exit 0', async () => {
			const run = await execa(
				'bash',
				[
					'-c',
					'set -o pipefail; node --import tsx src/cli/main.ts parse ovs-flows "$1" --ndjson | head -n 1',
					'bash',
					big,
				],
				{cwd: ROOT, reject: false},
			);
			expect(run.stderr).toBe('');
			expect(run.exitCode).toBe(0);
			expect(JSON.parse(run.stdout)).toHaveProperty('table');
		});
	});
});
