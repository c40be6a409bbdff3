/**
 * `npm run bench:parse` — how fast dvrscope reads a big `ovs-ofctl dump-flows`.
 *
 * 1. Builds a Neutron-like br-tun flow set of ≥ 200,000 flows (bench/flow-dump.ts). When Open
 *    vSwitch can run here (root, `ovsdb-server`/`ovs-vswitchd`, `unshare`), the flows are loaded
 *    into a throwaway netdev bridge of a private OVS instance (own db, own run dir, own network
 *    namespace — nothing shared is touched) and the dump is real `ovs-ofctl dump-flows` output;
 *    otherwise the generator prints the dump itself in ovs-ofctl's format.
 * 2. Times, on the same file: dvrscope (read + `ovsFlowsParser.parse`), a bare read + line split
 *    in Node, and — when `/usr/bin/python3 -c 'import ovs.flow'` works — OVS's own Python parser
 *    (`ovs.flow.ofp.OFPFlow` per line, `KVDecoders.strict = False`).
 *
 * Options: `--flows N` (default 200000), `--synthetic` (skip OVS), `--runs N` (Node runs, median).
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {ovsFlowsParser} from '../src/collectors/parsers/ovs-flows.js';
import {arpResponderOf} from '../src/collectors/neutron.js';
import {addFlowsText, flowSpecs, formatDump} from './flow-dump.js';

const {values: opts} = parseArgs({
	options: {
		flows: {type: 'string', default: '200000'},
		runs: {type: 'string', default: '5'},
		synthetic: {type: 'boolean', default: false},
	},
});
const minFlows = Number(opts.flows);
const runs = Math.max(1, Number(opts.runs));

const work = mkdtempSync(join(tmpdir(), 'dvrscope-bench-'));
const dumpFile = join(work, 'dump-flows.txt');

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
	return execFileSync(cmd, args, {
		encoding: 'utf8',
		env: env ?? process.env,
		maxBuffer: 1 << 30,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

/** Loads the flows into a private OVS and returns the real dump, or a reason why it could not. */
function realOvsDump(specsText: string): {dump: string} | {skipped: string} {
	if (opts.synthetic) return {skipped: '--synthetic'};
	const tools = ['/usr/sbin/ovsdb-server', '/usr/sbin/ovs-vswitchd', '/usr/bin/ovs-ofctl'];
	const missing = tools.filter(t => !existsSync(t));
	if (missing.length > 0) return {skipped: `Open vSwitch not installed (${missing.join(', ')})`};
	if (process.getuid?.() !== 0) return {skipped: 'not root (private OVS needs unshare -n)'};
	const dir = join(work, 'ovs');
	const env = {
		...process.env,
		OVS_RUNDIR: dir,
		OVS_DBDIR: dir,
		OVS_LOGDIR: dir,
		OVS_SYSCONFDIR: dir,
	};
	const db = `unix:${dir}/db.sock`;
	const pids: number[] = [];
	try {
		run('mkdir', ['-p', dir]);
		run('ovsdb-tool', ['create', `${dir}/conf.db`, '/usr/share/openvswitch/vswitch.ovsschema']);
		const start = spawnSync(
			'unshare',
			[
				'-n',
				'sh',
				'-c',
				`ovsdb-server ${dir}/conf.db --remote=punix:${dir}/db.sock --pidfile=${dir}/ovsdb-server.pid ` +
					`--unixctl=${dir}/ovsdb-server.ctl --log-file=${dir}/ovsdb-server.log --detach && ` +
					`ovs-vswitchd ${db} --pidfile=${dir}/ovs-vswitchd.pid --unixctl=${dir}/ovs-vswitchd.ctl ` +
					`--log-file=${dir}/ovs-vswitchd.log --detach`,
			],
			{env, encoding: 'utf8'},
		);
		for (const f of ['ovsdb-server.pid', 'ovs-vswitchd.pid']) {
			if (existsSync(join(dir, f))) pids.push(Number(readFileSync(join(dir, f), 'utf8').trim()));
		}
		if (start.status !== 0) return {skipped: `private OVS did not start: ${start.stderr.trim()}`};
		run('ovs-vsctl', [`--db=${db}`, '--no-wait', 'init'], env);
		run(
			'ovs-vsctl',
			[
				`--db=${db}`,
				'add-br',
				'br-bench',
				'--',
				'set',
				'bridge',
				'br-bench',
				'datapath_type=netdev',
				'protocols=OpenFlow10,OpenFlow13',
				'fail_mode=secure',
			],
			env,
		);
		const mgmt = `${dir}/br-bench.mgmt`;
		writeFileSync(join(work, 'add-flows.txt'), specsText);
		const t0 = performance.now();
		run('ovs-ofctl', ['add-flows', mgmt, join(work, 'add-flows.txt')], env);
		const dump = run('ovs-ofctl', ['dump-flows', mgmt], env);
		console.log(
			`  loaded and dumped through a private ovs-vswitchd in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
		);
		return {dump};
	} catch (error) {
		return {
			skipped: `private OVS failed: ${error instanceof Error ? error.message : String(error)}`,
		};
	} finally {
		for (const pid of pids) {
			try {
				process.kill(pid, 'SIGTERM');
			} catch {
				// already gone
			}
		}
	}
}

function median(xs: readonly number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** A full GC before each timed run, so no run pays for the previous run's garbage. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs the contenders interleaved (so machine load drifts hit all alike); median ms of each. */
function timeAll(
	fns: Readonly<Record<string, () => number>>,
): Record<string, {ms: number; result: number}> {
	const times: Record<string, number[]> = {};
	const results: Record<string, number> = {};
	for (let i = 0; i < runs; i++) {
		for (const [name, fn] of Object.entries(fns)) {
			gc();
			const t0 = performance.now();
			results[name] = fn();
			(times[name] ??= []).push(performance.now() - t0);
		}
	}
	return Object.fromEntries(
		Object.keys(fns).map(name => [
			name,
			{ms: median(times[name] ?? []), result: results[name] ?? 0},
		]),
	);
}

const PY = `
import json, sys, time
from ovs.flow import kv
from ovs.flow.ofp import OFPFlow
kv.KVDecoders.strict = False
t0 = time.perf_counter()
with open(sys.argv[1]) as f:
    text = f.read()
n = 0
errors = 0
for line in text.splitlines():
    s = line.strip()
    if not s or s.startswith(("NXST_FLOW", "OFPST_FLOW")):
        continue
    try:
        OFPFlow(line)
        n += 1
    except Exception:
        errors += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "flows": n, "errors": errors}))
