import {createContext, useContext} from 'react';
import {useStore} from 'zustand';
import type {AppState, AppStore} from '../state/store.js';
import {themes, type Theme} from './theme.js';

/**
 * What the UI may ask of the session layer (gemini UIActionsContext). Implemented by
 * src/console/controller.ts; tests pass vi.fn() fakes. Methods never throw into the UI: failures
 * land in the store's errors pane.
 */
export type SessionActions = {
	/** Re-collect (live) or reload the capture set / bundle from disk. */
	readonly recollect: () => void;
	/** Cancel a running collection. Returns true when something was running. */
	readonly cancel: () => boolean;
	/** Start or stop watch mode. */
	readonly toggleWatch: () => void;
	/** Write a support bundle of what is loaded. */
	readonly exportBundle: () => void;
	/** True while a collection or load is in flight. */
	readonly isBusy: () => boolean;
	/** Stop timers and in-flight work (called when the app exits). */
	readonly dispose: () => void;
	/**
	 * Keep a copy of text the user copied (a fix command or script) in a file, the clipboard's
	 * fallback; resolves to the path, or undefined when it could not be written (the reason goes
	 * to the errors pane). Absent: no file fallback (tests, embedding).
	 */
	readonly saveCopy?: (name: string, text: string) => Promise<string | undefined>;
};

export const StoreContext = createContext<AppStore | undefined>(undefined);
export const ControllerContext = createContext<SessionActions | undefined>(undefined);
export const ThemeContext = createContext<Theme>(themes.plain);

export function useAppStoreApi(): AppStore {
	const store = useContext(StoreContext);
	if (store === undefined)
		throw new Error('StoreContext missing: wrap the tree in <StoreContext.Provider>');
	return store;
}

/** Read the store through a selector. Selectors that build objects need useShallow (zustand v5). */
export function useAppStore<T>(selector: (state: AppState) => T): T {
	return useStore(useAppStoreApi(), selector);
}

export function useController(): SessionActions {
	const controller = useContext(ControllerContext);
	if (controller === undefined)
		throw new Error('ControllerContext missing: wrap the tree in <ControllerContext.Provider>');
	return controller;
}

export const useTheme = (): Theme => useContext(ThemeContext);

/** Terminal size as the layout sees it (App provides it; tests can pin it). */
export type TermSize = {readonly columns: number; readonly rows: number};
export const SizeContext = createContext<TermSize>({columns: 80, rows: 24});
export const useSize = (): TermSize => useContext(SizeContext);
