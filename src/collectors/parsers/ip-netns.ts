import type {NetnsEntry, ParseWarning, Parser} from '../../model/facts.js';
import {
	type JsonObject,
	looksLikeJson,
	parseJsonItems,
	result,
	splitLines,
	warning,
	withDefined,
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
		if (looksLikeJson(text))
			return parseJsonItems(text, 'ip-netns', 'namespaces', 'name', readJsonNetns);
		const entries: NetnsEntry[] = [];
		const warnings: ParseWarning[] = [];
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

function readJsonNetns(item: JsonObject, line: number): NetnsEntry | undefined {
	const name = item['name'];
	if (typeof name !== 'string' || name === '') return undefined;
	const id = item['id'];
	return withDefined({
		name,
		id: typeof id === 'number' && Number.isInteger(id) ? id : undefined,
		line,
	});
}
