/**
 * bench/fanout — dvrscope's collection vs OpenSSH ControlMaster, whole processes, same endpoints,
 * same commands, alternated, repeated (bench/whole-process.ts).
 *
 *   npm run bench:fanout [-- --nodes 50 --parallel 20 --runs 3 --per-command]
 *
 * Endpoints: N ports on 127.0.0.1 served by real OpenSSH sshd processes (≤ 16 ports each), logging
 * in a user with a plain /bin/sh (root's ~/.bashrc runs pyenv init here). The node tools are the
 * FAKE scripts of test/fixtures/fake-node-bin (no Open vSwitch daemon on this machine, and `ip -n`
 * needs root): every command really runs through sshd and the remote shell, only `ip`/`ovs-*`
 * answer from fixtures.
 *
 * Contestants, each a whole process under /usr/bin/time -v:
 *   dvrscope       `node dist/cli/main.js collect --inventory … --openstack none -q -o DIR`: one
 *                  ssh2 connection per node, up to 4 sessions at once on it, `--parallel` nodes at
 *                  a time, the capture set written (to tmpfs, as the baseline's outputs: see
 *                  `written` below);
 *   controlmaster  `sh controlmaster.sh`: per node (xargs -P `--parallel`) one OpenSSH ControlMaster
 *                  (`ssh -o ControlMaster=auto -o ControlPath=… -o ControlPersist=…`), opened by the
 *                  node's first command, then the node's other commands 4 at a time (xargs -P 4)
 *                  as sessions on that master, output to files (tmpfs), `ssh -O exit` at the end;
 *   per-command    (`--per-command`) one plain `ssh` per command, `xargs -P --parallel`.
 * The commands are exactly the executions dvrscope made in a first, untimed run (read back from
 * its capture set): the baselines get them ready-made — they do not discover namespaces first.
 */
import {existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {readCaptureSet} from '../src/bundle/capture-set.js';
import {catalogEntries} from '../src/collectors/catalog.js';
import {shellQuote} from '../src/model/quote.js';
import {freePort, makeKey, startSshd, type Sshd} from '../test/helpers/sshd.js';
import {prepareFakeNodeBin} from '../test/helpers/fake-node.js';
import {
	alternate,
	loadavg,
	median,
	ratioLine,
	report,
	timeOnce,
	type Contestant,
} from './whole-process.js';

const {values: opts} = parseArgs({
	options: {
		nodes: {type: 'string', default: '50'},
		parallel: {type: 'string', default: '20'},
		runs: {type: 'string', default: '3'},
		'per-command': {type: 'boolean', default: false},
	},
});
const positive = (value: string, fallback: number): number =>
	Number.isInteger(Number(value)) && Number(value) > 0 ? Number(value) : fallback;
const NODES = positive(opts.nodes, 50);
const PARALLEL = positive(opts.parallel, 20);
const RUNS = positive(opts.runs, 3);
const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');

const work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-bench-fanout-'));
/**
 * Where both sides write what they collected (dvrscope's capture set, the baseline's output files):
 * tmpfs when there is one. This machine's disk is a journal-less ext4: for minutes after a mass
 * deletion (a previous bench's clean-up), every file created makes the kernel scan the recently
 * deleted inodes of its group (perf: recently_deleted, find_inode_bit, rwsem_spin_on_owner) —
 * 1–3 s of system time for the ~2,000 files of a 50-node capture set, 50–130 ms on the same disk
 * otherwise — so disk figures depended on what ran before, not on either side.
 */
const written = mkdtempSync(
	path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'dvrscope-bench-fanout-out-'),
);
const servers: Sshd[] = [];
const env = {...process.env};
delete env['SSH_AUTH_SOCK'];

/**
 * Batch sections recorded as captures of their own are not executions of their own: the parts of
 * every catalog batch the node ran (per-item parts, and the single reads a fold runs in one
 * execution, such as ovs.show in ovs.db-batch), and the L3-HA files.
 */
const PARTS = new Map(
	catalogEntries.flatMap(e =>
		e.sections !== undefined && 'parts' in e.sections
			? [[e.id, new Set(e.sections.parts.map(p => p.catalogId))] as const]
			: [],
	),
);
const sectionTest = (ran: readonly string[]): ((id: string) => boolean) => {
	const parts = new Set(ran.flatMap(id => [...(PARTS.get(id) ?? [])]));
	return id => parts.has(id) || /^l3ha\.(state|keepalived-conf)$/.test(id);
};

/**
 * A contestant's output moved out of the way for the next round and deleted only when the bench
 * ends: deleted between rounds, its ~2,000 files' inodes make ext4 scan "recently deleted" inodes
 * (and the writers spin on the group lock) for every file the NEXT contestant creates — seconds of
 * system time charged to whichever side runs next (seen with perf: recently_deleted,
 * rwsem_spin_on_owner), a cost of the bench, not of either side.
 */
