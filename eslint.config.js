import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import {createTypeScriptImportResolver} from 'eslint-import-resolver-typescript';

/**
 * The layers of src/ and which other folders each may import (docs/architecture.md's table is
 * checked against this by test/docs/layers.test.ts). A folder may always import itself; anything
 * not listed is a wrong-direction import, static or `import()`. `typesOnly`: `import type` only.
 */
export const LAYERS = {
	model: {mayImport: []},
	collectors: {mayImport: ['model']},
	diagnostics: {mayImport: ['model', 'collectors']},
	transport: {mayImport: ['model']},
	bundle: {mayImport: ['model', 'collectors', 'diagnostics']},
	import: {mayImport: ['model', 'collectors', 'bundle']},
	session: {mayImport: ['model', 'collectors', 'diagnostics', 'transport', 'bundle']},
	state: {mayImport: ['model', 'collectors', 'diagnostics']},
	console: {mayImport: ['model', 'collectors', 'diagnostics', 'bundle', 'session', 'state']},
	ui: {mayImport: ['model', 'state'], typesOnly: ['diagnostics']},
	cli: {
		mayImport: [
			'model',
			'collectors',
			'diagnostics',
			'transport',
			'bundle',
			'import',
			'session',
			'state',
			'console',
			'ui',
		],
	},
};

// import-x's TypeScript preset minus its legacy resolver (resolver-next below replaces it).
const importXParsing = Object.fromEntries(
	Object.entries(importX.flatConfigs.typescript.settings).filter(
		([key]) => key !== 'import-x/resolver',
	),
);

/** One import-x/no-restricted-paths zone per (layer, folder it may not import). */
const layerZones = Object.entries(LAYERS).flatMap(([layer, {mayImport, typesOnly = []}]) =>
	Object.keys(LAYERS)
		.filter(other => other !== layer && !mayImport.includes(other) && !typesOnly.includes(other))
		.map(other => ({
			target: `./src/${layer}`,
			from: `./src/${other}`,
			message: `src/${layer} may import only ${[...mayImport, ...typesOnly.map(t => `${t} (types)`)].join(', ') || 'nothing outside itself'} (layer table: docs/architecture.md).`,
		})),
);

const noUi = {
	group: ['ink', 'ink-*', '@inkjs/*', 'react', 'zustand', 'zustand/*'],
	message: 'UI-free layer: no Ink/React/zustand imports here.',
};
const noIo = {
	group: ['ssh2', 'execa', 'node:child_process', 'child_process', 'node:net', 'net'],
	message: 'Processes and sockets live in src/transport only.',
};
const noFs = {
	group: ['node:fs', 'node:fs/promises', 'fs', 'fs/promises'],
	message: 'Pure layer: files are read by src/bundle or src/cli.',
};

export default tseslint.config(
	{
		ignores: [
			'dist/**',
			'coverage/**',
			'node_modules/**',
			'lab/**/*.js',
			'test/fixtures/**',
			'sample/**',
		],
	},
	js.configs.recommended,
	...tseslint.configs.strictTypeChecked,
	reactHooks.configs.flat['recommended-latest'],
	{
		languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
		rules: {
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/switch-exhaustiveness-check': 'error',
			'@typescript-eslint/restrict-template-expressions': [
				'error',
				{allowNumber: true, allowBoolean: true},
			],
			'no-console': 'error',
		},
	},
	{
		// Layer direction: folder-to-folder, static and dynamic imports, and no import cycles.
		files: ['src/**/*.{ts,tsx}'],
		plugins: {'import-x': importX},
		settings: {
			// How import-x parses the modules it follows (no-cycle reads each import's imports).
			...importXParsing,
			'import-x/resolver-next': [createTypeScriptImportResolver({project: 'tsconfig.json'})],
		},
		rules: {
			'import-x/no-restricted-paths': ['error', {zones: layerZones}],
			'import-x/no-cycle': 'error',
			// import(<expression>) would hide what is imported from the two rules above.
			'no-restricted-syntax': [
				'error',
				{
					selector: 'ImportExpression[source.type!="Literal"]',
					message: 'import() takes a string literal, so the layer rules can see it.',
				},
			],
		},
	},
	...Object.entries(LAYERS)
		.filter(([, layer]) => layer.typesOnly !== undefined)
		.map(([name, layer]) => ({
			files: [`src/${name}/**`],
			rules: {
				'@typescript-eslint/no-restricted-imports': [
					'error',
					{
						patterns: layer.typesOnly.map(folder => ({
							group: [`**/${folder}/*`, `**/${folder}/**`],
							allowTypeImports: true,
							message: `src/${name} may import only types from src/${folder}.`,
						})),
					},
				],
			},
		})),
	{
		files: ['src/model/**', 'src/collectors/**', 'src/diagnostics/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [noUi, noIo, noFs]}]},
	},
	{files: ['src/state/**'], rules: {'no-restricted-imports': ['error', {patterns: [noIo, noFs]}]}},
	{
		files: ['src/ui/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						noIo,
						noFs,
						{
							group: ['**/transport/*', '**/session/collect*', '**/bundle/*'],
							message: 'UI goes through the SessionController.',
						},
					],
				},
			],
		},
	},
	{
		files: ['src/bundle/**', 'src/session/**', 'src/import/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [noUi, noIo]}]},
	},
	{
		files: ['test/**', 'bench/**', 'lab/**', 'scripts/**'],
		rules: {
			'no-console': 'off',
			'@typescript-eslint/no-non-null-assertion': 'off',
			'@typescript-eslint/no-confusing-void-expression': 'off',
			'@typescript-eslint/require-await': 'off',
			'@typescript-eslint/no-floating-promises': 'off',
		},
	},
	{files: ['src/cli/**'], rules: {'no-console': 'off'}},
	{
		files: ['src/**/*.{ts,tsx}'],
		rules: {
			'max-lines': ['error', {max: 600, skipBlankLines: true, skipComments: true}],
			'max-lines-per-function': ['error', {max: 120, skipBlankLines: true, skipComments: true}],
		},
	},
	{
		files: ['**/*.js', '**/*.mjs'],
		extends: [tseslint.configs.disableTypeChecked],
		languageOptions: {globals: globals.node},
		rules: {'no-console': 'off'},
	},
);
