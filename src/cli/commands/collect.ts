import type {Command} from 'commander';
import type {CaptureSet} from '../../model/capture.js';
import type {SessionEvent} from '../../model/events.js';
import type {Target} from '../../session/targets.js';
import type {LiveCollectOptions, OpenStackAccess} from '../../session/live.js';

/** The `--openstack` values (kept here: the CLI loads session modules lazily). */
const OPENSTACK_ACCESS: readonly OpenStackAccess[] = ['api', 'cli', 'local', 'kubectl', 'none'];

/** Exit codes of `dvrscope collect`. */
export const COLLECT_EXIT = {ok: 0, partial: 1, usage: 3} as const;

export type CollectCliOptions = {
	readonly inventory?: string;
	readonly kubeContext?: string;
	readonly kubeconfig?: string;
	readonly sshConfig?: string;
	readonly knownHosts?: string;
	readonly acceptNew?: boolean;
	readonly identity?: string[];
	readonly concurrency?: string;
	readonly timeout?: string;
	readonly nodeTimeout?: string;
	readonly router?: string;
	readonly vip?: string;
	readonly loadbalancer?: string;
	readonly openstack?: string;
	readonly output?: string;
	readonly quiet?: boolean;
	readonly bundle?: string;
	readonly pseudonymize?: boolean;
	readonly mappingOut?: string;
};

const HELP_AFTER = `
Everything dvrscope runs is a read-only catalog entry (docs/collection.md lists them); names that
come from a node (namespaces, bridges) are checked against strict patterns and never run otherwise.

Host keys are checked against ~/.ssh/known_hosts (or --known-hosts): an unknown host is refused
with its fingerprint unless --accept-new; a changed key is always refused.

Exit codes:
  0  every node collected completely
  1  partial: some node or command failed, or the collection was interrupted (data kept)
  3  usage or input error (bad option, unreadable inventory)

Examples:
  dvrscope collect --inventory inv.yaml -o ./capture-set
  dvrscope collect --inventory inv.yaml --router 5f5c3b3e-7c3a-4d6e-9d0a-1b2c3d4e5f60 -o ./router-set
  OS_CLOUD=prod dvrscope collect --inventory inv.yaml --vip 10.0.0.50 -o ./vip-set
  dvrscope collect --kube-context mosk-prod -o ./capture-set`;

const collectIdentity = (value: string, previous: string[] = []): string[] => [...previous, value];

function usage(message: string): void {
	process.stderr.write(`dvrscope collect: ${message}\n`);
	process.exitCode = COLLECT_EXIT.usage;
}

function positiveInt(
	name: string,
	value: string | undefined,
	report: (message: string) => void,
): number | undefined | null {
	if (value === undefined) return undefined;
	const number = Number(value);
	if (!Number.isInteger(number) || number < 1) {
		report(`${name} must be a positive integer, got "${value}"`);
		return null;
	}
	return number;
}

/** The one target asked for, undefined for none, null after a usage error. */
function targetOf(
	options: CollectCliOptions,
	report: (message: string) => void,
): Target | undefined | null {
	const given = [
		options.router === undefined ? undefined : ({kind: 'router', id: options.router} as const),
		options.vip === undefined ? undefined : ({kind: 'vip', ip: options.vip} as const),
		options.loadbalancer === undefined
			? undefined
			: ({kind: 'loadbalancer', id: options.loadbalancer} as const),
	].filter(target => target !== undefined);
	if (given.length > 1) {
		report('give at most one of --router, --vip, --loadbalancer');
		return null;
	}
	return given[0];
}

