import {parseAllDocuments} from 'yaml';
import type {KubeNode, ParseWarning, Parser} from '../../model/facts.js';
import {
	looksLikeJson,
	asString,
	bareRecord,
	isObject,
	lineAt,
	parseJson,
	result,
	warning,
	type JsonObject,
} from './common.js';

/** One Kubernetes Node object (`metadata.name`, `metadata.labels`, `status.addresses`). */
function readNode(item: JsonObject, text: string): KubeNode | undefined {
	const metadata = item['metadata'];
	if (!isObject(metadata)) return undefined;
	const name = asString(metadata['name']);
	if (name === undefined) return undefined;
	// Labels as a null-prototype record: a label named __proto__ is a label, not a prototype.
	const labels = bareRecord<string>();
	const raw = metadata['labels'];
	if (isObject(raw))
		for (const [key, value] of Object.entries(raw))
			if (typeof value === 'string') labels[key] = value;
	const status = item['status'];
	const addresses = (
		isObject(status) && Array.isArray(status['addresses']) ? status['addresses'] : []
	)
		.filter(isObject)
		.flatMap(a => {
			const type = asString(a['type']);
			const address = asString(a['address']);
			return type === undefined || address === undefined ? [] : [{type, address}];
		});
	const json = text.indexOf(`"name": ${JSON.stringify(name)}`);
	const at =
		json >= 0
			? json
			: text.search(
					new RegExp(`\\bname: ['"]?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*$`, 'm'),
				);
	return {name, labels, addresses, line: at < 0 ? 1 : lineAt(text, at)};
}

/**
 * YAML text (`kubectl get nodes -o yaml`, or one Node per document as an `osctl sos` dump writes
 * them, joined with `---`) as one NodeList value, or a warning naming the first error.
 */
function parseYamlNodes(
	text: string,
): {ok: true; value: unknown} | {ok: false; warning: ParseWarning} {
	const docs = parseAllDocuments(text, {logLevel: 'silent'});
	const list = Array.isArray(docs) ? docs : [];
	const items: unknown[] = [];
	for (const doc of list) {
		const first = doc.errors[0];
		if (first !== undefined)
			return {
				ok: false,
				warning: warning(
					first.linePos?.[0]?.line ?? 1,
					`not JSON or YAML: ${first.message.split('\n')[0] ?? ''}`,
				),
			};
		const value = doc.toJS({maxAliasCount: 100}) as unknown;
		if (value === null || value === undefined) continue;
		if (isObject(value) && Array.isArray(value['items']))
			items.push(...(value['items'] as unknown[]));
		else items.push(value);
	}
	return {ok: true, value: {kind: 'List', items}};
}

/**
 * `kubectl get nodes -o json|yaml` (a NodeList), `kubectl get node <name> -o json`, or Node
 * objects one per YAML document (an `osctl sos` dump's `k8s/cluster/node/<name>` files): each
 * node's name, labels (what MOSK's OpenStackDeployment `spec.nodes` selectors match) and addresses.
 */
export const kubeNodesParser: Parser<'kube-nodes'> = {
	kind: 'kube-nodes',
	title: 'Kubernetes nodes and their labels',
	reads: [
		'kubectl get nodes -o json',
		'kubectl get node <name> -o json',
		'kubectl get nodes -o yaml',
		'osctl sos k8s/cluster/node/<name> (YAML, one Node per document)',
	],
	parse(text) {
		const nodes: KubeNode[] = [];
		const parsed = looksLikeJson(text) ? parseJson(text) : parseYamlNodes(text);
		if (!parsed.ok) return result('kube-nodes', {nodes}, [parsed.warning]);
		const value = parsed.value;
		const items: unknown[] = isObject(value)
			? Array.isArray(value['items'])
				? value['items']
				: value['kind'] === 'Node' || isObject(value['metadata'])
					? [value]
					: []
			: [];
		const warnings: ParseWarning[] = [];
		if (!isObject(value) || (!Array.isArray(value['items']) && items.length === 0))
			return result('kube-nodes', {nodes}, [
				warning(1, 'expected a Kubernetes NodeList or Node (kubectl get nodes -o json)'),
			]);
		items.forEach((item, i) => {
			const node = isObject(item) ? readNode(item, text) : undefined;
			if (node === undefined) warnings.push(warning(1, `node ${i} has no metadata.name`));
			else nodes.push(node);
		});
		return result('kube-nodes', {nodes}, warnings);
	},
};
