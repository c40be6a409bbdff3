#!/usr/bin/env node
// After `tsc`: bundle the console runtime (dist/cli/run-tui.js with Ink, React, the screens and
// the analyzer) into one file, dist/cli/run-tui.bundle.js. Loading Ink from node_modules means
// ~500 module files (its `es-toolkit/compat` import alone is 415) and takes ~0.4 s on a busy jump
// host; the bundle loads in ~0.1 s, which is what keeps the first frame of the console under 1 s.
// Optional: without esbuild (it comes with tsx, a dev dependency) the console imports the plain
// run-tui.js and is only slower to open. `dvrscope` uses the bundle only when it is newer than
// run-tui.js, so a later plain `tsc` never runs stale code.
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let esbuild;
try {
	esbuild = await import('esbuild');
} catch {
	console.error('bundle-console: esbuild not installed; the console will load unbundled (slower).');
	process.exit(0);
}
await esbuild.build({
	entryPoints: [path.join(root, 'dist/cli/run-tui.js')],
	outfile: path.join(root, 'dist/cli/run-tui.bundle.js'),
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	logLevel: 'warning',
	// React's production build, as any shipped Ink app.
	define: {'process.env.NODE_ENV': '"production"'},
	// CommonJS dependencies (React) call require() for built-ins.
	banner: {
		js: "import {createRequire as __dvrscopeRequire} from 'node:module'; const require = __dvrscopeRequire(import.meta.url);",
	},
	plugins: [
		{
			// Bundles, sos reports and other imports (tar, xz, the sos parsers) stay the unbundled
			// dist/import modules, imported when such a source is opened: bundled, they doubled
			// the file the console's first frame waits for. (dist/cli/console-data.js's relative
			// path reaches them from the bundle too: both are in dist/cli.)
			name: 'imports-stay-apart',
			setup(build) {
				build.onResolve({filter: /^\.\.\/import\/index\.js$/}, args =>
					args.importer.endsWith(`${path.sep}cli${path.sep}console-data.js`)
						? {path: args.path, external: true}
						: undefined,
				);
			},
		},
		{
			// Ink imports its devtools (react-devtools-core, not installed) only when DEV=true.
			name: 'no-ink-devtools',
			setup(build) {
				build.onResolve({filter: /^\.\/devtools\.js$/}, args =>
					args.importer.includes(`${path.sep}ink${path.sep}`)
						? {path: 'ink-devtools', namespace: 'dvrscope-empty'}
						: undefined,
				);
				build.onLoad({filter: /.*/, namespace: 'dvrscope-empty'}, () => ({
					contents: 'export {};',
				}));
			},
		},
	],
});
