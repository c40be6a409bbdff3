/**
 * The import source: any mix of sos report archives (`.tar.xz`, `.tar.gz`) and directories,
 * `sos collect` archives, osctl dumps (directory or `.tar.gz`), and dvrscope bundles / capture
 * sets, turned into one capture set exactly like a live collection's. Format is told from the
 * content, never from the file name.
 */
import {stat} from 'node:fs/promises';
import {captureFiles} from '../bundle/capture-set.js';
import {mergeCaptureSets, toMeta} from '../collectors/assemble.js';
import {parseCapture} from '../collectors/parsers/index.js';
import type {Capture, CaptureSet, NodeInfo} from '../model/capture.js';
import {BundleReadError, openInput, type OpenedInput, sniffArchive} from '../bundle/read.js';
import {readApiData} from './api-data.js';
import {importOsctlTree, isOsctlTree, OSCTL_WANT} from './osctl.js';
import {importSosTree, isSosTree, SOS_WANT} from './sos.js';
import {type ImportTree, treeFromArchive, treeFromDir, type WantSpec} from './tree.js';

import {ApiDataError} from './api-data.js';
import {isInputError} from '../bundle/read.js';

export {ApiDataError};

/** True for the errors an import raises on bad input (print the message, exit 3). */
export const isImportError = (error: unknown): error is Error =>
	isInputError(error) || error instanceof ApiDataError || error instanceof ImportError;

/** A report that cannot be imported (no host name, unreadable layout); the message names it. */
export class ImportError extends Error {
	override readonly name = 'ImportError';
}

const INNER_ARCHIVE = /(?:^|\/)sosreport-[^/]+\.tar\.(?:xz|gz)$/;

/** Everything any format needs, plus the markers of a dvrscope bundle / capture set. */
const DETECT_WANT: WantSpec = {
	prefixes: [...SOS_WANT.prefixes, ...OSCTL_WANT.prefixes, 'bundle.json', 'manifest.json'],
	also: rel => INNER_ARCHIVE.test(rel) && rel.split('/').length <= 2,
};

export type OpenedSource = Omit<OpenedInput, 'kind'> & {
	readonly kind: OpenedInput['kind'] | 'sos' | 'sos-collect' | 'osctl';
};

const isDvrscopeTree = (tree: ImportTree): boolean =>
	tree.files.has('bundle.json') ||
	(tree.files.get('manifest.json')?.toString('utf8').includes('"dvrscope-capture-set"') ?? false);

function fromTree(tree: ImportTree): CaptureSet | undefined {
	if (isSosTree(tree)) return importSosTree(tree);
	if (isOsctlTree(tree)) return importOsctlTree(tree);
	return undefined;
}

const notKnown = (input: string, tree: ImportTree): BundleReadError => {
	const listing = [...tree.files.keys()].slice(0, 5).join(', ');
	return new BundleReadError(
		`${input}: not a dvrscope bundle or capture set, sos report, sos collect archive or osctl sos dump${listing === '' ? ' (none of their files is in it)' : ` (it holds: ${listing}…)`}`,
	);
};

/**
 * Open one input of any supported format. Bundles and capture sets go through the bundle reader
 * unchanged; sos reports and osctl dumps are imported. Errors are input errors that name it.
 */
export async function openSource(input: string): Promise<OpenedSource> {
	let info;
	try {
		info = await stat(input);
	} catch {
		throw new BundleReadError(`${input}: no such bundle, capture set, sos report or osctl dump`);
	}
	if (info.isDirectory()) {
		const tree = await treeFromDir(input, DETECT_WANT);
		const set = fromTree(tree);
		if (set === undefined) return openInput(input);
		return {kind: isSosTree(tree) ? 'sos' : 'osctl', source: input, set};
	}
	const compression = await sniffArchive(input, 'a bundle, sos report or osctl dump');
	const tree = await treeFromArchive(input, DETECT_WANT);
	const inner = [...tree.files.keys()].filter(n => INNER_ARCHIVE.test(n));
	if (!isSosTree(tree) && !isOsctlTree(tree) && inner.length > 0) {
		const sets: CaptureSet[] = [];
		for (const name of inner) {
			const data = tree.files.get(name);
			if (data === undefined) continue;
			const innerTree = await treeFromArchive({name: `${input}:${name}`, data}, SOS_WANT);
			if (!isSosTree(innerTree)) throw notKnown(`${input}:${name}`, innerTree);
			sets.push(importSosTree(innerTree));
		}
		return {kind: 'sos-collect', source: input, set: mergeImported(sets)};
	}
	const set = fromTree(tree);
	if (set !== undefined) return {kind: isSosTree(tree) ? 'sos' : 'osctl', source: input, set};
	if (compression !== 'xz' && isDvrscopeTree(tree)) return openInput(input);
	if (compression !== 'xz' && tree.files.size === 0) return openInput(input);
	throw notKnown(input, tree);
}

