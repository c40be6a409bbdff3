/**
 * `npm run bench:watch` — what a watch probe round costs against a full round (issue 18), on the
 * FAKE 2,000-namespace transport (test/helpers/fake-watch-world.ts: three nodes, each with the
 * VIP's router and 2,000 other routers' namespaces): remote executions and bytes read per round,
 * and the round's wall time in this process. Target: a probe round costs at most a fifth of a
 * full one (execs and bytes). Not a test: nothing here is asserted, the numbers are printed with
 * `RATIO … met / NOT met`.
 *
 * `--lab` measures the same on the real lab instead (bench/watch-lab.ts: the time from
 * `lab:failover` to the CRITICAL round, probe vs full execs/bytes/ms), the lab up and locked.
 */
import {parseArgs} from 'node:util';
import {WatchEngine} from '../src/session/watch.js';
import type {WatchRound} from '../src/model/watch.js';
import {fakeWorld} from '../test/helpers/fake-watch-world.js';

const {values: opts} = parseArgs({
	options: {
		namespaces: {type: 'string', default: '2000'},
		rounds: {type: 'string', default: '6'},
		lab: {type: 'boolean', default: false},
		runs: {type: 'string', default: '3'},
	},
});
if (opts.lab) {
	const {benchWatchLab} = await import('./watch-lab.js');
	await benchWatchLab(Math.max(3, Number(opts.runs)));
	process.exit(0);
}
const world = fakeWorld({otherRouters: Number(opts.namespaces)});
const engine = new WatchEngine({collect: world.options, intervalMs: 0, fullEvery: 1000});
const rounds: WatchRound[] = [];
engine.subscribe(event => {
	if (event.type === 'error') console.error(`round failed: ${event.message}`);
	if (event.type !== 'round') return;
	rounds.push(event.round);
	if (rounds.length >= Number(opts.rounds)) void engine.stop();
});
await engine.start();

const median = (xs: readonly number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)] ?? 0;
};
console.log(
	`fake transport: 3 nodes × ${opts.namespaces} other routers' namespaces + the VIP's router`,
);
for (const r of rounds)
	console.log(
		`round ${r.round} ${r.kind.padEnd(5)} ${String(r.execs).padStart(4)} execs ${String(r.bytes).padStart(9)} bytes ${String(r.durationMs).padStart(6)} ms  ${r.verdict}`,
	);
const full = rounds.find(r => r.kind === 'full');
const probes = rounds.filter(r => r.kind === 'probe');
if (full === undefined || probes.length === 0) {
	console.log('no full or no probe round: nothing to compare');
	process.exit(1);
}
const ratio = (name: string, probe: number, whole: number): void => {
	const value = probe / whole;
	console.log(
		`RATIO probe/full ${name}: ${value.toFixed(4)} (target ≤ 0.2) ${value <= 0.2 ? 'met' : 'NOT met'}`,
	);
};
ratio('execs', median(probes.map(r => r.execs)), full.execs);
ratio('bytes', median(probes.map(r => r.bytes)), full.bytes);
console.log(
	`wall time in this process: full ${full.durationMs} ms, probe median ${median(probes.map(r => r.durationMs))} ms (diagnosis included)`,
);
