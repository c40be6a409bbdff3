import {Box, useApp, useInput} from 'ink';
import {memo, useCallback, useRef, useState, type ReactNode} from 'react';
import {useShallow} from 'zustand/react/shallow';
import {
	ControllerContext,
	SizeContext,
	StoreContext,
	ThemeContext,
	useAppStore,
	useAppStoreApi,
	useController,
	useTheme,
	type SessionActions,
	type TermSize,
} from './context.js';
import type {AppState, AppStore, StackEntry} from '../state/store.js';
import {
	breadcrumbs,
	findingKey,
	selectFindings,
	selectTop,
	vipFlowFilter,
} from '../state/selectors.js';
import {completeCommand, matchCommand, parseCommandLine} from './keymap.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {useInputSplit} from './hooks/use-input-split.js';
import {
	Crumbs as CrumbsLine,
	ErrorsPane as ErrorsLines,
	Footer,
	Header as HeaderLine,
} from './components/Chrome.js';

// Typing in the filter re-renders the frame: only the footer and the screen change, so the
// header, breadcrumbs and errors skip rendering when their props are the same.
const Header = memo(HeaderLine);
const Crumbs = memo(CrumbsLine);
const ErrorsPane = memo(ErrorsLines);
import {ScreenErrorBoundary} from './components/ScreenErrorBoundary.js';
import {OverviewScreen} from './screens/OverviewScreen.js';
import {FindingsScreen} from './screens/FindingsScreen.js';
import {FindingDetailScreen} from './screens/FindingDetailScreen.js';
import {CaptureScreen} from './screens/CaptureScreen.js';
import {VipScreen, VipsScreen} from './screens/VipScreen.js';
import {FlowsScreen} from './screens/FlowsScreen.js';
import {
	CommandLogScreen,
	KeepalivedScreen,
	NamespacesScreen,
	NeighScreen,
	WatchScreen,
} from './screens/browsers.js';
import {HelpScreen} from './screens/HelpScreen.js';
import {listVips} from '../state/vip.js';
import type {Theme} from './theme.js';

export type AppProps = {
	readonly store: AppStore;
	readonly controller: SessionActions;
	readonly theme: Theme;
	/** Pin the size (tests); otherwise the terminal's, following resizes. */
	readonly size?: TermSize;
	/** Called when the user quits (run-tui unmounts and restores the screen). */
	readonly onQuit?: (reason: 'quit' | 'interrupt') => void;
};

/** Providers + the frame. Screens read the store via context and call the controller; no I/O here. */
export function App({store, controller, theme, size, onQuit}: AppProps): ReactNode {
	return (
		<StoreContext.Provider value={store}>
			<ControllerContext.Provider value={controller}>
				<ThemeContext.Provider value={theme}>
					<Frame fixedSize={size} onQuit={onQuit} />
				</ThemeContext.Provider>
			</ControllerContext.Provider>
		</StoreContext.Provider>
	);
}

const NODE_SCOPED = new Set(['flows', 'neigh', 'namespaces', 'keepalived']);

/** The VIP the user is looking at: the VIP screen's, or the open finding's. */
function contextVip(state: AppState): string | undefined {
	const view = selectTop(state).view;
	if (view.kind === 'vip') return view.vip;
	if (view.kind === 'finding')
		return selectFindings(state).find(f => findingKey(f) === view.key)?.vip;
	return undefined;
}