/** Rename a node id that two reports claim (the second becomes `<id>-2`), saying so. */
function distinctNodes(sets: readonly CaptureSet[]): {
	sets: CaptureSet[];
	problems: {node: string; kind: string; message: string}[];
} {
	const seen = new Map<string, string>();
	const problems: {node: string; kind: string; message: string}[] = [];
	const out = sets.map(set => {
		if (set.manifest.source !== 'sos') return set;
		const [node] = set.manifest.nodes;
		if (node === undefined) return set;
		const prior = seen.get(node.id);
		if (prior === undefined) {
			seen.set(node.id, set.manifest.description ?? '');
			return set;
		}
		let id = `${node.id}-2`;
		for (let n = 3; seen.has(id); n++) id = `${node.id}-${n}`;
		seen.set(id, set.manifest.description ?? '');
		problems.push({
			node: id,
			kind: 'node-duplicate',
			message: `two reports name their host "${node.id}" (${prior} and ${set.manifest.description ?? ''}); the second is shown as ${id}. Reports cleaned by separate "sos clean" runs all become host0: their names, addresses and MACs cannot be compared across nodes`,
		});
		const renamed: NodeInfo = {...node, id};
		const captures: Capture[] = set.captures.map(c => {
			const moved = {...c, id: `${id}.${c.id}`, ...(c.node === node.id ? {node: id} : {})};
			const files = captureFiles(moved);
			return {
				...moved,
				stdoutFile: files.stdout,
				...(c.stderrFile !== undefined ? {stderrFile: files.stderr} : {}),
			};
		});
		return {
			manifest: {...set.manifest, nodes: [renamed], captures: captures.map(toMeta)},
			captures,
		};
	});
	return {sets: out, problems};
}

const SOS_MAC = /^53:4f:53:/i;

/**
 * `sos clean` maps MACs to `53:4f:53:…` per run: reports cleaned in separate runs reuse the same
 * masked values for different devices. A DVR router's `qr-` ports carry the same MAC on every node,
 * so masked `qr-` MACs that differ between nodes prove the mappings disagree.
 */
function maskingProblems(set: CaptureSet): {kind: string; message: string}[] {
	const macs = new Map<string, Map<string, string>>();
	for (const c of set.captures) {
		if (
			c.kind !== 'ip-addr' ||
			!c.params?.namespace?.startsWith('qrouter-') ||
			c.node === undefined
		)
			continue;
		const parsed = parseCapture('ip-addr', c.stdout);
		for (const iface of parsed.facts) {
			if (!iface.name.startsWith('qr-') || iface.mac === undefined) continue;
			const byNode = macs.get(iface.name) ?? new Map<string, string>();
			byNode.set(c.node, iface.mac.toLowerCase());
			macs.set(iface.name, byNode);
		}
	}
	const problems: {kind: string; message: string}[] = [];
	for (const [iface, byNode] of macs) {
		const values = new Set(byNode.values());
		if (values.size < 2 || ![...values].every(m => SOS_MAC.test(m))) continue;
		problems.push({
			kind: 'masking-disagrees',
			message: `the reports were masked by separate "sos clean" runs: router port ${iface} has masked MAC ${[...byNode].map(([n, m]) => `${m} on ${n}`).join(', ')}, but a DVR router port has one MAC on every node. MACs and addresses cannot be compared across these reports; clean them together (sos clean with all reports at once, or sos collect --clean) or send them unmasked`,
		});
		break;
	}
	return problems;
}

