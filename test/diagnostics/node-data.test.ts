/**
 * Diagnosis from node data alone (issue 11, cases 1 and 6): the recorded lab scenarios with every
 * OpenStack API capture removed, as `dvrscope diagnose` over SSH without credentials sees them.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet, toCaptureMeta} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {getModel, type NodeCarrier} from '../../src/diagnostics/model.js';
import {arpSpaHolder} from '../../src/diagnostics/model-nodes.js';
import type {CaptureSet} from '../../src/model/capture.js';
import type {Flow} from '../../src/model/facts.js';

const ROOT = path.resolve('test/scenarios');

/** Keep the captures `keep` accepts; optionally rewrite every stdout. */
function without(
	set: CaptureSet,
	keep: (c: CaptureSet['captures'][number]) => boolean,
	rewrite: (text: string) => string = t => t,
): CaptureSet {
	const captures = set.captures.filter(keep).map(c => ({...c, stdout: rewrite(c.stdout)}));
	const ids = new Set(captures.map(c => c.id));
	return {
		manifest: {...set.manifest, captures: set.manifest.captures.filter(c => ids.has(c.id))},
		captures,
	};
}

const nodeOnly = async (scenario: string, extra: (id: string) => boolean = () => true) =>
	without(await readCaptureSet(path.join(ROOT, scenario)), c => c.scope !== 'cloud' && extra(c.id));

const stale = (set: CaptureSet) =>
	diagnose(assembleSnapshot(set)).findings.filter(f => f.ruleId === 'dvr/stale-permanent-arp');

describe('diagnosis from node data alone (no OpenStack API)', () => {
	it('case 1: after the lab failover the stale PERMANENT entries are critical on every node', async () => {
		// Given the lab after failover, nodes only (vm2 holds the VIP; every qrouter points at vm1)
		const set = await nodeOnly('lab-failover');
		// When diagnosed
		const diagnosis = diagnose(assembleSnapshot(set));
		const found = diagnosis.findings.filter(f => f.ruleId === 'dvr/stale-permanent-arp');
		// Then critical, on the three nodes, naming the holder and its evidence, and how to add the API
		expect(found.map(f => [f.severity, f.nodes, f.vip])).toEqual([
			['critical', ['compute-1', 'compute-2', 'network'], '198.19.0.100'],
		]);
		expect(diagnosis.exitCode).toBe(2);
		const f = found[0];
		expect(f?.data['ownerMac']).toBe('fa:16:3e:46:af:3c');
		expect(f?.data['staleMac']).toBe('fa:16:3e:e4:ce:64');
		expect(f?.message).toContain('snat-4cf16748-2f93-4324-803e-6d0db9e6882b on network learnt');
		expect(f?.message).toContain('OS_CLOUD=');
		expect(f?.message).toContain('.lab-state/clouds.yaml');
		const notes = f?.evidence.map(e => e.note ?? '') ?? [];
		expect(notes.some(n => n.includes('dynamic ARP entry'))).toBe(true);
		expect(notes.some(n => n.includes('PERMANENT entry on compute-2'))).toBe(true);
		expect(f?.evidence.some(e => e.excerpt.includes('arp_spa=198.19.0.100'))).toBe(true);
	});

	it('the recording made without any API capture names the holder lab.json says is MASTER', async () => {
		const dir = path.join(ROOT, 'lab-failover-noapi');
		const lab = JSON.parse(readFileSync(path.join(dir, 'lab.json'), 'utf8')) as {
			master: 'vm1' | 'vm2';
			ports: Record<string, {mac: string}>;
			entries: Record<string, string>;
		};
		const set = await readCaptureSet(dir);
		expect(set.captures.filter(c => c.scope === 'cloud')).toEqual([]);
		const found = stale(set);
		expect(found.map(f => f.data['ownerMac'])).toEqual([lab.ports[lab.master]?.mac]);
		expect(found[0]?.data['staleMac']).toBe(lab.entries['compute-2']);
	});

	it('case 6: divergence without failover is critical on the node that missed the update', async () => {
		const found = stale(await nodeOnly('lab-divergence'));
		expect(found.map(f => [f.severity, f.nodes])).toEqual([['critical', ['compute-2']]]);
		expect(found[0]?.data['ownerMac']).toBe('fa:16:3e:42:c9:d1');
	});

	it('without the snat- neighbour table, the anti-spoofing counters name the holder', async () => {
		// Given the failover set without the snat- namespace's dynamic entry
		const set = await nodeOnly('lab-failover', id => !id.includes('neigh.snat-'));
		// Then the member port that sent the latest ARP from the VIP (vm2: 20 s vs 68 s) holds it
		const found = stale(set);
		expect(found.map(f => [f.severity, f.data['ownerMac']])).toEqual([
			['critical', 'fa:16:3e:46:af:3c'],
		]);
		expect(found[0]?.message).toContain('anti-spoofing');
		expect(found[0]?.evidence.some(e => e.note?.includes('latest ARP from 198.19.0.100'))).toBe(
			true,
		);
	});

	it('does not depend on the fa:16:3e prefix (sos-cleaned MACs)', async () => {
		const set = without(
			await readCaptureSet(path.join(ROOT, 'lab-failover')),
			c => c.scope !== 'cloud',
			text => text.replace(/fa:16:3e/g, '53:4f:53').replace(/0xfa163e/g, '0x534f53'),
		);
		const found = stale(set);
		expect(found.map(f => [f.severity, f.data['ownerMac'], f.nodes.length])).toEqual([
			['critical', '53:4f:53:46:af:3c', 3],
		]);
	});

	it('finds the VIP and its two member ports in br-int flows, and says where from', async () => {
		const model = getModel(assembleSnapshot(await nodeOnly('lab-failover')));
		const vip = model.vips.find(v => v.ip === '198.19.0.100');
		expect(vip?.carriers).toEqual([]);
		expect(vip?.nodeCarriers.map(c => [c.node, c.mac]).sort()).toEqual([
			['compute-1', 'fa:16:3e:46:af:3c'],
			['compute-1', 'fa:16:3e:e4:ce:64'],
		]);
		expect(vip?.discovery?.reason).toContain('anti-spoofing');
		expect(vip?.routers.map(r => r.distributed)).toEqual([true]);
		// Fixed IPs are allowed for one port each: never a VIP
		expect(model.vips.map(v => v.ip)).toEqual(['198.19.0.100']);
	});

	it('a VM namespace pasted as `ip -br addr` (no MAC) names the holder by the fixed IP on the same interface', async () => {
		// Given node data without the snat- entry, plus vm2's addresses typed by hand in the brief form
		const set = await nodeOnly('lab-failover', id => !id.includes('neigh.snat-'));
		const typed = toCaptureMeta({
			id: 'compute-1.vm2.addr-by-hand',
			scope: 'node',
			node: 'compute-1',
			argv: ['ip', '-n', 'vm2', '-br', 'addr', 'show'],
			kind: 'ip-addr',
			params: {namespace: 'vm2'},
			exitCode: 0,
			startedAt: '2026-11-26T14:48:20.000Z',
			durationMs: 1,
			stdout:
				'lo               UNKNOWN        127.0.0.1/8 ::1/128 \neth0@if12        UP             198.19.0.12/24 198.19.0.100/24 fe80::f816:3eff:fe46:af3c/64 \n',
			stderr: '',
		});
		const withTyped = {
			manifest: {...set.manifest, captures: [...set.manifest.captures, typed]},
			captures: [...set.captures, typed],
		};
		// Then the owner is the interface, its MAC inferred from 198.19.0.12 (vm2's fixed IP)
		const vip = getModel(assembleSnapshot(withTyped)).vips.find(v => v.ip === '198.19.0.100');
		expect(vip?.owner?.source).toBe('interface');
		expect(vip?.owner?.mac).toBe('fa:16:3e:46:af:3c');
		expect(vip?.owner?.observation.detail).toMatch(/198\.19\.0\.12/);
		const found = stale(withTyped);
		expect(found.map(f => [f.severity, f.nodes.length])).toEqual([['critical', 3]]);
		expect(found[0]?.evidence.some(e => e.capture === 'compute-1.vm2.addr-by-hand')).toBe(true);
	});

	it('with nothing that shows a holder, no stale finding is invented', async () => {
		const set = await nodeOnly(
			'lab-failover',
			id => !id.includes('neigh.snat-') && !id.includes('ovs.flows.br-int'),
		);
		expect(stale(set)).toEqual([]);
	});
});

