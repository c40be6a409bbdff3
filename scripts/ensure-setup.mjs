#!/usr/bin/env node
// First-run set-up for `npm start` and `npm test` on a fresh clone: install dependencies when
// node_modules is missing or older than package-lock.json, and (with --build) compile when dist/
// is missing or older than src/. Uses only Node built-ins because it runs before the install.
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wantBuild = process.argv.includes('--build');

const mtime = file => (existsSync(file) ? statSync(file).mtimeMs : 0);
const newest = dir => {
	let max = 0;
	if (!existsSync(dir)) return max;
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		max = Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
	}
	return max;
};
const run = (cmd, args) => {
	const result = spawnSync(cmd, args, {cwd: root, stdio: ['ignore', 'inherit', 'inherit']});
	if (result.status !== 0) {
		console.error(
			`dvrscope set-up: "${cmd} ${args.join(' ')}" failed (exit ${result.status ?? result.signal}).`,
		);
		process.exit(result.status ?? 1);
	}
};

const marker = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || mtime(marker) < mtime(path.join(root, 'package-lock.json'))) {
	console.error('dvrscope set-up: installing dependencies (first run)…');
	run(
		'npm',
		existsSync(path.join(root, 'package-lock.json'))
			? ['ci', '--no-audit', '--no-fund']
			: ['install', '--no-audit', '--no-fund'],
	);
}
if (wantBuild) {
	const built = mtime(path.join(root, 'dist', 'cli', 'main.js'));
	if (
		built === 0 ||
		built < newest(path.join(root, 'src')) ||
		built < mtime(path.join(root, 'tsconfig.build.json'))
	) {
		console.error('dvrscope set-up: building…');
		run('npx', ['tsc', '-p', 'tsconfig.build.json']);
		run(process.execPath, [path.join(root, 'scripts', 'bundle-console.mjs')]);
	}
}
