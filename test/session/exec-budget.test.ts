/**
 * A live collection plus its proof rounds stays within the per-node execution budget (issue 22:
 * "at most two extra rounds, inside the per-node exec budget"; docs/collection.md: at most 10
 * executions per node), over SSH and through kubectl, and the folded single reads lose nothing.
 *
 * The nodes are FAKE transports answering from the lab RECORDINGS (test/helpers/
 * fake-recorded-cloud.ts: the capture set `dvrscope collect` took just after `lab:failover`, and
 * the trace reads of the same bring-up). Through kubectl they are wrapped in a FAKE kubectl-like
 * transport (kind `kubectl`, so the proof rounds batch per pod) that records the pod class — the
 * exec target — of every execution.
 */
import {describe, expect, it} from 'vitest';
import {
	CATALOG,
	catalogEntries,
	MAX_EXECS_PER_NODE,
	type CatalogEntry,
} from '../../src/collectors/catalog.js';
import {analyze} from '../../src/diagnostics/analyze.js';
import type {Capture, CaptureSet} from '../../src/model/capture.js';
import {collectAndProve, PROOF_ROUNDS} from '../../src/session/prove-findings.js';
import type {CommandResult, CommandSpec, Transport} from '../../src/transport/types.js';
import {
	fakeRecordedCloud,
	type FakeRecordedCloud,
	type FakeRecordedNode,
} from '../helpers/fake-recorded-cloud.js';

const STALE = 'dvr/stale-permanent-arp';

/** FAKE kubectl-like node: kind `kubectl`, the exec target (pod class) of each execution kept. */
class FakeKubeNode implements Transport {
	readonly kind = 'kubectl';
	readonly id: string;
	readonly targets: string[] = [];
	constructor(readonly inner: FakeRecordedNode) {
		this.id = inner.id;
	}
	connect(): ReturnType<FakeRecordedNode['connect']> {
		return this.inner.connect();
	}
	async exec(spec: CommandSpec, options: {readonly signal: AbortSignal}): Promise<CommandResult> {
		this.targets.push(spec.podClass ?? '?');
		return this.inner.exec(spec, options);
	}
	async close(): Promise<void> {
		return this.inner.close();
	}
}

async function run(world: FakeRecordedCloud, kube: boolean) {
	const wrapped = new Map<string, FakeKubeNode>();
	const nodes = world.options.nodes.map(node => {
		if (!kube) return node;
		const fake = new FakeKubeNode(world.nodes.get(node.info.id)!);
		wrapped.set(node.info.id, fake);
		return {...node, transport: fake};
	});
	const proofs: {rounds?: number; execs?: Readonly<Record<string, number>>}[] = [];
	const set = await collectAndProve(
		{...world.options, nodes},
		{onEvent: () => undefined, onProof: status => proofs.push(status)},
		new AbortController().signal,
	);
	return {set, wrapped, proof: proofs.at(-1)};
}

/** Batch executions themselves (their output is filed as the captures of their reads). */
const isBatch = (capture: Capture): boolean =>
	(CATALOG as Readonly<Record<string, CatalogEntry | undefined>>)[capture.catalogId ?? '']
		?.sections !== undefined;

/** What a capture holds, for comparing two sets read from the same node outputs. */
const content = (c: Capture) => ({
	id: c.id,
	node: c.node,
	catalogId: c.catalogId,
	kind: c.kind,
	argv: c.argv,
	params: c.params,
	exitCode: c.exitCode,
	// the FAKE node answers `ip -j netns list` itself (names only), not from the recording
	stdout: c.catalogId === 'netns.list' ? '' : c.stdout,
	failure: c.failure,
});

const nodeReads = (set: CaptureSet): Capture[] =>
	set.captures.filter(
		c => c.node !== undefined && !isBatch(c) && c.catalogId?.startsWith('trace.') !== true,
	);