let asides = 0;
function setAside(dir: string): void {
	if (existsSync(dir)) renameSync(dir, path.join(written, `done-${asides++}`));
}

/** N sshd endpoints with the fake node tools; the inventory and known_hosts dvrscope uses. */
async function endpoints(): Promise<{
	ports: number[];
	inventory: string;
	knownHosts: string;
	user: string;
	key: string;
}> {
	const bin = prepareFakeNodeBin(work);
	const ha = path.join(work, 'ha_confs', '4d7928a0-4a3c-4b99-b01b-97da2f97e279');
	mkdirSync(ha, {recursive: true, mode: 0o755});
	writeFileSync(path.join(ha, 'state'), 'primary');
	writeFileSync(path.join(ha, 'keepalived.conf'), 'vrrp_instance VR_1 {\n    state BACKUP\n}\n');
	const keys = mkdtempSync(path.join(work, 'keys-'));
	const hostKey = makeKey(keys, 'host');
	const userKey = makeKey(keys, 'user');
	const ports: number[] = [];
	for (let i = 0; i < NODES; i++) ports.push(await freePort());
	for (let i = 0; i < ports.length; i += 16)
		servers.push(
			await startSshd({
				ports: ports.slice(i, i + 16),
				hostKey,
				authorizedKeys: [userKey.publicLine],
				pathPrefix: bin,
			}),
		);
	const user = servers[0]!.user;
	const knownHosts = path.join(work, 'known_hosts');
	writeFileSync(knownHosts, `${servers.flatMap(s => s.knownHostsLines).join('\n')}\n`);
	const inventory = path.join(work, 'inventory.yaml');
	writeFileSync(
		inventory,
		[
			'defaults:',
			`  user: ${user}`,
			`  identityFile: ${userKey.private}`,
			`  haConfsPath: ${path.join(work, 'ha_confs')}`,
			'nodes:',
			...ports.map(
				(port, i) => `  - {id: node-${String(i).padStart(3, '0')}, host: 127.0.0.1, port: ${port}}`,
			),
		].join('\n'),
	);
	return {ports, inventory, knownHosts, user, key: userKey.private};
}

/** The executions dvrscope made per node (port → OpenSSH command strings), from its capture set. */
async function executions(dir: string, ports: readonly number[]): Promise<Map<number, string[]>> {
	const set = await readCaptureSet(dir);
	const failed = set.captures.filter(c => c.failure !== undefined);
	if (set.manifest.partial === true || failed.length > 0)
		throw new Error(
			`the dvrscope collection was partial: ${JSON.stringify(set.manifest.problems?.slice(0, 3))} ${failed
				.slice(0, 3)
				.map(c => c.id)
				.join(' ')}`,
		);
	const execs = new Map<number, string[]>();
	ports.forEach((port, i) => {
		const node = `node-${String(i).padStart(3, '0')}`;
		const mine = set.captures.filter(c => c.node === node);
		const section = sectionTest(mine.map(c => c.catalogId ?? ''));
		execs.set(
			port,
			mine.filter(c => !section(c.catalogId ?? '')).map(c => shellQuote(c.argv)),
		);
	});
	return execs;
}

