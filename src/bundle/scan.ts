/**
 * The second net: secretlint's recommended rules (@secretlint/secretlint-rule-preset-recommend,
 * pinned to the 11.x line, the last that runs on Node 20) used as a library over every file just
 * before it is archived. Whatever it finds that the first net (redact.ts) left is replaced by
 * {@link REDACTED} and reported with detector `secretlint:<rule id>`; the value never is.
 */
import {lintSource} from '@secretlint/core';
import {creator as recommended} from '@secretlint/secretlint-rule-preset-recommend';
import {REDACTED, type Redaction} from './redact.js';

const CONFIG = {rules: [{id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended}]};

/** The rule ids of the preset, for the report and docs (what the second net looks for). */
export const SCANNER = {
	name: 'secretlint',
	preset: '@secretlint/secretlint-rule-preset-recommend',
	version: '11.7.1',
} as const;

const ruleName = (id: string): string => id.replace(/^@secretlint\/secretlint-rule-/, '');

/**
 * Scan `text` (named `where` in the report) and redact every hit. Line structure is kept: a hit
 * that spans lines has each of its line pieces replaced. Pure apart from the library call.
 */
export async function scanText(
	text: string,
	where: string,
): Promise<{text: string; redactions: Redaction[]}> {
	if (text.trim() === '') return {text, redactions: []};
	// Inline `secretlint-disable` comments in the customer's data must not switch the net off:
	// neutralised in the scanned copy (same length, so the offsets still point into `text`).
	const content = text.replace(/secretlint-(disable|enable)/gi, m => 'x'.repeat(m.length));
	const result = await lintSource({
		source: {content, filePath: where, ext: '', contentType: 'text'},
		options: {config: CONFIG, maskSecrets: true, noPhysicFilePath: true},
	});
	// `messages` holds findings only (ignore directives are applied inside lintSource).
	const hits = result.messages
		.map(m => ({rule: m.ruleId, start: m.range[0], end: m.range[1]}))
		.filter(h => h.end > h.start)
		.sort((a, b) => a.start - b.start);
	const redactions: Redaction[] = [];
	let out = '';
	let at = 0;
	for (const hit of hits) {
		if (hit.start < at) continue; // overlaps the previous hit, already replaced
		const found = text.slice(hit.start, hit.end);
		if (found.includes(REDACTED)) continue; // the first net got it
		const line = text.slice(0, hit.start).split('\n').length;
		redactions.push({
			where,
			line,
			kind: 'scanner-hit',
			detector: `secretlint:${ruleName(hit.rule)}`,
			chars: found.length,
		});
		out += text.slice(at, hit.start) + found.replace(/[^\n]+/g, REDACTED);
		at = hit.end;
	}
	if (redactions.length === 0) return {text, redactions};
	return {text: out + text.slice(at), redactions};
}
