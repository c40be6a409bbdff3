/**
 * `npm run bench:batch [-- --namespaces 5000]` — one node with N Neutron namespaces collected
 * over a REAL OpenSSH sshd on 127.0.0.1 (the node's `ip`/`ovs-*` are the FAKE scripts of
 * test/fixtures/fake-node-bin answering from fixtures: the namespaces do not exist, every command
 * really runs through sshd and the remote shell). Prints the executions the node ran against the
 * budget (≤ 10 + 1 per 2,000 namespaces), the largest command against the 128 KiB argument limit
 * (target: under 100 KiB), whether every namespace was read, the wall time and the machine load.
 * The same check is asserted by test/session/collect-ssh-many.test.ts.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {maxExecsPerNode} from '../src/collectors/catalog.js';
import type {SessionEvent} from '../src/model/events.js';
import {shellQuote} from '../src/model/quote.js';
import {collectToCaptureSet} from '../src/session/live.js';
import {prepareFakeNodeBin} from '../test/helpers/fake-node.js';
import {startSshd} from '../test/helpers/sshd.js';
import {loadavg, ratioLine} from './whole-process.js';

const index = process.argv.indexOf('--namespaces');
const COUNT = index === -1 ? 5000 : Number(process.argv[index + 1]);
const uuid = (n: number): string =>
	`${n.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const namespaces = Array.from({length: COUNT}, (_, n) => `qrouter-${uuid(n + 1)}`);

const work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-bench-batch-'));
const bin = prepareFakeNodeBin(work);
writeFileSync(
	path.join(bin, 'data', 'gen-ip-j-netns-list.json'),
	JSON.stringify(namespaces.map(name => ({name}))),
);
const sshd = await startSshd({pathPrefix: bin});
try {
	const inventory = path.join(work, 'inventory.yaml');
	writeFileSync(
		inventory,
		`nodes:\n  - {id: big-1, host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identityFile: ${sshd.userKey.private}, haConfsPath: ${path.join(work, 'none')}, roles: [gateway]}\n`,
	);
	console.log(
		`bench:batch — ${new Date().toISOString()}, load ${loadavg()}, one node, ${COUNT} namespaces, real sshd (FAKE node tools)`,
	);
	delete process.env['SSH_AUTH_SOCK'];
	const events: SessionEvent[] = [];
	const t0 = performance.now();
	const set = await collectToCaptureSet(
		{
			inventory,
			knownHosts: sshd.knownHostsFile,
			openstack: 'none',
			timeoutS: 3600,
			nodeTimeoutS: 3600,
		},
		event => events.push(event),
		new AbortController().signal,
	);
	const wallS = (performance.now() - t0) / 1000;
	const started = events.filter(event => event.type === 'capture-started');
	const largest = Math.max(...started.map(event => Buffer.byteLength(shellQuote(event.argv))));
	const failed = set.captures.filter(capture => capture.failure).length;
	const read = ['netns.neigh', 'netns.addr', 'netns.rule', 'netns.route'].map(
		id =>
			new Set(
				set.captures
					.filter(c => c.catalogId === id && c.exitCode === 0)
					.map(c => c.params?.namespace),
			).size,
	);
	console.log(
		`  ${started.length} executions, largest command ${(largest / 1024).toFixed(1)} KiB, ${failed} failed captures, namespaces read (neigh/addr/rule/route): ${read.join('/')} of ${COUNT}, ${wallS.toFixed(1)} s, load after ${loadavg()}`,
	);
	console.log(
		ratioLine(
			`executions on the node (budget 10 + 1 per 2,000 namespaces = ${maxExecsPerNode(COUNT)})`,
			started.length,
			maxExecsPerNode(COUNT),
			false,
		),
	);
	console.log(
		ratioLine('largest command, KiB (argument limit 128 KiB)', largest / 1024, 100, false),
	);
	console.log(
		`CHECK every namespace read, no capture failed: ${failed === 0 && read.every(n => n === COUNT) ? 'met' : 'NOT met'}`,
	);
} finally {
	await sshd.stop();
	rmSync(work, {recursive: true, force: true});
}
