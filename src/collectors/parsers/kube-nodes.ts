import type {KubeNode, ParseWarning, Parser} from '../../model/facts.js';
import {
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
	const at = text.indexOf(`"name": ${JSON.stringify(name)}`);
	return {name, labels, addresses, line: at < 0 ? 1 : lineAt(text, at)};
}

/**
 * `kubectl get nodes -o json` (a NodeList) or `kubectl get node <name> -o json`: each node's
 * name, labels (what MOSK's OpenStackDeployment `spec.nodes` selectors match) and addresses.
 */
export const kubeNodesParser: Parser<'kube-nodes'> = {
	kind: 'kube-nodes',
	title: 'Kubernetes nodes and their labels',
	reads: ['kubectl get nodes -o json', 'kubectl get node <name> -o json'],
	parse(text) {
		const nodes: KubeNode[] = [];
		const parsed = parseJson(text);
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
