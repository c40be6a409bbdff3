import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

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
		files: ['**/*.js', '**/*.mjs'],
		extends: [tseslint.configs.disableTypeChecked],
		languageOptions: {globals: globals.node},
		rules: {'no-console': 'off'},
	},
);
