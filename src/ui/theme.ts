import type {Severity} from '../diagnostics/types.js';
import type {CellState} from '../state/store.js';

/** An Ink colour name, or undefined for "terminal default" (no colour). */
export type Colour = string | undefined;

/**
 * Semantic colours (gemini semantic-colors): screens say `theme.severity.critical`, never `red`.
 * Only the 16 base ANSI colours are used, so low-colour jump hosts render it as designed; with
 * NO_COLOR (or a dumb terminal) every colour is undefined and meaning is carried by text markers
 * and bold/inverse, which screens always add.
 */
export type Theme = {
	readonly hasColour: boolean;
	readonly severity: Readonly<Record<Severity, Colour>>;
	readonly cell: Readonly<Record<CellState, Colour>>;
	readonly ok: Colour;
	readonly bad: Colour;
	readonly warn: Colour;
	readonly accent: Colour;
	readonly muted: Colour;
	readonly header: Colour;
	readonly sample: Colour;
	readonly highlight: Colour;
};

const coloured: Theme = {
	hasColour: true,
	severity: {critical: 'red', warning: 'yellow', info: 'cyan'},
	cell: {
		queued: 'gray',
		running: 'cyan',
		done: 'green',
		timeout: 'yellow',
		failed: 'red',
		cancelled: 'gray',
	},
	ok: 'green',
	bad: 'red',
	warn: 'yellow',
	accent: 'cyan',
	muted: 'gray',
	header: 'blue',
	sample: 'magenta',
	highlight: 'yellow',
};

const plain: Theme = {
	hasColour: false,
	severity: {critical: undefined, warning: undefined, info: undefined},
	cell: {
		queued: undefined,
		running: undefined,
		done: undefined,
		timeout: undefined,
		failed: undefined,
		cancelled: undefined,
	},
	ok: undefined,
	bad: undefined,
	warn: undefined,
	accent: undefined,
	muted: undefined,
	header: undefined,
	sample: undefined,
	highlight: undefined,
};

/** Pick the theme from the environment: NO_COLOR (any value) or TERM=dumb → no colour. */
export function themeFor(env: Readonly<Record<string, string | undefined>>): Theme {
	if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return plain;
	if (env['TERM'] === 'dumb') return plain;
	return coloured;
}

export const themes = {coloured, plain} as const;

/** Text markers that carry meaning without colour. */
export const severityMark: Readonly<Record<Severity, string>> = {
	critical: 'CRIT',
	warning: 'WARN',
	info: 'INFO',
};

export const cellMark: Readonly<Record<CellState, string>> = {
	queued: '·',
	running: '…',
	done: '✓',
	timeout: 'T',
	failed: '✗',
	cancelled: '-',
};
