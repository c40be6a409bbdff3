import {useApp, useInput, type Key} from 'ink';
import {useRef, useState} from 'react';
import {useAppStoreApi, useController, type SessionActions} from '../context.js';
import type {AppState} from '../../state/store.js';
import {findingKey, selectFindings, selectTop, vipFlowFilter} from '../../state/selectors.js';
import {listVips} from '../../state/vip.js';
import {completeCommand, matchCommand, parseCommandLine} from '../keymap.js';

/** Views that show one node: `:<node>` re-targets them instead of opening the namespaces view. */
const NODE_SCOPED = new Set(['flows', 'neigh', 'namespaces', 'keepalived']);

/** The VIP the user is looking at: the VIP screen's, or the open finding's. */
function contextVip(state: AppState): string | undefined {
	const view = selectTop(state).view;
	if (view.kind === 'vip') return view.vip;
	if (view.kind === 'finding')
		return selectFindings(state).find(f => findingKey(f) === view.key)?.vip;
	return undefined;
}

/**
 * Runs what the user typed on the `:` line: a command (through `dispatch`), a node (re-targets a
 * node view or opens its namespaces) or a view (a VIP flows view starts filtered to that VIP).
 * Only store actions and `dispatch`: nothing runs here.
 */
function runCommandLine(state: AppState, text: string, dispatch: (command: string) => void): void {
	const result = parseCommandLine(text);
	switch (result.type) {
		case 'error':
			state.flash('warning', result.message);
			return;
		case 'command':
			dispatch(result.command);
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
}

/**
 * Ctrl-C: watching, the first press stops watch; collecting, it cancels (partial results kept);
 * the second press (or an idle one) quits.
 */
function interrupt(
	state: AppState,
	controller: SessionActions,
	quit: (reason: 'interrupt') => void,
): void {
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
}

/**
 * A key while the filter or command line has the input. `wasSelected`: the old filter was shown
 * selected, so typing replaces it and Backspace clears it. Enter on the command line hands the
 * line to `run`.
 */
function editTextInput(
	state: AppState,
	text: string,
	key: Key,
	wasSelected: boolean,
	run: (line: string) => void,
): void {
	if (key.escape) state.cancelInput();
	else if (key.return) {
		const mode = state.ui.mode;
		const line = state.commitInput();
		if (mode === 'command') run(line);
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
}

/**
 * The frame's own keys: global commands (back, filter, command line, help, re-collect, watch,
 * export, quit), Ctrl-C, and editing the filter / command line. Screens' keys go through
 * useCommands. Returns whether the old filter is shown selected (it is when `/` reopens it).
 * The actions it takes are store actions and SessionActions calls: the UI never runs anything.
 */
export function useGlobalKeys(onQuit: ((reason: 'quit' | 'interrupt') => void) | undefined): {
	readonly inputSelected: boolean;
} {
	const api = useAppStoreApi();
	const controller = useController();
	const app = useApp();
	// The old filter is shown selected when `/` opens (a ref for the key handler, state to draw).
	const selected = useRef(false);
	const [inputSelected, setSelected] = useState(false);

	const quit = (reason: 'quit' | 'interrupt' = 'quit'): void => {
		controller.dispose();
		onQuit?.(reason);
		app.exit();
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
			interrupt(state, controller, quit);
			return;
		}
		if (state.ui.mode !== 'normal') {
			// The old filter opens selected: typing replaces it, Backspace clears it, → keeps it.
			const wasSelected = selected.current;
			selected.current = false;
			if (wasSelected) setSelected(false);
			editTextInput(state, text, key, wasSelected, line => {
				runCommandLine(api.getState(), line, dispatchGlobal);
			});
			return;
		}
		if (state.ui.flash !== undefined) state.clearFlash();
		if (state.ui.quitArmed) state.armQuit(false);
		const command = matchCommand(text, key, selectTop(state).view.kind);
		if (command !== undefined) dispatchGlobal(command);
	});

	return {inputSelected};
}
