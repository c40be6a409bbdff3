/**
 * `npm run bench:trace` — the packet-path proof on the running lab (npm run lab:up, optionally
 * lab:failover; under the lab lock), `--runs N` (default 3), alternated:
 *
 *   dvrscope   the whole `dvrscope trace --from client --to 198.19.0.100 --inventory … --save-set`
 *              process over SSH, Neutron look-ups included (clouds.yaml `lab`, API): target ≤ 2 s;
 *              It collects only what the proof reads (reads: 'trace'), then runs the rounds on the
 *              same connections, one execution per node per round (trace.batch);
 *              and the trace rounds alone, read from the saved set (first trace capture's start to
 *              the last one's end): target ≤ 1 s; executions per node, of the collection and of
 *              the rounds.
 *   by hand    the same read-only commands (the ones the proof ran) over OpenSSH, one `ssh` per
 *              node per round, the rounds one after the other, as an engineer would type them.
 *
 * `--cli FILE` runs another build (e.g. main's dist/cli/main.js) for a before/after comparison.
 * Prints medians and min–max in seconds, and the machine's load. Speed lives here, never in tests.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {loadavg, tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';

const {values: opts} = parseArgs({
	options: {runs: {type: 'string', default: '3'}, cli: {type: 'string'}},
});
const runs = Math.max(1, Number(opts.runs));
const root = resolve(import.meta.dirname, '..');
const TIME = '/usr/bin/time';
const state = join(root, '.lab-state');
/** `--cli FILE`: another build's dist/cli/main.js (a before/after comparison). */
const cli = opts.cli === undefined ? join(root, 'dist', 'cli', 'main.js') : resolve(opts.cli);
const VIP = '198.19.0.100';

type Meta = {
	node?: string;
	catalogId?: string;
	argv: string[];
	startedAt: string;
	durationMs: number;
};

