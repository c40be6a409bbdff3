/**
 * `npm run bench:parse-whole` — `dvrscope parse ovs-flows` as a user runs it, against OVS's own
 * Python parser as a user runs it: whole processes under /usr/bin/time -v (interpreter start
 * included), alternated, repeated (`--runs N`, default 3), medians and min–max, peak RSS, the
 * machine load.
 *
 * The dump: ≥ 200,000 flows — br-tun DVR tables (l2pop, ARP responders, DVR process flows, the
 * learn() flow, learned flows with timeouts) and br-int OVS-firewall flows (ct_state matches,
 * ct(commit), conjunction()/conj_id) — printed in `ovs-ofctl dump-flows` format (bench/flow-dump.ts).
 *
 * Contestants (each reads the same file):
 *   dvrscope-stats  `node dist/cli/main.js parse ovs-flows --stats FILE` — the full typed parse,
 *             EAGER: every flow's counters, match fields and actions decoded into a plain record
 *             (the same record the JSON output writes), then counted (flows per table, per match
 *             field, per action type, counter sums); one small summary written. The like-for-like
 *             contestant against ovs.flow, which also decodes everything and writes nothing.
 *             A file this big is decoded on the main thread and worker threads, one per core but
 *             one (up to 4 threads): the bench says how many, and prints the CPU seconds of all
 *             threads beside the wall clock.
 *   dvrscope-json   `node dist/cli/main.js parse ovs-flows FILE` — the same eager decode, every
 *             record written as compact JSON (≈ 200 MB for 200k flows) to a pipe the bench drains:
 *             the default command, doing more than ovs.flow (the output).
 *   ovs.flow  `/usr/bin/python3 -c …` — `ovs.flow.ofp.OFPFlow(line)` per line (ovs.flow decodes
 *             every field eagerly), nothing written (Debian python3-openvswitch).
 *   bare      `node -e …` — reads the file and splits it into lines, nothing else (the floor).
 *
 * Ratios printed with their targets: ovs.flow / dvrscope ≥ 10× and dvrscope / bare ≤ 2.5× (for
 * both dvrscope modes; the targets are judged on --stats, the mode that does what ovs.flow does),
 * peak RSS ≤ 3× the dump.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {availableParallelism} from 'node:os';
import {brIntSpecs, flowSpecs, formatDump} from './flow-dump.js';
import {alternate, loadavg, median, ratioLine, report, type Contestant} from './whole-process.js';

const {values: opts} = parseArgs({
	options: {
		flows: {type: 'string', default: '200000'},
		runs: {type: 'string', default: '3'},
	},
});
const total = Number(opts.flows);
const runs = Math.max(1, Number(opts.runs));
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');

const PY = `
import sys
from ovs.flow import kv
from ovs.flow.ofp import OFPFlow
kv.KVDecoders.strict = False
n = errors = 0
with open(sys.argv[1]) as f:
    for line in f:
        s = line.strip()
        if not s or s.startswith(("NXST_FLOW", "OFPST_FLOW")):
            continue
        try:
            OFPFlow(s)
            n += 1
        except Exception:
            errors += 1
print(n, errors)
`;

const BARE = `const t = require('fs').readFileSync(process.argv[1], 'utf8'); console.log(t.split('\\n').length)`;

async function main(): Promise<void> {
	if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
	const work = mkdtempSync(join(tmpdir(), 'dvrscope-bench-parse-whole-'));
	try {
		const file = join(work, 'dump-flows.txt');
		const brInt = Math.round(total * 0.2);
		writeFileSync(file, formatDump([...flowSpecs(total - brInt), ...brIntSpecs(brInt)]));
		const bytes = statSync(file).size;
		const flows = Number(
			spawnSync('grep', ['-c', 'cookie=', file], {encoding: 'utf8'}).stdout.trim(),
		);
		const python = spawnSync('/usr/bin/python3', ['-c', 'import ovs.flow.ofp'], {encoding: 'utf8'});
		// What each side runs on: dvrscope decodes a big file on worker threads (src/cli/commands/parse-workers.ts).
		const {parseWorkerCount} = await import('../src/cli/commands/parse-workers.js');
		const workers = parseWorkerCount(bytes);
		const threads =
			workers > 0
				? `the main thread and ${workers} worker thread${workers === 1 ? '' : 's'} on ${availableParallelism()} cores (the main thread reads, decodes and writes)`
				: 'one thread';
		const sides = `dvrscope: ${threads}; ovs.flow: one Python process (one thread); wall clock judged, CPU seconds (user+sys, all threads) printed beside it`;
		console.log(
			`bench:parse-whole — ${new Date().toISOString()}, load ${loadavg()}, ${runs} alternated runs`,
		);
		console.log(
			`  dump: ${flows} flows, ${(bytes / 1e6).toFixed(1)} MB (br-tun DVR tables + learn(); br-int ct_state, ct(commit), conjunction)`,
		);
		console.log(`  ${sides}`);
		const contestants: Contestant[] = [
			{
				name: 'dvrscope-stats',
				does: `node dist/cli/main.js parse ovs-flows --stats FILE: every flow decoded eagerly (counters, match, actions) and counted, on ${threads}; a summary written`,
				argv: [process.execPath, cli, 'parse', 'ovs-flows', '--stats', file],
			},
			{
				name: 'dvrscope-json',
				does: `node dist/cli/main.js parse ovs-flows FILE: every flow decoded eagerly on ${threads} and written in file order as compact JSON to a pipe (drained)`,
				argv: [process.execPath, cli, 'parse', 'ovs-flows', file],
			},
			{
				name: 'bare',
				does: 'node -e: read the file and split it into lines, one thread',
				argv: [process.execPath, '-e', BARE, file],
			},
		];
		if (python.status === 0)
			contestants.push({
				name: 'ovs.flow',
				does: '/usr/bin/python3: ovs.flow.ofp.OFPFlow(line) per line (every field decoded), no output, one process on one core',
				argv: ['/usr/bin/python3', '-c', PY, file],
			});
		else
			console.log(
				`  ovs.flow skipped: /usr/bin/python3 cannot import ovs.flow.ofp (apt-get install python3-openvswitch)`,
			);
		const timings = await alternate(contestants, runs);
		report(contestants, timings);
		const by = (name: string) => timings.find(t => t.name === name);
		const bare = by('bare');
		const py = by('ovs.flow');
		console.log(`  load after: ${loadavg()}`);
		console.log(`  ${sides}`);
		for (const [name, what] of [
			[
				'dvrscope-stats',
				'parse ovs-flows --stats (eager full typed parse, counted; the target comparison)',
			],
			[
				'dvrscope-json',
				'parse ovs-flows (eager full typed parse written as 200 MB of JSON; does more than ovs.flow)',
			],
		] as const) {
			const ours = by(name);
			if (ours === undefined || bare === undefined) continue;
			if (py !== undefined)
				console.log(
					ratioLine(
						`ovs.flow / dvrscope ${what}, whole process`,
						median(py.wallS) / median(ours.wallS),
						10,
						true,
					),
				);
			if (py !== undefined)
				console.log(
					`  (CPU seconds, user+sys, for reference: ovs.flow / dvrscope ${(median(py.cpuS) / median(ours.cpuS)).toFixed(2)}×, dvrscope / bare ${(median(ours.cpuS) / median(bare.cpuS)).toFixed(2)}×)`,
				);
			console.log(
				ratioLine(
					`dvrscope ${what} / bare Node read+split, whole process`,
					median(ours.wallS) / median(bare.wallS),
					2.5,
					false,
				),
			);
			console.log(
				ratioLine(
					`dvrscope ${what}: peak RSS / dump size`,
					(median(ours.rssKb) * 1024) / bytes,
					3,
					false,
				),
			);
		}
	} finally {
		rmSync(work, {recursive: true, force: true});
	}
}

await main();
