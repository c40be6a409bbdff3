/**
 * Who a report is about, from what it holds: node id (host name), Neutron agent host
 * (`neutron.conf` `host`), roles (`l3_agent.ini` `agent_mode`, namespaces present).
 */
import type {NodeInfo, NodeRole} from '../model/capture.js';
import {isSafeId} from '../model/ids.js';

/** Value of `key` in `[section]` of an oslo.config ini text (last one wins, as oslo reads it). */
export function iniValue(
	text: string | undefined,
	section: string,
	key: string,
): string | undefined {
	if (text === undefined) return undefined;
	let current = '';
	let value: string | undefined;
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
		const header = /^\[([^\]]+)\]$/.exec(line);
		if (header !== null) {
			current = header[1] ?? '';
			continue;
		}
		if (current.toLowerCase() !== section.toLowerCase()) continue;
		const m = /^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$/.exec(line);
		if (m !== null && m[1] === key) value = (m[2] ?? '').trim();
	}
	return value === '' ? undefined : value;
}

/** A host name made safe as a node id (`[A-Za-z0-9._@-]`, 128 characters), or undefined. */
export function safeNodeId(name: string | undefined): string | undefined {
	if (name === undefined) return undefined;
	const id = name
		.trim()
		.split('\n')[0]
		?.trim()
		.replace(/[^A-Za-z0-9._@-]+/g, '-')
		.replace(/\.{2,}/g, '.')
		.replace(/^[^A-Za-z0-9]+/, '')
		.slice(0, 128);
	return id !== undefined && id !== '' && isSafeId(id) ? id : undefined;
}

/** Roles from the L3 agent mode and the namespaces a node holds. */
export function rolesOf(agentMode: string | undefined, namespaces: readonly string[]): NodeRole[] {
	const roles = new Set<NodeRole>();
	const mode = agentMode?.toLowerCase();
	if (mode === 'dvr_snat' || mode === 'legacy') roles.add('network');
	if (mode === 'dvr_snat' || namespaces.some(n => n.startsWith('snat-'))) roles.add('gateway');
	if (mode === 'dvr' || mode === 'dvr_no_external') roles.add('compute');
	if (roles.size === 0 && namespaces.some(n => n.startsWith('qdhcp-'))) roles.add('network');
	if (roles.size === 0 && namespaces.some(n => n.startsWith('qrouter-'))) roles.add('compute');
	if (roles.size === 0) roles.add('other');
	return [...roles];
}

export function nodeInfo(
	id: string,
	transport: string,
	neutronHost: string | undefined,
	roles: readonly NodeRole[],
	address?: string,
): NodeInfo {
	return {
		id,
		roles,
		transport,
		...(address !== undefined ? {address} : {}),
		...(neutronHost !== undefined && neutronHost !== id ? {neutronHost} : {}),
	};
}