/** One stderr line per event worth a human's attention. */
export function progressLine(
	event: SessionEvent,
	state: {done: number; total: number},
): string | undefined {
	const counter = (): string =>
		`[${String(state.done).padStart(String(state.total).length)}/${state.total}]`;
	switch (event.type) {
		case 'collection-started':
			state.total = event.nodes.length;
			return `collecting from ${event.nodes.length} node(s), ${event.concurrency} at a time${event.target === undefined ? '' : ` (target: ${event.target})`}`;
		case 'node-done':
			state.done++;
			return `${counter()} ${event.node}: ${event.captures} capture(s) in ${(event.durationMs / 1000).toFixed(1)} s${event.failedCaptures > 0 ? `, ${event.failedCaptures} failed` : ''}`;
		case 'node-failed':
			state.done++;
			return `${counter()} ${event.node}: FAILED (${event.kind}) ${event.message}${event.captures > 0 ? ` — kept ${event.captures} capture(s)` : ''}`;
		case 'log':
			return `${event.level === 'info' ? '' : `${event.level}: `}${event.node === undefined ? '' : `${event.node}: `}${event.message}`;
		case 'collection-done':
			return `${event.cancelled ? 'interrupted' : 'done'}: ${event.nodesOk} node(s) complete, ${event.nodesFailed} failed, ${event.captures} capture(s) in ${(event.durationMs / 1000).toFixed(1)} s${event.partial ? ' — partial' : ''}`;
		case 'node-started':
		case 'capture-started':
		case 'capture-done':
			return undefined;
	}
}

/** `--bundle`: write the support bundle of what was collected (src/bundle/write.ts). */
async function writeCollectBundle(
	file: string,
	set: CaptureSet,
	options: CollectCliOptions,
	target: Target | undefined,
	interrupted: boolean,
): Promise<void> {
	const [{writeBundle}, {describeTarget}, {readFile}, YAML] = await Promise.all([
		import('../../bundle/write.js'),
		import('../../session/targets.js'),
		import('node:fs/promises'),
		import('yaml'),
	]);
	let inventory: unknown;
	if (options.inventory !== undefined) {
		// Recorded for the reader, secrets removed by writeBundle; unreadable → left out.
		inventory = await readFile(options.inventory, 'utf8').then(
			text => YAML.parse(text) as unknown,
			() => undefined,
		);
	}
	const result = await writeBundle(set, {
		output: file,
		...(inventory === undefined ? {} : {inventory}),
		targets: target === undefined ? [] : [describeTarget(target)],
		...(interrupted ? {partialReasons: ['collection interrupted (Ctrl-C)']} : {}),
		...(options.pseudonymize === true ? {pseudonymize: true} : {}),
		...(options.mappingOut === undefined ? {} : {mappingOut: options.mappingOut}),
	});
	process.stderr.write(
		`wrote bundle ${result.output} (${result.manifest.captures.total} captures, ${result.report.total} redaction(s)${result.manifest.partial ? ', partial' : ''}${result.mappingOut === undefined ? '' : `; mapping ${result.mappingOut}`})\n`,
	);
}

/** True when the options ask for live collection (an inventory or a Kubernetes context). */
export const wantsLiveCollection = (options: CollectCliOptions): boolean =>
	options.inventory !== undefined ||
	options.kubeContext !== undefined ||
	options.kubeconfig !== undefined;

export type LiveCollection = {
	readonly set: CaptureSet;
	readonly target: Target | undefined;
	readonly interrupted: boolean;
};

/**
 * The options of `collectToCaptureSet` as the CLI flags say, or undefined after a usage error
 * (reported). Shared by `collect`, `diagnose` and the console's live mode.
 */
export async function liveCollectOptions(
	options: CollectCliOptions,
	report: (message: string) => void = usage,
): Promise<
	{readonly options: LiveCollectOptions; readonly target: Target | undefined} | undefined
> {
	const concurrency = positiveInt('--concurrency', options.concurrency, report);
	const timeout = positiveInt('--timeout', options.timeout, report);
	const nodeTimeout = positiveInt('--node-timeout', options.nodeTimeout, report);
	if (concurrency === null || timeout === null || nodeTimeout === null) return undefined;
	const target = targetOf(options, report);
	if (target === null) return undefined;
	const openstack = options.openstack;
	if (openstack !== undefined && !(OPENSTACK_ACCESS as readonly string[]).includes(openstack)) {
		report(`--openstack must be one of ${OPENSTACK_ACCESS.join(', ')}, got "${openstack}"`);
		return undefined;
	}
	const {version} = await import('../../model/version.js');
	return {
		target,
		options: {
			...(options.inventory === undefined ? {} : {inventory: options.inventory}),
			...(options.kubeContext === undefined ? {} : {kubeContext: options.kubeContext}),
			...(options.kubeconfig === undefined ? {} : {kubeconfig: options.kubeconfig}),
			...(options.sshConfig === undefined ? {} : {sshConfig: options.sshConfig}),
			...(options.knownHosts === undefined ? {} : {knownHosts: options.knownHosts}),
			...(options.acceptNew === true ? {acceptNew: true} : {}),
			...(options.identity === undefined ? {} : {identityFiles: options.identity}),
			...(concurrency === undefined ? {} : {concurrency}),
			...(timeout === undefined ? {} : {timeoutS: timeout}),
			...(nodeTimeout === undefined ? {} : {nodeTimeoutS: nodeTimeout}),
			...(target === undefined ? {} : {target}),
			...(openstack === undefined ? {} : {openstack: openstack as OpenStackAccess}),
			toolVersion: version,
		},
	};
}

