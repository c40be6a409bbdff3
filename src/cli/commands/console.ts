import type {Command} from 'commander';
import {API_DATA_HELP, repeatable} from './diagnose.js';
import type {runTui as RunTui} from '../run-tui.js';
import type {openSource as OpenSource} from '../console-data.js';
import {addLiveCollectionOptions, type CollectCliOptions} from './collect.js';

type ConsoleOptions = CollectCliOptions & {
	readonly json?: boolean;
	readonly format?: string;
	readonly watch?: string;
	readonly bell?: boolean;
	readonly apiData?: readonly string[];
};

const FORMATS = ['text', 'json', 'markdown'] as const;

const ENTER_ALT = '\u001B[?1049h\u001B[H\u001B[2J';
const LEAVE_ALT = '\u001B[?1049l';

type TuiModule = {readonly runTui: typeof RunTui; readonly openSource: typeof OpenSource};

/**
 * The console runtime: the one-file bundle `npm run build` writes next to run-tui.js (Ink from
 * node_modules is ~500 module files, ~4× slower to load), or run-tui.js itself when the bundle
 * is missing or older (a plain `tsc`, or `npm run dev` from src/).
 */
async function importTui(): Promise<TuiModule> {
	const {existsSync, statSync} = await import('node:fs');
	const {fileURLToPath, pathToFileURL} = await import('node:url');
	const plain = fileURLToPath(new URL('../run-tui.js', import.meta.url));
	const bundle = fileURLToPath(new URL('../run-tui.bundle.js', import.meta.url));
	if (
		existsSync(bundle) &&
		existsSync(plain) &&
		statSync(bundle).mtimeMs >= statSync(plain).mtimeMs
	)
		// The built bundle of run-tui.js (same module, same layer): not a path the linter can follow.
		// eslint-disable-next-line no-restricted-syntax
		return (await import(pathToFileURL(bundle).href)) as TuiModule;
	return import('../run-tui.js');
}

function usage(message: string): void {
	process.stderr.write(`dvrscope: ${message}\n`);
	process.exitCode = 3;
}

/**
 * The root command: `dvrscope` opens the console on the built-in sample incident,
 * `dvrscope <capture-set|bundle>` on saved data, `--inventory` / `--kube-context` collects live.
 * Without a TTY, or with --json / --format, prints the diagnosis instead (no Ink loaded).
 * Everything heavy is imported inside the action so `dvrscope --version` stays fast.
 */
export function register(program: Command): void {
	addLiveCollectionOptions(
		program.argument(
			'[source]',
			'capture-set directory or bundle (.tar.gz); none = the built-in sample incident',
		),
	)
		.option('--json', 'no console: print the diagnosis as JSON')
		.option('--format <format>', 'no console: print the diagnosis as text | json | markdown')
		.option('--watch <seconds>', 'watch interval for w (default 2)')
		.option('--bell', 'in watch (w), ring the terminal bell on each transition row')
		.option('--api-data <file>', API_DATA_HELP, repeatable)
		.addHelpText(
			'after',
			`
Console keys: j/k move, Enter open, Esc back, / filter, : command (:vip IP, :flows FILTER, :log), ? help, q quit.
Live without a console (--json/--format, or no terminal): collection progress goes to stderr as
with diagnose --inventory; -q/--quiet keeps only warnings and the summary there. The console
itself shows progress in its grid (--quiet changes nothing there).
Exit codes: 0 ok, 1 warnings, 2 critical findings (headless), 3 usage/input error,
            130 console quit with Ctrl-C, 70 internal error.`,
		)
		.action(async (source: string | undefined, options: ConsoleOptions) => {
			await run(source, options);
		});
}

