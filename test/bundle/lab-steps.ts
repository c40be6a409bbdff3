/**
 * Bundle steps for the lab end-to-end test (test/lab/lab.e2e.test.ts calls them on its real
 * collections): collect → bundle → analyze must give the findings of diagnosing the live
 * collection, no planted secret may reach the archive, and the diff of the bundles taken before
 * and after a failover must show the VIP flip and the qrouter entries that did not change.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {expect} from 'vitest';
import {diffSnapshots, type DataPlaneDiff} from '../../src/bundle/diff.js';
import {openInput} from '../../src/bundle/read.js';
import {writeBundle} from '../../src/bundle/write.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import type {CaptureSet} from '../../src/model/capture.js';

const findingsText = (set: CaptureSet): string[] =>
	diagnose(assembleSnapshot(set))
		.findings.map(f => JSON.stringify(f))
		.sort();

/**
 * Bundle a live collection, read it back safely, and check that the findings are the same and
 * that no `auth_pass` value (the lab plants one in keepalived.conf) is in the archive bytes.
 * Returns the bundle path (in a temp dir the caller may remove with `cleanup`).
 */
export async function checkBundleOfLiveSet(
	set: CaptureSet,
): Promise<{bundle: string; cleanup: () => Promise<void>}> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-lab-bundle-'));
	const bundle = path.join(dir, 'lab.tar.gz');
	await writeBundle(set, {output: bundle});
	const opened = await openInput(bundle);
	expect(opened.kind).toBe('bundle');
	expect(findingsText(opened.set)).toEqual(findingsText(set));
	const raw = gunzipSync(await readFile(bundle)).toString('latin1');
	const secrets = set.captures.flatMap(c =>
		[...c.stdout.matchAll(/auth_pass\s+(\S+)/g)].map(m => m[1] ?? ''),
	);
	for (const secret of secrets.filter(s => s !== '' && !s.includes('REDACTED')))
		expect(raw).not.toContain(secret);
	return {bundle, cleanup: () => rm(dir, {recursive: true, force: true})};
}

/**
 * Diff two bundles taken before and after a keepalived failover: the VIP's owner moved, and every
 * stale node's qrouter entry for the VIP is listed as unchanged with `ownerMoved`.
 */
export async function checkFailoverDiff(
	beforeBundle: string,
	afterBundle: string,
	expected: {vip: string; staleNodes: readonly string[]},
): Promise<DataPlaneDiff> {
	const side = async (file: string) => {
		const opened = await openInput(file);
		const snapshot = assembleSnapshot(opened.set);
		return {label: file, snapshot, diagnosis: diagnose(snapshot)};
	};
	const diff = diffSnapshots(await side(beforeBundle), await side(afterBundle));
	expect(diff.vips.find(v => v.ip === expected.vip)?.ownerChanged).toBe(true);
	const unchanged = diff.vipEntriesUnchanged.filter(u => u.dst === expected.vip && u.ownerMoved);
	expect(new Set(unchanged.map(u => u.node))).toEqual(new Set(expected.staleNodes));
	return diff;
}
