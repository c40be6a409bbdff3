/**
 * The cloud half of a collection: cloud catalog entries read through the OpenStack API or the
 * `openstack` CLI, the data lists a diagnosis needs, and `port show` of the ports whose details
 * `port list` leaves out.
 */
import type {CommandResult, Transport} from '../transport/types.js';
import type {CloudApi} from '../transport/openstack-api.js';
import {
	checkParam,
	planApi,
	planCommand,
	type CatalogId,
	type ParamValues,
} from '../collectors/catalog.js';
import {
	captureId,
	COLLECT_DEFAULTS,
	now,
	refusalText,
	runPlanned,
	type Session,
} from './collect-session.js';

const isApi = (cloud: Transport | CloudApi): cloud is CloudApi => 'get' in cloud;

/**
 * Runs one cloud catalog entry (recorded as a capture). For the API, the caller gets the reply
 * with its envelope removed (`{"ports": [...]}` → `[...]`, as the CLI prints it); the capture keeps
 * the body as sent.
 */
export async function runCloud(
	session: Session,
	id: CatalogId,
	values: ParamValues,
): Promise<CommandResult | undefined> {
	const cloud = session.options.cloud;
	if (cloud === undefined) return undefined;
	if (isApi(cloud)) return runApi(session, cloud, id, values);
	const planned = planCommand(id, values);
	if (!planned.ok) {
		for (const refusal of planned.refusals)
			session.problems.push({kind: 'refused', message: refusalText(refusal)});
		return undefined;
	}
	return runPlanned(session, planned.command, {
		transport: cloud,
		node: undefined,
		signal: session.signal,
		relabel: f => f,
	});
}

async function runApi(
	session: Session,
	cloud: CloudApi,
	id: CatalogId,
	values: ParamValues,
): Promise<CommandResult | undefined> {
	const planned = planApi(id, values);
	if (!planned.ok) {
		for (const refusal of planned.refusals)
			session.problems.push({kind: 'refused', message: refusalText(refusal)});
		return undefined;
	}
	const {entry, params} = planned.command;
	const captureAt = session.unique(captureId(undefined, entry.id));
	const argv = ['GET', planned.request.service, planned.request.path];
	session.emit({
		type: 'capture-started',
		at: now(),
		captureId: captureAt,
		catalogId: entry.id,
		argv,
	});
	const result = await cloud.get(planned.request, {
		signal: session.signal,
		timeoutMs: session.options.commandTimeoutMs ?? entry.timeoutMs,
		maxBytes: session.maxBytes,
	});
	session.record({
		id: captureAt,
		scope: entry.scope,
		argv: result.argv,
		...(entry.kind === undefined ? {} : {kind: entry.kind}),
		...(Object.keys(params).length > 0 ? {params} : {}),
		catalogId: entry.id,
		exitCode: result.exitCode,
		startedAt: result.startedAt,
		durationMs: result.durationMs,
		via: cloud.kind,
		stdout: result.stdout,
		stderr: result.stderr,
		...(result.failure
			? {failure: {kind: result.failure.kind, message: result.failure.message}}
			: {}),
		...(result.truncated ? {truncated: true} : {}),
	});
	return {...result, stdout: withoutEnvelope(result.stdout)};
}

/** `{"ports": [...], "ports_links": [...]}` → `[...]`; anything else unchanged. */
function withoutEnvelope(body: string): string {
	let value: unknown;
	try {
		value = JSON.parse(body);
	} catch {
		return body;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return body;
	const keys = Object.keys(value).filter(key => !key.endsWith('_links'));
	const only = keys.length === 1 ? (value as Record<string, unknown>)[keys[0] ?? ''] : undefined;
	return typeof only === 'object' && only !== null ? JSON.stringify(only) : body;
}

/** The cloud data lists, then `port show` of the ports a diagnosis needs (bounded). */
export async function collectCloudData(session: Session): Promise<void> {
	const {options} = session;
	const note = (id: string, result: CommandResult | undefined): void => {
		if (result?.failure)
			session.problems.push({
				kind: result.failure.kind,
				message: `${id}: ${result.failure.message}`,
			});
	};
	const lists = await Promise.all(
		(options.cloudEntries ?? []).map(async id => {
			const result = await runCloud(session, id, {});
			note(id, result);
			return {id, result};
		}),
	);
	// `port list` carries no allowed address pairs nor binding host: read those with `port show`
	// for the ports a VRRP/Octavia diagnosis needs (instances' and Octavia's), bounded.
	const wanted = portsToShow(
		lists.find(list => list.id === 'os.ports')?.result,
		options.showOnlyIncompletePorts === true,
	);
	const limit = options.portShowLimit ?? COLLECT_DEFAULTS.portShowLimit;
	if (wanted.length > limit)
		session.log(
			'warning',
			`${wanted.length} instance/Octavia ports: reading the first ${limit} with port show (a --vip or --loadbalancer target reads the ones that matter)`,
		);
	const queue = wanted.slice(0, limit);
	await Promise.all(
		Array.from({length: Math.min(4, queue.length)}, async () => {
			for (let port = queue.shift(); port !== undefined; port = queue.shift()) {
				if (session.signal.aborted) return;
				note('os.port-show', await runCloud(session, 'os.port-show', {port}));
			}
		}),
	);
}

/** Ids of the instance (`compute:*`) and Octavia ports in a `port list --long -f json` output. */
function portsToShow(result: CommandResult | undefined, onlyIncomplete = false): string[] {
	if (result === undefined || result.exitCode !== 0) return [];
	let list: unknown;
	try {
		list = JSON.parse(result.stdout);
	} catch {
		return [];
	}
	if (!Array.isArray(list)) return [];
	const ids: string[] = [];
	for (const port of list as unknown[]) {
		if (typeof port !== 'object' || port === null) continue;
		const record = port as Record<string, unknown>;
		const owner = record['Device Owner'] ?? record['device_owner'];
		const id = record['ID'] ?? record['id'];
		if (typeof owner !== 'string' || typeof id !== 'string') continue;
		if (
			onlyIncomplete &&
			Array.isArray(record['allowed_address_pairs']) &&
			'binding:host_id' in record
		)
			continue;
		if (
			(owner.startsWith('compute:') || owner === 'Octavia') &&
			checkParam('port', id) === undefined
		)
			ids.push(id);
	}
	return ids.sort();
}
