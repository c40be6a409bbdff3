import {parseDocument} from 'yaml';
import type {
	OsdplExternalNetwork,
	OsdplNeutron,
	OsdplNodeOverride,
	ParseWarning,
	Parser,
} from '../../model/facts.js';
import {
	asBool,
	asNumber,
	asString,
	asStringList,
	isObject,
	looksLikeJson,
	parseJson,
	result,
	warning,
	type JsonObject,
} from './common.js';

function at(value: unknown, ...path: string[]): unknown {
	let cur = value;
	for (const key of path) {
		if (!isObject(cur)) return undefined;
		cur = cur[key];
	}
	return cur;
}

function externalNetwork(value: unknown): OsdplExternalNetwork | undefined {
	if (!isObject(value)) return undefined;
	const physnet = asString(value['physnet']);
	const iface = asString(value['interface']);
	const bridge = asString(value['bridge']);
	const vlanRanges = asString(value['vlan_ranges']);
	const mtu = asNumber(value['mtu']);
	return {
		...(physnet !== undefined ? {physnet} : {}),
		...(iface !== undefined ? {interface: iface} : {}),
		...(bridge !== undefined ? {bridge} : {}),
		networkTypes: asStringList(value['network_types']),
		...(vlanRanges !== undefined ? {vlanRanges} : {}),
		...(mtu !== undefined ? {mtu} : {}),
	};
}

