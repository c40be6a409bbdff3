/**
 * The live console's session proves its stale-entry findings (issue 22): after the collection,
 * on the same connections, the packet-path proof rounds run (at most two, one execution per node
 * each), the findings carry the proof, and the store says `proving` in between; under watch the
 * proof is re-run only when a finding's evidence changes. The nodes are FAKE transports
 * answering from the lab RECORDINGS (test/helpers/fake-recorded-cloud.ts): the collection is the
 * lab's capture set taken just after `lab:failover`, the trace reads the ones recorded in the same
 * bring-up.
 */
import {describe, expect, it, vi} from 'vitest';
import {SessionController} from '../../src/console/controller.js';
import {loadAnalyzer} from '../../src/cli/console-data.js';
import {analyze} from '../../src/diagnostics/analyze.js';
import type {ProofStatus} from '../../src/model/proof.js';
import {
	collectAndProve,
	PROOF_ROUNDS,
	ProofKeeper,
	proofTargets,
} from '../../src/session/prove-findings.js';
import {WatchEngine} from '../../src/session/watch.js';
import {createAppStore} from '../../src/state/store.js';
import {pathViewData} from '../../src/state/path-view.js';
import {fakeRecordedCloud, type TraceFailure} from '../helpers/fake-recorded-cloud.js';
import type {WatchEvent} from '../../src/model/watch.js';

const VIP = '198.19.0.100';
const VM2 = 'fa:16:3e:bb:67:05';
const STALE = 'dvr/stale-permanent-arp';
const SOURCE = {kind: 'live', location: '--inventory lab.yaml'} as const;

/** The console as run-tui wires it (real store and controller), over the fake recorded cloud. */
async function consoleSession(fail: readonly TraceFailure[] = []) {
	const world = await fakeRecordedCloud('failover', fail);
	const store = createAppStore({source: SOURCE});
	// what the store shows each time the proof status changes: was the finding proven yet?
	const seen: {state: ProofStatus['state'] | undefined; findings: number; proven: boolean}[] = [];
	store.subscribe((s, before) => {
		if (s.proof === before.proof && s.diagnosis === before.diagnosis) return;
		const stale = s.diagnosis?.findings.find(f => f.ruleId === STALE);
		seen.push({
			state: s.proof?.state,
			findings: s.diagnosis?.findings.length ?? 0,
			proven: stale?.path !== undefined,
		});
	});
	const controller = new SessionController({
		store,
		analyze: await loadAnalyzer(),
		collect: async ({signal, onEvent, onCollected, onProof}) =>
			collectAndProve(
				world.options,
				{
					onEvent,
					...(onCollected === undefined ? {} : {onCollected}),
					...(onProof === undefined ? {} : {onProof}),
				},
				signal,
			),
	});
	await controller.start();
	return {world, store, seen};
}

/** Executions per node: [collection, proof rounds]. */
const execsOf = (world: Awaited<ReturnType<typeof fakeRecordedCloud>>) =>
	Object.fromEntries(
		[...world.nodes].map(([id, node]) => [
			id,
			[node.executed.length - node.traceExecs.length, node.traceExecs.length],
		]),
	);