const median = (xs: number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmt = (xs: number[]): string =>
	`${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

function dvrscope(): {
	wall: number;
	rounds: number;
	execs: Record<string, number>;
	collected: number;
	collectExecs: Record<string, number>;
	byNode: string[][][];
	exit: number | null;
	cpu: number;
	phases: {startup: number; collection: number; afterRounds: number};
} {
	const dir = mkdtempSync(join(tmpdir(), 'dvrscope-bench-trace-'));
	try {
		const env = {
			...process.env,
			OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
			OS_CLOUD: 'lab',
		};
		const t0 = performance.now();
		const t0Iso = Date.now();
		// /usr/bin/time (GNU time) reports the process's CPU time: on a loaded machine the wall
		// clock mostly measures waiting for a core
		const run = spawnSync(
			TIME,
			[
				'-f',
				'@@cpu %U %S',
				process.execPath,
				cli,
				'trace',
				'--from',
				'client',
				'--to',
				VIP,
				'--inventory',
				join(state, 'inventory.yaml'),
				'--known-hosts',
				join(state, 'known_hosts'),
				'-q',
				'--json',
				'--save-set',
				join(dir, 'set'),
			],
			{encoding: 'utf8', env},
		);
		const wall = (performance.now() - t0) / 1000;
		const cpuLine = /@@cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
		const cpu = cpuLine === null ? NaN : Number(cpuLine[1]) + Number(cpuLine[2]);
		let manifest: {captures: Meta[]; createdAt: string};
		try {
			manifest = JSON.parse(
				readFileSync(join(dir, 'set', 'manifest.json'), 'utf8'),
			) as typeof manifest;
		} catch {
			throw new Error(
				`${cli} wrote no capture set (exit ${run.status}): ${run.stderr.slice(0, 2000)}`,
			);
		}
		const traces = manifest.captures.filter(c => c.catalogId?.startsWith('trace.') === true);
		const start = Math.min(...traces.map(c => Date.parse(c.startedAt)));
		const end = Math.max(...traces.map(c => Date.parse(c.startedAt) + c.durationMs));
		// One execution = the captures of one node with one start (a trace.batch files one capture
		// per read, all with the batch's start): that is also one `ssh` per node per round by hand.
		const batches = new Map<string, string[][]>();
		for (const c of traces) {
			const key = `${c.node ?? '?'}\0${c.startedAt}`;
			batches.set(key, [...(batches.get(key) ?? []), [c.node ?? '', ...c.argv]]);
		}
		const execs: Record<string, number> = {};
		for (const key of batches.keys()) {
			const node = key.split('\0')[0] ?? '?';
			execs[node] = (execs[node] ?? 0) + 1;
		}
		// the collection's executions per node (a batch's sections share its start)
		const starts = new Set<string>();
		const collectExecs: Record<string, number> = {};
		for (const c of manifest.captures)
			if (c.node !== undefined && c.catalogId?.startsWith('trace.') !== true) {
				if (starts.has(`${c.node}\0${c.startedAt}`)) continue;
				starts.add(`${c.node}\0${c.startedAt}`);
				collectExecs[c.node] = (collectExecs[c.node] ?? 0) + 1;
			}
		const nodeCaps = manifest.captures.filter(c => c.catalogId?.startsWith('trace.') !== true);
		const collectEnd = Math.max(...nodeCaps.map(c => Date.parse(c.startedAt) + c.durationMs));
		const phases = {
			startup: (Date.parse(manifest.createdAt) - t0Iso) / 1000,
			collection: (collectEnd - Date.parse(manifest.createdAt)) / 1000,
			afterRounds: (t0Iso + wall * 1000 - end) / 1000,
		};
		return {
			wall,
			cpu,
			phases,
			rounds: (end - start) / 1000,
			execs,
			collected: manifest.captures.length - traces.length,
			collectExecs,
			byNode: [...batches.values()],
			exit: run.status,
		};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

const quote = (w: string): string =>
	/^[A-Za-z0-9_./=:,+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;

/** The same commands over OpenSSH, one ssh per node per round. */
function byHand(batches: string[][][]): number {
	const t0 = performance.now();
	for (const batch of batches) {
		const node = batch[0]?.[0] ?? '';
		const line = batch.map(([, ...argv]) => argv.map(quote).join(' ')).join('; ');
		execFileSync('ssh', ['-F', join(state, 'ssh_config'), node, line], {
			stdio: ['ignore', 'ignore', 'inherit'],
		});
	}
	return (performance.now() - t0) / 1000;
}

const whole: number[] = [];
const cpus: number[] = [];
const startups: number[] = [];
const collections: number[] = [];
const afters: number[] = [];
const rounds: number[] = [];
const hand: number[] = [];
let execs: Record<string, number> = {};
let collected = 0;
let collectExecs: Record<string, number> = {};
let exit: number | null = null;
for (let i = 0; i < runs; i++) {
	const d = dvrscope();
	whole.push(d.wall);
	cpus.push(d.cpu);
	startups.push(d.phases.startup);
	collections.push(d.phases.collection);
	afters.push(d.phases.afterRounds);
	rounds.push(d.rounds);
	execs = d.execs;
	collected = d.collected;
	collectExecs = d.collectExecs;
	exit = d.exit;
	hand.push(byHand(d.byNode));
}
console.log(
	`dvrscope trace on the lab (${new Date().toISOString()}, ${runs} runs, load ${loadavg()
		.map(x => x.toFixed(2))
		.join(' ')})`,
);
console.log(`  exit code of the proof:                ${exit ?? '?'}`);
console.log(`  whole dvrscope trace process (SSH + Neutron API): ${fmt(whole)}   target ≤ 2 s`);
console.log(`    CPU time of that process (user+sys):  ${fmt(cpus)}`);
console.log(
	`    of the wall: start-up to the collection ${fmt(startups)}; targeted collection ${fmt(collections)}; after the rounds to exit ${fmt(afters)}`,
);
console.log(`  trace rounds alone:                    ${fmt(rounds)}   target ≤ 1 s`);
console.log(`  the same commands by hand over OpenSSH (one ssh per node per round): ${fmt(hand)}`);
console.log(
	`  targeted collection before the rounds: ${collected} captures; executions per node ${Object.entries(
		collectExecs,
	)
		.map(([n, c]) => `${n} ${c}`)
		.join(', ')}`,
);
console.log(
	`  executions per node (trace rounds):   ${Object.entries(execs)
		.map(([n, c]) => `${n} ${c}`)
		.join(', ')}`,
);
