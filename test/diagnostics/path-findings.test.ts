/**
 * A stale-entry finding carries its packet-path proof (issue 22) when the capture set holds the
 * proof's trace reads: live `diagnose` runs them (here the rounds are answered by the FAKE replay
 * exec from the lab RECORDINGS, test/helpers/trace-replay.ts); saved data replays them.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {writeCaptureSet} from '../../src/bundle/capture-set.js';
import {openInput} from '../../src/bundle/read.js';
import {analyze} from '../../src/diagnostics/analyze.js';
import {proofPair} from '../../src/diagnostics/index.js';
import {render} from '../../src/diagnostics/render.js';
import {findingsReportSchema} from '../../src/diagnostics/report/schema.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {proveAllWithRounds} from '../../src/session/trace-rounds.js';
import {replayExec} from '../helpers/trace-replay.js';

const VIP = '198.19.0.100';
const VM2 = 'fa:16:3e:bb:67:05';
const set = async (state: string): Promise<CaptureSet> =>
	(await openInput(new URL(`../fixtures/trace/${state}/set`, import.meta.url).pathname)).set;
const STALE = 'dvr/stale-permanent-arp';

describe('findings carry the path proof (issue 22)', () => {
	it('failover: the client behind compute-2 is chosen; two rounds, one execution per node each; the finding shows the break at the qrouter entry in text, JSON and Markdown, and a saved set replays it', async () => {
		const failover = await set('failover');
		const before = analyze(failover);
		const finding = before.diagnosis.findings.find(f => f.ruleId === STALE);
		expect(finding?.path).toBeUndefined(); // no trace reads in the set: no proof
		const pair = finding === undefined ? undefined : proofPair(before.snapshot, finding);
		// a VM on another subnet of the router, plugged on a node whose qrouter holds the stale entry
		expect(pair).toEqual({from: '198.19.1.21', to: VIP});
		const exec = replayExec('failover');
		const r = await proveAllWithRounds(failover, pair === undefined ? [] : [pair], exec, 2);
		expect(r.rounds).toBe(2);
		expect(r.execs).toEqual({'compute-2': 1, 'compute-1': 1});

		const after = analyze(r.set);
		const proven = after.diagnosis.findings.find(f => f.ruleId === STALE);
		expect(proven?.path?.verdict).toBe('black-hole');
		const brk = proven?.path?.hops.find(h => h.status === 'break');
		expect(brk).toMatchObject({kind: 'neigh', node: 'compute-2', contradictsHolder: true});
		expect(brk?.detail).toContain(`lladdr ${VM2} PERMANENT`);
		expect(brk?.detail).toContain('port vm2');
		expect(proven?.path?.landing?.mac).toBe(VM2);
		// the proof never changes the verdict: it proves the finding
		expect(after.diagnosis.exitCode).toBe(before.diagnosis.exitCode);

		const text = render(after, 'text');
		expect(text).toContain(`Path proof (dvrscope trace --from 198.19.1.21 --to ${VIP}):`);
		expect(text).toMatch(
			/\[BREAK\] compute-2 qrouter-\S+: neighbour entry for 198\.19\.0\.100 {2}✗ contradicts the holder/,
		);
		const json = findingsReportSchema.parse(JSON.parse(render(after, 'json')));
		expect(json.findings.find(f => f.ruleId === STALE)?.path?.verdict).toBe('black-hole');
		expect(render(after, 'markdown')).toContain(
			`**Path proof** (\`dvrscope trace --from 198.19.1.21 --to ${VIP}\`): BLACK HOLE:`,
		);

		const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-path-findings-'));
		try {
			await writeCaptureSet(path.join(dir, 'set'), r.set);
			const saved = analyze((await openInput(path.join(dir, 'set'))).set);
			expect(saved.diagnosis.findings.find(f => f.ruleId === STALE)?.path?.hops).toEqual(
				proven?.path?.hops,
			);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('a proof cut after one round keeps the unread remote hop on the finding, naming its command (never ok)', async () => {
		const failover = await set('failover');
		const before = analyze(failover);
		const finding = before.diagnosis.findings.find(f => f.ruleId === STALE);
		const pair = finding === undefined ? undefined : proofPair(before.snapshot, finding);
		const r = await proveAllWithRounds(
			failover,
			pair === undefined ? [] : [pair],
			replayExec('failover'),
			1,
		);
		const proof = analyze(r.set).diagnosis.findings.find(f => f.ruleId === STALE)?.path;
		// one round only: the remote node's trace was never read; the break is still proven
		expect(proof?.verdict).toBe('black-hole');
		expect(proof?.hops.at(-1)?.status).toBe('unread');
		expect(proof?.hops.at(-1)?.detail).toMatch(
			/run on compute-1: ovs-appctl -T 10 ofproto\/trace br-tun/,
		);
	});
});
