/**
 * Ctrl-C from the first moment the CLI runs: without a listener Node exits 130 with no word, and
 * an engineer cannot tell whether anything was collected or written. Installed first thing by
 * main.ts; live collection swaps in its own handler (stop, keep what was collected, write a
 * manifest marked partial) while it runs.
 */
type Handler = () => void;

const DEFAULT_MESSAGE = 'interrupted (Ctrl-C) before anything was collected or written';

let current: Handler | undefined;
let message = DEFAULT_MESSAGE;
let installed = false;

function onSigint(): void {
	if (current !== undefined) {
		current();
		return;
	}
	process.stderr.write(`\ndvrscope: ${message}\n`);
	process.exit(130);
}

/** Listen for SIGINT (idempotent). */
export function installInterruptHandler(): void {
	if (installed) return;
	installed = true;
	process.on('SIGINT', onSigint);
}

/** Who handles the next Ctrl-C (undefined: print the current message and exit 130). */
export function setInterruptHandler(handler: Handler | undefined): void {
	current = handler;
}

/** What the default handler says (`interrupted while writing ./set: it may be incomplete`). */
export function setInterruptMessage(text: string | undefined): void {
	message = text ?? DEFAULT_MESSAGE;
}
