/** Fixed-width text helpers for table-like rows (pure). Widths are terminal columns. */
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** Control characters a row must not carry raw (a newline would split the row on screen). */
// eslint-disable-next-line no-control-regex -- the point is to find them
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** One screen row: newlines shown as `\n`, tabs as a space, other control characters as `^X`. */
export function oneRow(text: string): string {
	return text
		.replace(/\r?\n/g, '\\n')
		.replace(/\t/g, ' ')
		.replace(CONTROL, c => `^${String.fromCodePoint((c.codePointAt(0) ?? 0) + 64)}`);
}

/** Display width in terminal columns (wide characters count 2). */
export const textWidth = (text: string): number => stringWidth(text);

/** Truncate to `width` columns with an ellipsis (one row: no raw newlines). */
export function trunc(text: string, columns: number): string {
	if (columns <= 0) return '';
	// A long text (a gap's reason listing captures) is measured only as far as the row can
	// show: its first few characters per column, when they fill the row (no escape sequence to
	// cut through) — measuring all of it, grapheme by grapheme, on every frame was most of a
	// keystroke's frame on the overview.
	const head = columns * 4 + 8;
	if (text.length > head && !text.includes('\u001B')) {
		const row = oneRow(text.slice(0, head));
		if (stringWidth(row) > columns) return cliTruncate(row, columns);
	}
	const row = oneRow(text);
	return stringWidth(row) <= columns ? row : cliTruncate(row, columns);
}

/** Truncate or right-pad to exactly `width` columns. */
export function pad(text: string, columns: number): string {
	const t = trunc(text, columns);
	return t + ' '.repeat(Math.max(0, columns - stringWidth(t)));
}

/**
 * A window of `columns` over one long line starting at column `offset`, `…` where text is cut
 * on either side (horizontal scrolling of a fix command that must never wrap).
 */
export function hwindow(text: string, offset: number, columns: number): string {
	if (columns <= 0) return '';
	if (stringWidth(text) <= columns) return text;
	const start = Math.max(0, Math.min(offset, text.length - columns + 1));
	if (start === 0) return cliTruncate(text, columns);
	return cliTruncate(`…${text.slice(start + 1)}`, columns);
}

/** First row of a window of `height` rows over `count` rows that keeps `cursor` visible. */
export function windowStart(cursor: number, height: number, count: number): number {
	if (count <= height) return 0;
	const start = cursor - Math.floor(height / 2);
	return Math.max(0, Math.min(start, count - height));
}

/** Human bytes: 512 B, 3.4 kB, 12 MB. */
export function bytes(n: number): string {
	if (n < 1000) return `${n} B`;
	if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
	return `${(n / 1_000_000).toFixed(1)} MB`;
}

export const seconds = (ms: number): string =>
	ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;

/** Word-wrap to `width` columns (keeps existing newlines; long words are cut). */
export function wrap(text: string, columns: number): string[] {
	const w = Math.max(10, columns);
	return text
		.split('\n')
		.flatMap(para =>
			wrapAnsi(para.replace(/\s+/g, ' ').trim(), w, {hard: true, trim: true}).split('\n'),
		);
}

/** `!text` negates; otherwise case-insensitive substring. Empty filter matches everything. */
export function textFilter(filter: string): (hay: string) => boolean {
	const f = filter.trim().toLowerCase();
	if (f === '') return () => true;
	if (f.startsWith('!') && f.length > 1) {
		const needle = f.slice(1);
		return hay => !hay.toLowerCase().includes(needle);
	}
	return hay => hay.toLowerCase().includes(f);
}

/** Shorten a `qrouter-<uuid>` to `qrouter-3f6c1a2b…`. */
export const shortNs = (ns: string): string =>
	ns.replace(/^(qrouter|snat|qdhcp|fip)-([0-9a-f]{8})[0-9a-f-]{20,}$/, '$1-$2…');

/** `dst=10.0.0.100 lladdr=fa:16:3e:… state=PERMANENT` for a flat JSON object (fits 80 columns). */
export function compact(item: unknown): string | undefined {
	if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
	return Object.entries(item as Record<string, unknown>)
		.map(
			([k, v]) =>
				`${k}=${Array.isArray(v) ? v.map(x => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`,
		)
		.join(' ');
}

/** An excerpt line as a person reads it: a quoted JSON object becomes `k=v …`. */
export function readableExcerpt(line: string): string {
	const core = line.trim().replace(/^…/, '').replace(/…$/, '').replace(/,$/, '');
	if (!core.startsWith('{') || !core.endsWith('}')) return line.trim();
	try {
		return compact(JSON.parse(core)) ?? line.trim();
	} catch {
		return line.trim();
	}
}
