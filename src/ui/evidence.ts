import type {Evidence} from '../diagnostics/types.js';
import type {AppState} from '../state/store.js';

/** Open an evidence line's capture at the line (or say why not); the finding's evidence and the Path view's hops. */
export function openEvidence(
	state: AppState,
	captures: Readonly<Record<string, unknown>> | undefined,
	ev: Evidence,
): void {
	if (captures?.[ev.capture] === undefined) {
		state.flash('warning', `Capture ${ev.capture} is not in this capture set.`);
		return;
	}
	state.pushView({
		kind: 'capture',
		capture: ev.capture,
		lines: ev.lines,
		excerpt: ev.excerpt,
		...(ev.lines[0] === undefined ? {} : {line: ev.lines[0]}),
	});
}