/** 1-based line where `key` is written as a mapping key (JSON or YAML, quoted or not). */
function keyLine(lines: readonly string[], key: string): number | undefined {
	for (let i = 0; i < lines.length; i++) {
		const body = lines[i] ?? '';
		let at = body.indexOf(key);
		while (at >= 0) {
			const rest = body.slice(at + key.length);
			if (/^["']?\s*:/.test(rest)) return i + 1;
			at = body.indexOf(key, at + 1);
		}
	}
	return undefined;
}

/** `spec.nodes`: `<label-name>::<label-value>` → the same `features` tree, for one node set. */
function nodeOverrides(
	value: unknown,
	text: string,
	warnings: ParseWarning[],
): OsdplNodeOverride[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (!isObject(value)) {
		warnings.push(warning(1, 'spec.nodes is not a mapping; per-node overrides ignored'));
		return undefined;
	}
	const lines = text.split('\n');
	const out: OsdplNodeOverride[] = [];
	for (const [selector, entry] of Object.entries(value)) {
		const line = keyLine(lines, selector);
		const cut = selector.indexOf('::');
		if (cut <= 0) {
			warnings.push(
				warning(
					line ?? 1,
					`spec.nodes key "${selector}" is not <label-name>::<label-value>; ignored`,
				),
			);
			continue;
		}
		const neutron = at(entry, 'features', 'neutron');
		const tunnelInterface = asString(at(neutron, 'tunnel_interface'));
		const dvrEnabled = asBool(at(neutron, 'dvr', 'enabled'));
		out.push({
			selector,
			label: selector.slice(0, cut),
			value: selector.slice(cut + 2),
			...(tunnelInterface !== undefined ? {tunnelInterface} : {}),
			...(dvrEnabled !== undefined ? {dvrEnabled} : {}),
			...(line !== undefined ? {line} : {}),
		});
	}
	return out;
}

function reduce(doc: JsonObject, text: string, warnings: ParseWarning[]): OsdplNeutron {
	const spec = doc['spec'];
	const neutron = at(spec, 'features', 'neutron');
	const floating = at(neutron, 'floating_network');
	const name = asString(at(doc, 'metadata', 'name'));
	const namespace = asString(at(doc, 'metadata', 'namespace'));
	const openstackVersion = asString(at(spec, 'openstack_version'));
	const preset = asString(at(spec, 'preset'));
	const backend = asString(at(neutron, 'backend'));
	const tunnelInterface = asString(at(neutron, 'tunnel_interface'));
	const dvrEnabled = asBool(at(neutron, 'dvr', 'enabled'));
	// No dedicated feature flag exists for the Octavia topology: it is a chart value override
	// (`spec.services.load-balancer.octavia.values.conf.octavia.controller_worker.loadbalancer_topology`).
	const octaviaTopology =
		asString(at(spec, 'features', 'octavia', 'loadbalancer_topology')) ??
		asString(
			at(
				spec,
				'services',
				'load-balancer',
				'octavia',
				'values',
				'conf',
				'octavia',
				'controller_worker',
				'loadbalancer_topology',
			),
		);
	const externals = at(neutron, 'external_networks');
	const overrides = nodeOverrides(at(spec, 'nodes'), text, warnings);
	let floatingNetwork: OsdplNeutron['floatingNetwork'];
	if (isObject(floating)) {
		const enabled = asBool(floating['enabled']);
		const physnet = asString(floating['physnet']);
		const subnetRange = asString(at(floating, 'subnet', 'range'));
		const gateway = asString(at(floating, 'subnet', 'gateway'));
		floatingNetwork = {
			...(enabled !== undefined ? {enabled} : {}),
			...(physnet !== undefined ? {physnet} : {}),
			...(subnetRange !== undefined ? {subnetRange} : {}),
			...(gateway !== undefined ? {gateway} : {}),
		};
	}
	return {
		...(name !== undefined ? {name} : {}),
		...(namespace !== undefined ? {namespace} : {}),
		...(openstackVersion !== undefined ? {openstackVersion} : {}),
		...(preset !== undefined ? {preset} : {}),
		...(backend !== undefined ? {backend} : {}),
		...(tunnelInterface !== undefined ? {tunnelInterface} : {}),
		dnsServers: asStringList(at(neutron, 'dns_servers')),
		externalNetworks: Array.isArray(externals)
			? (externals as unknown[])
					.map(externalNetwork)
					.filter((e): e is OsdplExternalNetwork => e !== undefined)
			: [],
		...(floatingNetwork !== undefined ? {floatingNetwork} : {}),
		...(dvrEnabled !== undefined ? {dvrEnabled} : {}),
		...(octaviaTopology !== undefined ? {octaviaTopology} : {}),
		servicesEnabled: asStringList(at(spec, 'features', 'services')),
		...(overrides !== undefined ? {nodeOverrides: overrides} : {}),
	};
}

const EMPTY: OsdplNeutron = {dnsServers: [], externalNetworks: [], servicesEnabled: []};

/** `kubectl get openstackdeployment -o json|yaml` (one object or a `List`), reduced to Neutron settings. */
export const osdplParser: Parser<'osdpl'> = {
	kind: 'osdpl',
	title: 'MOSK OpenStackDeployment (Neutron settings)',
	reads: [
		'kubectl -n openstack get openstackdeployment -o json',
		'kubectl -n openstack get openstackdeployment -o yaml',
	],
	parse(text) {
		let value: unknown;
		if (looksLikeJson(text)) {
			const parsed = parseJson(text);
			if (!parsed.ok) return result('osdpl', EMPTY, [parsed.warning]);
			value = parsed.value;
		} else {
			// `kubectl get … -o yaml` is accepted too (silent: a pure parser prints nothing).
			try {
				const yaml = parseDocument(text, {logLevel: 'silent'});
				const first = yaml.errors[0];
				if (first !== undefined) {
					const line = first.linePos?.[0].line ?? 1;
					const message = first.message.split('\n')[0] ?? '';
					return result('osdpl', EMPTY, [warning(line, `neither JSON nor YAML: ${message}`)]);
				}
				value = yaml.toJS({maxAliasCount: 100}) as unknown;
			} catch (error) {
				const message =
					error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
				return result('osdpl', EMPTY, [warning(1, `neither JSON nor YAML: ${message}`)]);
			}
		}
		const warnings: ParseWarning[] = [];
		let doc: unknown = value;
		const items = isObject(value) ? value['items'] : Array.isArray(value) ? value : undefined;
		if (Array.isArray(items)) {
			const docs = (items as unknown[]).filter(isObject);
			if (docs.length === 0)
				return result('osdpl', EMPTY, [warning(1, 'no OpenStackDeployment in the list')]);
			if (docs.length > 1)
				warnings.push(
					warning(
						1,
						`${docs.length} OpenStackDeployments; using the first (${asString(at(docs[0], 'metadata', 'name')) ?? '?'})`,
					),
				);
			doc = docs[0];
		}
		if (!isObject(doc) || !isObject(doc['spec']))
			return result('osdpl', EMPTY, [warning(1, 'not an OpenStackDeployment: no "spec"')]);
		const facts = reduce(doc, text, warnings);
		if (at(doc['spec'], 'features', 'neutron') === undefined)
			warnings.push(warning(1, 'spec.features.neutron is missing'));
		return result('osdpl', facts, warnings);
	},
};
