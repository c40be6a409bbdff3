/**
 * Collect the minimum: declared projections (allow-lists of fields) for structured captures that
 * can carry service configuration — Kubernetes objects (OpenStackDeployment and its status, Nodes,
 * Pods, any other object) and the OpenStack `show` outputs dvrscope stores unparsed. A projection
 * keeps only the fields the rules and the console read; everything else is dropped before a capture
 * is stored or shown, and the capture's manifest entry says what was kept and what was dropped.
 *
 * {@link projectCapture} is the one function every capture passes through: `toCaptureMeta` (live
 * collection, Kubernetes discovery, importers) and the capture-set / bundle readers call it, and the
 * writers re-assert it. It is pure and idempotent (projecting a projected capture changes nothing).
 *
 * Patterns: dot-separated keys; `*` matches any key of a mapping, `name[]` every element of the
 * array `name`. A pattern's last segment keeps the value only when it is a scalar, a list of
 * scalars or a mapping of scalars (labels) — never a nested tree that could hide a secret.
 */
import {parseAllDocuments, stringify} from 'yaml';
import type {Capture, CaptureProjection} from '../model/capture.js';
import type {ParserKind} from '../model/facts.js';

export type ObjectProjection = {
	readonly name: string;
	readonly title: string;
	/** Who reads these fields (for docs/bundles.md and reviewers). */
	readonly readBy: string;
	readonly keep: readonly string[];
};

const KUBE_META = ['apiVersion', 'kind', 'metadata.name', 'metadata.namespace'] as const;
const NEUTRON = 'spec.features.neutron';

/** The declared projections, by name. Add a field here only when a rule or a screen reads it. */
export const PROJECTIONS = {
	openstackdeployment: {
		name: 'openstackdeployment',
		title: 'MOSK OpenStackDeployment',
		readBy: 'parser osdpl → rule mosk/deployment',
		keep: [
			...KUBE_META,
			'spec.openstack_version',
			'spec.preset',
			'spec.size',
			'spec.features.services',
			`${NEUTRON}.backend`,
			`${NEUTRON}.tunnel_interface`,
			`${NEUTRON}.dvr.enabled`,
			`${NEUTRON}.dns_servers`,
			`${NEUTRON}.floating_network.enabled`,
			`${NEUTRON}.floating_network.physnet`,
			`${NEUTRON}.floating_network.subnet.range`,
			`${NEUTRON}.floating_network.subnet.gateway`,
			`${NEUTRON}.external_networks[].physnet`,
			`${NEUTRON}.external_networks[].interface`,
			`${NEUTRON}.external_networks[].bridge`,
			`${NEUTRON}.external_networks[].network_types`,
			`${NEUTRON}.external_networks[].vlan_ranges`,
			`${NEUTRON}.external_networks[].mtu`,
			'spec.features.octavia.loadbalancer_topology',
			'spec.features.octavia.lb_topology',
			'spec.services.load-balancer.octavia.values.conf.octavia.controller_worker.loadbalancer_topology',
			'spec.nodes.*.features.neutron.tunnel_interface',
			'spec.nodes.*.features.neutron.dvr.enabled',
			'status.osdpl.state',
			'status.osdpl.openstack_version',
			'status.osdpl.controller_version',
		],
	},
	openstackdeploymentstatus: {
		name: 'openstackdeploymentstatus',
		title: 'MOSK OpenStackDeploymentStatus',
		readBy: 'kept for the reader: deployment state and per-component health only',
		keep: [
			...KUBE_META,
			'status.osdpl.state',
			'status.osdpl.openstack_version',
			'status.osdpl.controller_version',
			'status.health.*.*.status',
		],
	},
	'kube-node': {
		name: 'kube-node',
		title: 'Kubernetes Node',
		readBy: 'parser kube-nodes (spec.nodes label selectors) and node discovery',
		keep: [
			...KUBE_META,
			'metadata.labels',
			'status.addresses[].type',
			'status.addresses[].address',
			'status.conditions[].type',
			'status.conditions[].status',
		],
	},
	'kube-pod': {
		name: 'kube-pod',
		title: 'Kubernetes Pod',
		readBy: 'which pod of which service runs on which node (sos/osctl imports)',
		keep: [
			...KUBE_META,
			'metadata.labels',
			'spec.nodeName',
			'spec.hostNetwork',
			'spec.containers[].name',
			'status.phase',
			'status.hostIP',
			'status.podIP',
			'status.containerStatuses[].name',
			'status.containerStatuses[].ready',
			'status.containerStatuses[].restartCount',
		],
	},
	'kube-object': {
		name: 'kube-object',
		title: 'Any other Kubernetes object (Secret, ConfigMap, Config, …)',
		readBy: 'nothing: only its identity is kept',
		keep: [...KUBE_META],
	},
	'openstack-server': {
		name: 'openstack-server',
		title: 'openstack server show',
		readBy: 'targeting (--loadbalancer: the amphora VM host)',
		keep: [
			'id',
			'name',
			'status',
			'OS-EXT-SRV-ATTR:host',
			'OS-EXT-SRV-ATTR:hypervisor_hostname',
			'hypervisor_hostname',
			'compute_host',
			'addresses',
		],
	},
	'openstack-loadbalancer': {
		name: 'openstack-loadbalancer',
		title: 'openstack loadbalancer show',
		readBy: 'targeting (--loadbalancer: the VIP)',
		keep: [
			'id',
			'name',
			'vip_address',
			'vip_port_id',
			'vip_subnet_id',
			'vip_network_id',
			'provider',
			'provisioning_status',
			'operating_status',
			'flavor_id',
			'availability_zone',
		],
	},
} as const satisfies Readonly<Record<string, ObjectProjection>>;

