/**
 * Import of a 5-node sos set against `tar -xJf` of the same archives.
 *
 * The archives are SYNTHETIC: each is the lab's recorded node data in the sos 4.3 layout
 * (test/import/sos-fixture.ts) plus a generated `sys/` tree of ≥ 75,000 small files, as a real sos
 * root holds — xz-compressed with the system `xz`. Measured as whole processes: `dvrscope diagnose`
 * (built dist/, `--json`) over the five archives, and `tar -xJf` of each into a fresh directory.
 * Peak memory is the child's max RSS (getrusage of the waited child).
 *
 * Run: npm run build && npx tsx bench/sos-import.ts
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {archive, loadLab, writeSosReport} from '../test/import/sos-fixture.js';

const NODES = ['network', 'compute-1', 'compute-2', 'compute-3', 'compute-4'];
const SYS_FILES = 76_000;

function sysTree(dir: string): void {
	for (let d = 0; d < SYS_FILES / 250; d++) {
		const sub = path.join(dir, 'sys', 'devices', `d${d}`);
		mkdirSync(sub, {recursive: true});
		for (let f = 0; f < 250; f++) writeFileSync(path.join(sub, `attr${f}`), `value ${d} ${f}\n`);
	}
}

/** Wall time and max RSS (MiB) of one child process, from /usr/bin/time when present. */
function measure(argv: string[]): {wallS: number; rssMiB: number | undefined} {
	const start = process.hrtime.bigint();
	const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], {
		encoding: 'utf8',
		maxBuffer: 1 << 28,
	});
	const wallS = Number(process.hrtime.bigint() - start) / 1e9;
	const kb = Number(r.stderr.trim().split('\n').pop());
	return {wallS, rssMiB: Number.isFinite(kb) ? kb / 1024 : undefined};
}

async function main(): Promise<void> {
	const tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-bench-sos-'));
	try {
		const lab = await loadLab();
		const files = NODES.map((node, i) => {
			const source = i < 3 ? node : 'compute-2';
			const dir = writeSosReport(path.join(tmp, 'src'), lab, source, {
				version: '4.3',
				hostname: node,
			});
			sysTree(dir);
			return archive(dir, path.join(tmp, `${path.basename(dir)}.tar.xz`), 'xz');
		});
		rmSync(path.join(tmp, 'src'), {recursive: true, force: true});
		const entries = execFileSync('sh', ['-c', `xz -dc '${files[0] ?? ''}' | tar -t | wc -l`], {
			encoding: 'utf8',
		}).trim();
		console.log(
			`5 synthetic sos archives, ${entries} entries each (sys/ tree of ${SYS_FILES} files + the lab's node data)`,
		);
		const importRun = measure([
			process.execPath,
			'dist/cli/main.js',
			'diagnose',
			'--json',
			...files,
		]);
		let tarWall = 0;
		let tarRss = 0;
		for (const f of files) {
			const out = path.join(tmp, `x-${path.basename(f)}`);
			mkdirSync(out);
			const m = measure(['tar', '-xJf', f, '-C', out]);
			tarWall += m.wallS;
			tarRss = Math.max(tarRss, m.rssMiB ?? 0);
			rmSync(out, {recursive: true, force: true});
		}
		console.log(
			`dvrscope diagnose (import + diagnosis): ${importRun.wallS.toFixed(2)} s, peak RSS ${importRun.rssMiB?.toFixed(0) ?? '?'} MiB`,
		);
		console.log(
			`tar -xJf of the same 5 archives:        ${tarWall.toFixed(2)} s, peak RSS ${tarRss.toFixed(0)} MiB`,
		);
	} finally {
		rmSync(tmp, {recursive: true, force: true});
	}
}

await main();
