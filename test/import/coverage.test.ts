import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyze} from '../../src/diagnostics/analyze.js';
import {openSource, openSources} from '../../src/import/index.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {craftTar} from '../bundle/tar-craft.js';
import {
	archive,
	loadLab,
	writeApiData,
	writeOsctlDump,
	writeSosReport,
	type SosLayout,
} from './sos-fixture.js';

let tmp: string;
let lab: CaptureSet;
const NODES = ['network', 'compute-1', 'compute-2'];
let n = 0;

beforeAll(async () => {
	tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-sos-cov-'));
	lab = await loadLab();
});
afterAll(() => {
	rmSync(tmp, {recursive: true, force: true});
});

const reports = (layout: SosLayout | ((node: string) => SosLayout), nodes = NODES): string[] => {
	const dir = path.join(tmp, `r${++n}`);
	return nodes.map(node =>
		writeSosReport(dir, lab, node, typeof layout === 'function' ? layout(node) : layout),
	);
};
const api = (): string[] => writeApiData(path.join(tmp, `api${++n}`), lab);

const verdictOf = (set: CaptureSet) => analyze(set).diagnosis;

const criticalOf = (set: CaptureSet) =>
	verdictOf(set)
		.findings.filter(f => f.severity === 'critical')
		.map(f => ({rule: f.ruleId, vip: f.vip, router: f.router, nodes: f.nodes}));

describe('coverage of imported data: every gap is named, none is silent', () => {
	it('Given sos 4.3 reports without --api-data, When diagnosed, Then the verdict is never OK', async () => {
		const {set} = await openSources(reports({version: '4.3'}));
		const d = verdictOf(set);
		expect(d.verdict).not.toBe('ok');
		expect(d.coverage.complete).toBe(false);
	});

	it('Given Debian sos 4.0 reports with --api-data, When diagnosed, Then the verdict is INCOMPLETE and names the missing namespace neighbours', async () => {
		const {set} = await openSources(reports({version: '4.0'}), api());
		const d = verdictOf(set);
		expect(d.verdict).toBe('incomplete');
		const text = d.coverage.gaps.map(g => g.reason).join('\n');
		expect(text).toMatch(/sos 4\.0\.0 does not read neighbour tables inside namespaces/);
	});

	it('Given the networking plugin read only the first namespace (namespace cap), When imported, Then the others are not-collected with the cap named', async () => {
		const {set} = await openSources(reports({version: '4.3', namespaceCap: 1}), api());
		const failed = set.captures.filter(c => c.kind === 'ip-neigh' && c.failure !== undefined);
		expect(failed.length).toBeGreaterThan(0);
		expect(failed[0]?.failure?.message).toMatch(
			/first 1 namespaces only .*networking\.namespaces=0/,
		);
		expect(verdictOf(set).verdict).toBe('incomplete');
	});

	it('Given a report whose networking plugin hit its timeout, When imported, Then the node is read in part and its unread namespaces are timeouts', async () => {
		const dirs = reports(node =>
			node === 'compute-2' ? {version: '4.3', timeoutHit: true, namespaceCap: 1} : {version: '4.3'},
		);
		const {set} = await openSources(dirs, api());
		const failed = set.captures.filter(
			c => c.node === 'compute-2' && c.kind === 'ip-neigh' && c.failure !== undefined,
		);
		expect(failed.map(c => c.failure?.kind)).toContain('timeout');
		const d = verdictOf(set);
		expect(d.verdict).not.toBe('ok');
		expect(d.coverage.gaps.some(g => g.subject === 'compute-2' && g.kind === 'node-partial')).toBe(
			true,
		);
	});

	it('Given a flow dump sos kept the tail of (truncated, behind a link to sos_strings), When imported, Then the capture is truncated and the verdict is not OK', async () => {
		const dirs = reports({version: '4.3', truncate: ['br-int']});
		const files = dirs.map(d => archive(d, `${d}.tar.xz`, 'xz'));
		const {set} = await openSources(files, api());
		const cut = set.captures.filter(c => c.kind === 'ovs-flows' && c.truncated === true);
		expect(cut.map(c => c.node).sort()).toEqual([...NODES].sort());
		for (const c of cut) expect(c.stdout).toMatch(/table=/); // the body was read from sos_strings
		expect(verdictOf(set).coverage.gaps.some(g => g.kind === 'capture-truncated')).toBe(true);
	});

	it('Given stderr merged into outputs (sos runs with stderr=STDOUT), When imported, Then error lines go to stderr, an error-only output is a failed capture, and the rest parses cleanly', async () => {
		const ns = 'qrouter-4cf16748-2f93-4324-803e-6d0db9e6882b';
		const dirs = reports(node => ({
			version: '4.3',
			mergeStderr:
				node === 'compute-1'
					? {[`ip netns exec ${ns} ip -d address show`]: 'RTNETLINK answers: Invalid argument\n'}
					: {},
		}));
		const {set} = await openSources(dirs, api());
		const addr = set.captures.find(
			c => c.node === 'compute-1' && c.kind === 'ip-addr' && c.params?.namespace === ns,
		);
		expect(addr?.stderr).toMatch(/RTNETLINK answers/);
		expect(addr?.stdout).not.toMatch(/RTNETLINK/);
		const {snapshot} = analyze(set);
		expect(snapshot.errors.filter(e => e.capture === addr?.id)).toEqual([]);
		expect(criticalOf(set)).toEqual(criticalOf(lab));
	});

	it('Given reports masked by one sos clean run (MACs 53:4f:53:…), When diagnosed with the masked API data, Then the critical finding is the same as unmasked (no rule needs the fa:16:3e OUI)', async () => {
		const map = new Map<string, string>();
		const mask = (mac: string): string => {
			if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return mac;
			let m = map.get(mac);
			if (m === undefined) {
				const i = map.size + 1;
				m = `53:4f:53:${[i >> 16, (i >> 8) % 256, i % 256].map(x => x.toString(16).padStart(2, '0')).join(':')}`;
				map.set(mac, m);
			}
			return m;
		};
		const dirs = reports({version: '4.3', maskMac: mask});
		const apiFiles = api().map(f => {
			writeFileSync(
				f,
				readFileSync(f, 'utf8').replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi, m =>
					mask(m.toLowerCase()),
				),
			);
			return f;
		});
		const {set} = await openSources(dirs, apiFiles);
		expect(set.manifest.problems ?? []).toEqual([]);
		const masked = criticalOf(set);
		expect(masked.length).toBeGreaterThan(0);
		expect(masked).toEqual(criticalOf(lab));
	});

	it('Given reports masked by separate sos clean runs (each starts at 53:4f:53:00:00:01), When imported, Then the disagreement is detected and the verdict is not OK', async () => {
		const dirs = reports(() => {
			const map = new Map<string, string>();
			return {
				version: '4.3',
				maskMac: mac => {
					let m = map.get(mac);
					if (m === undefined) {
						m = `53:4f:53:00:00:${(map.size + 1).toString(16).padStart(2, '0')}`;
						map.set(mac, m);
					}
					return m;
				},
			};
		});
		const {set} = await openSources(dirs, api());
		expect(set.manifest.problems?.some(p => p.kind === 'masking-disagrees')).toBe(true);
		expect(set.manifest.problems?.find(p => p.kind === 'masking-disagrees')?.message).toMatch(
			/separate "sos clean" runs/,
		);
		expect(verdictOf(set).verdict).not.toBe('ok');
	});
});

