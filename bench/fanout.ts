/**
 * bench/fanout — dvrscope's collection vs OpenSSH, same endpoints, same commands, same run.
 *
 *   npm run bench:fanout [-- --nodes 50 --parallel 20]
 *
 * Endpoints: N ports on 127.0.0.1 served by real OpenSSH sshd processes (≤ 16 ports each), logging
 * in a user with a plain /bin/sh (root's ~/.bashrc runs pyenv init here). The node tools are the
 * FAKE scripts of test/fixtures/fake-node-bin (no Open vSwitch daemon on this machine, and `ip -n`
 * needs root): every command really runs through sshd and the remote shell, only `ip`/`ovs-*`
 * answer from fixtures.
 *
 * Three ways, each collecting the full command set (2 discovery + 8 detail executions per node):
 *   1. dvrscope: collect() over ssh2, one connection per node, 20 nodes at a time;
 *   2. one `ssh` per command through `xargs -P 20` (how a runbook script fans out);
 *   3. one ControlMaster connection per node, its commands in turn, 20 nodes at a time (sos collect).
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {execa} from 'execa';
import {writeCaptureSet} from '../src/bundle/capture-set.js';
import {collectToCaptureSet} from '../src/session/live.js';
import {shellQuote} from '../src/model/quote.js';
import {freePort, makeKey, startSshd, type Sshd} from '../test/helpers/sshd.js';
import {prepareFakeNodeBin} from '../test/helpers/fake-node.js';

const arg = (name: string, fallback: number): number => {
	const index = process.argv.indexOf(`--${name}`);
	const value = index === -1 ? undefined : Number(process.argv[index + 1]);
	return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
};
const NODES = arg('nodes', 50);
const PARALLEL = arg('parallel', 20);

const work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-bench-fanout-'));
const servers: Sshd[] = [];

async function main(): Promise<void> {
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
	for (let i = 0; i < ports.length; i += 16) {
		servers.push(
			await startSshd({
				ports: ports.slice(i, i + 16),
				hostKey,
				authorizedKeys: [userKey.publicLine],
				pathPrefix: bin,
			}),
		);
	}
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
	console.log(
		`bench/fanout: ${NODES} sshd endpoints on 127.0.0.1 (${servers.length} sshd processes), login ${user} (/bin/sh), ${PARALLEL} in parallel; node tools: FAKE scripts (test/fixtures/fake-node-bin)`,
	);

	// 1. dvrscope
	delete process.env['SSH_AUTH_SOCK'];
	const t0 = performance.now();
	const set = await collectToCaptureSet(
		{inventory, knownHosts, concurrency: PARALLEL, openstack: 'none', toolVersion: 'bench'},
		() => undefined,
		new AbortController().signal,
	);
	await writeCaptureSet(path.join(work, 'set'), set);
	const dvrscopeMs = performance.now() - t0;
	const failed = set.captures.filter(c => c.failure);
	if (set.manifest.partial === true || failed.length > 0) {
		throw new Error(
			`dvrscope collection was partial: ${JSON.stringify(set.manifest.problems?.slice(0, 3))}`,
		);
	}
	// The executions dvrscope made per node (batch records + plain commands), as OpenSSH command strings.
	const execs = new Map<number, string[]>();
	ports.forEach((port, i) => {
		const node = `node-${String(i).padStart(3, '0')}`;
		const mine = set.captures.filter(
			c =>
				c.node === node &&
				!/^(ovs\.(flows|ofctl-show|fdb)|netns\.(neigh|addr|rule|route)|l3ha\.(state|keepalived-conf))$/.test(
					c.catalogId ?? '',
				),
		);
		execs.set(
			port,
			mine.map(c => shellQuote(c.argv)),
		);
	});
	const perNode = execs.get(ports[0]!)?.length ?? 0;
	const total = [...execs.values()].reduce((sum, list) => sum + list.length, 0);
	const sshOptions = [
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
		userKey.private,
		'-o',
		'LogLevel=ERROR',
		'-l',
		user,
	];

	// 2. one ssh per command, xargs -P
	const commandDir = path.join(work, 'commands');
	mkdirSync(commandDir);
	const lines: string[] = [];
	let n = 0;
	for (const [port, commands] of execs) {
		for (const command of commands) {
			const file = path.join(commandDir, `${n++}.cmd`);
			writeFileSync(file, command);
			lines.push(`${port} ${file}`);
		}
	}
	const list = path.join(work, 'per-command.txt');
	writeFileSync(list, `${lines.join('\n')}\n`);
	const perCommandScript = `ssh ${sshOptions.map(o => shellQuote([o])).join(' ')} -o ControlMaster=no -o ControlPath=none -p "$0" 127.0.0.1 "$(cat "$1")" >/dev/null 2>&1 || echo "failed: $0 $1" >&2`;
	const t1 = performance.now();
	const perCommand = await execa(
		'sh',
		[
			'-c',
			`xargs -P ${PARALLEL} -L 1 sh -c '${perCommandScript.replaceAll("'", `'\\''`)}' < ${list}`,
		],
		{reject: false},
	);
	const perCommandMs = performance.now() - t1;

	// 3. one ControlMaster per node, its commands in turn, nodes in parallel
	const masterScript = path.join(work, 'controlmaster.sh');
	const sockDir = path.join(work, 'cm');
	mkdirSync(sockDir);
	writeFileSync(
		masterScript,
		[
			'#!/bin/sh',
			'port=$1',
			`sock=${sockDir}/$port`,
			`o="${sshOptions.map(o => shellQuote([o])).join(' ')} -p $port -o ControlPath=$sock"`,
			'eval ssh $o -o ControlMaster=yes -o ControlPersist=no -fN 127.0.0.1 || { echo "master failed: $port" >&2; exit 1; }',
			`for f in ${commandDir}/by-port-$port/*.cmd; do`,
			'  eval ssh $o -o ControlMaster=no 127.0.0.1 \'"$(cat "$f")"\' >/dev/null 2>&1 || echo "failed: $port $f" >&2',
			'done',
			'eval ssh $o -O exit 127.0.0.1 2>/dev/null',
		].join('\n'),
	);
	for (const [port, commands] of execs) {
		const dir = path.join(commandDir, `by-port-${port}`);
		mkdirSync(dir);
		commands.forEach((command, i) =>
			writeFileSync(path.join(dir, `${String(i).padStart(2, '0')}.cmd`), command),
		);
	}
	writeFileSync(path.join(work, 'ports.txt'), `${ports.join('\n')}\n`);
	const t2 = performance.now();
	const controlMaster = await execa(
		'sh',
		['-c', `xargs -P ${PARALLEL} -L 1 sh ${masterScript} < ${path.join(work, 'ports.txt')}`],
		{reject: false},
	);
	const controlMasterMs = performance.now() - t2;

	const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
	const problems = [perCommand.stderr, controlMaster.stderr].join('').trim();
	console.log(`commands: ${perNode} executions per node, ${total} in all`);
	console.log(`dvrscope (ssh2, 1 connection/node):       ${s(dvrscopeMs)}`);
	console.log(
		`OpenSSH, one ssh per command (xargs -P ${PARALLEL}): ${s(perCommandMs)}   ratio ${(perCommandMs / dvrscopeMs).toFixed(1)}x (target >= 5x)`,
	);
	console.log(
		`OpenSSH, ControlMaster per node:          ${s(controlMasterMs)}   ratio ${(controlMasterMs / dvrscopeMs).toFixed(1)}x (target >= 2x)`,
	);
	if (problems !== '')
		console.log(`OpenSSH runs reported failures:\n${problems.split('\n').slice(0, 5).join('\n')}`);
}

try {
	await main();
} finally {
	for (const server of servers) await server.stop();
	rmSync(work, {recursive: true, force: true});
}
