import type {Command} from 'commander';

type ConsoleOptions = {
	readonly inventory?: string;
	readonly kubeContext?: string;
	readonly json?: boolean;
	readonly format?: string;
	readonly watch?: string;
};

const FORMATS = ['text', 'json', 'markdown'] as const;

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
	program
		.argument(
			'[source]',
			'capture-set directory or bundle (.tar.gz); none = the built-in sample incident',
		)
		.option('--inventory <file>', 'collect live from the nodes of this inventory')
		.option('--kube-context <context>', 'collect live through kubectl exec in this context')
		.option('--json', 'no console: print the diagnosis as JSON')
		.option('--format <format>', 'no console: print the diagnosis as text | json | markdown')
		.option('--watch <seconds>', 'watch interval for w (default 10)')
		.addHelpText(
			'after',
			`
Console keys: j/k move, Enter open, Esc back, / filter, : command (:vip IP, :flows FILTER, :log), ? help, q quit.
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
	const live = options.inventory !== undefined || options.kubeContext !== undefined;
	if (live) {
		await runLive(options, format, watchIntervalS);
		return;
	}
	const headless = format !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
	// Ink (and its layout engine) takes the longest to import: start now, read the data meanwhile.
	const tui = headless ? undefined : import('../run-tui.js');
	tui?.catch(() => undefined);
	const data = await import('../console-data.js');
	let opened;
	try {
		if (input === undefined) {
			const sample = data.findSample();
			if (sample === undefined) {
				usage(
					`the built-in sample incident is missing (${data.SAMPLE_DIR}); give a capture set or bundle path.`,
				);
				return;
			}
			opened = await data.openSource(
				sample.dir,
				'sample',
				sample.isFallback ? "stand-in scenario until the lab's recorded sample exists" : undefined,
			);
		} else opened = await data.openSource(input);
	} catch (error) {
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
	// Ink takes a moment to import on a busy jump host: say what is opening at once.
	const tag =
		opened.source.kind === 'sample' ? 'SAMPLE INCIDENT' : opened.source.kind.toUpperCase();
	process.stdout.write(
		`\u001B[?1049h\u001B[H\u001B[2Jdvrscope  ${tag}  ${opened.source.location}\r\nloading the console…`,
	);
	let runTui;
	try {
		({runTui} = await tui);
	} catch (error) {
		process.stdout.write('\u001B[?1049l');
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
	const [{collectToCaptureSet, LiveCollectError}, {version}] = await Promise.all([
		import('../../session/live.js'),
		import('../version.js'),
	]);
	const liveOptions = {
		...(options.inventory === undefined ? {} : {inventory: options.inventory}),
		...(options.kubeContext === undefined ? {} : {kubeContext: options.kubeContext}),
		toolVersion: version,
	};
	const location =
		options.inventory === undefined
			? `--kube-context ${options.kubeContext ?? ''}`
			: `--inventory ${options.inventory}`;
	const source = {kind: 'live' as const, location};
	const headless = format !== undefined || !process.stdin.isTTY || !process.stdout.isTTY;
	if (headless) {
		const controller = new AbortController();
		const onSigint = (): void => {
			controller.abort();
		};
		process.once('SIGINT', onSigint);
		try {
			const set = await collectToCaptureSet(liveOptions, () => undefined, controller.signal);
			const {runHeadless} = await import('../run-headless.js');
			process.exitCode = await runHeadless({
				set,
				source,
				format: (format ?? 'text') as 'text' | 'json' | 'markdown',
			});
		} catch (error) {
			if (error instanceof LiveCollectError) usage(error.message);
			else throw error;
		} finally {
			process.off('SIGINT', onSigint);
		}
		return;
	}
	const {runTui} = await import('../run-tui.js');
	process.exitCode = await runTui({
		source,
		collect: async ({signal, onEvent}) => collectToCaptureSet(liveOptions, onEvent, signal),
		exportBundle: async set => {
			const {writeBundle} = await import('../../bundle/write.js');
			const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
			return (await writeBundle(set, {output: `dvrscope-bundle-${stamp}.tar.gz`})).output;
		},
		...(watchIntervalS === undefined ? {} : {watchIntervalS}),
	});
}
