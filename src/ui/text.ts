/** Fixed-width text helpers for table-like rows (pure). */

/** Truncate to `width` columns with an ellipsis. */
export function trunc(text: string, width: number): string {
	if (width <= 0) return '';
	if (text.length <= width) return text;
	return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/** Truncate or right-pad to exactly `width`. */
export const pad = (text: string, width: number): string => trunc(text, width).padEnd(width);

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

/** Word-wrap to `width` (keeps existing newlines). */
export function wrap(text: string, width: number): string[] {
	const out: string[] = [];
	const w = Math.max(10, width);
	for (const para of text.split('\n')) {
		let line = '';
		for (const word of para.split(/\s+/)) {
			if (word === '') continue;
			if (line === '') line = word;
			else if (line.length + 1 + word.length <= w) line += ` ${word}`;
			else {
				out.push(line);
				line = word;
			}
			while (line.length > w) {
				out.push(line.slice(0, w));
				line = line.slice(w);
			}
		}
		out.push(line);
	}
	return out;
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
