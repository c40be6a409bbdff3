/**
 * `dvrscope watch` (headless): options and exit codes as a user runs it (tsx from source), the
 * NDJSON schema (docs/watch-ndjson-schema.json) against real output, and the text/NDJSON lines of
 * a failover on the FAKE cloud (test/helpers/fake-watch-world.ts). The real lab run is in
 * test/lab/lab.e2e.test.ts. The local node uses the FAKE node tools (test/fixtures/fake-node-bin).
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BEL, transitionBell} from '../../src/cli/bell.js';
import {conditionMet, parseDuration, roundJson, roundText} from '../../src/cli/commands/watch.js';
import {watchJsonSchema, watchLineSchema} from '../../src/session/watch-schema.js';
import {WatchEngine} from '../../src/session/watch.js';
import type {WatchRound, WatchRow} from '../../src/model/watch.js';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';
import {fakeWorld, NODES} from '../helpers/fake-watch-world.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let work: string;
let inventory: string;
let bin: string;

const dvrscope = (args: string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'watch', ...args], {
		cwd: ROOT,
		reject: false,
		stdin: 'ignore',
		env: {PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`, NO_COLOR: '1'},
	});

beforeAll(() => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-cli-watch-'));
	bin = prepareFakeNodeBin(work);
	inventory = path.join(work, 'inv.yaml');
	writeFileSync(inventory, 'nodes:\n  - {id: cmp-1, transport: local, roles: [compute]}\n');
});
afterAll(() => {
	rmSync(work, {recursive: true, force: true});
});

/** A failover and the workaround on the fake cloud, as the engine reports them. */
async function failoverRounds(): Promise<{round: WatchRound; rows: readonly WatchRow[]}[]> {
	const world = fakeWorld();
	const engine = new WatchEngine({collect: world.options, intervalMs: 0});
	const seen: {round: WatchRound; rows: readonly WatchRow[]}[] = [];
	engine.subscribe(event => {
		if (event.type !== 'round') return;
		seen.push(event);
		if (event.round.round === 0) world.state.holder = 'vm2';
		if (event.round.round === 2) for (const node of NODES) world.state.entries[node] = 'vm2';
		world.update();
		if (seen.length === 4) void engine.stop();
	});
	await engine.start();
	return seen;
}

