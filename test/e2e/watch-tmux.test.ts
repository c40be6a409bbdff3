/**
 * End-to-end: the BUILT dvrscope console in a real terminal (tmux, NO_COLOR) on live data — one
 * `transport: local` node answering with the FAKE node tools (test/fixtures/fake-node-bin) —
 * `w` starts watch on the session engine: the Watch screen shows the interval (default 2 s), the
 * round and its cost, the verdict line, rounds advance, and Ctrl-C stops watch without quitting.
 * At 160×45 and at 80×24. The failover itself on real Neutron is in the lab test.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const socket = `dvrscope-watch-e2e-${process.pid}`;
const session = 'watch';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const tmux = (...args: string[]): string =>
	execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const screen = (): string => tmux('capture-pane', '-p', '-t', session);
const send = (...keys: string[]): void => {
	tmux('send-keys', '-t', session, ...keys);
};

/** Poll the pane until it shows what we wait for (the only clock here is a give-up limit). */
async function waitFor(
	predicate: (s: string) => boolean,
	what: string,
	limitMs = 120_000,
): Promise<string> {
	const started = Date.now();
	let last = '';
	while (Date.now() - started < limitMs) {
		last = screen();
		if (predicate(last)) return last;
		await new Promise(resolve => setTimeout(resolve, 200));
	}
	throw new Error(`tmux pane never showed ${what}. Last screen:\n${last}`);
}

let work: string;
let inventory: string;
let bin: string;

describe.skipIf(!hasTmux)(
	'console watch in tmux (built CLI, live local node with fake tools)',
	() => {
		beforeAll(() => {
			const built = spawnSync('node', ['scripts/ensure-setup.mjs', '--build'], {
				cwd: root,
				encoding: 'utf8',
			});
			if (built.status !== 0) console.warn(`build reported problems:\n${built.stderr}`);
			expect(existsSync(path.join(root, 'dist/cli/main.js')), built.stderr).toBe(true);
			work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-watch-e2e-'));
			bin = prepareFakeNodeBin(work);
			inventory = path.join(work, 'inv.yaml');
			writeFileSync(inventory, 'nodes:\n  - {id: cmp-1, transport: local, roles: [compute]}\n');
		}, 600_000);
		afterEach(() => {
			spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session]);
		});
		afterAll(() => {
			spawnSync('tmux', ['-L', socket, 'kill-server']);
			rmSync(work, {recursive: true, force: true});
		});

		it.each([
			[160, 45],
			[80, 24],
		])(
			'at %i×%i: w shows the verdict, the round and its cost; rounds advance; Ctrl-C stops watch',
			async (columns, rows) => {
				const command = `cd ${JSON.stringify(root)} && env -u CI NO_COLOR=1 PATH=${JSON.stringify(`${bin}:${process.env['PATH'] ?? ''}`)} node dist/cli/main.js --inventory ${JSON.stringify(inventory)} --openstack none; echo "EXITED=$?"; sleep 600`;
				tmux(
					'new-session',
					'-d',
					'-s',
					session,
					'-x',
					String(columns),
					'-y',
					String(rows),
					command,
				);
				await waitFor(s => /INCOMPLETE/.test(s), 'the first verdict');
				send('w');
				const watching = await waitFor(
					s => /probe round \d+ ms, 1 exec\(s\)/.test(s),
					'a probe round with its cost',
				);
				expect(watching).toMatch(/WATCHING every 2s · round \d+/);
				expect(watching).toMatch(/Verdict: INCOMPLETE/);
				const round = (s: string): number => Number(/round (\d+)/.exec(s)?.[1] ?? -1);
				const first = round(watching);
				await waitFor(s => round(s) > first, 'the next round');
				send('C-c');
				const stopped = await waitFor(s => s.includes('Watch is off'), 'watch stopped');
				expect(stopped).not.toContain('EXITED=');
				send('q');
				await waitFor(s => s.includes('EXITED=0'), 'a clean exit');
			},
			300_000,
		);
	},
);
