/**
 * End to end over a REAL OpenSSH server: `collectToCaptureSet` with a YAML inventory, real ssh2
 * connections, the real batch scripts run by the remote /bin/sh. The node's tools are the FAKE
 * scripts of test/fixtures/fake-node-bin (no Open vSwitch daemon, no root for `ip -n`).
 */
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readCaptureSet, writeCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import type {SessionEvent} from '../../src/model/events.js';
import {collectToCaptureSet} from '../../src/session/live.js';
import {freePort, startSshd, type Sshd} from '../helpers/sshd.js';
import {FIXTURE_DIR, prepareFakeNodeBin} from '../helpers/fake-node.js';

const ROUTER = '4d7928a0-4a3c-4b99-b01b-97da2f97e279';
let sshd: Sshd;
let stranger: Sshd;
let work: string;
let inventory: string;
let bin: string;

beforeAll(async () => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-collect-ssh-'));
	bin = prepareFakeNodeBin(work);
	// ha_confs of one L3-HA router, readable by the login user
	const ha = path.join(work, 'ha_confs', ROUTER);
	mkdirSync(ha, {recursive: true, mode: 0o755});
	writeFileSync(path.join(ha, 'state'), 'backup');
	copyFileSync(
		path.join(FIXTURE_DIR, 'fixture-neutron-l3ha-keepalived-conf.txt'),
		path.join(ha, 'keepalived.conf'),
	);
	const ports = [await freePort(), await freePort(), await freePort()];
	sshd = await startSshd({ports, pathPrefix: bin});
	// A second server whose host key is NOT in known_hosts.
	stranger = await startSshd({pathPrefix: bin, authorizedKeys: [sshd.userKey.publicLine]});
	const dead = await freePort();
	inventory = path.join(work, 'inventory.yaml');
	writeFileSync(
		inventory,
		[
			'defaults:',
			`  user: ${sshd.user}`,
			`  identityFile: ${sshd.userKey.private}`,
			`  haConfsPath: ${path.join(work, 'ha_confs')}`,
			'nodes:',
			`  - {id: cmp-1, host: 127.0.0.1, port: ${ports[0]}, roles: [compute]}`,
			`  - {id: cmp-2, host: 127.0.0.1, port: ${ports[1]}, roles: [compute]}`,
			`  - {id: gw-1, host: 127.0.0.1, port: ${ports[2]}, roles: [gateway, network]}`,
			`  - {id: down-1, host: 127.0.0.1, port: ${dead}, roles: [compute]}`,
			`  - {id: mitm-1, host: 127.0.0.1, port: ${stranger.port}, roles: [compute]}`,
		].join('\n'),
	);
});

afterAll(async () => {
	await sshd.stop();
	await stranger.stop();
	rmSync(work, {recursive: true, force: true});
});

describe('collectToCaptureSet over real sshd', () => {
	it('collects healthy nodes completely, names each failing node, and the set assembles', async () => {
		// Given an inventory of 3 healthy nodes, one port with no server, one unknown host key
		const events: SessionEvent[] = [];
		// When collected (agent off: identity from the inventory)
		const previous = process.env['SSH_AUTH_SOCK'];
		delete process.env['SSH_AUTH_SOCK'];
		const set = await collectToCaptureSet(
			{inventory, knownHosts: sshd.knownHostsFile, openstack: 'none', toolVersion: 'test'},
			event => events.push(event),
			new AbortController().signal,
		).finally(() => {
			if (previous !== undefined) process.env['SSH_AUTH_SOCK'] = previous;
		});
		// Then the failures are named by node and kind
		expect(events).toContainEqual(
			expect.objectContaining({type: 'node-failed', node: 'down-1', kind: 'unreachable'}),
		);
		expect(events).toContainEqual(
			expect.objectContaining({type: 'node-failed', node: 'mitm-1', kind: 'refused'}),
		);
		expect(set.manifest.partial).toBe(true);
		// and each healthy node has every capture, no failures, ≤ 10 executions
		for (const node of ['cmp-1', 'cmp-2', 'gw-1']) {
			const mine = set.captures.filter(capture => capture.node === node);
			expect(
				mine.filter(capture => capture.failure),
				node,
			).toEqual([]);
			const execs = mine.filter(
				capture =>
					capture.catalogId !== undefined &&
					!capture.catalogId.match(
						/^(ovs\.(flows|ofctl-show|fdb)|netns\.(neigh|addr|rule|route)|l3ha\.(state|keepalived-conf))$/,
					),
			);
			expect(execs.length, node).toBeLessThanOrEqual(10);
			expect(
				mine.find(
					capture => capture.catalogId === 'ovs.flows' && capture.params?.bridge === 'br-tun',
				)?.stdout,
			).toMatch(/^NXST_FLOW reply/);
			expect(mine.find(capture => capture.catalogId === 'l3ha.state')).toMatchObject({
				stdout: 'backup',
				params: {router: ROUTER},
			});
			expect(mine.find(capture => capture.catalogId === 'l3ha.keepalived-conf')?.stdout).toContain(
				'vrrp_instance',
			);
		}
		// When written, read back and assembled as `dvrscope diagnose` would
		const out = path.join(work, 'set');
		await writeCaptureSet(out, set);
		const snapshot = assembleSnapshot(await readCaptureSet(out));
		// Then the facts are filed per node and namespace
		const facts = snapshot.nodes['cmp-1']?.facts;
		expect(Object.keys(facts?.flows ?? {}).sort()).toEqual(['br-ex', 'br-int', 'br-tun']);
		expect(
			facts?.neigh?.[`qrouter-${ROUTER}`]?.data.some(entry => entry.states.includes('PERMANENT')),
		).toBe(true);
		expect(facts?.haState?.[ROUTER]?.data.state).toBe('backup');
		// rsvm-a / qdhcp were not read, and nothing was refused
		expect(
			set.manifest.problems?.filter(
				problem => problem.kind === 'refused' && problem.node !== 'mitm-1',
			),
		).toEqual([]);
	});

	it('on abort closes every SSH connection and keeps what it has', async () => {
		// Given nodes whose flow dumps hang (the fake ovs-ofctl sleeps)
		writeFileSync(path.join(bin, 'data', 'slow'), '');
		const controller = new AbortController();
		const events: SessionEvent[] = [];
		// When aborted once a node has started its detail commands
		const set = await collectToCaptureSet(
			{inventory, knownHosts: sshd.knownHostsFile, openstack: 'none'},
			event => {
				events.push(event);
				if (event.type === 'capture-started' && event.catalogId === 'ovs.bridge-batch')
					controller.abort();
			},
			controller.signal,
		);
		rmSync(path.join(bin, 'data', 'slow'));
		// Then the set is partial, the discovery captures are kept, and the batch is named cancelled
		expect(events.at(-1)).toMatchObject({type: 'collection-done', cancelled: true, partial: true});
		expect(set.captures.some(c => c.catalogId === 'netns.list' && c.exitCode === 0)).toBe(true);
		expect(set.captures.find(c => c.catalogId === 'ovs.bridge-batch')?.failure?.kind).toBe(
			'cancelled',
		);
		// and sshd has no session left open for us
		const sessions = (): number =>
			spawnSync('pgrep', ['-P', String(sshd.process.pid)], {encoding: 'utf8'})
				.stdout.split('\n')
				.filter(Boolean).length;
		for (let i = 0; i < 50 && sessions() > 0; i++)
			await new Promise(resolve => setTimeout(resolve, 100));
		expect(sessions()).toBe(0);
	});
});
