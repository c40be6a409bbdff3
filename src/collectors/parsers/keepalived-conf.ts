import type {
	KeepalivedConf,
	ParseWarning,
	Parser,
	SecretMarker,
	VirtualAddress,
	VrrpInstance,
} from '../../model/facts.js';
import {result, splitLines, warning} from './common.js';

type Statement = {readonly words: readonly string[]; readonly line: number};
type Block = Statement & {readonly children: Node[]; endLine?: number};
type Node = Statement | Block;

const isBlock = (node: Node): node is Block => 'children' in node;

/** Tokenise one line: words, `{`, `}`; `#` or `!` starts a comment; "double quotes" group words. */
function tokens(line: string): string[] {
	const out: string[] = [];
	let i = 0;
	while (i < line.length) {
		const c = line[i] ?? '';
		if (c === ' ' || c === '\t' || c === '\r') {
			i++;
			continue;
		}
		if (c === '#' || c === '!') break;
		if (c === '{' || c === '}') {
			out.push(c);
			i++;
			continue;
		}
		if (c === '"') {
			const end = line.indexOf('"', i + 1);
			const stop = end < 0 ? line.length : end;
			out.push(line.slice(i + 1, stop));
			i = stop + 1;
			continue;
		}
		let j = i;
		while (j < line.length && !' \t\r{}'.includes(line[j] ?? '')) j++;
		out.push(line.slice(i, j));
		i = j;
	}
	return out;
}

/** Build the block tree; brace problems become warnings. */
function tree(text: string, warnings: ParseWarning[]): Block {
	const root: Block = {words: [], line: 0, children: []};
	const stack: Block[] = [root];
	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		let words: string[] = [];
		let wordsLine = line;
		const flush = (): void => {
			if (words.length > 0) (stack.at(-1) ?? root).children.push({words, line: wordsLine});
			words = [];
		};
		for (const token of tokens(raw)) {
			if (token === '{') {
				const block: Block = {words, line: wordsLine, children: []};
				if (words.length === 0) warnings.push(warning(line, '"{" without a block name'));
				(stack.at(-1) ?? root).children.push(block);
				stack.push(block);
				words = [];
			} else if (token === '}') {
				flush();
				if (stack.length === 1) warnings.push(warning(line, 'unmatched "}"'));
				else {
					const closed = stack.pop();
					if (closed !== undefined) closed.endLine = line;
				}
			} else {
				if (words.length === 0) wordsLine = line;
				words.push(token);
			}
		}
		flush();
	});
	for (const open of stack.slice(1))
		warnings.push(warning(open.line, `block "${open.words.join(' ')}" is never closed`));
	return root;
}

function intValue(stmt: Statement, warnings: ParseWarning[]): number | undefined {
	const v = stmt.words[1];
	if (v !== undefined && /^-?\d+$/.test(v)) return Number(v);
	warnings.push(warning(stmt.line, `${stmt.words[0] ?? ''}: expected a number, got "${v ?? ''}"`));
	return undefined;
}

function virtualAddress(stmt: Statement, warnings: ParseWarning[]): VirtualAddress | undefined {
	const first = stmt.words[0] ?? '';
	const m = /^([0-9a-fA-F.:]+)(?:\/(\d+))?$/.exec(first);
	const raw = stmt.words.join(' ');
	if (m === null || !/[.:]/.test(first)) {
		warnings.push(warning(stmt.line, 'not a virtual address', raw));
		return undefined;
	}
	const devAt = stmt.words.indexOf('dev');
	const dev = devAt >= 0 ? stmt.words[devAt + 1] : undefined;
	return {
		address: m[1] ?? '',
		...(m[2] !== undefined ? {prefixlen: Number(m[2])} : {}),
		...(dev !== undefined ? {dev} : {}),
		raw,
		line: stmt.line,
	};
}

