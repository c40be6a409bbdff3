import {spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

/** Run the real CLI (through tsx) and return exit code and output. */
function dvrscope(...args: string[]): {code: number | null; stdout: string; stderr: string} {
	const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1'},
		timeout: 600_000,
	});
	return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

describe('dvrscope diagnose', () => {
	it('exits 2 and explains the stale entry for failover-stale', () => {
		const r = dvrscope('diagnose', 'test/scenarios/failover-stale');
		expect(r.code).toBe(2);
		expect(r.stdout).toContain('CRITICAL  dvr/stale-permanent-arp');
		expect(r.stdout).toContain('still points at fa:16:3e:11:11:11');
	});

	it.each([
		['healthy-dvr', 0],
		['pre-train', 1],
		// at-risk: the owner is only Octavia's configured role (no live evidence of a holder) and the
		// amphorae's interfaces cannot be read, so vrrp/no-master cannot rule out "no master":
		// INCOMPLETE outranks its warnings
		['at-risk', 4],
		['missing-captures', 4],
		// the lab's recorded sets never read the VMs' namespaces: a REACHABLE snat- entry for the VIP
		// (live evidence of a holder) settles vrrp/no-master — only the at-risk warning(s) stay
		['lab-healthy', 1],
		['lab-tunnel-by-label', 1],
		// here the snat- entry is STALE and the last ARP from the VIP 60 s old: no live holder, INCOMPLETE
		['lab-tunnel-mismatch', 4],
	])('%s exits %i', (name, code) => {
		expect(dvrscope('diagnose', `test/scenarios/${name}`).code).toBe(code);
	});

	it('--json and --format markdown', () => {
		const json = dvrscope('diagnose', 'test/scenarios/failover-stale', '--json');
		expect((JSON.parse(json.stdout) as {schema: string}).schema).toBe('dvrscope.findings');
		const md = dvrscope('diagnose', 'test/scenarios/failover-stale', '--format', 'markdown');
		expect(md.stdout).toMatch(/^# Verdict: CRITICAL/);
		expect(md.code).toBe(2);
	});

	it('-q on saved data prints one line per finding and the verdict, not the report', () => {
		const full = dvrscope('diagnose', 'test/scenarios/failover-stale');
		const quiet = dvrscope('diagnose', '-q', 'test/scenarios/failover-stale');
		expect(quiet.code).toBe(full.code);
		expect(quiet.stdout).not.toBe(full.stdout);
		const lines = quiet.stdout.trimEnd().split('\n');
		// The verdict leads (what a pager reads first) and closes with the counts.
		expect(lines[0]).toMatch(/^Verdict: CRITICAL/);
		expect(lines[1]).toMatch(/^CRITICAL dvr\/stale-permanent-arp VIP /);
		expect(lines.at(-1)).toMatch(/^Verdict: CRITICAL — 1 critical, 1 warning/);
		expect(lines).toHaveLength(4);
		expect(quiet.stdout).not.toContain('still points at');
	});

	it('markdown: each fix block names its node on its own line, commands carry no "# on" comment', () => {
		const md = dvrscope('diagnose', 'test/scenarios/failover-stale', '--format', 'markdown').stdout;
		expect(md).toContain('**What to do** (for a human to run; dvrscope never runs them)');
		expect(md).toMatch(/^On `[^`]+`:$/m);
		expect(md).not.toMatch(/^ip netns exec .*# on /m);
	});

	it('exits 3 with a message naming a missing path', () => {
		const r = dvrscope('diagnose', 'test/scenarios/no-such-set');
		expect(r.code).toBe(3);
		expect(r.stderr).toContain(
			'test/scenarios/no-such-set: no such bundle, capture set, sos report or osctl dump',
		);
	});

	it('reads a support bundle (.tar.gz) the same as its capture set, and names a non-bundle', () => {
		// Given a bundle written from failover-stale
		const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-diag-bundle-'));
		const bundle = path.join(dir, 'b.tar.gz');
		expect(dvrscope('bundle', 'test/scenarios/failover-stale', '-o', bundle).code).toBe(0);
		// When it is diagnosed
		const r = dvrscope('diagnose', bundle);
		// Then the same verdict as the directory
		expect(r.code).toBe(2);
		expect(r.stdout).toContain('CRITICAL  dvr/stale-permanent-arp');
		// And a file that is not a bundle is named, exit 3
		const junk = path.join(dir, 'junk.tar.gz');
		writeFileSync(junk, 'not gzip');
		const bad = dvrscope('diagnose', junk);
		expect(bad.code).toBe(3);
		expect(bad.stderr).toContain(junk);
	});

	it('exits 3 with a message naming a broken manifest', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-broken-'));
		writeFileSync(
			path.join(dir, 'manifest.json'),
			'{"format": "dvrscope-capture-set", "schemaVersion": 1',
		);
		const r = dvrscope('diagnose', dir);
		expect(r.code).toBe(3);
		expect(r.stderr).toContain(`${path.join(dir, 'manifest.json')}: invalid JSON`);
	});

	it('exits 3 for an unknown format, and --help documents the exit codes', () => {
		expect(dvrscope('diagnose', 'test/scenarios/healthy-dvr', '--format', 'yaml').code).toBe(3);
		const help = dvrscope('diagnose', '--help');
		expect(help.stdout).toContain('3  usage or input error');
	});

	it('merges several capture sets and can save the merged set', () => {
		const dir = path.join(mkdtempSync(path.join(tmpdir(), 'dvrscope-merged-')), 'set');
		const r = dvrscope(
			'diagnose',
			'test/scenarios/failover-stale',
			'test/scenarios/missing-captures',
			'--save-set',
			dir,
			'--json',
		);
		expect(r.code).toBe(2);
		const report = JSON.parse(r.stdout) as {captureSet: {captures: number}};
		expect(report.captureSet.captures).toBe(37);
		expect(dvrscope('diagnose', dir).code).toBe(2);
	});

	it('colours on a TTY and honours NO_COLOR (real pseudo-terminal via script(1))', () => {
		const tty = (env: string): string =>
			spawnSync(
				'script',
				[
					'-qec',
					`${env} ${process.execPath} --import tsx src/cli/main.ts diagnose test/scenarios/failover-stale`,
					'/dev/null',
				],
				{encoding: 'utf8', timeout: 600_000},
			).stdout;
		expect(tty('env -u NO_COLOR')).toContain('\u001b[31m');
		expect(tty('env NO_COLOR=1')).not.toContain('\u001b[');
	});
});
