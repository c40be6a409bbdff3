/**
 * A FAKE cloud answering from the lab RECORDINGS of issue 22 (no network, no processes): every
 * node is a FakeTransport (test/helpers/fake-transport.ts) whose answers are the outputs of the
 * capture set `dvrscope collect` took on the lab (test/fixtures/trace/<state>/set) — so a real
 * collection session over them yields that set again — and whose packet-path reads (`trace.ovs`,
 * `trace.route-get`, batched as `trace.batch`) are answered from the trace recordings of the same
 * bring-up (test/helpers/trace-replay.ts). The cloud is a fake `openstack` CLI transport answering
 * from the set's API captures. Tests can make chosen trace reads fail (a dropped connection).
 */
import {openInput} from '../../src/bundle/read.js';
import {matchCatalog} from '../../src/collectors/catalog.js';
import type {CaptureSet} from '../../src/model/capture.js';
import type {CollectNode, CollectOptions} from '../../src/session/collect.js';
import type {CommandResult, CommandSpec} from '../../src/transport/types.js';
import {FakeTransport, type FakeNodeScript} from './fake-transport.js';
import {batchAware, replaySingle} from './trace-replay.js';

export type TraceFailure = {
	/** Node whose trace reads fail. */
	readonly node: string;
	/** Fail only reads whose command contains this (default: every trace read on the node). */
	readonly matching?: string;
};

/** A FAKE node: the recorded collection, plus the recorded trace reads (or their failure). */
export class FakeRecordedNode extends FakeTransport {
	/** Executions of path-proof reads (a batch counts once). */
	readonly traceExecs: (readonly string[])[] = [];

	constructor(
		id: string,
		private readonly recorded: FakeNodeScript & {readonly outputs: Record<string, string>},
		private readonly trace: ReturnType<typeof batchAware>,
		private readonly fail: readonly TraceFailure[],
	) {
		super(id, recorded);
	}

	/** Change what the node answers from now on (e.g. a MAC in every neighbour table). */
	rewrite(from: string, to: string): void {
		for (const [command, body] of Object.entries(this.recorded.outputs))
			this.recorded.outputs[command] = body.replaceAll(from, to);
	}

	override async exec(
		spec: CommandSpec,
		options: {readonly signal: AbortSignal},
	): Promise<CommandResult> {
		const entry = matchCatalog(spec.argv);
		if (entry?.phase !== 'trace') return super.exec(spec, options);
		this.executed.push(spec.argv);
		this.traceExecs.push(spec.argv);
		if (this.fail.some(f => f.node === this.id && f.matching === undefined))
			return {
				target: this.id,
				argv: spec.argv,
				stdout: '',
				stderr: '',
				exitCode: null,
				startedAt: new Date().toISOString(),
				durationMs: 0,
				failure: {kind: 'unreachable', message: 'fake: connection dropped during the trace read'},
			};
		return this.trace(this.id, spec.argv, entry);
	}
}

export type FakeRecordedCloud = {
	readonly set: CaptureSet;
	readonly nodes: ReadonlyMap<string, FakeRecordedNode>;
	readonly cloud: FakeTransport;
	/** Collection options as `prepareLiveCollection` makes them (CLI cloud, no target). */
	readonly options: CollectOptions;
};

/** The recorded cloud of `state` (`healthy`, `failover`, `workaround`). */
export async function fakeRecordedCloud(
	state: string,
	fail: readonly TraceFailure[] = [],
): Promise<FakeRecordedCloud> {
	const dir = new URL(`../fixtures/trace/${state}/set`, import.meta.url).pathname;
	const {set} = await openInput(dir);
	const scripts = new Map<
		string,
		{outputs: Record<string, string>; haFiles: Record<string, string>; haConfsPath?: string}
	>();
	const cloudOutputs: Record<string, string> = {};
	for (const capture of set.captures) {
		if (capture.node === undefined) {
			cloudOutputs[capture.argv.join(' ')] = capture.stdout;
			continue;
		}
		const script = scripts.get(capture.node) ?? {outputs: {}, haFiles: {}};
		scripts.set(capture.node, script);
		const path = capture.params?.path;
		if (capture.catalogId?.startsWith('l3ha.') === true && path !== undefined) {
			script.haFiles[path] = capture.stdout;
			script.haConfsPath ??= path.split('/').slice(0, -2).join('/');
		} else script.outputs[capture.argv.join(' ')] = capture.stdout;
	}
	const recorded = replaySingle(state);
	/** One read as the recording answers it, or dropped when a failure names it. */
	const single =
		(node: string): Parameters<typeof batchAware>[0] =>
		async (id, argv, entry) => {
			const dropped = fail.some(
				f => f.node === node && f.matching !== undefined && argv.join(' ').includes(f.matching),
			);
			if (!dropped) return recorded(id, argv, entry);
			return {
				target: id,
				argv,
				stdout: '',
				stderr: '',
				exitCode: null,
				startedAt: new Date().toISOString(),
				durationMs: 0,
				failure: {kind: 'unreachable', message: 'fake: connection dropped during the trace read'},
			};
		};
	const nodes = new Map<string, FakeRecordedNode>();
	const collectNodes: CollectNode[] = [];
	for (const info of set.manifest.nodes) {
		const script = scripts.get(info.id) ?? {outputs: {}, haFiles: {}};
		const namespaces = (
			JSON.parse(script.outputs['ip -j netns list'] || '[]') as {name: string}[]
		).map(n => n.name);
		const bridges = (script.outputs['ovs-vsctl -t 5 list-br'] ?? '').split('\n').filter(Boolean);
		const node = new FakeRecordedNode(
			info.id,
			{namespaces, bridges, outputs: script.outputs, haFiles: script.haFiles},
			batchAware(single(info.id)),
			fail,
		);
		nodes.set(info.id, node);
		collectNodes.push({
			info,
			transport: node,
			...(script.haConfsPath === undefined ? {} : {haConfsPath: script.haConfsPath}),
		});
	}
	const cloud = new FakeTransport('cloud', {outputs: cloudOutputs});
	return {
		set,
		nodes,
		cloud,
		options: {
			nodes: collectNodes,
			cloud,
			cloudEntries: ['os.agents', 'os.routers', 'os.networks', 'os.subnets', 'os.ports'],
			toolVersion: '0.0.0-test',
		},
	};
}