`;

function pythonParse(): {ms: number; flows: number; errors: number} | {skipped: string} {
	const probe = spawnSync('/usr/bin/python3', ['-c', 'import ovs.flow'], {encoding: 'utf8'});
	if (probe.status !== 0) {
		return {
			skipped: `/usr/bin/python3 -c 'import ovs.flow' failed: ${probe.stderr.trim().split('\n').pop() ?? ''}`,
		};
	}
	const out = run('/usr/bin/python3', ['-c', PY, dumpFile]);
	const r = JSON.parse(out) as {seconds: number; flows: number; errors: number};
	return {ms: r.seconds * 1000, flows: r.flows, errors: r.errors};
}

try {
	console.log(`dvrscope bench:parse — ovs-ofctl dump-flows, ≥ ${minFlows} flows`);
	const specs = flowSpecs(minFlows);
	const real = realOvsDump(addFlowsText(specs));
	const source =
		'dump' in real
			? 'real ovs-ofctl dump-flows (private OVS 3.x, netdev bridge)'
			: `generator (${real.skipped})`;
	writeFileSync(dumpFile, 'dump' in real ? real.dump : formatDump(specs));
	const bytes = readFileSync(dumpFile).length;
	console.log(`  source: ${source}`);
	console.log(`  file:   ${dumpFile} (${(bytes / 1e6).toFixed(1)} MB)`);

	// Warm both paths once so the JIT has seen them.
	readFileSync(dumpFile, 'utf8').split('\n');
	ovsFlowsParser.parse(readFileSync(dumpFile, 'utf8'));

	let warnings = 0;
	let materialised = 0;
	const t = timeAll({
		bare: () => readFileSync(dumpFile, 'utf8').split('\n').length,
		ours: () => {
			const r = ovsFlowsParser.parse(readFileSync(dumpFile, 'utf8'));
			warnings = r.warnings.length;
			return r.facts.flows.length;
		},
		full: () => {
			const r = ovsFlowsParser.parse(readFileSync(dumpFile, 'utf8'));
			materialised = 0;
			for (const f of r.facts.flows) materialised += Object.keys(f.match).length + f.actions.length;
			return r.facts.flows.length;
		},
	});
	const bare = t['bare']!;
	const ours = t['ours']!;
	const full = t['full']!;
	let responders = 0;
	const check = ovsFlowsParser.parse(readFileSync(dumpFile, 'utf8'));
	for (const f of check.facts.flows) if (arpResponderOf(f) !== undefined) responders++;
	const py = pythonParse();

	const pad = (s: string): string => s.padEnd(44);
	console.log('');
	console.log(
		`${pad('bare read + split (Node)')}${bare.ms.toFixed(0).padStart(8)} ms  (${bare.result} lines, median of ${runs})`,
	);
	console.log(
		`${pad('dvrscope read + parse (ovsFlowsParser)')}${ours.ms.toFixed(0).padStart(8)} ms  (${ours.result} flows, ${warnings} warnings, median of ${runs})`,
	);
	console.log(
		`${pad('dvrscope read + parse + every match/actions')}${full.ms.toFixed(0).padStart(8)} ms  (${materialised} match fields + actions typed, ${responders} ARP responders decoded)`,
	);
	if ('skipped' in py)
		console.log(`${pad('OVS python ovs.flow (OFPFlow)')}  skipped: ${py.skipped}`);
	else
		console.log(
			`${pad('OVS python ovs.flow (OFPFlow)')}${py.ms.toFixed(0).padStart(8)} ms  (${py.flows} flows, ${py.errors} errors, 1 run)`,
		);
	console.log('');
	const vsBare = ours.ms / bare.ms;
	console.log(
		`dvrscope / bare split   = ${vsBare.toFixed(2)}×  (target ≤ 2.5×) ${vsBare <= 2.5 ? 'OK' : 'MISSED'}`,
	);
	if (!('skipped' in py)) {
		const vsPy = py.ms / ours.ms;
		console.log(
			`ovs.flow / dvrscope     = ${vsPy.toFixed(1)}×  (target ≥ 10×) ${vsPy >= 10 ? 'OK' : 'MISSED'}`,
		);
	}
	console.log('');
	console.log(
		"dvrscope types each flow's match and actions on first access (the rules read a few tables).",
	);
	console.log(
		`With every flow's match and actions typed: ${(full.ms / bare.ms).toFixed(2)}× the bare split` +
			('skipped' in py ? '' : `, ${(py.ms / full.ms).toFixed(1)}× faster than ovs.flow`) +
			'.',
	);
} finally {
	rmSync(work, {recursive: true, force: true});
}
