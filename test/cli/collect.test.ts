/** `dvrscope collect` as a user runs it (tsx from source), against a REAL sshd on 127.0.0.1. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {freePort, startSshd, type Sshd} from '../helpers/sshd.js';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dvrscope = (args: string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		cwd: ROOT,
		reject: false,
		env: {SSH_AUTH_SOCK: ''},
	});

let sshd: Sshd;
let work: string;
const inventory = (name: string, extra: string[] = []): string => {
	const file = path.join(work, name);
	writeFileSync(
		file,
		[
			'defaults:',
			`  user: ${sshd.user}`,
			`  identityFile: ${sshd.userKey.private}`,
			'nodes:',
			`  - {id: cmp-1, host: 127.0.0.1, port: ${sshd.ports[0]}, roles: [compute]}`,
			`  - {id: cmp-2, host: 127.0.0.1, port: ${sshd.ports[1]}, roles: [compute]}`,
			...extra,
		].join('\n'),
	);
	return file;
};

beforeAll(async () => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-cli-collect-'));
	sshd = await startSshd({
		ports: [await freePort(), await freePort()],
		pathPrefix: prepareFakeNodeBin(work),
	});
});
afterAll(async () => {
	await sshd.stop();
	rmSync(work, {recursive: true, force: true});
});

describe('dvrscope collect', () => {
	it('exits 0 and writes a complete capture set when every node is collected', async () => {
		const out = path.join(work, 'ok-set');
		const result = await dvrscope([
			'collect',
			'--inventory',
			inventory('ok.yaml'),
			'--known-hosts',
			sshd.knownHostsFile,
			'-o',
			out,
		]);
		expect(result.stderr).toContain('collecting from 2 node(s), 20 at a time');
		expect(result.stderr).toMatch(/cmp-1: \d+ capture\(s\)/);
		expect(result.exitCode).toBe(0);
		const set = await readCaptureSet(out);
		expect(set.manifest.partial).toBeUndefined();
		expect(set.manifest.nodes.map(n => n.id)).toEqual(['cmp-1', 'cmp-2']);
	});

	it('exits 1, keeps the healthy nodes and names the failed one', async () => {
		const out = path.join(work, 'partial-set');
		const dead = await freePort();
		const result = await dvrscope([
			'collect',
			'--inventory',
			inventory('partial.yaml', [`  - {id: dead-1, host: 127.0.0.1, port: ${dead}}`]),
			'--known-hosts',
			sshd.knownHostsFile,
			'-o',
			out,
		]);
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toMatch(/dead-1: FAILED \(unreachable\)/);
		const set = await readCaptureSet(out);
		expect(set.manifest.partial).toBe(true);
		expect(set.captures.some(c => c.node === 'cmp-2' && c.catalogId === 'ovs.flows')).toBe(true);
	});

	it('diagnose --inventory collects live over SSH, then diagnoses what it collected', async () => {
		// Given two real sshd nodes; When diagnosing live with JSON output and --save-set
		const saved = path.join(work, 'diagnose-live-set');
		const result = await dvrscope([
			'diagnose',
			'--inventory',
			inventory('diag.yaml'),
			'--known-hosts',
			sshd.knownHostsFile,
			'--json',
			'--save-set',
			saved,
		]);
		// Then progress goes to stderr, the diagnosis to stdout, and the set is kept
		expect(result.stderr).toContain('collecting from 2 node(s)');
		// (no OpenStack API configured: never an all-clear)
		expect([1, 2, 4]).toContain(result.exitCode);
		const report = JSON.parse(result.stdout) as {rules: unknown[]};
		expect(report.rules.length).toBeGreaterThan(5);
		const set = await readCaptureSet(saved);
		expect(set.manifest.nodes.map(n => n.id)).toEqual(['cmp-1', 'cmp-2']);
	});

	it('diagnose --inventory with one node unreachable: INCOMPLETE (exit 4) naming it, in text and Markdown', async () => {
		// Issue 11 case 2: one node's SSH listener is gone; the others answer.
		const dead = await freePort();
		const file = inventory('one-dead.yaml', [`  - {id: dead-1, host: 127.0.0.1, port: ${dead}}`]);
		const text = await dvrscope([
			'diagnose',
			'--inventory',
			file,
			'--known-hosts',
			sshd.knownHostsFile,
		]);
		expect(text.stderr).toMatch(/dead-1: FAILED \(unreachable\)/);
		const first = text.stdout.split('\n')[0] ?? '';
		expect(first).toMatch(/^Verdict: INCOMPLETE — .*node dead-1 not read \(unreachable\)/);
		expect(text.stdout).not.toMatch(/Verdict: OK/);
		expect(text.exitCode).toBe(4);
		const md = await dvrscope([
			'diagnose',
			'--inventory',
			file,
			'--known-hosts',
			sshd.knownHostsFile,
			'--format',
			'markdown',
		]);
		expect(md.stdout.split('\n')[0]).toMatch(/^# Verdict: INCOMPLETE — .*dead-1/);
		expect(md.stdout).toContain('| node not read | `dead-1` |');
		expect(md.exitCode).toBe(4);
	});

	it('diagnose refuses capture sets and live targets together', async () => {
		const result = await dvrscope(['diagnose', 'some-set', '--inventory', 'x.yaml']);
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toMatch(/either capture sets or live targets/);
	});

	it.each([
		[['collect', '--inventory', 'x.yaml'], /-o, --output <dir>.* is required/],
		[['collect', '-o', 'x'], /give --inventory FILE/],
		[
			['collect', '--inventory', '/nonexistent.yaml', '-o', 'x'],
			/nonexistent\.yaml: cannot read inventory \(ENOENT\)/,
		],
		[
			['collect', '--inventory', 'x.yaml', '-o', 'x', '--router', 'a', '--vip', '10.0.0.1'],
			/at most one of --router, --vip, --loadbalancer/,
		],
		[
			['collect', '--inventory', 'x.yaml', '-o', 'x', '--concurrency', '0'],
			/--concurrency must be a positive integer/,
		],
	])('exits 3 for %j', async (args, message) => {
		const result = await dvrscope(args);
		expect(result.stderr).toMatch(message);
		expect(result.exitCode).toBe(3);
	});

	it('exits 3 naming the node and field of an invalid inventory, and a hostile --router', async () => {
		const bad = path.join(work, 'bad.yaml');
		writeFileSync(bad, 'nodes:\n  - {id: "a b", host: h}\n  - {id: ok, transport: telnet}\n');
		const result = await dvrscope(['collect', '--inventory', bad, '-o', path.join(work, 'n')]);
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toMatch(/nodes\.0\.id: must be a safe id/);
		expect(result.stderr).toMatch(/nodes\.1\.transport/);
		const hostile = await dvrscope([
			'collect',
			'--inventory',
			inventory('h.yaml'),
			'-o',
			path.join(work, 'n'),
			'--router',
			'$(reboot)',
		]);
		expect(hostile.exitCode).toBe(3);
		expect(hostile.stderr).toMatch(/--router "\$\(reboot\)" does not match the router pattern/);
	});
});