async function run(input: string | undefined, options: ConsoleOptions): Promise<void> {
	const format = options.json === true ? 'json' : options.format;
	if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
		usage(`unknown --format "${format}" (use ${FORMATS.join(', ')})`);
		return;
	}
	const watchIntervalS = options.watch === undefined ? undefined : Number(options.watch);
	if (watchIntervalS !== undefined && !(Number.isFinite(watchIntervalS) && watchIntervalS >= 2)) {
		usage(`--watch needs a number of seconds ≥ 2 (got "${options.watch ?? ''}")`);
		return;
	}
	const {wantsLiveCollection} = await import('./collect.js');
	if (wantsLiveCollection(options)) {
		if (input !== undefined) {
			usage(
				'give either a capture set / bundle or live targets (--inventory / --kube-context), not both',
			);
			return;
		}
		await runLive(options, format, watchIntervalS);
		return;
	}
	const headless = format !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
	const data = await import('../console-data.js');
	const sample = input === undefined ? data.findSample() : undefined;
	if (input === undefined && sample === undefined) {
		usage(
			`the built-in sample incident is missing (${data.SAMPLE_DIR}); give a capture set or bundle path.`,
		);
		return;
	}
	// Say what is opening at once (an engineer opens this while paged), then load Ink and read
	// the data meanwhile: the console's own first frame replaces this.
	if (!headless)
		process.stdout.write(
			`${ENTER_ALT}dvrscope  ${sample === undefined ? 'OPENING' : 'SAMPLE INCIDENT'}  ${sample === undefined ? (input ?? '') : data.sampleLocation(sample.dir)}\r\nloading the console…`,
		);
	const tui = headless ? undefined : importTui();
	tui?.catch(() => undefined);
	let opened;
	try {
		// In the console, the data is opened with the console bundle's reader (loaded anyway);
		// a bundle that fails to load is reported below, as before.
		const openSource =
			tui === undefined
				? data.openSource
				: await tui.then(
						m => m.openSource,
						() => data.openSource,
					);
		opened =
			sample === undefined
				? await openSource(input ?? '', undefined, undefined, options.apiData ?? [])
				: await openSource(
						sample.dir,
						'sample',
						sample.isFallback
							? "stand-in scenario until the lab's recorded sample exists"
							: undefined,
					);
	} catch (error) {
		if (!headless) process.stdout.write(LEAVE_ALT);
		usage(error instanceof Error ? error.message : String(error));
		return;
	}
	if (tui === undefined) {
		const {runHeadless} = await import('../run-headless.js');
		process.exitCode = await runHeadless({
			set: opened.set,
			source: opened.source,
			format: (format ?? 'text') as 'text' | 'json' | 'markdown',
		});
		return;
	}
	let runTui;
	try {
		({runTui} = await tui);
	} catch (error) {
		process.stdout.write(LEAVE_ALT);
		throw error;
	}
	process.exitCode = await runTui({
		source: opened.source,
		set: opened.set,
		reload: opened.reload,
		exportBundle: async set => {
			const {writeBundle} = await import('../../bundle/write.js');
			const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
			const result = await writeBundle(set, {output: `dvrscope-bundle-${stamp}.tar.gz`});
			return result.output;
		},
		...(watchIntervalS === undefined ? {} : {watchIntervalS}),
	});
}

/** `--inventory` / `--kube-context`: collect live (the collection session), then show or print. */
async function runLive(
	options: ConsoleOptions,
	format: string | undefined,
	watchIntervalS: number | undefined,
): Promise<void> {
	const location =
		options.inventory === undefined
			? `--kube-context ${options.kubeContext ?? ''}`
			: `--inventory ${options.inventory}`;
	const source = {kind: 'live' as const, location};
	const headless = format !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
	if (headless) {
		// As `dvrscope diagnose --inventory …` (the path proofs too): progress on stderr (--quiet: only warnings and the
		// summary), problems listed, Ctrl-C stops and keeps what was collected; then the diagnosis.
		// and, as diagnose does, the proof rounds of the stale-entry findings
		const [{runLiveCollection}, {proveAfterCollection}] = await Promise.all([
			import('./collect.js'),
			import('../../session/prove-findings.js'),
		]);
		const live = await runLiveCollection(options, usage, proveAfterCollection());
		if (live === undefined) return;
		const {runHeadless} = await import('../run-headless.js');
		process.exitCode = await runHeadless({
			set: live.set,
			source,
			format: (format ?? 'text') as 'text' | 'json' | 'markdown',
		});
		return;
	}
	const {liveCollectOptions} = await import('./collect.js');
	const prepared = await liveCollectOptions(options, usage);
	if (prepared === undefined) return;
	const liveOptions = prepared.options;
	const {runTui} = await importTui();
	process.exitCode = await runTui({
		source,
		// the collection, then the proof rounds of its stale-entry findings on the same connections
		collect: async ({signal, onEvent, onCollected, onProof}) => {
			const [{prepareLiveCollection}, {collectAndProve}] = await Promise.all([
				import('../../session/live.js'),
				import('../../session/prove-findings.js'),
			]);
			return collectAndProve(
				await prepareLiveCollection(liveOptions, onEvent, signal),
				{
					onEvent,
					...(onCollected === undefined ? {} : {onCollected}),
					...(onProof === undefined ? {} : {onProof}),
				},
				signal,
			);
		},
		exportBundle: async (set, extra) => {
			const {writeBundle} = await import('../../bundle/write.js');
			const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
			return (
				await writeBundle(set, {
					output: `dvrscope-bundle-${stamp}.tar.gz`,
					...(extra?.watchTimeline === undefined ? {} : {watchTimeline: extra.watchTimeline}),
				})
			).output;
		},
		// `w`: the session's watch engine over the same sources (connections kept open)
		watch: async ({intervalMs, onEvent, onProof}) => {
			const [{prepareLiveCollection}, {WatchEngine}] = await Promise.all([
				import('../../session/live.js'),
				import('../../session/watch.js'),
			]);
			const collect = await prepareLiveCollection(
				liveOptions,
				onEvent,
				new AbortController().signal,
			);
			const engine = new WatchEngine({
				collect,
				intervalMs,
				onCollectEvent: onEvent,
				// the proof rounds when a stale-entry finding's evidence changes (not every round)
				prove: onProof === undefined ? {} : {onProof},
			});
			if (options.bell === true) {
				const {transitionBell} = await import('../bell.js');
				engine.subscribe(
					transitionBell(text => {
						process.stdout.write(text);
					}),
				);
			}
			return engine;
		},
		...(watchIntervalS === undefined ? {} : {watchIntervalS}),
	});
}
