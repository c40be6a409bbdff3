import type {NetnsEntry, ParseWarning, Parser} from '../../model/facts.js';
import {
	isObject,
	looksLikeJson,
	parseJson,
	result,
	splitLines,
	topLevelElementLines,
	warning,
} from './common.js';

const TEXT_LINE = /^(\S+)(?: \(id: (\d+)\))?$/;
/** `ip netns list-id`: `nsid 0 (iproute2 netns name: NAME)`. */
const LIST_ID_LINE = /^nsid (\d+) \(iproute2 netns name: (\S+)\)/;

/** `ip netns list` (with or without `(id: N)`) and `ip -j netns list`. */
export const ipNetnsParser: Parser<'ip-netns'> = {
	kind: 'ip-netns',
	title: 'network namespaces',
	reads: ['ip netns list', 'ip -j netns list', 'ip netns list-id'],
	parse(text) {
		const entries: NetnsEntry[] = [];
		const warnings: ParseWarning[] = [];
		if (looksLikeJson(text)) {
			const parsed = parseJson(text);
			if (!parsed.ok) return result('ip-netns', entries, [parsed.warning]);
			if (!Array.isArray(parsed.value))
				return result('ip-netns', entries, [warning(1, 'expected a JSON array of namespaces')]);
			const lines = topLevelElementLines(text);
			parsed.value.forEach((item: unknown, i) => {
				const line = lines[i] ?? 1;
				if (!isObject(item) || typeof item['name'] !== 'string' || item['name'] === '') {
					warnings.push(warning(line, `item ${i} has no "name"`));
					return;
				}
				const id = item['id'];
				entries.push(
					typeof id === 'number' && Number.isInteger(id)
						? {name: item['name'], id, line}
						: {name: item['name'], line},
				);
			});
			return result('ip-netns', entries, warnings);
		}
		splitLines(text).forEach((raw, idx) => {
			const line = idx + 1;
			const trimmed = raw.trim();
			if (trimmed === '') return;
			const byId = LIST_ID_LINE.exec(trimmed);
			if (byId !== null) {
				entries.push({name: byId[2] ?? '', id: Number(byId[1]), line});
				return;
			}
			const m = TEXT_LINE.exec(trimmed);
			if (m === null) {
				warnings.push(warning(line, 'not a namespace line', raw));
				return;
			}
			const name = m[1] ?? '';
			entries.push(m[2] === undefined ? {name, line} : {name, id: Number(m[2]), line});
		});
		return result('ip-netns', entries, warnings);
	},
};
