/**
 * Real namespaces, real iproute2, real /bin/sh batch scripts: the local transport collecting from
 * this machine (as root), narrowed by a --router target to a qrouter namespace the test creates.
 * The OpenStack API answering the target is a FAKE (one canned `agent list --router` reply); OVS is
 * not running here, so the ovs-* captures are real non-zero exits (data, not failures).
 */
import {randomUUID} from 'node:crypto';
import {spawnSync} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {collect} from '../../src/session/collect.js';
import {LocalTransport} from '../../src/transport/local.js';
import {FakeTransport} from '../helpers/fake-transport.js';

const root = process.getuid?.() === 0;
const router = randomUUID();
const ns = `qrouter-${router}`;
const ip = (...args: string[]) => spawnSync('ip', args, {encoding: 'utf8'});

beforeAll(() => {
	if (!root) return;
	for (const args of [
		['netns', 'add', ns],
		['-n', ns, 'tuntap', 'add', 'dev', 'qr-test', 'mode', 'tap'],
		['-n', ns, 'addr', 'add', '10.0.0.1/24', 'dev', 'qr-test'],
		['-n', ns, 'link', 'set', 'qr-test', 'up'],
		[
			'-n',
			ns,
			'neigh',
			'replace',
			'10.0.0.4',
			'lladdr',
			'fa:16:3e:00:00:04',
			'dev',
			'qr-test',
			'nud',
			'permanent',
		],
	]) {
		const result = ip(...args);
		if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
	}
});
afterAll(() => {
	if (root) ip('netns', 'delete', ns);
});

describe.skipIf(!root)('collect() with the local transport on real namespaces', () => {
	it('reads the target router’s namespace through the real batch scripts', async () => {
		// Given this machine as node "local" and an API saying the router lives here
		const api = new FakeTransport('fake-api', {
			outputs: {
				[`openstack network agent list --router ${router} --long -f json`]: JSON.stringify([
					{Host: 'local'},
				]),
			},
		});
		// When collected with --router
		const set = await collect(
			{
				nodes: [
					{info: {id: 'local', roles: ['network']}, transport: new LocalTransport({id: 'local'})},
				],
				cloud: api,
				target: {kind: 'router', id: router},
			},
			() => undefined,
			new AbortController().signal,
		);
		// Then the PERMANENT entry is captured from the real namespace, filed under it
		const neigh = set.captures.filter(c => c.catalogId === 'netns.neigh');
		expect(neigh.map(c => c.params?.namespace)).toEqual([ns]);
		const entries = JSON.parse(neigh[0]!.stdout) as {
			dst: string;
			lladdr: string;
			state: string[];
		}[];
		expect(entries).toContainEqual(
			expect.objectContaining({dst: '10.0.0.4', lladdr: 'fa:16:3e:00:00:04', state: ['PERMANENT']}),
		);
		expect(neigh[0]).toMatchObject({exitCode: 0, argv: ['ip', '-n', ns, '-j', 'neigh', 'show']});
		const addr = set.captures.find(c => c.catalogId === 'netns.addr');
		expect(addr?.stdout).toContain('10.0.0.1');
		// and no command failed to run (non-zero exits of ovs-* without a daemon are data)
		expect(set.captures.filter(c => c.failure)).toEqual([]);
	});
});
