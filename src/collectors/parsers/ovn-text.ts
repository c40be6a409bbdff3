/**
 * The text form of `ovn-nbctl list T` / `ovn-sbctl list T` (and `ovs-vsctl list T`): what sos's
 * ovn_central / ovn_host plugins save. One record per row, rows separated by a blank line, one
 * `column : value` line per column (the name padded to the longest), values in OVSDB's text
 * syntax (ovsdb-data.c `ovsdb_datum_to_string`):
 *
 * - atoms: integers and reals bare, `true`/`false`, UUID references bare, strings bare when they
 *   are plain identifiers (letters, `_`, `-`, `.`, not starting with a digit, not `true`/`false`
 *   or a UUID) and otherwise in double quotes with JSON escapes;
 * - a set with at most one element is that atom or `[]`; a larger set `[a, b]`;
 * - a map `{k=v, k2="v 2"}`.
 *
 * Decoded to the same values as the JSON form (`["set",[x]]` is printed as `x` there too), so the
 * rows are the ones the `--format=json` path gives.
 */
import type {OvsdbValue, ParseWarning} from '../../model/facts.js';
import {readTextDatum} from './ovsdb-json.js';

export type TextRecord = {
	readonly row: Record<string, OvsdbValue>;
	/** 1-based line of the record's first column. */
	readonly line: number;
	/** Its last line. */
	readonly endLine: number;
};

/** True when the text is the `list` text form: records start with `_uuid  : …`. */
export const isOvsdbListText = (text: string): boolean => /^_uuid\s*: /.test(text.trimStart());

/**
 * One value in OVSDB's text syntax (the `ovs-vsctl list` reader), a one-element set collapsed to
 * its atom as the JSON form prints it. Throws when it is not one.
 */
export function parseOvsdbText(value: string): OvsdbValue {
	const datum = readTextDatum(value, 0);
	if (datum === undefined) throw new Error('not an OVSDB value');
	if (value.slice(datum.end).trim() !== '')
		throw new Error(`text after the value at column ${datum.end + 1}`);
	const v = datum.value;
	return Array.isArray(v) && v.length === 1 ? (v[0] as OvsdbValue) : v;
}

/** The records of a `list` text output; lines that are not `column : value` become warnings. */
export function parseListText(
	text: string,
	warnings: ParseWarning[],
): {records: TextRecord[]; headings: string[]} {
	const records: TextRecord[] = [];
	const headings = new Set<string>();
	let row: Record<string, OvsdbValue> | undefined;
	let start = 0;
	let last = 0;
	const close = (): void => {
		if (row !== undefined) records.push({row, line: start, endLine: last});
		row = undefined;
	};
	for (const [i, raw] of text.split('\n').entries()) {
		const line = raw.replace(/\r$/, '');
		if (line.trim() === '') {
			close();
			continue;
		}
		const m = /^([A-Za-z_][A-Za-z0-9_-]*)\s*: ?(.*)$/.exec(line);
		if (m === null) {
			warnings.push({
				line: i + 1,
				message: 'not a "column : value" line',
				text: line.slice(0, 120),
			});
			continue;
		}
		const [, column = '', value = ''] = m;
		if (row === undefined) {
			row = {};
			start = i + 1;
		} else if (Object.hasOwn(row, column)) {
			// a record without the blank line before it (hand-joined outputs): a new row
			close();
			row = {};
			start = i + 1;
		}
		last = i + 1;
		headings.add(column);
		try {
			row[column] = parseOvsdbText(value.trim());
		} catch (error) {
			warnings.push({
				line: i + 1,
				message: `column ${column}: ${(error as Error).message}`,
				text: line.slice(0, 120),
			});
		}
	}
	close();
	return {records, headings: [...headings]};
}
