import type {NetnsSection, ParseWarning, Parser} from '../../model/facts.js';
import {result, splitLines, warning} from './common.js';

/**
 * iproute2 (`ip/ipnetns.c`, `on_netns_exec`) prints `printf("\nnetns: %s\n", name)` before running
 * the command in each namespace, so a separator is an empty line followed by `netns: NAME` — or just
 * `netns: NAME` right after output that did not end with a newline.
 */
const SEPARATOR = /^netns: (\S+)$/;

/**
 * Split the output of `ip -all netns exec <cmd>` into one section per namespace. `startLine` is the
 * capture line of the section's first body line, so a section line L maps back to
 * `startLine + L - 1`. Sections are read with the capture's `params.inner` parser.
 */
export const ipAllNetnsParser: Parser<'ip-all-netns'> = {
	kind: 'ip-all-netns',
	title: 'per-namespace output of ip -all netns exec',
	reads: ['ip -all netns exec <command>'],
	parse(text) {
		const lines = splitLines(text);
		const sections: {namespace: string; startLine: number; body: string[]}[] = [];
		const warnings: ParseWarning[] = [];
		let current: (typeof sections)[number] | undefined;
		lines.forEach((raw, idx) => {
			const line = idx + 1;
			const m = SEPARATOR.exec(raw);
			// Usually the separator follows an empty line; when the previous command's output did
			// not end with a newline (a Neutron `state` file), it follows that output directly.
			if (m !== null) {
				// The blank line before the separator belongs to the separator, not to the body.
				if (current !== undefined && current.body.at(-1) === '' && lines[idx - 1] === '')
					current.body.pop();
				current = {namespace: m[1] ?? '', startLine: line + 1, body: []};
				sections.push(current);
				return;
			}
			if (current === undefined) {
				// The leading blank line of the first separator.
				if (raw === '' && SEPARATOR.test(lines[idx + 1] ?? '')) return;
				warnings.push(warning(line, 'output before the first "netns: NAME" separator', raw));
				return;
			}
			current.body.push(raw);
		});
		const facts: NetnsSection[] = sections.map(s => ({
			namespace: s.namespace,
			startLine: s.startLine,
			text: s.body.length === 0 ? '' : `${s.body.join('\n')}\n`,
		}));
		return result('ip-all-netns', facts, warnings);
	},
};