/** Hosts of each L3-HA router's members (the API's HA ports) that no imported report covers. */
function missingHaMembers(set: CaptureSet): {node: string; kind: string; message: string}[] {
	const imported = new Set(set.manifest.nodes.flatMap(n => [n.id, n.neutronHost ?? n.id]));
	const anyImport = set.manifest.nodes.some(n => n.transport === 'sos' || n.transport === 'osctl');
	if (!anyImport) return [];
	const hosts = new Map<string, Set<string>>();
	for (const c of set.captures) {
		if (c.kind !== 'openstack-ports') continue;
		const parsed = parseCapture('openstack-ports', c.stdout);
		for (const port of parsed.facts) {
			if (port.deviceOwner !== 'network:router_ha_interface' || port.deviceId === undefined)
				continue;
			if (port.bindingHostId === undefined || port.bindingHostId === '') continue;
			const set2 = hosts.get(port.deviceId) ?? new Set<string>();
			set2.add(port.bindingHostId);
			hosts.set(port.deviceId, set2);
		}
	}
	const problems: {node: string; kind: string; message: string}[] = [];
	for (const [router, members] of hosts) {
		const missing = [...members].filter(
			h => !imported.has(h) && !imported.has(h.split('.')[0] ?? h),
		);
		if (missing.length === 0 || missing.length === members.size) continue;
		for (const host of missing)
			problems.push({
				node: host,
				kind: 'node-missing',
				message: `router ${router} has an L3-HA member on ${host}, but no report of ${host} was given: its keepalived state is unknown`,
			});
	}
	return problems;
}

/** Merge imported sets with the cross-report checks (duplicate hosts, masking, missing members). */
export function mergeImported(sets: readonly CaptureSet[]): CaptureSet {
	if (sets.length === 0) throw new Error('mergeImported: nothing to merge');
	const distinct = distinctNodes(sets);
	const merged = mergeCaptureSets(distinct.sets);
	const haMissing = missingHaMembers(merged);
	const problems = [...distinct.problems, ...maskingProblems(merged), ...missingHaMembers(merged)];
	if (problems.length === 0) return merged;
	const known = new Set(merged.manifest.nodes.map(n => n.id));
	const missing = haMissing.map(p => p.node).filter(n => !known.has(n));
	return {
		manifest: {
			...merged.manifest,
			// A member host no report covers is a node of the set that was not read.
			nodes: [
				...merged.manifest.nodes,
				...[...new Set(missing)].map(id => ({id, roles: ['other' as const], transport: 'sos'})),
			],
			partial: true,
			problems: [...(merged.manifest.problems ?? []), ...problems],
		},
		captures: merged.captures,
	};
}

/**
 * Open every input (any format) and the `--api-data` files, and merge them into one capture set.
 */
export async function openSources(
	inputs: readonly string[],
	apiData: readonly string[] = [],
): Promise<{set: CaptureSet; opened: OpenedSource[]}> {
	const opened: OpenedSource[] = [];
	for (const input of inputs) opened.push(await openSource(input));
	const sets = opened.map(o => o.set);
	if (apiData.length > 0) sets.push(await readApiData(apiData));
	return {set: mergeImported(sets), opened};
}

/** Sources whose data arrives unmasked from customers (sos does not mask everything). */
const IMPORTED_VIA = new Set(['sos', 'osctl', 'api-data']);

/**
 * A capture set about to be written out: captures that came from an import go through the bundle
 * redactor (sos leaves keepalived `auth_pass` in Neutron's ha_confs, and Debian 12's sos 4.0
 * masks nothing in /etc/neutron). Other sets are returned unchanged.
 */
export async function forWriting(set: CaptureSet): Promise<CaptureSet> {
	if (!set.captures.some(c => IMPORTED_VIA.has(c.via ?? ''))) return set;
	const {redactCaptureSet} = await import('../bundle/write.js');
	return redactCaptureSet(set).set;
}
