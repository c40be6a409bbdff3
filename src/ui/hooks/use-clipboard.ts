import {useStdout} from 'ink';
import {useCallback} from 'react';
import {useAppStoreApi, useController} from '../context.js';
import {trunc} from '../text.js';

/**
 * OSC 52 "set clipboard" for text: the terminal (or tmux with `set-clipboard on`, or ssh's
 * client terminal) puts it on the system clipboard. Base64, so any byte is safe inside.
 */
export const osc52 = (text: string): string =>
	`\u001B]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;

/**
 * Copy text for the user: OSC 52 written to the terminal through Ink's stdout (no process is
 * spawned), and — because not every terminal honours OSC 52 — a file copy through the session
 * actions; the flash says both, with the file's path.
 */
export function useClipboard(): (text: string, what: string, name: string) => void {
	const {stdout} = useStdout();
	const api = useAppStoreApi();
	const controller = useController();
	return useCallback(
		(text: string, what: string, name: string) => {
			// Invisible: moves no cursor, so Ink's frame is not disturbed.
			stdout.write(osc52(text));
			const said = `Copied ${what} (OSC 52)`;
			const save = controller.saveCopy;
			if (save === undefined) {
				api.getState().flash('info', `${said}: ${trunc(text.split('\n')[0] ?? '', 60)}`);
				return;
			}
			api.getState().flash('info', `${said}; saving a copy to a file…`);
			void save(name, text).then(path => {
				api
					.getState()
					.flash(
						path === undefined ? 'warning' : 'info',
						path === undefined
							? `${said}; the file copy failed (see errors).`
							: `${said} + saved: ${path}`,
					);
			});
		},
		[stdout, api, controller],
	);
}