describe('a live collection and its proof rounds fit the per-node budget (issue 22)', () => {
	it('every fold batches reads of one exec target only (one pod and container through kubectl)', () => {
		for (const entry of catalogEntries.filter(e => e.folds !== undefined)) {
			for (const id of entry.folds ?? [])
				expect(CATALOG[id as keyof typeof CATALOG].podClass, `${entry.id}: ${id}`).toBe(
					entry.podClass,
				);
		}
	});

	it('over SSH: collection 6 + proof rounds ≤ 10 executions per node, every recorded read filed as before', async () => {
		// Given the lab just after lab:failover, answered by FAKE nodes from its recordings
		const world = await fakeRecordedCloud('failover');
		// When collected and proven (live diagnose / the live console)
		const {set, proof} = await run(world, false);
		// Then the stale entry is proven, in the rounds the recording needs
		expect(proofVerdict(set)).toBe('black-hole');
		expect(proof?.rounds).toBe(2);
		for (const [id, node] of world.nodes) {
			const collection = node.executed.length - node.traceExecs.length;
			// 2 discovery + ovs.db-batch + ovs.bridge-batch + netns.state-batch + netns.agent-batch
			expect(collection, id).toBe(6);
			// room for every proof round (one execution per node per round over SSH)
			expect(collection + PROOF_ROUNDS, id).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
			expect(node.executed.length, id).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
		}
		// and every read of the recorded set (taken with one execution per single read) is filed
		// again with the same id, argv, kind, params, exit status and output
		expect(nodeReads(set).map(content)).toEqual(
			expect.arrayContaining(nodeReads(world.set).map(content)),
		);
		expect(nodeReads(set)).toHaveLength(nodeReads(world.set).length);
	});

	it('through kubectl: per exec target, collection 6 + proof rounds (2 pods × 2 rounds) ≤ 10 per node, every read filed', async () => {
		const world = await fakeRecordedCloud('failover');
		const {set, wrapped} = await run(world, true);
		expect(proofVerdict(set)).toBe('black-hole');
		// the pod classes the ML2/OVS proof rounds can use on one node: one execution each per
		// round (trace.ovn runs only on an ml2/ovn cloud's ovn-db nodes, in a class of its own)
		const trace = catalogEntries.filter(e => e.phase === 'trace');
		const tracePods = new Set(trace.filter(e => e.id !== 'trace.ovn').map(e => e.podClass));
		expect(tracePods.size).toBe(2);
		const ovnPod = trace.find(e => e.id === 'trace.ovn')?.podClass;
		expect(ovnPod === undefined || !tracePods.has(ovnPod)).toBe(true);
		for (const [id, node] of wrapped) {
			const collection = node.targets.length - world.nodes.get(id)!.traceExecs.length;
			expect(collection, id).toBe(6);
			expect(collection + PROOF_ROUNDS * tracePods.size, id).toBeLessThanOrEqual(
				MAX_EXECS_PER_NODE,
			);
			expect(node.targets.length, id).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
			// the collection per exec target: discovery and one batch in the L3 agent's and the
			// OVSDB container, the bridge batch in ovs-vswitchd's
			const count = (pod: string) =>
				node.targets.slice(0, collection).filter(t => t === pod).length;
			expect(
				{l3: count('l3-agent'), db: count('ovs-db'), vswitchd: count('ovs-vswitchd')},
				id,
			).toEqual({l3: 3, db: 2, vswitchd: 1});
		}
		expect(nodeReads(set).map(content)).toEqual(
			expect.arrayContaining(nodeReads(world.set).map(content)),
		);
		expect(nodeReads(set)).toHaveLength(nodeReads(world.set).length);
	});
});

/** The verdict of the stale-entry finding's proof (the rounds ran and landed on it). */
const proofVerdict = (set: CaptureSet): string | undefined =>
	analyze(set).diagnosis.findings.find(f => f.ruleId === STALE)?.path?.verdict;