export type ProjectionName = keyof typeof PROJECTIONS;

/** Kubernetes `kind` → projection; any other kind gets `kube-object`. */
const BY_KUBE_KIND: Readonly<Record<string, ProjectionName>> = {
	OpenStackDeployment: 'openstackdeployment',
	OpenStackDeploymentStatus: 'openstackdeploymentstatus',
	Node: 'kube-node',
	Pod: 'kube-pod',
};

/** Parser kinds whose captures are Kubernetes objects, and the projection of an object with no `kind`. */
export const PROJECTED_PARSER_KINDS: Readonly<Partial<Record<ParserKind, ProjectionName>>> = {
	osdpl: 'openstackdeployment',
	'kube-nodes': 'kube-node',
};

/** Unparsed captures (by catalog id) that can carry service configuration. */
export const PROJECTED_CATALOG_IDS: Readonly<Record<string, ProjectionName>> = {
	'os.server-show': 'openstack-server',
	'os.loadbalancer-show': 'openstack-loadbalancer',
};

const MAX_DROPPED = 200;

type Tree = {keep: boolean; children: Map<string, Tree>};

function compile(patterns: readonly string[]): Tree {
	const root: Tree = {keep: false, children: new Map()};
	for (const pattern of patterns) {
		let node = root;
		for (const part of pattern.split('.')) {
			const segments = part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part];
			for (const segment of segments) {
				let child = node.children.get(segment);
				if (child === undefined) {
					child = {keep: false, children: new Map()};
					node.children.set(segment, child);
				}
				node = child;
			}
		}
		node.keep = true;
	}
	return root;
}

const TREES = new Map<ProjectionName, Tree>(
	(Object.keys(PROJECTIONS) as ProjectionName[]).map(name => [
		name,
		compile(PROJECTIONS[name].keep),
	]),
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): boolean => value === null || typeof value !== 'object';
/** What a terminal pattern may keep: a scalar, a list of scalars, a mapping of scalars. */
const isLeafy = (value: unknown): boolean =>
	isScalar(value) ||
	(Array.isArray(value) && value.every(isScalar)) ||
	(isRecord(value) && Object.values(value).every(isScalar));