describe('osctl sos dump import', () => {
	it('Given the lab nodes in the osctl layout (tar.gz without a top directory, one YAML Node per file) and the API data, When diagnosed, Then the verdict and critical finding are the live lab ones', async () => {
		const dir = writeOsctlDump(path.join(tmp, 'osctl1'), lab);
		const file = archive(dir, path.join(tmp, 'osctl1.tar.gz'), 'gzip', false);
		const opened = await openSource(file);
		expect(opened.kind).toBe('osctl');
		const {set} = await openSources([file], api());
		expect(set.manifest.nodes.map(x => x.id).sort()).toEqual([...NODES].sort());
		const {snapshot} = analyze(set);
		expect(snapshot.cloud.kubeNodes?.data.nodes.map(x => x.name).sort()).toEqual([...NODES].sort());
		expect(criticalOf(set)).toEqual(criticalOf(lab));
		expect(verdictOf(set).verdict).toBe(verdictOf(lab).verdict);
	});

	it('Given a namespace whose ip_nei.txt is missing and no later file exists, When imported, Then it is a not-collected capture (INCOMPLETE), while a missing ip_nei.txt with iptables files is an empty table', async () => {
		const ns = 'qrouter-4cf16748-2f93-4324-803e-6d0db9e6882b';
		const dir = writeOsctlDump(path.join(tmp, 'osctl2'), lab, {dropNeigh: `compute-2/${ns}`});
		const {set} = await openSources([dir], api());
		const neigh = set.captures.find(
			c => c.node === 'compute-2' && c.kind === 'ip-neigh' && c.params?.namespace === ns,
		);
		expect(neigh?.failure?.kind).toBe('not-collected');
		expect(neigh?.failure?.message).toMatch(/iptables_\*\.txt/);
		// Still critical (other nodes show the stale entry), and the gap is named.
		const d = verdictOf(set);
		expect(d.coverage.complete).toBe(false);
		expect(d.coverage.gaps.some(g => g.reason.includes(`namespace ${ns}`))).toBe(true);
		// With the later file present the same absence is an empty table.
		const dir3 = writeOsctlDump(path.join(tmp, 'osctl3'), lab, {dropNeigh: `compute-2/${ns}`});
		writeFileSync(
			path.join(dir3, 'neutron', 'compute-2', ns, 'iptables_nat.txt'),
			'Chain PREROUTING\n',
		);
		const again = (await openSources([dir3])).set.captures.find(
			c => c.node === 'compute-2' && c.kind === 'ip-neigh' && c.params?.namespace === ns,
		);
		expect(again?.failure).toBeUndefined();
		expect(again?.stdout).toBe('');
	});

	it('Given a flow dump whose last line is cut (no newline), When imported, Then the cut line is dropped, named with its line number, and the capture is truncated', async () => {
		const dir = writeOsctlDump(path.join(tmp, 'osctl4'), lab, {cutFlows: 'network/br-int'});
		const {set} = await openSources([dir]);
		const flows = set.captures.find(
			c => c.node === 'network' && c.kind === 'ovs-flows' && c.params?.bridge === 'br-int',
		);
		expect(flows?.truncated).toBe(true);
		expect(flows?.stderr).toMatch(
			/line \d+ of neutron\/network\/br-int\/ovs_ofctl_dump_flows\.txt ends without a newline/,
		);
		expect(flows?.stdout.endsWith('\n')).toBe(true);
	});
});