describe('arpSpaHolder (anti-spoofing counters)', () => {
	const at = Date.parse('2026-11-26T03:00:00Z');
	const carrier = (mac: string, flow: Partial<Flow>): NodeCarrier => ({
		node: 'n1',
		mac,
		ofport: mac.slice(-1),
		label: mac,
		capturedAt: at,
		flow: {line: 1, raw: '', table: 24, priority: 2, flags: [], match: {}, actions: [], ...flow},
		evidence: [{capture: 'c', lines: [1], excerpt: 'x'}],
	});
	it('names the port with the latest ARP', () => {
		const holder = arpSpaHolder('10.0.0.5', [
			carrier('aa:00:00:00:00:01', {packets: 6, idleAge: 15, durationS: 900}),
			carrier('aa:00:00:00:00:02', {packets: 9, idleAge: 25, durationS: 900}),
		]);
		expect(holder?.mac).toBe('aa:00:00:00:00:01');
	});
	it('is absent when the ages are within the 1 s resolution margin', () => {
		expect(
			arpSpaHolder('10.0.0.5', [
				carrier('aa:00:00:00:00:01', {packets: 6, idleAge: 15, durationS: 900}),
				carrier('aa:00:00:00:00:02', {packets: 9, idleAge: 16, durationS: 900}),
			]),
		).toBeUndefined();
	});
	it('is absent when no port sent anything, or a flow was re-installed after the last hit', () => {
		expect(
			arpSpaHolder('10.0.0.5', [
				carrier('aa:00:00:00:00:01', {packets: 0, idleAge: 8, durationS: 8}),
				carrier('aa:00:00:00:00:02', {packets: 0, idleAge: 8, durationS: 8}),
			]),
		).toBeUndefined();
		expect(
			arpSpaHolder('10.0.0.5', [
				carrier('aa:00:00:00:00:01', {packets: 6, idleAge: 30, durationS: 900}),
				carrier('aa:00:00:00:00:02', {packets: 0, idleAge: 8, durationS: 8}),
			]),
		).toBeUndefined();
	});
});