/**
 * Collect live as the options say, with progress on stderr and Ctrl-C handling (the first press
 * stops and keeps what was collected). Shared by `collect` and `diagnose --inventory/--kube-context`.
 * Returns undefined after a usage error (already reported through `report`, exit code set).
 */
export async function runLiveCollection(
	options: CollectCliOptions,
	report: (message: string) => void = usage,
	after?: LiveCollectOptions['after'],
	reads?: LiveCollectOptions['reads'],
): Promise<LiveCollection | undefined> {
	if (!wantsLiveCollection(options)) {
		report('give --inventory FILE (SSH/kubectl/local nodes) or --kube-context NAME');
		return undefined;
	}
	// Ctrl-C from here on (also while options and modules load) stops the collection and keeps
	// what was collected; the capture set is then marked partial.
	const {installInterruptHandler, setInterruptHandler} = await import('../interrupt.js');
	installInterruptHandler();
	const controller = new AbortController();
	let interrupts = 0;
	const onSigint = (): void => {
		interrupts++;
		if (interrupts > 1) {
			process.stderr.write(
				'\ndvrscope: interrupted twice: quitting at once, nothing more is written\n',
			);
			process.exit(130);
		}
		process.stderr.write(
			'\ninterrupting: closing connections, keeping what was collected (Ctrl-C again to quit at once)\n',
		);
		controller.abort();
	};
	setInterruptHandler(onSigint);
	try {
		return await collectLive(options, report, controller, {
			...(after === undefined ? {} : {after}),
			...(reads === undefined ? {} : {reads}),
		});
	} finally {
		setInterruptHandler(undefined);
	}
}

async function collectLive(
	options: CollectCliOptions,
	report: (message: string) => void,
	controller: AbortController,
	extra: Pick<LiveCollectOptions, 'after' | 'reads'>,
): Promise<LiveCollection | undefined> {
	const prepared = await liveCollectOptions(options, report);
	if (prepared === undefined) return undefined;
	const {target} = prepared;
	const [{collectToCaptureSet, LiveCollectError, CollectionAbortedError}, {InventoryError}] =
		await Promise.all([import('../../session/live.js'), import('../../session/inventory.js')]);
	const state = {done: 0, total: 0};
	const onEvent = (event: SessionEvent): void => {
		if (
			options.quiet === true &&
			event.type !== 'collection-done' &&
			!(event.type === 'log' && event.level !== 'info')
		)
			return;
		const line = progressLine(event, state);
		if (line !== undefined) process.stderr.write(`${line}\n`);
	};
	try {
		const set = await collectToCaptureSet(
			{...prepared.options, ...extra},
			onEvent,
			controller.signal,
		);
		if (controller.signal.aborted) {
			const kept = set.captures.filter(c => c.failure === undefined);
			const from = new Set(kept.map(c => c.node ?? 'the cloud API'));
			process.stderr.write(
				kept.length === 0
					? 'interrupted (Ctrl-C) before anything was collected: the capture set holds no command output and is marked partial\n'
					: `interrupted (Ctrl-C): kept ${kept.length} capture(s) from ${[...from].sort().join(', ')}; the capture set is marked partial\n`,
			);
		}
		const problems = set.manifest.problems ?? [];
		if (problems.length > 0) {
			process.stderr.write(`${problems.length} problem(s):\n`);
			for (const problem of problems.slice(0, 30))
				process.stderr.write(`  ${problem.node ?? 'cloud'}: ${problem.kind}: ${problem.message}\n`);
			if (problems.length > 30)
				process.stderr.write(`  … and ${problems.length - 30} more in manifest.json\n`);
		}
		return {set, target, interrupted: controller.signal.aborted};
	} catch (error) {
		if (error instanceof LiveCollectError || error instanceof InventoryError) {
			report(error.message);
			return undefined;
		}
		if (error instanceof CollectionAbortedError) {
			process.stderr.write(`dvrscope: ${error.message}\n`);
			process.exitCode = COLLECT_EXIT.partial;
			return undefined;
		}
		throw error;
	}
}