describe('the live console session proves its findings (issue 22)', () => {
	it('after the collection: the verdict first while `proving`, then the proof on the finding — two rounds, one execution per node each, on the collection connections; the trace reads in the command log', async () => {
		const {world, store, seen} = await consoleSession();
		const s = store.getState();
		const finding = s.diagnosis?.findings.find(f => f.ruleId === STALE);
		expect(finding?.path?.verdict).toBe('black-hole');
		const brk = finding?.path?.hops.find(h => h.status === 'break');
		expect(brk).toMatchObject({kind: 'neigh', node: 'compute-2', contradictsHolder: true});
		expect(brk?.detail).toContain(`lladdr ${VM2} PERMANENT`);
		expect(finding?.path?.landing?.mac).toBe(VM2);
		expect(finding?.path?.requests).toEqual([]);
		// the order the engineer sees: the verdict without the proof while proving, then the proof
		const proving = seen.findIndex(x => x.state === 'proving' && x.findings > 0);
		expect(proving, JSON.stringify(seen)).toBeGreaterThanOrEqual(0);
		expect(seen[proving]?.proven).toBe(false);
		expect(seen.at(-1)).toMatchObject({state: 'done', proven: true});
		expect(s.proof).toMatchObject({
			state: 'done',
			vips: [VIP],
			proofs: 1,
			reason: 'after the collection',
		});
		expect(s.proof?.rounds).toBeLessThanOrEqual(PROOF_ROUNDS);
		expect(s.proof?.rounds).toBe(2);
		// one execution per node per round: the client's node, then the node the tunnel leads to
		expect(s.proof?.execs).toEqual({'compute-2': 1, 'compute-1': 1});
		const execs = execsOf(world);
		// (the collection's single reads folded per exec target: 6, so the rounds fit in 10)
		expect(execs).toMatchObject({'compute-2': [6, 1], 'compute-1': [6, 1], network: [6, 0]});
		// every node's connection was closed once, after the rounds (the proof ran on it while open)
		for (const node of world.nodes.values()) expect(node.closed).toBe(true);
		// the trace reads are in the command log like any other command
		const log = s.collection.commands.map(c => c.argv.join(' '));
		expect(log.filter(l => l.startsWith('ovs-appctl -T 10 ofproto/trace')).length).toBe(3);
		expect(log.some(l => / route get 198\.19\.0\.100 from 198\.19\.1\.21 /.test(l))).toBe(true);
		expect(s.collection.status).toBe('done');
		expect(s.collection.message ?? '').not.toMatch(/proving/);
		// the Path view's data: the proof, and the command that re-runs it with the console's source
		const view = pathViewData(s.snapshot, s.diagnosis?.findings ?? [], s.source, VIP);
		expect(view.proof?.verdict).toBe('black-hole');
		expect(view.command).toBe(`dvrscope trace --from 198.19.1.21 --to ${VIP} --inventory lab.yaml`);
	});

	it('a trace read that fails (the connection to the remote node drops): the proof is INCOMPLETE there and names the command, the verdict says so, the failure is in the errors pane', async () => {
		const {store} = await consoleSession([{node: 'compute-1'}]);
		const s = store.getState();
		const proof = s.diagnosis?.findings.find(f => f.ruleId === STALE)?.path;
		expect(proof).toBeDefined();
		const unread = proof?.hops.filter(h => h.status === 'unread') ?? [];
		expect(unread.length).toBe(1);
		expect(unread[0]?.node).toBe('compute-1');
		expect(unread[0]?.detail).toMatch(/not read \(unreachable: fake: connection dropped/);
		expect(unread[0]?.command?.command).toMatch(
			/^ovs-appctl -T 10 ofproto\/trace br-tun --names in_port=vxlan-\w+,tun_id=0x184,/,
		);
		expect(proof?.requests.length).toBe(1);
		// never OK: the failed read is a coverage gap of the verdict (critical outranks incomplete)
		expect(s.diagnosis?.verdict).toBe('critical');
		expect(
			s.diagnosis?.coverage?.gaps.some(
				g => g.kind === 'capture-failed' && g.reason.includes('ofproto/trace br-tun'),
			),
		).toBe(true);
		expect(s.diagnosis?.headline).toMatch(/INCOMPLETE|not complete|incomplete/i);
		expect(s.proof?.state).toBe('done');
		expect(s.ui.errors.some(e => e.message.includes('ofproto/trace br-tun'))).toBe(true);
	});

	it('a failed read inside the client node batch (the route read): that hop is unread and names `ip … route get`, the reads before and after it in the same execution are kept', async () => {
		const {store, world} = await consoleSession([{node: 'compute-2', matching: 'route get'}]);
		const proof = store.getState().diagnosis?.findings.find(f => f.ruleId === STALE)?.path;
		const route = proof?.hops.find(h => h.kind === 'route');
		expect(route?.status).toBe('unread');
		expect(route?.command?.command).toMatch(
			/^ip -n qrouter-\S+ -j route get 198\.19\.0\.100 from 198\.19\.1\.21 iif qr-/,
		);
		// still one execution on the client's node
		expect(world.nodes.get('compute-2')?.traceExecs.length).toBe(1);
	});
});

describe('watch re-proves only when the evidence changes (issue 22)', () => {
	it('round 0 proves; probe rounds carry that proof (no trace reads); when the stale MAC changes the next round proves again, and a read the recording lacks leaves that hop unread, named', async () => {
		const world = await fakeRecordedCloud('failover');
		const statuses: ProofStatus[] = [];
		const engine = new WatchEngine({
			collect: world.options,
			intervalMs: 10,
			prove: {onProof: s => statuses.push(s)},
		});
		const rounds: Extract<WatchEvent, {type: 'round'}>[] = [];
		/** The trace reads the round's data carries (their ids and read times), when proven. */
		const proofReads = (): string | undefined =>
			engine.last?.diagnosis.findings.find(f => f.ruleId === STALE)?.path === undefined
				? undefined
				: engine.last.set.captures
						.filter(c => c.catalogId?.startsWith('trace.') === true)
						.map(c => `${c.id} ${c.startedAt}`)
						.join(' | ');
		const proven: (string | undefined)[] = [];
		let flipped = false;
		const done = new Promise<void>(resolve => {
			engine.subscribe(event => {
				if (event.type !== 'round') return;
				rounds.push(event);
				proven.push(proofReads());
				if (event.round.round === 3 && !flipped) {
					flipped = true;
					// every qrouter entry now names another (made-up) MAC: the finding's evidence changed
					for (const node of world.nodes.values()) node.rewrite(VM2, 'fa:16:3e:00:00:99');
				}
				if (event.round.round >= 6) resolve();
			});
		});
		void engine.start();
		await done;
		await engine.stop();
		const traceExecs = (id: string): number => world.nodes.get(id)?.traceExecs.length ?? 0;
		const proofs = statuses.filter(s => s.state === 'done');
		// round 0 (full) proved; rounds 1–3 kept it; the round after the flip proved again — and,
		// since that proof had a read that failed, once more in the full round the flip brings
		// (a changed entry makes the next round full); then no more
		expect(proofs[0]).toMatchObject({
			round: 0,
			reason: 'a stale-entry finding to prove',
			rounds: 2,
		});
		expect(proofs.length, JSON.stringify(statuses)).toBe(3);
		expect(proofs[1]?.round).toBe(4);
		expect(proofs[1]?.reason).toMatch(/^the evidence changed: stale entry fa:16:3e:00:00:99 /);
		expect(proofs[2]).toMatchObject({
			round: 5,
			reason: 'a full round after a proof with a failed read',
		});
		expect(rounds[5]?.round.kind).toBe('full');
		expect(rounds[6]?.round.kind).toBe('probe');
		// the rounds between carried round 0's proof without reading again
		expect(rounds.slice(1, 4).every(r => r.round.kind === 'probe')).toBe(true);
		// 2 (round 0) + 1 (round 4: the new MAC's trace fails, no remote round) + 1 (round 5)
		expect(traceExecs('compute-2') + traceExecs('compute-1')).toBe(4);
		expect(traceExecs('network')).toBe(0);
		// round 0's verdict is out before its proof (the view says proving…); rounds 1–3 show round
		// 0's proof: the same reads, carried (none read again)
		expect(proven[0]).toBeUndefined();
		expect(proven[1]).toMatch(/trace\.ovs/);
		expect(proven.slice(2, 4)).toEqual([proven[1], proven[1]]);
		const last = engine.last?.diagnosis.findings.find(f => f.ruleId === STALE)?.path;
		expect(last?.hops.find(h => h.kind === 'neigh')?.detail).toContain('fa:16:3e:00:00:99');
		// the new MAC's trace is not in the lab recording: that hop is unread and names the command
		const unread = last?.hops.find(h => h.status === 'unread');
		expect(unread?.command?.command).toMatch(/dl_dst=fa:16:3e:00:00:99/);
	});

	it('the console under w: the engine proves in round 0 on its own connections and the store shows that proof, from round 0, on the other screens', async () => {
		const world = await fakeRecordedCloud('failover');
		const store = createAppStore({source: SOURCE});
		const engines: WatchEngine[] = [];
		const c = new SessionController({
			store,
			analyze: await loadAnalyzer(),
			collect: async () => world.set,
			watch: async ({intervalMs, onEvent, onProof}) => {
				const engine = new WatchEngine({
					collect: world.options,
					intervalMs,
					onCollectEvent: onEvent,
					prove: onProof === undefined ? {} : {onProof},
				});
				engines.push(engine);
				return engine;
			},
		});
		c.toggleWatch();
		await vi.waitFor(
			() => {
				expect(store.getState().proof).toMatchObject({state: 'done', round: 0});
				expect(
					store.getState().diagnosis?.findings.find(f => f.ruleId === STALE)?.path?.verdict,
				).toBe('black-hole');
			},
			{timeout: 120_000},
		);
		const s = store.getState();
		const view = pathViewData(
			s.snapshot,
			s.diagnosis?.findings ?? [],
			s.source,
			VIP,
			undefined,
			s.proof,
		);
		expect(view.provenance).toMatch(
			/^read in watch round 0 at \d\d:\d\d:\d\d UTC, kept while the evidence is unchanged · 2 trace round\(s\), executions per node: compute-2 1, compute-1 1$/,
		);
		c.dispose();
		await engines[0]?.stop();
	});

	it('the keeper: same evidence → keep; another holder or stale MAC → prove again, saying what changed; no finding → drop', async () => {
		const world = await fakeRecordedCloud('failover');
		const report = analyze(world.set);
		const keeper = new ProofKeeper();
		const first = keeper.plan(report, true);
		expect(first).toMatchObject({kind: 'prove', reason: 'a stale-entry finding to prove'});
		const targets = proofTargets(report);
		expect(targets).toEqual([
			{
				from: '198.19.1.21',
				to: VIP,
				evidence: `stale entry ${VM2} on compute-1, compute-2, network, holder fa:16:3e:4c:55:f0`,
			},
		]);
		keeper.keep(targets, {set: world.set, added: [], rounds: 2, execs: {}}, 7);
		expect(keeper.plan(report, false)).toEqual({kind: 'keep', round: 7});
		expect(keeper.plan(report, true)).toEqual({kind: 'keep', round: 7});
		const moved = {
			...report,
			diagnosis: {
				...report.diagnosis,
				findings: report.diagnosis.findings.map(f =>
					f.ruleId === STALE ? {...f, data: {...f.data, ownerMac: 'fa:16:3e:00:00:01'}} : f,
				),
			},
		};
		expect(keeper.plan(moved, false)).toMatchObject({
			kind: 'prove',
			reason: expect.stringMatching(
				/^the evidence changed: .*holder fa:16:3e:00:00:01$/,
			) as unknown,
		});
		expect(keeper.plan({...report, diagnosis: {...report.diagnosis, findings: []}}, false)).toEqual(
			{
				kind: 'none',
			},
		);
		expect(keeper.round).toBeUndefined();
	});
});
