import type {Command} from 'commander';
import type {CaptureSet} from '../../model/capture.js';
import {addLiveCollectionOptions, type CollectCliOptions} from './collect.js';

/** Exit codes of `dvrscope trace`. */
export const TRACE_EXIT = {holder: 0, drift: 1, blackHole: 2, usage: 3, incomplete: 4} as const;

const FORMATS = ['text', 'json', 'markdown'] as const;

export type TraceOptions = CollectCliOptions & {
	readonly from?: string;
	readonly to?: string;
	readonly json?: boolean;
	readonly format?: string;
	readonly color?: boolean;
	readonly verbose?: boolean;
	readonly saveSet?: string;
};

const HELP_AFTER = `
Proves the path of one packet hop by hop with read-only commands: ofproto/trace on the client's
node (never -generate, never a packet), the router namespace's route and neighbour entry, the trace
back into OVS through br-tun (DVR rewrite, VXLAN port, tun_id), the trace on the remote node from
its tunnel port with that tun_id, down to the port and its Neutron port; then compares the last
hop with the VIP's holder. A client on the VIP's own subnet takes the L2 path. On ml2/ovn one
ovn-trace of the client's ping on the southbound DB's node (a simulation: no packet, no write):
the client's logical switch, the router's lr_in_ip_routing and lr_in_arp_resolve (the MAC it uses
for the VIP), the VIP's switch, the chassis of the output port and its Neutron port.

Exit codes:
  0  the path ends on the port that holds the address
  1  it does, but a hop shows drift (flooding, a peer DVR MAC unknown to br-tun, a tunnel to a
     node that does not host the MAC, no DVR rewrite)
  2  black hole: a hop contradicts the holder (the router entry's MAC, the landing port) or drops
  3  usage or input error
  4  INCOMPLETE: a hop could not be read, or who holds the address is unknown — the output names
     the command that would read it

Examples:
  dvrscope trace --from client --to 198.19.0.100 --inventory inv.yaml
  dvrscope trace --from <port-id> --to 10.0.0.100 ./incident-set       (saved data: replays the hops it holds)
  dvrscope trace --from 10.0.1.5 --to 10.0.0.100 --kube-context mosk --save-set ./proof`;

function usage(message: string): void {
	process.stderr.write(`dvrscope trace: ${message}\n`);
	process.exitCode = TRACE_EXIT.usage;
}

async function load(setPaths: readonly string[]): Promise<CaptureSet | undefined> {
	const {openInput, isInputError} = await import('../../bundle/read.js');
	const sets: CaptureSet[] = [];
	for (const setPath of setPaths) {
		try {
			sets.push((await openInput(setPath)).set);
		} catch (error) {
			if (isInputError(error)) {
				usage(error.message);
				return undefined;
			}
			throw error;
		}
	}
	const {mergeCaptureSets} = await import('../../collectors/assemble.js');
	return mergeCaptureSets(sets);
}

async function run(setPaths: readonly string[], options: TraceOptions): Promise<void> {
	const format = options.json === true ? 'json' : (options.format ?? 'text');
	if (!(FORMATS as readonly string[]).includes(format)) {
		usage(`unknown --format "${format}" (use ${FORMATS.join(', ')})`);
		return;
	}
	const {from, to} = options;
	if (from === undefined || to === undefined) {
		usage('give --from <VM, port id or IP> and --to <IP>');
		return;
	}
	const {checkParam} = await import('../../collectors/catalog.js');
	if (checkParam('ip', to) !== undefined) {
		usage(`--to ${JSON.stringify(to).slice(0, 60)}: not an IP address`);
		return;
	}
	const {wantsLiveCollection, runLiveCollection} = await import('./collect.js');
	let set: CaptureSet | undefined;
	if (wantsLiveCollection(options)) {
		if (setPaths.length > 0) {
			usage('give either capture sets or live targets (--inventory / --kube-context), not both');
			return;
		}
		const {proveWithRounds} = await import('../../session/trace-rounds.js');
		const live = await runLiveCollection(options, usage, async (collected, exec) => {
			const rounds = await proveWithRounds(collected, from, to, exec);
			const per = Object.entries(rounds.execs)
				.map(([n, c]) => `${n} ${c}`)
				.join(', ');
			process.stderr.write(
				`trace: ${rounds.rounds} round(s); executions per node: ${per || 'none'}\n`,
			);
			return rounds.set;
		}, 'trace');
		set = live?.set;
	} else {
		if (setPaths.length === 0) {
			usage(
				'give a capture-set directory, or --inventory FILE / --kube-context NAME to collect live',
			);
			return;
		}
		set = await load(setPaths);
	}
	if (set === undefined) return;
	if (options.saveSet !== undefined) {
		const {writeCaptureSet} = await import('../../bundle/capture-set.js');
		try {
			await writeCaptureSet(options.saveSet, set);
		} catch (error) {
			usage(`cannot write ${options.saveSet}: ${(error as Error).message}`);
			return;
		}
	}
	const [{assembleSnapshot}, {provePath}, report] = await Promise.all([
		import('../../collectors/assemble.js'),
		import('../../diagnostics/path.js'),
		import('../../diagnostics/report/path.js'),
	]);
	const proof = provePath(assembleSnapshot(set), from, to);
	if (typeof proof === 'string') {
		usage(proof);
		return;
	}
	process.stdout.write(
		format === 'json'
			? report.pathJson(proof)
			: format === 'markdown'
				? report.pathMarkdown(proof)
				: report.pathText(proof, {verbose: options.verbose === true}),
	);
	process.exitCode = proof.exitCode;
}

/** `dvrscope trace --from X --to IP`: prove one packet's path, hop by hop, read-only. */
export function register(program: Command): void {
	const command = program
		.command('trace')
		.description(
			'Prove the path of one packet (client → VIP) hop by hop across nodes with read-only traces, and compare where it lands with who holds the address.',
		)
		.argument('[capture-set...]', 'capture set, bundle or archive (saved data; or collect live)')
		.option('--from <client>', 'the client: VM (port name or device id), Neutron port id or IP')
		.option('--to <ip>', 'the destination address (a VIP or a fixed IP)')
		.option('--json', 'JSON output (same as --format json)')
		.option('--format <format>', 'text | json | markdown', 'text')
		.option('--no-color', 'no ANSI colour')
		.option('-v, --verbose', 'text: every evidence excerpt, also of hops that are fine')
		.option('--save-set <dir>', 'also write the capture set, with the trace captures, to <dir>');
	addLiveCollectionOptions(command)
		.addHelpText('after', HELP_AFTER)
		.action(async (setPaths: string[], options: TraceOptions) => {
			await run(setPaths, options);
		});
}