async function run(options: CollectCliOptions): Promise<void> {
	if (options.output === undefined && options.bundle === undefined) {
		usage('-o, --output <dir> (capture set) or --bundle <file> (support bundle) is required');
		return;
	}
	const live = await runLiveCollection(options);
	if (live === undefined) return;
	const {set, target, interrupted} = live;
	const {setInterruptMessage} = await import('../interrupt.js');
	setInterruptMessage(
		`interrupted (Ctrl-C) while writing ${options.output ?? options.bundle ?? 'the output'}: it may be incomplete; collect again`,
	);
	if (options.output !== undefined) {
		const {writeCaptureSet} = await import('../../bundle/capture-set.js');
		await writeCaptureSet(options.output, set);
		process.stderr.write(`wrote ${options.output} (${set.captures.length} captures)\n`);
	}
	if (options.bundle !== undefined)
		await writeCollectBundle(options.bundle, set, options, target, interrupted);
	process.exitCode = set.manifest.partial === true ? COLLECT_EXIT.partial : COLLECT_EXIT.ok;
}

/**
 * The live-collection options (inventory or Kubernetes context, SSH settings, targets), shared by
 * `collect` and `diagnose` so both speak the same dialect.
 */
export function addLiveCollectionOptions(command: Command): Command {
	return command
		.option('--inventory <file>', 'YAML inventory of nodes (docs/collection.md)')
		.option(
			'--kube-context <name>',
			'discover nodes and exec into pods through kubectl in this context',
		)
		.option('--kubeconfig <file>', 'kubeconfig for kubectl')
		.option('--ssh-config <file>', 'OpenSSH client config (default ~/.ssh/config)')
		.option('--known-hosts <file>', 'known_hosts file (default ~/.ssh/known_hosts)')
		.option(
			'--accept-new',
			'trust hosts seen for the first time and record their keys (a changed key is still refused)',
		)
		.option(
			'-i, --identity <file>',
			'identity file, tried after the agent (repeatable)',
			collectIdentity,
		)
		.option('--concurrency <n>', 'nodes collected at once (default 20)')
		.option('--timeout <seconds>', "per-command timeout (default: the catalog entry's)")
		.option('--node-timeout <seconds>', 'whole-node time limit (default 180)')
		.option('--router <id>', 'only the hosts that carry this router (OpenStack API)')
		.option('--vip <ip>', 'only the hosts involved with this VIP (OpenStack API)')
		.option('--loadbalancer <id>', 'only the hosts of this Octavia load balancer (OpenStack API)')
		.option(
			'--openstack <where>',
			'how the OpenStack API is read: api (GETs from here with OS_CLOUD / clouds.yaml / OS_*; the default with an inventory), kubectl (the same GETs through one exec into the keystone-client pod; the default with --kube-context), cli (the openstack CLI, in the keystone-client pod with --kube-context, else here), local (the CLI here), none',
		)
		.option('-q, --quiet', 'print only warnings and the summary');
}

export function register(program: Command): void {
	addLiveCollectionOptions(
		program
			.command('collect')
			.description(
				'Collect read-only captures from live nodes (SSH, kubectl exec, local) into a capture set.',
			),
	)
		.option('-o, --output <dir>', 'capture-set directory to write')
		.option('--bundle <file>', 'also write a redacted support bundle (.tar.gz, docs/bundles.md)')
		.option(
			'--pseudonymize',
			'bundle: replace IPs, MACs, host names and UUIDs (meaning-preserving)',
		)
		.option('--mapping-out <file>', 'bundle: private pseudonym mapping (never in the bundle)')
		.addHelpText('after', HELP_AFTER)
		.action(async (options: CollectCliOptions) => {
			await run(options);
		});
}
