/**
 * End-to-end: the BUILT dvrscope console in a real terminal (tmux, NO_COLOR) on live data — one
 * `transport: local` node answering with the FAKE node tools (test/fixtures/fake-node-bin) —
 * `w` starts watch on the session engine: the Watch screen shows the interval (default 2 s), the
 * round and its cost, the verdict line, rounds advance (also behind the overview: Esc only
 * navigates), `w` stops and restarts it, and Ctrl-C stops watch without quitting.
 * At 160×45 and at 80×24. The failover itself on real Neutron is in the lab test.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';
import {ensureBuiltCli, hasTmux, tmuxSession} from './tmux.js';

const term = tmuxSession('watch', {waitMs: 120_000});
const {send, waitFor} = term;

let work: string;
let inventory: string;
let bin: string;

describe.skipIf(!hasTmux)(
	'console watch in tmux (built CLI, live local node with fake tools)',
	() => {
		beforeAll(() => {
			ensureBuiltCli();
			work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-watch-e2e-'));
			bin = prepareFakeNodeBin(work);
			inventory = path.join(work, 'inv.yaml');
			writeFileSync(inventory, 'nodes:\n  - {id: cmp-1, transport: local, roles: [compute]}\n');
		}, 600_000);
		afterEach(term.kill);
		afterAll(() => {
			term.killServer();
			rmSync(work, {recursive: true, force: true});
		});

		it.each([
			[160, 45],
			[80, 24],
		])(
			'at %i×%i: w shows the verdict, the round and its cost; rounds advance, also behind the overview after Esc; w stops and restarts it; Ctrl-C stops watch',
			async (columns, rows) => {
				term.startCli(
					columns,
					rows,
					['--inventory', JSON.stringify(inventory), '--openstack', 'none'],
					{PATH: `${bin}:${process.env['PATH'] ?? ''}`},
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
				// Esc only navigates: watch keeps running behind the overview (the status bar's round)
				send('Escape');
				const behind = (s: string): number => Number(/WATCH 2s #(\d+)/.exec(s)?.[1] ?? -1);
				const away = await waitFor(
					s => !s.includes('WATCHING every') && behind(s) >= 0,
					'the overview, watch still running',
				);
				await waitFor(s => behind(s) > behind(away), 'rounds going on behind the overview');
				term.type(':watch');
				send('Enter');
				await waitFor(s => s.includes('WATCHING every 2s'), 'back on the watch screen');
				// w again stops it, and starts it once more
				send('w');
				await waitFor(s => s.includes('Watch is off'), 'w stopping watch');
				send('w');
				await waitFor(s => s.includes('WATCHING every 2s'), 'w starting watch again');
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
