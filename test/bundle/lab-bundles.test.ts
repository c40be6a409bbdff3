/** Bundles written from real lab collections (test/fixtures/bundle/lab/README.md): diff, analyze, pseudonymise. */
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {diffSnapshots, renderDiffText, type DiffSide} from '../../src/bundle/diff.js';
import {pseudonymizeCaptureSet, reverseText} from '../../src/bundle/pseudonymize.js';
import {openInput, type OpenedInput} from '../../src/bundle/read.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';

const lab = (name: string): string =>
	fileURLToPath(new URL(`../fixtures/bundle/lab/${name}`, import.meta.url));
const side = (opened: OpenedInput): DiffSide => {
	const snapshot = assembleSnapshot(opened.set);
	return {label: opened.source, snapshot, diagnosis: diagnose(snapshot)};
};

describe('bundles from the real lab', () => {
	it('Given bundles taken before and after a keepalived failover, When diffed, Then the VIP flip and the qrouter entries that did not change are shown', async () => {
		const before = await openInput(lab('healthy-vm1.tar.gz'));
		const after = await openInput(lab('failover-vm2.tar.gz'));
		const diff = diffSnapshots(side(before), side(after));
		expect(diff.vips).toHaveLength(1);
		expect(diff.vips[0]).toMatchObject({ip: '198.19.0.100', ownerChanged: true});
		expect(diff.vips[0]?.before?.mac).toBe('fa:16:3e:42:56:09');
		expect(diff.vips[0]?.after?.mac).toBe('fa:16:3e:90:4f:fc');
		expect(diff.vipEntriesUnchanged.map(u => [u.node, u.lladdr, u.ownerMoved])).toEqual([
			['compute-1', 'fa:16:3e:42:56:09', true],
			['compute-2', 'fa:16:3e:42:56:09', true],
			['network', 'fa:16:3e:42:56:09', true],
		]);
		expect(diff.vipEntriesUnchanged.every(u => u.namespace.startsWith('qrouter-'))).toBe(true);
		expect(diff.findings.appeared.map(f => f.ruleId)).toEqual(['dvr/stale-permanent-arp']);
		expect(renderDiffText(diff)).toContain(
			'MOVED  198.19.0.100: fa:16:3e:42:56:09 (dynamic-neigh on network snat-',
		);
	});

	it.each([
		['healthy-vm1.tar.gz', 0],
		['failover-vm2.tar.gz', 1],
	])(
		'Given %s, When analyzed offline, Then the stale-ARP finding is there only after the failover, as at bundle time',
		async (name, expected) => {
			const opened = await openInput(lab(name));
			const stale = diagnose(assembleSnapshot(opened.set)).findings.filter(
				f => f.ruleId === 'dvr/stale-permanent-arp',
			);
			expect(stale).toHaveLength(expected);
			const stored = JSON.parse(opened.storedFindings ?? '{}') as {findings?: {ruleId: string}[]};
			expect(stored.findings?.filter(f => f.ruleId === 'dvr/stale-permanent-arp')).toHaveLength(
				expected,
			);
		},
	);

	it('Given the failover bundle, When pseudonymised and diagnosed, Then the findings mapped back are the original ones', async () => {
		const opened = await openInput(lab('failover-vm2.tar.gz'));
		const original = diagnose(assembleSnapshot(opened.set))
			.findings.map(f => JSON.stringify(f))
			.sort();
		const {set, mapping} = pseudonymizeCaptureSet(opened.set, {key: 'lab'});
		const pseudo = diagnose(assembleSnapshot(set)).findings.map(f => JSON.stringify(f));
		expect(pseudo.join('\n')).not.toContain('198.19.0.100');
		expect(pseudo.join('\n')).not.toContain('compute-1');
		expect(pseudo.map(f => reverseText(f, mapping)).sort()).toEqual(original);
		expect(original.length).toBeGreaterThan(0);
	});
});
