import {useInput} from 'ink';
import {matchCommand, type Command} from '../keymap.js';
import {useAppStore} from '../context.js';
import {selectTop} from '../../state/selectors.js';

export type CommandHandlers = Partial<Record<Command, () => void>>;

/**
 * The only useInput call site for screens: maps keys through the bindings table and calls the
 * handler for the command. Inactive while the user types a filter or a command line.
 */
export function useCommands(
	handlers: CommandHandlers,
	options: {readonly isActive?: boolean} = {},
): void {
	const mode = useAppStore(s => s.ui.mode);
	const view = useAppStore(s => selectTop(s).view.kind);
	useInput(
		(input, key) => {
			const command = matchCommand(input, key, view);
			if (command === undefined) return;
			handlers[command]?.();
		},
		{isActive: (options.isActive ?? true) && mode === 'normal'},
	);
}