function instance(block: Block, warnings: ParseWarning[]): VrrpInstance {
	const inst: {
		name: string;
		state?: string;
		interface?: string;
		virtualRouterId?: number;
		priority?: number;
		advertInt?: number;
		nopreempt: boolean;
		unicastSrcIp?: string;
		unicastPeers: string[];
		virtualIpaddress: VirtualAddress[];
		virtualIpaddressExcluded: VirtualAddress[];
		authType?: string;
		authPass?: SecretMarker;
		trackScripts: string[];
		line: number;
	} = {
		name: block.words[1] ?? '',
		nopreempt: false,
		unicastPeers: [],
		virtualIpaddress: [],
		virtualIpaddressExcluded: [],
		trackScripts: [],
		line: block.line,
	};
	if (inst.name === '') warnings.push(warning(block.line, 'vrrp_instance without a name'));
	for (const node of block.children) {
		const key = node.words[0] ?? '';
		if (isBlock(node)) {
			const items = node.children.filter((c): c is Statement => !isBlock(c));
			switch (key) {
				case 'unicast_peer':
					for (const s of items) if (s.words[0] !== undefined) inst.unicastPeers.push(s.words[0]);
					break;
				case 'virtual_ipaddress':
				case 'virtual_ipaddress_excluded': {
					const target =
						key === 'virtual_ipaddress' ? inst.virtualIpaddress : inst.virtualIpaddressExcluded;
					for (const s of items) {
						const va = virtualAddress(s, warnings);
						if (va !== undefined) target.push(va);
					}
					break;
				}
				case 'authentication':
					for (const s of items) {
						if (s.words[0] === 'auth_type' && s.words[1] !== undefined) inst.authType = s.words[1];
						// The password itself is never kept: only that one was there, and where.
						if (s.words[0] === 'auth_pass') inst.authPass = {secret: true, line: s.line};
					}
					break;
				case 'track_script':
					for (const s of items) if (s.words[0] !== undefined) inst.trackScripts.push(s.words[0]);
					break;
				default:
					break;
			}
			continue;
		}
		const value = node.words[1];
		switch (key) {
			case 'state':
				if (value !== undefined) inst.state = value.toUpperCase();
				break;
			case 'interface':
				if (value !== undefined) inst.interface = value;
				break;
			case 'virtual_router_id': {
				const n = intValue(node, warnings);
				if (n !== undefined) inst.virtualRouterId = n;
				break;
			}
			case 'priority': {
				const n = intValue(node, warnings);
				if (n !== undefined) inst.priority = n;
				break;
			}
			case 'advert_int': {
				const n = value === undefined ? undefined : Number(value);
				if (n !== undefined && Number.isFinite(n)) inst.advertInt = n;
				else
					warnings.push(warning(node.line, `advert_int: expected a number, got "${value ?? ''}"`));
				break;
			}
			case 'nopreempt':
				inst.nopreempt = true;
				break;
			case 'unicast_src_ip':
				if (value !== undefined) inst.unicastSrcIp = value;
				break;
			case 'auth_pass':
				inst.authPass = {secret: true, line: node.line};
				break;
			default:
				break;
		}
	}
	return inst;
}

/** Neutron L3-HA `keepalived.conf` and the Octavia amphora `octavia-keepalived.conf`. */
export const keepalivedConfParser: Parser<'keepalived-conf'> = {
	kind: 'keepalived-conf',
	title: 'keepalived configuration (L3-HA router or Octavia amphora)',
	reads: [
		'cat <ha_confs_path>/<router_id>/keepalived.conf',
		'cat /var/lib/octavia/vrrp/octavia-keepalived.conf',
	],
	parse(text) {
		const warnings: ParseWarning[] = [];
		const root = tree(text, warnings);
		const instances: VrrpInstance[] = [];
		const vrrpScripts: string[] = [];
		let routerId: string | undefined;
		for (const node of root.children) {
			const key = node.words[0] ?? '';
			if (!isBlock(node)) {
				if (key !== 'include')
					warnings.push(warning(node.line, `unexpected top-level statement "${key}"`));
				continue;
			}
			if (key === 'global_defs') {
				for (const s of node.children)
					if (!isBlock(s) && s.words[0] === 'router_id' && s.words[1] !== undefined)
						routerId = s.words[1];
			} else if (key === 'vrrp_script') {
				const name = node.words[1];
				if (name !== undefined) vrrpScripts.push(name);
				else warnings.push(warning(node.line, 'vrrp_script without a name'));
			} else if (key === 'vrrp_instance') {
				instances.push(instance(node, warnings));
			}
		}
		const facts: KeepalivedConf = {
			...(routerId !== undefined ? {routerId} : {}),
			instances,
			vrrpScripts,
		};
		return result(
			'keepalived-conf',
			facts,
			warnings.sort((a, b) => a.line - b.line),
		);
	},
};