function Frame({
	fixedSize,
	onQuit,
}: {
	readonly fixedSize: TermSize | undefined;
	readonly onQuit: ((reason: 'quit' | 'interrupt') => void) | undefined;
}): ReactNode {
	const api = useAppStoreApi();
	const controller = useController();
	const theme = useTheme();
	const app = useApp();
	const size = useTerminalSize(fixedSize);
	// Esc + a key typed fast (one Alt+key event), text with Enter in one chunk, several keys in
	// one chunk outside text input: key by key.
	const typing = useCallback(() => api.getState().ui.mode !== 'normal', [api]);
	useInputSplit(typing);
	const top = useAppStore(selectTop);
	const crumbs = useAppStore(useShallow(s => breadcrumbs(s.ui.stack)));
	const {mode, input, flash, errors} = useAppStore(
		useShallow(s => ({mode: s.ui.mode, input: s.ui.input, flash: s.ui.flash, errors: s.ui.errors})),
	);
	const source = useAppStore(s => s.source);
	const createdAt = useAppStore(s => s.snapshot?.manifest.createdAt);
	const backendName = useAppStore(s => s.diagnosis?.backend?.backend);
	const status = useAppStore(s => {
		const c = s.collection.status;
		const watch = s.watch.active ? ` · WATCH ${s.watch.intervalS}s #${s.watch.round}` : '';
		const label =
			c === 'collecting'
				? 'collecting'
				: c === 'cancelling'
					? 'cancelling'
					: c === 'loading'
						? 'loading'
						: c === 'cancelled'
							? 'cancelled (partial)'
							: c === 'failed'
								? 'FAILED'
								: 'ready';
		return `${label}${watch}`;
	});

	// The old filter is shown selected when `/` opens (a ref for the key handler, state to draw).
	const selected = useRef(false);
	const [inputSelected, setSelected] = useState(false);

	const quit = (reason: 'quit' | 'interrupt' = 'quit'): void => {
		controller.dispose();
		onQuit?.(reason);
		app.exit();
	};

	const runCommandLine = (text: string): void => {
		const state = api.getState();
		const result = parseCommandLine(text);
		switch (result.type) {
			case 'error':
				state.flash('warning', result.message);
				return;
			case 'command':
				dispatchGlobal(result.command);
				return;
			case 'node': {
				const nodes = Object.keys(state.snapshot?.nodes ?? {});
				if (!nodes.includes(result.node)) {
					state.flash(
						'warning',
						`No node "${result.node}". Nodes: ${nodes.join(', ') || 'none loaded'}`,
					);
					return;
				}
				const kind = selectTop(state).view.kind;
				if (NODE_SCOPED.has(kind))
					state.replaceView({
						kind: kind as 'flows' | 'neigh' | 'namespaces' | 'keepalived',
						node: result.node,
					});
				else state.openScreen({kind: 'namespaces', node: result.node});
				return;
			}
			case 'view': {
				if (result.view.kind === 'vip') {
					const known = listVips(state.snapshot, state.diagnosis?.findings ?? []);
					if (!known.includes(result.view.vip))
						state.flash(
							'warning',
							`${result.view.vip} is not a known VIP here (known: ${known.slice(0, 5).join(', ') || 'none'}); showing what there is.`,
						);
				}
				// Opened from a VIP or a finding about one, the flows start filtered to that VIP.
				const vip = result.view.kind === 'flows' ? contextVip(state) : undefined;
				const filter = result.filter ?? (vip === undefined ? undefined : vipFlowFilter(vip));
				state.openScreen(result.view, filter);
				if (result.filter === undefined && filter !== undefined)
					state.flash('info', `Flows for VIP ${vip ?? ''}: filter ${filter} (Esc clears it)`);
				return;
			}
		}
	};

	const dispatchGlobal = (command: string): boolean => {
		const state = api.getState();
		switch (command) {
			case 'view.back': {
				const entry = selectTop(state);
				if (entry.filter !== '') state.setFilter('');
				else state.popView();
				return true;
			}
			case 'filter.start': {
				state.startInput('filter');
				const old = api.getState().ui.input !== '';
				selected.current = old;
				setSelected(old);
				return true;
			}
			case 'command.start':
				state.startInput('command');
				return true;
			case 'help.open':
				state.pushView({kind: 'help'});
				return true;
			case 'collect.rerun':
				controller.recollect();
				return true;
			case 'watch.toggle':
				controller.toggleWatch();
				return true;
			case 'bundle.export':
				controller.exportBundle();
				return true;
			case 'errors.dismiss':
				state.dismissErrors();
				return true;
			case 'app.quit':
				quit();
				return true;
			default:
				return false;
		}
	};

	useInput((text, key) => {
		const state = api.getState();
		// Ctrl-C: cancel a running collection first; the second press (or an idle one) quits.
		if ((key.ctrl && text === 'c') || text === '\u0003') {
			// Watching: the first Ctrl-C stops watch (the engine closes its connections).
			if (state.watch.active && !state.ui.quitArmed) {
				controller.toggleWatch();
				state.armQuit(true);
				state.flash('info', 'Watch stopped — Ctrl-C again quits.');
				return;
			}
			if (state.ui.quitArmed || !controller.isBusy()) {
				quit('interrupt');
				return;
			}
			controller.cancel();
			state.armQuit(true);
			state.flash('warning', 'Cancelling collection (partial results kept) — Ctrl-C again quits.');
			return;
		}
		if (state.ui.mode !== 'normal') {
			// The old filter opens selected: typing replaces it, Backspace clears it, → keeps it.
			const wasSelected = selected.current;
			selected.current = false;
			if (wasSelected) setSelected(false);
			if (key.escape) state.cancelInput();
			else if (key.return) {
				const mode = state.ui.mode;
				const line = state.commitInput();
				if (mode === 'command') runCommandLine(line);
			} else if (key.backspace || key.delete)
				state.editInput(wasSelected ? '' : state.ui.input.slice(0, -1));
			else if (key.tab && state.ui.mode === 'command') {
				const completion = completeCommand(state.ui.input);
				if (completion !== undefined) state.editInput(`${completion} `);
			} else if (key.ctrl && text === 'u') state.editInput('');
			else if (!key.ctrl && !key.meta && text.length > 0 && !key.upArrow && !key.downArrow) {
				const typed = text.replace(/[\r\n]/g, '');
				if (typed !== '') state.editInput(wasSelected ? typed : state.ui.input + typed);
			}
			return;
		}
		if (state.ui.flash !== undefined) state.clearFlash();
		if (state.ui.quitArmed) state.armQuit(false);
		const command = matchCommand(text, key, selectTop(state).view.kind);
		if (command !== undefined) dispatchGlobal(command);
	});

	const errorLines = errors.length === 0 ? 0 : Math.min(3, errors.length) + 1;
	// Keep the frame one row shorter than the terminal: Ink clears the whole screen on every frame
	// once output reaches the terminal height (flicker), ANCHORS.md Ink pitfalls.
	const bodyHeight = Math.max(3, size.rows - 1 - 2 - 1 - errorLines);
	const width = Math.max(20, size.columns);
	return (
		<SizeContext.Provider value={size}>
			<Box flexDirection="column" width={width} height={size.rows - 1}>
				<Header
					source={source}
					createdAt={createdAt}
					theme={theme}
					width={width}
					backend={backendName}
				/>
				<Crumbs crumbs={crumbs} status={status} theme={theme} width={width} />
				<Box flexDirection="column" height={bodyHeight} overflow="hidden">
					<ScreenErrorBoundary
						key={`${api.getState().ui.stack.length}:${JSON.stringify(top.view)}`}
						screen={top.view.kind}
						onError={(screen, error) => {
							api.getState().addError(`screen ${screen}`, error.message);
						}}
					>
						<Screen entry={top} height={bodyHeight} width={width} />
					</ScreenErrorBoundary>
				</Box>
				<ErrorsPane errors={errors} theme={theme} width={width} maxLines={3} />
				<Footer
					mode={mode}
					input={input}
					inputSelected={inputSelected && mode === 'filter'}
					flash={flash}
					view={top.view.kind}
					theme={theme}
					width={width}
					inputNote={mode === 'command' ? commandNote(input) : undefined}
				/>
			</Box>
		</SizeContext.Provider>
	);
}

