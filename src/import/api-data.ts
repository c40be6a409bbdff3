/**
 * `--api-data <file>`: control-plane data given beside imported node data — `openstack port list
 * --long -f json` (and router, agent, subnet, network lists alike), `openstack … show -f json`,
 * the raw Neutron API JSON (`{"ports": […]}`), or the table text `openstack … list|show` prints
 * (what sos writes when it had credentials). The kind is told from the content.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {toMeta} from '../collectors/assemble.js';
import type {CaptureSet} from '../model/capture.js';
import {CAPTURE_SET_FORMAT, CAPTURE_SET_SCHEMA_VERSION} from '../model/capture.js';
import type {ParserKind} from '../model/facts.js';
import {buildCapture} from './build.js';

export class ApiDataError extends Error {
	override readonly name = 'ApiDataError';
}

const API_KEYS: readonly (readonly [string, ParserKind])[] = [
	['ports', 'openstack-ports'],
	['port', 'openstack-ports'],
	['routers', 'openstack-routers'],
	['router', 'openstack-routers'],
	['agents', 'openstack-agents'],
	['agent', 'openstack-agents'],
	['subnets', 'openstack-subnets'],
	['subnet', 'openstack-subnets'],
	['networks', 'openstack-networks'],
	['network', 'openstack-networks'],
];

/** Kind of a record from its field names (CLI column titles or API keys, any case). */
function kindOfFields(fields: readonly string[]): ParserKind | undefined {
	const has = (...names: string[]): boolean => names.some(n => fields.includes(n.toLowerCase()));
	if (has('mac address', 'mac_address')) return 'openstack-ports';
	if (has('agent type', 'agent_type')) return 'openstack-agents';
	if (has('cidr') || (has('subnet') && has('network'))) return 'openstack-subnets';
	if (has('distributed', 'external gateway info', 'external_gateway_info', 'ha'))
		return 'openstack-routers';
	if (has('subnets', 'router:external', 'provider:network_type')) return 'openstack-networks';
	return undefined;
}

/** The parser kind of an API data text, or undefined when it is none dvrscope reads. */
export function apiDataKind(text: string): ParserKind | undefined {
	const trimmed = text.trim();
	if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
		let value: unknown;
		try {
			value = JSON.parse(trimmed);
		} catch {
			return undefined;
		}
		if (Array.isArray(value)) {
			const first = value.find(v => typeof v === 'object' && v !== null) as object | undefined;
			return first === undefined
				? undefined
				: kindOfFields(Object.keys(first).map(k => k.toLowerCase()));
		}
		if (typeof value !== 'object' || value === null) return undefined;
		const keys = Object.keys(value);
		for (const [key, kind] of API_KEYS) if (keys.length === 1 && keys[0] === key) return kind;
		return kindOfFields(keys.map(k => k.toLowerCase()));
	}
	if (!trimmed.startsWith('+')) return undefined;
	const lines = trimmed.split('\n').filter(l => l.startsWith('|'));
	const header = (lines[0] ?? '').split('|').map(c => c.trim().toLowerCase());
	if (header.includes('field') && header.includes('value'))
		return kindOfFields(lines.slice(1).map(l => (l.split('|')[1] ?? '').trim().toLowerCase()));
	return kindOfFields(header);
}

/** Read `--api-data` files into one cloud-scope capture set. Errors name the file. */
export async function readApiData(
	files: readonly string[],
	now = new Date().toISOString(),
): Promise<CaptureSet> {
	const used = new Set<string>();
	const captures = [];
	for (const file of files) {
		let body: string;
		try {
			body = await readFile(file, 'utf8');
		} catch (error) {
			throw new ApiDataError(
				`--api-data ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			);
		}
		const kind = apiDataKind(body);
		if (kind === undefined)
			throw new ApiDataError(
				`--api-data ${file}: not OpenStack API data dvrscope reads (expected openstack port|router|network agent|subnet|network list --long -f json, a "show" of one, the raw API JSON, or their table text)`,
			);
		captures.push(
			buildCapture(
				{
					scope: 'cloud',
					argv: ['(api-data)', path.basename(file)],
					kind,
					params: {path: file},
					name: `api.${kind}.${path.basename(file)}`,
					stdout: body,
					exitCode: 0,
					via: 'api-data',
				},
				used,
				now,
			),
		);
	}
	return {
		manifest: {
			format: CAPTURE_SET_FORMAT,
			schemaVersion: CAPTURE_SET_SCHEMA_VERSION,
			createdAt: now,
			tool: {name: 'dvrscope', version: 'import'},
			description: `API data ${files.join(', ')}`,
			source: 'api-data',
			nodes: [],
			captures: captures.map(toMeta),
		},
		captures,
	};
}
