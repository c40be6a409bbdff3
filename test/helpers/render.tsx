import type {ReactElement} from 'react';
import {render as inkRender} from 'ink-testing-library';
import stripAnsi from 'strip-ansi';

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	backspace: '\u007F',
	ctrlC: '\u0003',
	pageDown: '\u001B[6~',
} as const;

/** Let React's scheduler and Ink's stdin listener run (Shopify cli-kit testing/ui.ts). */
export const tick = async (): Promise<void> =>
	new Promise(resolve => {
		setImmediate(() => setTimeout(resolve, 0));
	});

/** ink-testing-library with press() and waitForFrame() (ARCHITECTURE.md §3.9). */
export function renderTui(tree: ReactElement) {
	const instance = inkRender(tree);
	const frame = (): string => stripAnsi(instance.lastFrame() ?? '');
	return {
		...instance,
		frame,
		async press(...inputs: string[]): Promise<void> {
			for (const input of inputs) {
				instance.stdin.write(input);
				await tick();
			}
		},
		/** Type text one character at a time (as a person does). */
		async type(text: string): Promise<void> {
			for (const ch of text) {
				instance.stdin.write(ch);
				await tick();
			}
		},
		async waitForFrame(predicate: (frame: string) => boolean, attempts = 100): Promise<string> {
			for (let i = 0; i < attempts; i++) {
				if (predicate(frame())) return frame();
				await tick();
			}
			throw new Error(`Frame never matched. Last frame:\n${frame()}`);
		},
	};
}
