import {useAppStore, useAppStoreApi} from '../context.js';
import {selectTop} from '../../state/selectors.js';
import {useCommands, type CommandHandlers} from './use-commands.js';

/**
 * Cursor keys for a list of `count` rows with `height` visible: j/k, arrows, PgUp/PgDn, g/G.
 * Returns the cursor, clamped to the list (filters shrink lists under the cursor).
 */
export function useList(count: number, height: number, extra: CommandHandlers = {}): number {
	const api = useAppStoreApi();
	const cursor = useAppStore(s => selectTop(s).cursor);
	const page = Math.max(1, height - 1);
	useCommands({
		'cursor.down': () => {
			api.getState().moveCursor(1, count);
		},
		'cursor.up': () => {
			api.getState().moveCursor(-1, count);
		},
		'cursor.pageDown': () => {
			api.getState().moveCursor(page, count);
		},
		'cursor.pageUp': () => {
			api.getState().moveCursor(-page, count);
		},
		'cursor.top': () => {
			api.getState().setCursor(0);
		},
		'cursor.bottom': () => {
			api.getState().setCursor(Math.max(0, count - 1));
		},
		...extra,
	});
	return Math.min(cursor, Math.max(0, count - 1));
}