type Walk = {dropped: Set<string>};

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function apply(value: unknown, tree: Tree, path: string, walk: Walk): unknown {
	if (tree.keep) {
		if (isLeafy(value)) return value;
		walk.dropped.add(`${path} (nested values under a scalar field)`);
		return undefined;
	}
	if (Array.isArray(value)) {
		const element = tree.children.get('[]');
		if (element === undefined) {
			walk.dropped.add(path);
			return undefined;
		}
		return value.map(item => apply(item, element, `${path}[]`, walk) ?? null);
	}
	if (isRecord(value)) {
		const out: Record<string, unknown> = {};
		const any = tree.children.get('*');
		for (const [key, item] of Object.entries(value)) {
			const named = tree.children.get(key);
			const child = named ?? any;
			// A key matched by `*` (node selectors, label names) is reported as `*`.
			const childPath = join(path, named === undefined && any !== undefined ? '*' : key);
			if (child === undefined) {
				walk.dropped.add(childPath);
				continue;
			}
			const kept = apply(item, child, childPath, walk);
			if (kept !== undefined) out[key] = kept;
		}
		return out;
	}
	walk.dropped.add(path);
	return undefined;
}

/** Project one Kubernetes object (or a `List`, or a bare array of objects) by its `kind`. */
function projectKube(
	value: unknown,
	fallback: ProjectionName,
	path: string,
	walk: Walk,
	used: Map<string, Set<string>>,
): unknown {
	const items = Array.isArray(value)
		? value
		: isRecord(value) && Array.isArray(value['items'])
			? (value['items'] as unknown[])
			: undefined;
	if (items !== undefined) {
		const prefix = Array.isArray(value) ? `${path}[]` : join(path, 'items[]');
		const projected = items.map(item => projectKube(item, fallback, prefix, walk, used) ?? null);
		if (Array.isArray(value)) return projected;
		const list: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
			if (key === 'items') list[key] = projected;
			else if (key === 'apiVersion' || key === 'kind') list[key] = item;
			else walk.dropped.add(join(path, key));
		}
		return list;
	}
	const kind = isRecord(value) && typeof value['kind'] === 'string' ? value['kind'] : undefined;
	const name = kind === undefined ? fallback : (BY_KUBE_KIND[kind] ?? 'kube-object');
	const tree = TREES.get(name);
	if (tree === undefined) return undefined;
	const patterns = used.get(name) ?? new Set<string>();
	for (const p of PROJECTIONS[name].keep) patterns.add(path === '' ? p : `${path}.${p}`);
	used.set(name, patterns);
	return apply(value, tree, path, walk);
}

function projectFlat(value: unknown, name: ProjectionName, walk: Walk): unknown {
	const tree = TREES.get(name);
	if (tree === undefined) return undefined;
	return apply(value, tree, '', walk);
}

