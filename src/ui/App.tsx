import {Box} from 'ink';
import {memo, useCallback, type ReactNode} from 'react';
import {useShallow} from 'zustand/react/shallow';
import {
	ControllerContext,
	SizeContext,
	StoreContext,
	ThemeContext,
	useAppStore,
	useAppStoreApi,
	useTheme,
	type SessionActions,
	type TermSize,
} from './context.js';
import type {AppState, AppStore, StackEntry} from '../state/store.js';
import {breadcrumbs, selectTop} from '../state/selectors.js';
import {completeCommand} from './keymap.js';
import {useGlobalKeys} from './hooks/use-global-keys.js';
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
import {OvnScreen} from './screens/OvnScreen.js';
import {PathScreen} from './screens/PathScreen.js';
import {
	CommandLogScreen,
	KeepalivedScreen,
	NamespacesScreen,
	NeighScreen,
	WatchScreen,
} from './screens/browsers.js';
import {HelpScreen} from './screens/HelpScreen.js';
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

/** The collection's state for the breadcrumb line, with the watch round when watching. */
function collectionStatus(state: AppState): string {
	const c = state.collection.status;
	const watch = state.watch.active
		? ` · WATCH ${state.watch.intervalS}s #${state.watch.round}`
		: '';
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
}

/** Header, breadcrumbs, the top screen, errors and footer; the frame's keys are useGlobalKeys. */
function Frame({
	fixedSize,
	onQuit,
}: {
	readonly fixedSize: TermSize | undefined;
	readonly onQuit: ((reason: 'quit' | 'interrupt') => void) | undefined;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
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
	const status = useAppStore(collectionStatus);
	const {inputSelected} = useGlobalKeys(onQuit);

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
		case 'ovn':
			return <OvnScreen height={height} width={width} />;
		case 'path':
			return (
				<PathScreen
					vip={view.vip}
					findingKey={view.finding}
					hop={view.hop}
					height={height}
					width={width}
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
