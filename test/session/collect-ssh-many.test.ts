/**
 * A node with 5,000 Neutron namespaces over a REAL OpenSSH server: the namespace batches are split
 * by command size (Linux refuses one argument over 128 KiB, and sshd hands the whole command to the
 * remote shell as one argument), every namespace is read, and the node stays within
 * 10 + 1 per 2,000 namespaces executions. The node's tools are the FAKE scripts of
 * test/fixtures/fake-node-bin answering from fixtures (the namespaces do not exist).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {maxExecsPerNode} from '../../src/collectors/catalog.js';
import type {SessionEvent} from '../../src/model/events.js';
import {collectToCaptureSet} from '../../src/session/live.js';
import {shellQuote} from '../../src/model/quote.js';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';
import {startSshd, type Sshd} from '../helpers/sshd.js';

const COUNT = 5000;
const uuid = (n: number): string =>
	`${n.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const namespaces = Array.from({length: COUNT}, (_, n) => `qrouter-${uuid(n + 1)}`);

let sshd: Sshd;
let work: string;
let inventory: string;

beforeAll(async () => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-collect-many-'));
	const bin = prepareFakeNodeBin(work);
	writeFileSync(
		path.join(bin, 'data', 'gen-ip-j-netns-list.json'),
		JSON.stringify(namespaces.map(name => ({name}))),
	);
	sshd = await startSshd({pathPrefix: bin});
	inventory = path.join(work, 'inventory.yaml');
	writeFileSync(
		inventory,
		[
			'nodes:',
			`  - {id: big-1, host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identityFile: ${sshd.userKey.private}, haConfsPath: ${path.join(work, 'none')}, roles: [gateway]}`,
		].join('\n'),
	);
});

afterAll(async () => {
	await sshd.stop();
	rmSync(work, {recursive: true, force: true});
});

describe(`a node with ${COUNT} namespaces over real sshd`, () => {
	it('reads every namespace in commands under the argument limit, within the execution budget', async () => {
		// Given a node listing 5,000 router namespaces (agent off: identity from the inventory)
		const events: SessionEvent[] = [];
		const previous = process.env['SSH_AUTH_SOCK'];
		delete process.env['SSH_AUTH_SOCK'];
		// When collected (generous limits: 20,000 per-namespace commands on a loaded machine)
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
		).finally(() => {
			if (previous !== undefined) process.env['SSH_AUTH_SOCK'] = previous;
		});
		// Then no execution's command comes near 128 KiB
		const started = events.filter(event => event.type === 'capture-started');
		const sizes = started.map(event => Buffer.byteLength(shellQuote(event.argv)));
		expect(Math.max(...sizes)).toBeLessThan(100 * 1024);
		// and the node ran at most 10 + 1 per 2,000 namespaces executions
		expect(maxExecsPerNode(COUNT)).toBe(12);
		expect(started.length).toBeLessThanOrEqual(12);
		// and every namespace has its neighbours, addresses, rules and routes, none failed
		expect(set.captures.filter(capture => capture.failure)).toEqual([]);
		for (const catalogId of ['netns.neigh', 'netns.addr', 'netns.rule', 'netns.route']) {
			const read = set.captures.filter(capture => capture.catalogId === catalogId);
			expect(new Set(read.map(capture => capture.params?.namespace)).size, catalogId).toBe(COUNT);
			expect(
				read.every(capture => capture.exitCode === 0),
				catalogId,
			).toBe(true);
		}
		expect(
			set.captures.find(
				capture =>
					capture.catalogId === 'netns.route' && capture.params?.namespace === namespaces[4999],
			)?.stdout,
		).toContain('169.254.106.115');
	}, 1_800_000);
});