describe('hostile sos archives', () => {
	const xz = (name: string, entries: Parameters<typeof craftTar>[0]): string => {
		const tar = path.join(tmp, `${name}.tar`);
		writeFileSync(tar, craftTar(entries));
		execFileSync('xz', ['-f', tar]);
		return `${tar}.xz`;
	};
	const top = 'sosreport-evil-2026-12-07-abcdefg';

	it('Given a link at a wanted name pointing outside the report, When imported, Then it is recorded and never followed', async () => {
		const file = xz('link', [
			{name: `${top}/sos_commands/host/hostname`, body: 'evil\n'},
			{name: `${top}/sos_commands/networking/ip_netns`, type: '2', linkname: '/etc/shadow'},
		]);
		const {set} = await openSources([file]);
		expect(JSON.stringify(set.captures)).not.toMatch(/root:/);
		expect(set.captures.some(c => c.kind === 'ip-netns')).toBe(false);
	});

	it.each([
		['a ".." entry', {name: `${top}/../../etc/cron.d/x`, body: 'x'}, /"\.\." in path/],
		['an absolute entry', {name: '/etc/passwd', body: 'x'}, /absolute path/],
		[
			'a device entry',
			{name: `${top}/sos_commands/networking/dev`, type: '3' as const},
			/CharacterDevice entry/,
		],
	])(
		'Given %s, When imported, Then the archive is refused with the entry named',
		async (_what, entry, message) => {
			const file = xz(`bad${++n}`, [
				{name: `${top}/sos_commands/host/hostname`, body: 'evil\n'},
				entry,
			]);
			await expect(openSources([file])).rejects.toThrow(message);
		},
	);

	it('Given a corrupt xz stream, When imported, Then a clear error names the file', async () => {
		const file = path.join(tmp, 'corrupt.tar.xz');
		const good = xz('good', [
			{name: `${top}/sos_commands/host/hostname`, body: 'h\n'.repeat(5000)},
		]);
		const bytes = readFileSync(good);
		bytes.fill(0x41, 64, 200);
		writeFileSync(file, bytes);
		await expect(openSources([file])).rejects.toThrow(
			/corrupt\.tar\.xz: (corrupt|cannot read) xz data/,
		);
	});

	it('Given a file that is no archive, When opened, Then the error names it and every format', async () => {
		const file = path.join(tmp, 'notes.txt');
		writeFileSync(file, 'hello');
		await expect(openSources([file])).rejects.toThrow(
			/notes\.txt: not a bundle, sos report or osctl dump/,
		);
	});
});
