import type {Command} from 'commander';
import type {CaptureSet} from '../../model/capture.js';
import {addLiveCollectionOptions, type CollectCliOptions} from './collect.js';
import type {LiveCollectOptions} from '../../session/live.js';

/** Exit codes of `dvrscope diagnose`. */
export const DIAGNOSE_EXIT = {ok: 0, warnings: 1, critical: 2, usage: 3, incomplete: 4} as const;

const FORMATS = ['text', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

export type DiagnoseOptions = CollectCliOptions & {
	readonly json?: boolean;
	readonly format?: string;
	readonly color?: boolean;
	readonly verbose?: boolean;
	/** Write the (merged) capture set here, e.g. to bundle it for a ticket. */
	readonly saveSet?: string;
	/** `--api-data` files: OpenStack API data beside imported node data. */
	readonly apiData?: readonly string[];
};

/** Commander collector for a repeatable option. */
export const repeatable = (value: string, prior: readonly string[] = []): string[] => [
	...prior,
	value,
];

export const API_DATA_HELP =
	'OpenStack API data to add (repeatable): openstack port|router|network agent|subnet|network list --long -f json, a show of one, the raw API JSON, or their table text';

const HELP_AFTER = `
Exit codes (precedence: critical > incomplete > warning > ok):
  0  OK: every applicable check ran on complete data; nothing at warning or above
  1  warnings (and nothing missing)
  2  critical findings (e.g. a VIP black-holed by a stale PERMANENT ARP entry)
  3  usage or input error (bad path, broken manifest, unknown format)
  4  INCOMPLETE: a node was not read, the OpenStack API was not configured, a capture failed or
     could not be read, or a rule that applies could not run — the first line names what is missing

Examples:
  dvrscope diagnose ./capture-set
  dvrscope diagnose ./capture-set --json > findings.json
  dvrscope diagnose ./capture-set --format markdown > ticket.md
  dvrscope diagnose ./set-cmp-1 ./set-cmp-2 ./set-cloud   (sets captured separately are merged)
  dvrscope diagnose ./set-* --save-set ./incident            (keep the merged set for dvrscope bundle)
  dvrscope diagnose sosreport-*.tar.xz --api-data ports.json  (sos reports, one per node, + openstack port list --long -f json)
  dvrscope diagnose sosreport-20250101120000.tar.gz          (a MOSK osctl sos report dump)
  dvrscope diagnose --inventory inv.yaml --vip 10.0.0.100    (collect live over SSH, then diagnose)
  dvrscope diagnose --kube-context mosk-prod --loadbalancer <lb-id> --save-set ./incident

dvrscope only reads the capture set; the commands it prints under "What to do" are for you to run.
JSON schema: docs/findings-schema.json. Rule pages: docs/rules/<rule-id>.md.`;

function usage(message: string): void {
	process.stderr.write(`dvrscope diagnose: ${message}\n`);
	process.exitCode = DIAGNOSE_EXIT.usage;
}

/** The output format asked for, or undefined (usage error already reported) when unknown. */
function formatOf(options: DiagnoseOptions, report = usage): Format | undefined {
	const format: string = options.json === true ? 'json' : (options.format ?? 'text');
	if (!(FORMATS as readonly string[]).includes(format)) {
		report(`unknown --format "${format}" (use ${FORMATS.join(', ')})`);
		return undefined;
	}
	return format as Format;
}

/**
 * Live diagnose (issue 22): on the collection's open connections, the packet-path proof of each
 * stale router entry finding — from a VM behind a node whose qrouter holds the stale entry to the
 * VIP — at most PROOF_ROUNDS (2) rounds of one execution per node (src/session/prove-findings.ts,
 * which the live console runs too). The trace reads go into the capture set, so the findings carry
 * the proof and a saved set or bundle replays it.
 */
const proveFindings: NonNullable<LiveCollectOptions['after']> = async (collected, exec, signal) => {
	const {proveAfterCollection} = await import('../../session/prove-findings.js');
	return proveAfterCollection({
		onProof: status => {
			if (status.state === 'proving') return;
			const per = Object.entries(status.execs ?? {})
				.map(([n, c]) => `${n} ${c}`)
				.join(', ');
			process.stderr.write(
				status.state === 'failed'
					? `path proof failed: ${status.message ?? ''}\n`
					: `path proof of ${status.proofs} finding(s): ${status.rounds ?? 0} round(s); executions per node: ${per || 'none'}\n`,
			);
		},
	})(collected, exec, signal);
};

async function run(setPaths: readonly string[], options: DiagnoseOptions): Promise<void> {
	const format = formatOf(options);
	if (format === undefined) return;
	const {wantsLiveCollection, runLiveCollection} = await import('./collect.js');
	if (wantsLiveCollection(options)) {
		if (setPaths.length > 0) {
			usage('give either capture sets or live targets (--inventory / --kube-context), not both');
			return;
		}
		const live = await runLiveCollection(options, usage, proveFindings);
		if (live === undefined) return;
		if (options.saveSet !== undefined) {
			const {writeCaptureSet} = await import('../../bundle/capture-set.js');
			await writeCaptureSet(options.saveSet, live.set);
			process.stderr.write(`wrote ${options.saveSet} (${live.set.captures.length} captures)\n`);
		}
		await reportDiagnosis(live.set, live.set.manifest.description ?? 'live collection', options);
		return;
	}
	if (setPaths.length === 0) {
		usage(
			'give a capture-set directory, or --inventory FILE / --kube-context NAME to collect live',
		);
		return;
	}
	// Capture-set directories, and what `analyze` and the console open too: bundles and archived
	// capture sets (.tar.gz), extracted bundles, sos reports, sos collect archives, osctl dumps.
	const merged = await openAll(setPaths, options.apiData ?? [], usage);
	if (merged === undefined) return;
	if (options.saveSet !== undefined) {
		const {writeCaptureSet} = await import('../../bundle/capture-set.js');
		const {forWriting} = await import('../../import/index.js');
		try {
			await writeCaptureSet(options.saveSet, await forWriting(merged));
		} catch (error) {
			usage(`cannot write ${options.saveSet}: ${(error as Error).message}`);
			return;
		}
	}
	await reportDiagnosis(merged, setPaths.join(' '), options);
}

/**
 * Open inputs of any format (bundles, capture sets, sos reports, osctl dumps) and `--api-data`
 * files as one capture set; an input error is reported through `report` (exit 3).
 */
export async function openAll(
	inputs: readonly string[],
	apiData: readonly string[],
	report: (message: string) => void,
): Promise<CaptureSet | undefined> {
	const {openSources, isImportError} = await import('../../import/index.js');
	try {
		return (await openSources(inputs, apiData)).set;
	} catch (error) {
		if (isImportError(error)) {
			report(error.message);
			return undefined;
		}
		throw error;
	}
}

/**
 * Diagnose a loaded capture set and print it in the format the options ask for; sets the exit
 * code. Shared with `dvrscope analyze` (bundles), so both commands print and exit the same way.
 */
export async function reportDiagnosis(
	set: CaptureSet,
	setPath: string,
	options: DiagnoseOptions,
	report: (message: string) => void = usage,
): Promise<void> {
	const format = formatOf(options, report);
	if (format === undefined) return;
	const [{analyze}, {render}, {terminalRenderOptions}] = await Promise.all([
		import('../../diagnostics/analyze.js'),
		import('../../diagnostics/render.js'),
		import('../terminal.js'),
	]);
	const analysis = analyze(set);
	let output = render(analysis, format, terminalRenderOptions({...options, path: setPath}));
	// -q: quiet means quiet on saved data too — the verdict line (first: it names what is missing),
	// one line per finding, and the counts line.
	if (options.quiet === true && format === 'text') {
		const lines = output.trimEnd().split('\n');
		const headline = lines.slice(0, Math.max(1, lines.indexOf(''))).join('\n');
		const counts = lines.at(-1) ?? '';
		output = `${[headline, ...analysis.diagnosis.findings.map(f => `${f.severity.toUpperCase()} ${f.ruleId}${f.vip === undefined ? '' : ` VIP ${f.vip}`} — ${f.title}`), counts].join('\n')}\n`;
	}
	process.stdout.write(output);
	process.exitCode = analysis.diagnosis.exitCode;
}

/** `dvrscope diagnose <capture-set>`: run every rule over a capture set and report. */
export function register(program: Command): void {
	const command = program
		.command('diagnose')
		.description(
			'Explain DVR / VRRP failover problems from a capture set (stale PERMANENT ARP entries for VIPs, LP#1774459, and related checks).',
		)
		.argument(
			'[capture-set...]',
			'capture-set directory (contains manifest.json), bundle or archived capture set (.tar.gz), sos report (.tar.xz/.tar.gz or directory), sos collect archive, osctl sos dump; several are merged into one (e.g. one per node + one for the cloud)',
		)
		.option('--json', 'JSON output (same as --format json; versioned schema)')
		.option('--format <format>', 'text | json | markdown', 'text')
		.option('--no-color', 'no ANSI colour in text output (NO_COLOR is honoured too)')
		.option('-v, --verbose', 'text: show every evidence line')
		.option(
			'--save-set <dir>',
			'also write the (merged or collected) capture set to <dir>, e.g. for dvrscope bundle',
		)
		.option('--api-data <file>', API_DATA_HELP, repeatable);
	addLiveCollectionOptions(command)
		.addHelpText('after', HELP_AFTER)
		.action(async (setPaths: string[], options: DiagnoseOptions) => {
			await run(setPaths, options);
		});
}
