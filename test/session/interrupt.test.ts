/**
 * Ctrl-C during live collection (issue 11 case 7), on the BUILT CLI (dist/cli/main.js) in a real
 * child process that gets a real SIGINT. The nodes are a FAKE slow SSH server: a TCP listener on
 * 127.0.0.1 that accepts and never says a word (as a hung sshd does), so the collection is still
 * connecting whenever the signal comes. The moments are chosen by what the child has done (opened
 * the inventory, printed its first progress line), not by timers.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {open} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {utils as sshUtils} from 'ssh2';
import {readCaptureSet} from '../../src/bundle/capture-set.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let silent: net.Server;
const sockets = new Set<net.Socket>();
let port = 0;

type Run = {
	child: ChildProcess;
	stdout: () => string;
	stderr: () => string;
	exit: Promise<number | null>;
};

function run(args: string[]): Run {
	// No OpenStack API: only the (fake) nodes are contacted.
	const env: NodeJS.ProcessEnv = {...process.env, SSH_AUTH_SOCK: '', NO_COLOR: '1'};
	delete env['OS_CLOUD'];
	delete env['OS_AUTH_URL'];
	const child = spawn('node', ['dist/cli/main.js', ...args], {
		cwd: ROOT,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	let err = '';
	child.stdout.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr.on('data', (d: Buffer) => (err += d.toString()));
	const exit = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
	return {child, stdout: () => out, stderr: () => err, exit};
}

/** Resolve once the child's stderr contains `text` (or reject when it exits first). */
async function stderrShows(r: Run, text: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const check = (): void => {
			if (r.stderr().includes(text)) resolve();
		};
		r.child.stderr?.on('data', check);
		r.child.on('close', () =>
			reject(new Error(`exited before printing "${text}":\n${r.stderr()}`)),
		);
		check();
	});
}

const inventoryText = (): string =>
	[
		'nodes:',
		`  - {id: cmp-1, host: 127.0.0.1, port: ${port}, user: nobody, roles: [compute]}`,
		`  - {id: cmp-2, host: 127.0.0.1, port: ${port}, user: nobody, roles: [compute]}`,
		// A real key, so the client gets past its own auth check and really waits on the silent
		// node: without one it fails at once ("no usable identity file") and, on a loaded machine,
		// can finish before the SIGINT lands — the state this test is about is then never reached.
		'defaults:',
		`  identityFile: ${path.join(work, 'id_ed25519')}`,
		'',
	].join('\n');

beforeAll(async () => {
	// Build if dist/ is missing or older than src/ (the same step `npm test` runs first).
	const built = spawnSync('node', ['scripts/ensure-setup.mjs', '--build'], {
		cwd: ROOT,
		encoding: 'utf8',
	});
	if (built.status !== 0) console.warn(`build reported problems:\n${built.stderr}`);
	expect(existsSync(path.join(ROOT, 'dist/cli/main.js')), built.stderr).toBe(true);
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-interrupt-'));
	writeFileSync(path.join(work, 'id_ed25519'), sshUtils.generateKeyPairSync('ed25519').private, {
		mode: 0o600,
	});
	writeFileSync(path.join(work, 'known_hosts'), '');
	silent = net.createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
	});
	await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
	port = (silent.address() as net.AddressInfo).port;
}, 300_000);

afterAll(async () => {
	for (const s of sockets) s.destroy();
	await new Promise<void>(resolve => silent.close(() => resolve()));
	rmSync(work, {recursive: true, force: true});
});

describe('Ctrl-C during live collection (built CLI, real SIGINT, fake silent SSH nodes)', () => {
	it('collect: while connecting — says so, keeps a manifest marked partial naming every node', async () => {
		const inventory = path.join(work, 'inv.yaml');
		writeFileSync(inventory, inventoryText());
		const out = path.join(work, 'set-connecting');
		const r = run([
			'collect',
			'--inventory',
			inventory,
			'--known-hosts',
			path.join(work, 'known_hosts'),
			'-o',
			out,
		]);
		await stderrShows(r, 'collecting from 2 node(s)');
		r.child.kill('SIGINT');
		const code = await r.exit;
		expect(r.stderr(), r.stderr()).toContain('interrupting: closing connections');
		expect(r.stderr()).toMatch(/interrupted \(Ctrl-C\)/);
		expect(code).toBe(1);
		const set = await readCaptureSet(out);
		expect(set.manifest.partial).toBe(true);
		const named = new Set((set.manifest.problems ?? []).map(p => p.node));
		expect(named).toEqual(new Set(['cmp-1', 'cmp-2']));
	});

	it('collect: while the inventory is still being read — says nothing was collected, manifest partial', async () => {
		// The inventory is a FIFO: opening it for writing returns once the CLI has opened it to read,
		// i.e. the CLI is running and inside the collection, before any node is contacted.
		const fifo = path.join(work, 'inv.fifo');
		expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
		const out = path.join(work, 'set-early');
		const r = run([
			'collect',
			'--inventory',
			fifo,
			'--known-hosts',
			path.join(work, 'known_hosts'),
			'-o',
			out,
		]);
		const writer = await open(fifo, 'w');
		r.child.kill('SIGINT');
		await stderrShows(r, 'interrupting');
		await writer.write(inventoryText());
		await writer.close();
		const code = await r.exit;
		expect(r.stderr()).toContain('interrupted (Ctrl-C) before anything was collected');
		expect(code).toBe(1);
		const set = await readCaptureSet(out);
		expect(set.manifest.partial).toBe(true);
		expect(set.captures).toEqual([]);
	});

	it('diagnose --inventory: interrupted while connecting — INCOMPLETE (exit 4) naming the nodes not read', async () => {
		const inventory = path.join(work, 'inv-diag.yaml');
		writeFileSync(inventory, inventoryText());
		const r = run([
			'diagnose',
			'--inventory',
			inventory,
			'--known-hosts',
			path.join(work, 'known_hosts'),
		]);
		await stderrShows(r, 'collecting from 2 node(s)');
		r.child.kill('SIGINT');
		const code = await r.exit;
		expect(r.stderr()).toMatch(/interrupted \(Ctrl-C\)/);
		const first = r.stdout().split('\n')[0] ?? '';
		expect(first).toMatch(/^Verdict: INCOMPLETE — /);
		expect(first).toContain('cmp-1');
		expect(first).toContain('cmp-2');
		expect(code).toBe(4);
	});
});