/** True when the text looks like a Kubernetes object or list (JSON or YAML), read from its head. */
export function looksLikeKubeObject(text: string): boolean {
	const head = text.slice(0, 4096);
	if (/^\s*[[{]/.test(head)) return /"apiVersion"\s*:/.test(head) && /"kind"\s*:/.test(head);
	return /^apiVersion:\s*\S/m.test(head) && /^kind:\s*\S/m.test(head);
}

/** Which projection applies to a capture, if any. */
export function projectionFor(
	capture: Pick<Capture, 'kind' | 'catalogId' | 'stdout'>,
): {mode: 'kube'; fallback: ProjectionName} | {mode: 'flat'; name: ProjectionName} | undefined {
	const byKind = capture.kind === undefined ? undefined : PROJECTED_PARSER_KINDS[capture.kind];
	if (byKind !== undefined) return {mode: 'kube', fallback: byKind};
	const byCatalog =
		capture.catalogId === undefined ? undefined : PROJECTED_CATALOG_IDS[capture.catalogId];
	if (byCatalog !== undefined) return {mode: 'flat', name: byCatalog};
	if (capture.kind === undefined && looksLikeKubeObject(capture.stdout))
		return {mode: 'kube', fallback: 'kube-object'};
	return undefined;
}

type Parsed =
	| {format: 'json'; indent: string | number; values: unknown[]}
	| {format: 'yaml'; values: unknown[]};

function parseStructured(text: string): Parsed | {error: string} {
	if (/^\s*[[{]/.test(text)) {
		try {
			const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? 4;
			return {format: 'json', indent, values: [JSON.parse(text) as unknown]};
		} catch (error) {
			return {error: `not valid JSON (${(error as Error).message.split('\n')[0] ?? ''})`};
		}
	}
	try {
		const docs = parseAllDocuments(text, {logLevel: 'silent'});
		if (!Array.isArray(docs)) return {error: 'not valid YAML'};
		const first = docs.flatMap(d => d.errors)[0];
		if (first !== undefined)
			return {error: `not valid YAML (${first.message.split('\n')[0] ?? ''})`};
		return {
			format: 'yaml',
			values: docs.map(d => d.toJS({maxAliasCount: 100}) as unknown).filter(v => v !== null),
		};
	} catch (error) {
		return {error: `not valid YAML (${(error as Error).message.split('\n')[0] ?? ''})`};
	}
}

function serialize(parsed: Parsed, values: unknown[], trailingNewline: boolean): string {
	if (parsed.format === 'json') {
		const body = JSON.stringify(values[0], null, parsed.indent);
		return trailingNewline ? `${body}\n` : body;
	}
	return values.map(v => stringify(v, {lineWidth: 0})).join('---\n');
}

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/**
 * Apply the capture's projection (see {@link projectionFor}); captures without one are returned
 * unchanged. A body that cannot be read cannot be limited, so it is withheld: the stdout is
 * emptied and the capture carries a `refused` failure that says why (a coverage gap, not a leak).
 */
export function projectCapture(capture: Capture): Capture {
	if (capture.stdout.trim() === '') return capture;
	const which = projectionFor(capture);
	if (which === undefined) return capture;
	const parsed = parseStructured(capture.stdout);
	const name = which.mode === 'kube' ? which.fallback : which.name;
	if ('error' in parsed) {
		const withheld = `the output is ${parsed.error}, so its fields could not be limited to the ${name} projection; withheld`;
		const out: Mutable<Capture> = {
			...capture,
			stdout: '',
			stdoutBytes: 0,
			projection: {name, kept: [], dropped: ['(whole output)'], withheld},
		};
		if (capture.failure === undefined) out.failure = {kind: 'refused', message: withheld};
		return out;
	}
	const walk: Walk = {dropped: new Set()};
	const used = new Map<string, Set<string>>();
	const values = parsed.values.map(value =>
		which.mode === 'kube'
			? projectKube(value, which.fallback, '', walk, used)
			: projectFlat(value, which.name, walk),
	);
	if (which.mode === 'flat') used.set(which.name, new Set(PROJECTIONS[which.name].keep));
	const stdout = serialize(parsed, values, capture.stdout.endsWith('\n'));
	const previous = capture.projection;
	const dropped = [...new Set([...(previous?.dropped ?? []), ...walk.dropped])];
	const projection: CaptureProjection = {
		name: [...used.keys()].join(', ') || name,
		kept: [...new Set([...used.values()].flatMap(set => [...set]))],
		dropped:
			dropped.length > MAX_DROPPED
				? [...dropped.slice(0, MAX_DROPPED), `… and ${dropped.length - MAX_DROPPED} more`]
				: dropped,
		...(previous?.withheld === undefined ? {} : {withheld: previous.withheld}),
	};
	return {
		...capture,
		stdout,
		stdoutBytes: Buffer.byteLength(stdout),
		projection,
	};
}

/** {@link projectCapture} over a capture set's captures, manifest entries kept in step. */
export function projectCaptures(captures: readonly Capture[]): Capture[] {
	return captures.map(projectCapture);
}
