import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ESLint} from 'eslint';
import {describe, expect, it} from 'vitest';
// @ts-expect-error eslint.config.js is plain JavaScript (no type declarations).
import {LAYERS} from '../../eslint.config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const layers = LAYERS as unknown as Record<string, {mayImport: string[]; typesOnly?: string[]}>;

/** The "may import" column of docs/architecture.md's layer table, by folder. */
function documentedLayers(): Map<string, string> {
	const rows = new Map<string, string>();
	for (const line of DOC.split('\n')) {
		const cells = line.split('|').map(c => c.trim());
		const folder = /^`src\/([a-z]+)`$/.exec(cells[1] ?? '')?.[1];
		if (folder !== undefined && cells[3] !== undefined) rows.set(folder, cells[3]);
	}
	return rows;
}

const expectedColumn = (layer: {mayImport: string[]; typesOnly?: string[]}): string =>
	[...layer.mayImport, ...(layer.typesOnly ?? []).map(t => `${t} (types)`)].join(', ') || 'nothing';

/** Lint `code` as if it were the content of an existing source file (nothing is written). */
async function lintAs(file: string, code: string): Promise<string[]> {
	const eslint = new ESLint({cwd: ROOT});
	const [result] = await eslint.lintText(code, {filePath: path.join(ROOT, file)});
	return (result?.messages ?? []).map(m => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('layer table (docs/architecture.md ⇄ eslint.config.js LAYERS)', () => {
	it('Given every folder of src/, then it has a layer in LAYERS and a row in the docs table', () => {
		const folders = readdirSync(path.join(ROOT, 'src'), {withFileTypes: true})
			.filter(d => d.isDirectory())
			.map(d => d.name)
			.sort();
		expect(Object.keys(layers).sort()).toEqual(folders);
		expect([...documentedLayers().keys()].sort()).toEqual(folders);
	});

	it('Given the LAYERS config, then each docs row says exactly what the folder may import', () => {
		const documented = documentedLayers();
		for (const [name, layer] of Object.entries(layers))
			expect(documented.get(name), `src/${name}`).toBe(expectedColumn(layer));
	});

	it('Given every layer, then what it may import is a layer too (no typo that allows nothing)', () => {
		for (const [name, layer] of Object.entries(layers))
			for (const other of [...layer.mayImport, ...(layer.typesOnly ?? [])])
				expect(Object.keys(layers), `src/${name} → ${other}`).toContain(other);
	});
});

describe('ESLint layer rules', () => {
	const model = 'src/model/ids.ts';
	const original = readFileSync(path.join(ROOT, model), 'utf8');

	it('Given the real file, then it lints clean (the probes below fail for their import only)', async () => {
		expect(await lintAs(model, original)).toEqual([]);
	});

	it('Given src/model importing src/session, then lint fails with the layer rule', async () => {
		const messages = await lintAs(
			model,
			`import type {Target} from '../session/targets.js';\nexport type Probe = Target;\n${original}`,
		);
		expect(messages.join('\n')).toMatch(
			/import-x\/no-restricted-paths: .*src\/model may import only/,
		);
	});

	it('Given a dynamic import() in the wrong direction, then lint fails the same way', async () => {
		const messages = await lintAs(
			model,
			`export const probe = async (): Promise<unknown> => import('../state/store.js');\n${original}`,
		);
		expect(messages.join('\n')).toMatch(/import-x\/no-restricted-paths/);
	});

	it('Given import() of a computed path, then lint fails (the layer rules could not see it)', async () => {
		const messages = await lintAs(
			model,
			`export const probe = async (p: string): Promise<unknown> => import(p);\n${original}`,
		);
		expect(messages.join('\n')).toMatch(/no-restricted-syntax: import\(\) takes a string literal/);
	});

	it('Given src/ui importing a value from src/diagnostics, then lint fails; a type import is fine', async () => {
		const ui = 'src/ui/theme.ts';
		const source = readFileSync(path.join(ROOT, ui), 'utf8');
		expect(await lintAs(ui, source)).toEqual([]);
		const value = `import {rules} from '../diagnostics/registry.js';\nexport const probe = rules;\n${source}`;
		expect((await lintAs(ui, value)).join('\n')).toMatch(
			/@typescript-eslint\/no-restricted-imports: .*only types from src\/diagnostics/,
		);
	});

	it('Given an import cycle, then lint fails with import-x/no-cycle', async () => {
		// analyze.ts imports diagnose from index.ts; index.ts importing analyze back closes a cycle.
		const index = 'src/diagnostics/index.ts';
		const source = readFileSync(path.join(ROOT, index), 'utf8');
		const messages = await lintAs(
			index,
			`import {analyze} from './analyze.js';\nexport const probe = analyze;\n${source}`,
		);
		expect(messages.join('\n')).toMatch(/import-x\/no-cycle/);
	});
});