function commandNote(input: string): string | undefined {
	const completion = completeCommand(input);
	return completion === undefined || completion === input.trim()
		? undefined
		: `Tab → :${completion} · Enter runs · Esc cancels`;
}

function Screen({
	entry,
	height,
	width,
}: {
	readonly entry: StackEntry;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const view = entry.view;
	switch (view.kind) {
		case 'overview':
			return <OverviewScreen height={height} width={width} />;
		case 'findings':
			return <FindingsScreen height={height} width={width} />;
		case 'finding':
			return (
				<FindingDetailScreen
					findingId={view.key}
					focusFix={view.focus === 'fix'}
					height={height}
					width={width}
				/>
			);
		case 'capture':
			return (
				<CaptureScreen
					captureId={view.capture}
					height={height}
					width={width}
					{...(view.line === undefined ? {} : {line: view.line})}
					{...(view.lines === undefined ? {} : {lines: view.lines})}
					{...(view.excerpt === undefined ? {} : {excerpt: view.excerpt})}
				/>
			);
		case 'vips':
			return <VipsScreen height={height} width={width} />;
		case 'vip':
			return <VipScreen vip={view.vip} height={height} width={width} />;
		case 'flows':
			return (
				<FlowsScreen
					height={height}
					width={width}
					{...(view.node === undefined ? {} : {node: view.node})}
				/>
			);
		case 'neigh':
			return (
				<NeighScreen
					height={height}
					width={width}
					{...(view.node === undefined ? {} : {node: view.node})}
				/>
			);
		case 'namespaces':
			return (
				<NamespacesScreen
					height={height}
					width={width}
					{...(view.node === undefined ? {} : {node: view.node})}
				/>
			);
		case 'keepalived':
			return (
				<KeepalivedScreen
					height={height}
					width={width}
					{...(view.node === undefined ? {} : {node: view.node})}
				/>
			);
		case 'log':
			return <CommandLogScreen height={height} width={width} />;
		case 'watch':
			return <WatchScreen height={height} width={width} />;
		case 'help':
			return <HelpScreen height={height} width={width} />;
	}
}