async function main(): Promise<void> {
	const {ports, inventory, knownHosts, user, key} = await endpoints();
	const out = path.join(written, 'set');
	const dvrscope: Contestant = {
		name: 'dvrscope',
		does: `node dist/cli/main.js collect --inventory (${NODES} nodes) --openstack none --concurrency ${PARALLEL} -q -o DIR: ssh2, one connection per node, ≤ 4 sessions at once on it, discovery then details, the capture set written`,
		argv: [
			process.execPath,
			cli,
			'collect',
			'--inventory',
			inventory,
			'--known-hosts',
			knownHosts,
			'--openstack',
			'none',
			'--concurrency',
			String(PARALLEL),
			'-q',
			'-o',
			out,
		],
		env,
	};
	console.log(
		`bench:fanout — ${new Date().toISOString()}, load ${loadavg()}, ${os.cpus().length} CPUs; ${NODES} sshd endpoints on 127.0.0.1 (${servers.length} sshd processes), login ${user} (/bin/sh), ${PARALLEL} nodes at a time, ${RUNS} alternated runs; node tools: FAKE scripts (test/fixtures/fake-node-bin)`,
	);
	// An untimed first run: warms the page cache and gives the commands the baselines run.
	const first = await timeOnce(dvrscope);
	if (first.exit !== 0) throw new Error(`dvrscope collect exited ${first.exit}`);
	const execs = await executions(out, ports);
	setAside(out);
	const perNode = execs.get(ports[0]!)?.length ?? 0;
	const total = [...execs.values()].reduce((sum, list) => sum + list.length, 0);

	const ssh = [
		'ssh',
		'-F',
		'/dev/null',
		'-o',
		'BatchMode=yes',
		'-o',
		'StrictHostKeyChecking=yes',
		'-o',
		`UserKnownHostsFile=${knownHosts}`,
		'-o',
		'IdentitiesOnly=yes',
		'-i',
		key,
		'-o',
		'LogLevel=ERROR',
		'-l',
		user,
	]
		.map(o => shellQuote([o]))
		.join(' ');
	const commands = path.join(work, 'commands');
	const outputs = path.join(written, 'outputs');
	for (const [port, list] of execs) {
		mkdirSync(path.join(commands, String(port)), {recursive: true});
		list.forEach((command, i) =>
			writeFileSync(
				path.join(commands, String(port), `${String(i).padStart(3, '0')}.cmd`),
				command,
			),
		);
	}
	writeFileSync(path.join(work, 'ports.txt'), `${ports.join('\n')}\n`);
	const sockets = path.join(work, 'cm');
	mkdirSync(sockets);
	// One command as a session on the node's master (ControlMaster=auto: the first one opens it).
	const one = path.join(work, 'cm-one.sh');
	writeFileSync(
		one,
		[
			'#!/bin/sh',
			'port=$1; file=$2',
			`mkdir -p ${outputs}/$port`,
			`${ssh} -p "$port" -o ControlMaster=auto -o ControlPath=${sockets}/%p -o ControlPersist=60 127.0.0.1 "$(cat "$file")" >${outputs}/$port/$(basename "$file") 2>&1 || { echo "failed: $port $file" >&2; exit 1; }`,
		].join('\n'),
	);
	// One node: the master opened by its first command, the others 4 at a time on it, then closed.
	const node = path.join(work, 'cm-node.sh');
	writeFileSync(
		node,
		[
			'#!/bin/sh',
			'port=$1; rc=0',
			`sh ${one} "$port" "$(ls ${commands}/$port/*.cmd | head -n 1)" || rc=1`,
			`ls ${commands}/$port/*.cmd | tail -n +2 | xargs -P 4 -n 1 sh ${one} "$port" || rc=1`,
			`${ssh} -p "$port" -o ControlPath=${sockets}/%p -O exit 127.0.0.1 2>/dev/null`,
			'exit $rc',
		].join('\n'),
	);
	const controlmaster: Contestant = {
		name: 'controlmaster',
		does: `sh: per node (xargs -P ${PARALLEL}) one OpenSSH ControlMaster (ControlMaster=auto, ControlPersist) opened by its first command, the node's other commands 4 at a time (xargs -P 4) as sessions on it, output to files, ssh -O exit; the ${perNode} commands per node given ready-made`,
		argv: ['sh', '-c', `xargs -P ${PARALLEL} -n 1 sh ${node} < ${path.join(work, 'ports.txt')}`],
		env,
	};
	const perCommand: Contestant = {
		name: 'per-command',
		does: `sh: one plain ssh per command (no multiplexing), xargs -P ${PARALLEL}`,
		argv: [
			'sh',
			'-c',
			`for p in $(cat ${path.join(work, 'ports.txt')}); do for f in ${commands}/$p/*.cmd; do echo "$p $f"; done; done | xargs -P ${PARALLEL} -L 1 sh -c '${ssh} -o ControlMaster=no -o ControlPath=none -p "$0" 127.0.0.1 "$(cat "$1")" >/dev/null 2>&1 || echo "failed: $0 $1" >&2'`,
		],
		env,
	};
	const contestants = [dvrscope, controlmaster, ...(opts['per-command'] ? [perCommand] : [])];
	console.log(`  commands: ${perNode} executions per node, ${total} in all`);
	const timings = await alternate(contestants, RUNS, name => {
		if (name === 'dvrscope') setAside(out);
		if (name === 'controlmaster') setAside(outputs);
	});
	report(contestants, timings);
	console.log(`  load after: ${loadavg()}`);
	const wall = (name: string): number => median(timings.find(t => t.name === name)?.wallS ?? []);
	const failures = timings.filter(t => t.exitCodes.some(code => code !== 0));
	if (failures.length > 0)
		console.log(
			`  NOTE non-zero exits: ${failures.map(t => `${t.name} ${t.exitCodes.join('/')}`).join(', ')}`,
		);
	console.log(
		ratioLine(
			'ControlMaster (4 sessions per node) / dvrscope, whole processes, wall medians',
			wall('controlmaster') / wall('dvrscope'),
			2,
			true,
		),
	);
	if (opts['per-command'])
		console.log(
			ratioLine(
				'one ssh per command / dvrscope, whole processes, wall medians',
				wall('per-command') / wall('dvrscope'),
				5,
				true,
			),
		);
}

try {
	await main();
} finally {
	for (const server of servers) await server.stop();
	rmSync(work, {recursive: true, force: true});
	rmSync(written, {recursive: true, force: true});
}
