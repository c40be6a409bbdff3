import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {manifestSchema, readCaptureSet} from '../../src/bundle/capture-set.js';
import {parseCapture} from '../../src/collectors/parsers/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(path.join(ROOT, 'docs/capture-format.md'), 'utf8');

describe('docs/capture-format.md', () => {
	it('Given the manifest schema, then every manifest, node and capture field is documented', () => {
		const shape = manifestSchema.shape;
		const nodeFields = Object.keys(shape.nodes.element.shape);
		const captureFields = Object.keys(shape.captures.element.shape);
		const paramFields = Object.keys(shape.captures.element.shape.params.unwrap().shape);
		for (const field of [...Object.keys(shape), ...nodeFields, ...captureFields, ...paramFields])
			expect(DOC, `field ${field}`).toContain(`\`${field}\``);
	});

	it('Given the hand-fill example script, when run on this machine, then dvrscope reads the set it writes', async () => {
		const out = path.join(mkdtempSync(path.join(tmpdir(), 'dvrscope-byhand-')), 'set');
		const run = await execa(
			'sh',
			[path.join(ROOT, 'docs/examples/capture-by-hand.sh'), out, 'node-1', 'compute'],
			{
				reject: false,
			},
		);
		expect(run.exitCode).toBe(0);
		const set = await readCaptureSet(out);
		expect(set.manifest.source).toBe('manual');
		expect(set.manifest.nodes).toEqual([{id: 'node-1', roles: ['compute'], transport: 'manual'}]);
		const netns = set.captures.find(c => c.id === 'netns');
		expect(netns).toMatchObject({
			scope: 'node',
			node: 'node-1',
			argv: ['ip', '-j', 'netns', 'list'],
			kind: 'ip-netns',
			stdoutFile: 'captures/nodes/node-1/netns.stdout',
		});
		expect(netns?.stdoutBytes).toBe(Buffer.byteLength(netns?.stdout ?? ''));
		expect(set.captures.find(c => c.id === 'all-neigh')?.params).toEqual({inner: 'ip-neigh'});
		const uname = set.captures.find(c => c.id === 'uname');
		expect(uname?.exitCode).toBe(0);
		expect(uname?.stdout).toMatch(/\S/);
		expect(uname).not.toHaveProperty('kind');
		for (const capture of set.captures) {
			if (capture.kind === undefined) continue;
			const parsed = parseCapture(capture.kind, capture.stdout);
			expect(parsed.warnings.filter(w => w.message.startsWith('parser '))).toEqual([]);
		}
	});
});
