/**
 * Cutting a batched execution's output back into one section per item and part, by the nonce
 * markers the scripts of src/collectors/catalog/scripts.ts print. Pure.
 */
import type {ParserKind} from '../../model/facts.js';
import type {CaptureParams} from '../../model/capture.js';
import {checkParam, printable, type Refusal} from './plan.js';
import {DEFAULT_HA_CONFS_PATH, type CatalogEntry} from './schema.js';
import {MARK} from './scripts.js';

/** One item's output cut out of a batched execution. */
export type Section = {
	readonly catalogId: string;
	readonly kind: ParserKind;
	readonly params: CaptureParams;
	readonly stdout: string;
	readonly stderr: string;
	/** Exit status of the per-item command, `null` when its end marker never came. */
	readonly exitCode: number | null;
};

export type RawSection = {part: string; item: string; body: string; rc: number | null};

/** The sections of a batched execution's output (markers of `nonce`), in order. Pure. */
export function cut(text: string, nonce: string): RawSection[] {
	const begin = `\n${MARK} ${nonce} begin `;
	const end = `\n${MARK} ${nonce} end `;
	const sections: RawSection[] = [];
	let at = text.indexOf(begin);
	while (at !== -1) {
		const headerEnd = text.indexOf('\n', at + begin.length);
		if (headerEnd === -1) break;
		const header = text.slice(at + begin.length, headerEnd);
		const space = header.indexOf(' ');
		const part = space === -1 ? header : header.slice(0, space);
		const item = space === -1 ? '' : header.slice(space + 1);
		const bodyStart = headerEnd + 1;
		const endAt = text.indexOf(end, bodyStart);
		const nextBegin = text.indexOf(begin, bodyStart);
		if (endAt === -1 || (nextBegin !== -1 && nextBegin < endAt)) {
			// Cut off (timeout, killed): keep what came, exit status unknown.
			const stop = nextBegin === -1 ? text.length : nextBegin;
			sections.push({part, item, body: text.slice(bodyStart, stop), rc: null});
			at = nextBegin;
			continue;
		}
		const endLineEnd = text.indexOf('\n', endAt + end.length);
		const trailer = text.slice(endAt + end.length, endLineEnd === -1 ? text.length : endLineEnd);
		const rcText = trailer.slice(trailer.lastIndexOf(' ') + 1);
		const rc = /^\d{1,3}$/.test(rcText) ? Number(rcText) : null;
		sections.push({part, item, body: text.slice(bodyStart, endAt), rc});
		at = text.indexOf(begin, endAt + 1);
	}
	return sections;
}

/**
 * Split a batched execution's stdout/stderr into one section per item and part. Sections whose
 * item is not a legal name (forged or mangled) are refused. Pure.
 */
export function splitSections(
	entry: CatalogEntry,
	nonce: string,
	stdout: string,
	stderr: string,
	haConfsPath = DEFAULT_HA_CONFS_PATH,
): {readonly sections: readonly Section[]; readonly refusals: readonly Refusal[]} {
	const sections: Section[] = [];
	const refusals: Refusal[] = [];
	if (entry.sections === undefined) return {sections, refusals};
	const errs = new Map<string, string>();
	for (const raw of cut(`\n${stderr}`, nonce)) errs.set(`${raw.part} ${raw.item}`, raw.body);
	for (const raw of cut(`\n${stdout}`, nonce)) {
		const errText = errs.get(`${raw.part} ${raw.item}`) ?? '';
		const isFile = 'files' in entry.sections && raw.part === 'file';
		if (!isFile && 'parts' in entry.sections) {
			const part = entry.sections.parts.find(p => p.name === raw.part);
			if (part === undefined) continue;
			if (part.once === true) {
				// A single read folded into the batch: filed as its own entry, no item.
				if (raw.item !== '') continue;
				sections.push({
					catalogId: part.catalogId,
					kind: part.kind,
					params: {},
					stdout: raw.body,
					stderr: errText,
					exitCode: raw.rc,
				});
				continue;
			}
			const reason = checkParam(part.param, raw.item);
			if (reason !== undefined) {
				refusals.push({
					catalogId: part.catalogId,
					param: part.param,
					value: printable(raw.item),
					reason,
				});
				continue;
			}
			sections.push({
				catalogId: part.catalogId,
				kind: part.kind,
				params: {[part.param]: raw.item},
				stdout: raw.body,
				stderr: errText,
				exitCode: raw.rc,
			});
		} else {
			const prefix = `${haConfsPath}/`;
			const rest = raw.item.startsWith(prefix) ? raw.item.slice(prefix.length) : '';
			const match = /^([^/]+)\/(state|keepalived\.conf)$/.exec(rest);
			const router = match?.[1] ?? '';
			if (match === null || checkParam('router', router) !== undefined) {
				refusals.push({
					catalogId: 'l3ha.files',
					param: 'router',
					value: printable(raw.item),
					reason: 'not a <ha_confs>/<router uuid>/{state,keepalived.conf} path',
				});
				continue;
			}
			const isState = match[2] === 'state';
			sections.push({
				catalogId: isState ? 'l3ha.state' : 'l3ha.keepalived-conf',
				kind: isState ? 'neutron-ha-state' : 'keepalived-conf',
				params: {router, path: raw.item},
				stdout: raw.body,
				stderr: errText,
				exitCode: raw.rc,
			});
		}
	}
	return {sections, refusals};
}
