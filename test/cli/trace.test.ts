import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {writeCaptureSet} from '../../src/bundle/capture-set.js';
import {proveWithRounds} from '../../src/session/trace-rounds.js';
import {replayExec} from '../helpers/trace-replay.js';

const VIP = '198.19.0.100';

function dvrscope(...args: string[]): {code: number | null; stdout: string; stderr: string} {
	const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1'},
		timeout: 600_000,
	});
	return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

const tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-trace-cli-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

/** A capture set with the path captures, as a live `dvrscope trace --save-set` writes it (rounds replayed from the lab recordings). */
async function provedSet(state: string): Promise<string> {
	const {set} = await openInput(`test/fixtures/trace/${state}/set`);
	const rounds = await proveWithRounds(set, 'client', VIP, replayExec(state));
	const dir = path.join(tmp, state);
	await writeCaptureSet(dir, rounds.set);
	return dir;
}

describe('dvrscope trace on saved data (the path captures replay offline)', () => {
	const dirs: Record<string, string> = {};
	beforeAll(async () => {
		for (const s of ['healthy', 'failover']) dirs[s] = await provedSet(s);
	});

	it('healthy: exit 0, the text names every hop and ends on the holder', () => {
		const r = dvrscope('trace', '--from', 'client', '--to', VIP, dirs['healthy'] ?? '');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toMatch(/^OK: port client .* ends on the holder: port vm2/);
		expect(r.stdout).toContain('[ok] compute-1: tap-vm2 → port vm2');
		expect(r.stdout).toContain(
			'read with: ovs-appctl -T 10 ofproto/trace br-tun --names in_port=vxlan-c612010c,tun_id=0x184',
		);
	});

	it('failover: exit 2; JSON and Markdown mark the qrouter entry that contradicts the holder', () => {
		const json = dvrscope(
			'trace',
			'--from',
			'198.19.1.21',
			'--to',
			VIP,
			'--json',
			dirs['failover'] ?? '',
		);
		expect(json.code, json.stderr).toBe(2);
		const proof = JSON.parse(json.stdout) as {
			schema: string;
			hops: {kind: string; contradictsHolder?: boolean}[];
		};
		expect(proof.schema).toBe('dvrscope-path/1');
		expect(proof.hops.find(h => h.contradictsHolder)?.kind).toBe('neigh');
		const md = dvrscope(
			'trace',
			'--from',
			'client',
			'--to',
			VIP,
			'--format',
			'markdown',
			dirs['failover'] ?? '',
		);
		expect(md.code).toBe(2);
		expect(md.stdout).toMatch(
			/^# Packet path: 198\.19\.1\.21 → 198\.19\.0\.100\n\n\*\*BLACK HOLE: /,
		);
		expect(md.stdout).toContain('| 3 | BREAK ✗ |');
	});

	it('a bundle of the set replays the proof offline (dvrscope bundle → dvrscope trace)', () => {
		const out = path.join(tmp, 'failover-bundle.tar.gz');
		const b = dvrscope('bundle', dirs['failover'] ?? '', '-o', out);
		expect(b.code, b.stderr).toBe(0);
		const r = dvrscope('trace', '--from', 'client', '--to', VIP, out);
		expect(r.code, r.stderr).toBe(2);
		expect(r.stdout).toMatch(/^BLACK HOLE: .* breaks at compute-2 qrouter-/);
		expect(r.stdout).not.toContain('UNREAD');
	});

	it('saved data without the path captures: exit 4, naming the commands to run', () => {
		const r = dvrscope('trace', '--from', 'client', '--to', VIP, 'test/fixtures/trace/healthy/set');
		expect(r.code).toBe(4);
		expect(r.stdout).toMatch(/^INCOMPLETE: /);
		expect(r.stdout).toContain(
			'To read the missing hops (read-only):\n  on compute-2: ovs-appctl -T 10 ofproto/trace br-int --names in_port=tap-client,',
		);
	});

	it.each([
		[['--to', VIP, 'test/fixtures/trace/healthy/set'], /give --from/],
		[
			['--from', 'client', '--to', '1.2.3.4; reboot', 'test/fixtures/trace/healthy/set'],
			/--to .*not an IP address/,
		],
		[
			['--from', 'nosuch', '--to', VIP, 'test/fixtures/trace/healthy/set'],
			/--from nosuch: no Neutron port/,
		],
		[
			['--from', 'client', '--to', VIP, '--format', 'yaml', 'test/fixtures/trace/healthy/set'],
			/unknown --format/,
		],
		[['--from', 'client', '--to', VIP, path.join(tmpdir(), 'no-such-set-i22')], /./],
	])('usage errors exit 3 (%j)', (args, message) => {
		const r = dvrscope('trace', ...args);
		expect(r.code).toBe(3);
		expect(r.stderr).toMatch(message);
	});
});
