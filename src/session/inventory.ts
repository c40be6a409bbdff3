/**
 * The YAML inventory: which nodes to collect from and how to reach each (docs/collection.md).
 *
 * ```yaml
 * defaults: {transport: ssh, user: root, identityFile: ~/.ssh/id_ed25519}
 * nodes:
 *   - {id: cmp-1, host: 10.0.0.11, roles: [compute]}
 *   - {id: gw-1, host: gw-1.mgmt, port: 2222, roles: [gateway, network], neutronHost: gw-1}
 *   - {id: kaas-node-3, transport: kubectl, kubernetesNode: kaas-node-3, roles: [compute]}
 *   - {id: here, transport: local}
 * ```
 */
import {readFile} from 'node:fs/promises';
import {parse as parseYaml, YAMLParseError} from 'yaml';
import {z} from 'zod';
import type {NodeInfo, NodeRole} from '../model/capture.js';
import {isSafeId} from '../model/ids.js';
import {checkParam} from '../collectors/catalog.js';

export class InventoryError extends Error {
	override readonly name = 'InventoryError';
}

const ROLES = ['controller', 'network', 'compute', 'gateway', 'ovn-db', 'other'] as const;

const port = z.number().int().min(1).max(65_535);
const haConfsPath = z.string().refine(value => checkParam('haConfsPath', value) === undefined, {
	error: 'must be an absolute path of plain segments (e.g. /var/lib/neutron/ha_confs)',
});

const common = {
	user: z.string().min(1).optional(),
	port: port.optional(),
	identityFile: z.union([z.string(), z.array(z.string())]).optional(),
	haConfsPath: haConfsPath.optional(),
};

const nodeSchema = z
	.object({
		id: z.string().refine(isSafeId, {
			error: 'must be a safe id: letters, digits, ".", "_", "@", "-" (no spaces, no "..")',
		}),
		transport: z.enum(['ssh', 'kubectl', 'local']).optional(),
		/** SSH host (alias in ~/.ssh/config, name or address). `address` is accepted as a synonym. */
		host: z.string().min(1).optional(),
		address: z.string().min(1).optional(),
		kubernetesNode: z.string().min(1).optional(),
		roles: z.array(z.enum(ROLES)).default([]),
		/** Neutron agent `host` when it differs from the id (for --router/--vip targeting). */
		neutronHost: z.string().min(1).optional(),
		...common,
	})
	.strict();

const inventorySchema = z
	.object({
		defaults: z
			.object({transport: z.enum(['ssh', 'kubectl', 'local']).optional(), ...common})
			.strict()
			.optional(),
		nodes: z.array(nodeSchema).min(1, {error: 'lists no nodes'}),
	})
	.strict();

export type InventoryNode = {
	readonly id: string;
	readonly transport: 'ssh' | 'kubectl' | 'local';
	readonly host?: string;
	readonly port?: number;
	readonly user?: string;
	readonly identityFiles: readonly string[];
	readonly kubernetesNode?: string;
	readonly roles: readonly NodeRole[];
	readonly neutronHost?: string;
	readonly haConfsPath?: string;
};

export type Inventory = {readonly source: string; readonly nodes: readonly InventoryNode[]};

const list = (value: string | string[] | undefined): string[] =>
	value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Parse and validate inventory text. Errors name the file, the node and the field. */
export function parseInventory(text: string, where: string): Inventory {
	let raw: unknown;
	try {
		raw = parseYaml(text);
	} catch (error) {
		const detail =
			error instanceof YAMLParseError
				? (error.message.split('\n')[0] ?? '')
				: (error as Error).message;
		throw new InventoryError(`${where}: not valid YAML: ${detail}`, {cause: error});
	}
	const result = inventorySchema.safeParse(raw);
	if (!result.success) {
		const problems = result.error.issues.slice(0, 10).map(issue => {
			const at = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
			return `  ${at}: ${issue.message}`;
		});
		throw new InventoryError(`${where}: invalid inventory:\n${problems.join('\n')}`);
	}
	const defaults = result.data.defaults ?? {};
	const seen = new Set<string>();
	const nodes: InventoryNode[] = [];
	result.data.nodes.forEach((node, index) => {
		if (seen.has(node.id))
			throw new InventoryError(`${where}: nodes.${index}.id: "${node.id}" appears twice`);
		seen.add(node.id);
		const transport = node.transport ?? defaults.transport ?? 'ssh';
		const host = node.host ?? node.address;
		if (transport === 'ssh' && host === undefined && !/^[A-Za-z0-9.-]+$/.test(node.id)) {
			throw new InventoryError(`${where}: nodes.${index} (${node.id}): ssh node needs host`);
		}
		const user = node.user ?? defaults.user;
		const nodePort = node.port ?? defaults.port;
		const paths = node.haConfsPath ?? defaults.haConfsPath;
		const kubernetesNode = node.kubernetesNode ?? (transport === 'kubectl' ? node.id : undefined);
		nodes.push({
			id: node.id,
			transport,
			...(transport === 'ssh' ? {host: host ?? node.id} : {}),
			...(nodePort === undefined ? {} : {port: nodePort}),
			...(user === undefined ? {} : {user}),
			identityFiles: [...list(node.identityFile), ...list(defaults.identityFile)],
			...(kubernetesNode === undefined ? {} : {kubernetesNode}),
			roles: node.roles,
			...(node.neutronHost === undefined ? {} : {neutronHost: node.neutronHost}),
			...(paths === undefined ? {} : {haConfsPath: paths}),
		});
	});
	return {source: where, nodes};
}

export async function loadInventory(file: string): Promise<Inventory> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		throw new InventoryError(
			`${file}: cannot read inventory (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
			{cause: error},
		);
	}
	return parseInventory(text, file);
}

/** The manifest's view of an inventory node. */
export function nodeInfo(node: InventoryNode): NodeInfo {
	const address =
		node.transport === 'ssh'
			? `${node.user === undefined ? '' : `${node.user}@`}${node.host ?? node.id}${node.port === undefined ? '' : `:${node.port}`}`
			: node.transport === 'kubectl'
				? node.kubernetesNode
				: undefined;
	return {
		id: node.id,
		roles: node.roles,
		transport: node.transport,
		...(address === undefined ? {} : {address}),
		...(node.neutronHost === undefined ? {} : {neutronHost: node.neutronHost}),
	};
}

/** Names a Neutron agent `host` may use for this node. */
export function hostNames(node: InventoryNode): string[] {
	return [node.id, node.neutronHost, node.host, node.kubernetesNode].filter(
		(name): name is string => name !== undefined,
	);
}