describe('dvrscope watch', () => {
	it.each([
		[['--until', 'soon'], /--until must be one of healthy, critical, change/],
		[['--interval', 'fast'], /--interval needs a duration/],
		[['--deadline', '-1'], /--deadline needs a duration/],
		[['--full-every', '0'], /--full-every needs a positive integer/],
	])('%j is a usage error (exit 3) naming the option', async (args, message) => {
		const result = await dvrscope(['--inventory', inventory, ...args]);
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toMatch(message);
	});

	it('without a source is a usage error (exit 3)', async () => {
		const result = await dvrscope(['--until', 'healthy']);
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toMatch(/--inventory FILE .* or --kube-context NAME/);
	});

	it('the deadline passing first exits 124 with a line naming the condition not met; every NDJSON line validates', async () => {
		// the local node has no Neutron API (--openstack none): INCOMPLETE, never healthy
		const result = await dvrscope([
			'--inventory',
			inventory,
			'--openstack',
			'none',
			'--until',
			'healthy',
			'--deadline',
			'8s',
			'--interval',
			'1s',
			'--ndjson',
		]);
		expect(result.exitCode, result.stderr).toBe(124);
		expect(result.stderr).toMatch(/deadline 8s passed: condition "until healthy" not met/);
		const lines = result.stdout.trim().split('\n');
		for (const line of lines)
			expect(watchLineSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
		const end = JSON.parse(lines.at(-1) ?? '{}') as {type?: string; outcome?: string};
		expect(end).toMatchObject({type: 'end', outcome: 'deadline'});
		for (const line of lines.slice(0, -1)) {
			const object = JSON.parse(line) as {type: string; verdict?: string};
			if (object.type === 'round') expect(object.verdict).toBe('incomplete');
		}
	}, 120_000);

	it('Ctrl-C exits 130 after printing the last verdict', async () => {
		const child = dvrscope([
			'--inventory',
			inventory,
			'--openstack',
			'none',
			'--until',
			'critical',
			'--interval',
			'1s',
		]);
		let stdout = '';
		await new Promise<void>(resolve => {
			child.stdout.on('data', (chunk: Buffer) => {
				stdout += chunk.toString();
				if (/round 1 probe/.test(stdout)) resolve();
			});
		});
		child.kill('SIGINT');
		const result = await child;
		expect(result.exitCode, result.stderr).toBe(130);
		expect(result.stderr).toMatch(/interrupted \(Ctrl-C\) — last verdict INCOMPLETE \(round \d+/);
	}, 120_000);

	it('docs/watch-ndjson-schema.json is the published form of the schema', () => {
		const onDisk: unknown = JSON.parse(readFileSync('docs/watch-ndjson-schema.json', 'utf8'));
		expect(onDisk).toEqual(watchJsonSchema());
	});

	it('a failover in NDJSON: round, change and transition objects validate; a broken one does not', async () => {
		const seen = await failoverRounds();
		const objects = seen.flatMap(s => roundJson(s.round, s.rows));
		for (const object of objects) expect(watchLineSchema.safeParse(object).success).toBe(true);
		expect(objects.filter(o => (o as {type: string}).type === 'transition')).toHaveLength(2);
		expect(watchLineSchema.safeParse({...objects[0], verdict: 'fine'}).success).toBe(false);
		expect(watchLineSchema.safeParse({type: 'change', round: 1}).success).toBe(false);
	});

	it('text: one line per round with its cost, STALE and inferred marked in words, the transition marked', async () => {
		const seen = await failoverRounds();
		const text = seen.flatMap(s => roundText(s.round, s.rows)).join('\n');
		expect(text).toMatch(/round 0 full \d+ ms, \d+ exec\(s\), [\d.]+ KiB — INCOMPLETE/);
		expect(text).toMatch(/round 1 probe \d+ ms, 3 exec\(s\), [\d.]+ KiB — CRITICAL/);
		expect(text).toMatch(/>> \d\d:\d\d:\d\d verdict: verdict INCOMPLETE → CRITICAL/);
		expect(
			text.match(/!! \d\d:\d\d:\d\d entry 10\.0\.0\.100 \S+ qrouter-7d0d3b2e: STALE → vm1-port/g),
		).toHaveLength(3);
		expect(text).toMatch(/keepalived 10\.0\.0\.100: vm2-port BACKUP→MASTER .* \[inferred\]/);
	});

	it('--bell rings once per round that has a transition row (verdict, finding, node), never on the baseline or a quiet round', async () => {
		const rounds = await failoverRounds();
		const rung: number[] = [];
		for (const event of rounds)
			transitionBell(text => {
				expect(text).toBe(BEL);
				rung.push(event.round.round);
			})({type: 'round', ...event});
		const transitions = rounds
			.filter(e => e.rows.some(r => r.changed && ['verdict', 'finding', 'node'].includes(r.kind)))
			.map(e => e.round.round);
		expect(transitions.length).toBeGreaterThan(0);
		expect(rung).toEqual(transitions);
		expect(rung).not.toContain(0);
	});

	it('conditions: healthy allows warnings, not incomplete; change ignores the baseline', () => {
		const round = (verdict: WatchRound['verdict'], n = 1) => ({round: n, verdict}) as WatchRound;
		expect(conditionMet('healthy', round('warning'), [])).toBe(true);
		expect(conditionMet('healthy', round('incomplete'), [])).toBe(false);
		expect(conditionMet('critical', round('critical'), [])).toBe(true);
		const row = {changed: true} as WatchRow;
		expect(conditionMet('change', round('ok', 0), [row])).toBe(false);
		expect(conditionMet('change', round('ok', 3), [row])).toBe(true);
		expect(parseDuration('120s')).toBe(120_000);
		expect(parseDuration('5m')).toBe(300_000);
		expect(parseDuration('2')).toBe(2000);
		expect(parseDuration('soon')).toBeUndefined();
	});
});
