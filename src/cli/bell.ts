import type {WatchEvent, WatchRow} from '../model/watch.js';

/** The terminal bell (BEL). */
export const BEL = '\u0007';

/**
 * A transition worth waking someone for: the verdict changed, a finding appeared or cleared, a
 * node could not be read (or is read again). Entry and holder changes are not rung: they come with
 * one of these when they matter.
 */
export const isTransition = (row: WatchRow): boolean =>
	row.changed && (row.kind === 'verdict' || row.kind === 'finding' || row.kind === 'node');

/**
 * `--bell`: a watch listener that rings once per round that has a transition row. The bell goes to
 * `write` (stderr in `dvrscope watch`, so --ndjson on stdout stays clean; the console's terminal).
 */
export function transitionBell(write: (text: string) => void): (event: WatchEvent) => void {
	return event => {
		if (event.type === 'round' && event.rows.some(isTransition)) write(BEL);
	};
}
