import {render} from 'ink';
import {setFlagsFromString} from 'node:v8';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {CaptureSet} from '../model/capture.js';
import {createAppStore, type SourceInfo} from '../state/store.js';
import {SessionController, type ControllerDeps} from '../console/controller.js';
import {App} from '../ui/App.js';
import type {SessionActions} from '../ui/context.js';
import {themeFor} from '../ui/theme.js';
import {MAX_FPS} from '../ui/render-options.js';
import {loadAnalyzer} from './console-data.js';

// Opening saved data from the console bundle: the capture-set reader and its schema load with
// the bundle (one file) instead of as a hundred module files of their own.
export {openSource} from './console-data.js';

const ENTER_ALT = '\u001B[?1049h\u001B[H\u001B[2J';
const LEAVE_ALT = '\u001B[?25h\u001B[?1049l';

/** Exit codes of the console: 0 quit with q, 130 quit with Ctrl-C, 70 internal error. */
export const TUI_EXIT = {ok: 0, interrupted: 130, crash: 70} as const;

export type RunTuiOptions = {
	readonly source: SourceInfo;
	/** Saved data: the capture set already read (validated before the screen switches). */
	readonly set?: CaptureSet;
	readonly reload?: () => Promise<CaptureSet>;
	readonly collect?: ControllerDeps['collect'];
	readonly exportBundle?: ControllerDeps['exportBundle'];
	readonly watch?: ControllerDeps['watch'];
	readonly watchIntervalS?: number;
};

/**
 * The interactive console: alternate screen on, render, load/collect through the controller,
 * and on quit or crash always restore the terminal. Resolves to the process exit code.
 */
export async function runTui(options: RunTuiOptions): Promise<number> {
	keepHeapSmall();
	const store = createAppStore({
		source: options.source,
		...(options.watchIntervalS === undefined ? {} : {watchIntervalS: options.watchIntervalS}),
	});
	// Imported while the first frame draws (the header and "loading…" need none of it).
	const analyzer = loadAnalyzer();
	let first = options.set;
	const controller = new SessionController({
		store,
		analyze: async set => (await analyzer)(set),
		...(options.collect === undefined
			? {
					load: async () => {
						if (first !== undefined) {
							const set = first;
							first = undefined;
							return set;
						}
						if (options.reload === undefined) throw new Error('this source cannot be reloaded');
						return options.reload();
					},
				}
			: {collect: options.collect}),
		...(options.exportBundle === undefined ? {} : {exportBundle: options.exportBundle}),
		...(options.watch === undefined ? {} : {watch: options.watch}),
	});

	const actions: SessionActions = {
		recollect: controller.recollect,
		cancel: controller.cancel,
		toggleWatch: controller.toggleWatch,
		exportBundle: controller.exportBundle,
		isBusy: controller.isBusy,
		dispose: controller.dispose,
		saveCopy: copyFileSaver(error => {
			store.getState().addError('copy', error);
		}),
	};

	const stdout = process.stdout;
	let restored = false;
	const restore = (): void => {
		if (restored) return;
		restored = true;
		stdout.write(LEAVE_ALT);
	};
	let exitCode: number = TUI_EXIT.ok;
	const onCrash = (error: unknown): void => {
		controller.dispose();
		restore();
		process.stderr.write(
			`dvrscope: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
		);
		process.exit(TUI_EXIT.crash);
	};
	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	process.on('exit', restore);
	stdout.write(ENTER_ALT);
	const quitBy = {interrupt: false};
	const instance = render(
		<App
			store={store}
			controller={actions}
			theme={themeFor(process.env)}
			onQuit={reason => {
				quitBy.interrupt = reason === 'interrupt';
			}}
		/>,
		{exitOnCtrlC: false, patchConsole: true, maxFps: MAX_FPS},
	);
	// Data after the first frame: the header and "loading…" show at once.
	void controller.start();
	try {
		await instance.waitUntilExit();
		if (quitBy.interrupt) exitCode = TUI_EXIT.interrupted;
	} catch (error) {
		restore();
		process.stderr.write(`dvrscope: ${error instanceof Error ? error.message : String(error)}\n`);
		exitCode = TUI_EXIT.crash;
	} finally {
		controller.dispose();
		instance.cleanup();
		restore();
		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
	}
	return exitCode;
}

/**
 * The console keeps a capture set in memory for as long as it runs (200,000 flows: ~180 MB of
 * live heap — the capture texts, the parsed flows, the flow index). V8 lets the old generation
 * grow to 2–3× what is live before its next full collection, so typing filters over such a set
 * took the process past 500 MB of RSS. A growing factor of 1.4 keeps the heap near what is
 * live (full collections come sooner; V8 marks concurrently on its own thread); nothing is
 * dropped. Set before any data is analysed; it applies to this process only.
 */
function keepHeapSmall(): void {
	setFlagsFromString('--heap-growing-percent=40');
}

/**
 * The clipboard's fallback (the console copies with OSC 52, which some terminals ignore): each
 * copy is also written, owner-only, to a private directory made once per run under the temp dir.
 */
export function copyFileSaver(
	onError: (message: string) => void,
	base: string = process.env['DVRSCOPE_COPY_DIR'] ?? tmpdir(),
): (name: string, text: string) => Promise<string | undefined> {
	let dir: Promise<string> | undefined;
	return async (name, text) => {
		try {
			dir ??= mkdtemp(path.join(base, 'dvrscope-copy-'));
			const file = path.join(await dir, path.basename(name));
			await writeFile(file, text, {mode: 0o600});
			return file;
		} catch (error) {
			dir = undefined;
			onError(`could not save the copy: ${error instanceof Error ? error.message : String(error)}`);
			return undefined;
		}
	};
}
