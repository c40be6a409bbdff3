/**
 * sos reports of an ml2/ovn cloud. Real outputs only (test/fixtures/ovn-list-lab and
 * test/fixtures/sos-4.0-ovn-lab, both from the project's OVN lab, see their README): the Debian
 * sosreport 4.0 trees as sos wrote them, and the real `ovn-nbctl|ovn-sbctl --no-leader-only list T`
 * text outputs placed in a sos layout BUILT HERE BY HAND from the ovn_central plugin's file names
 * (sos ≥ 4.5 lists every table that way; no such sos runs here).
 */
import {
	cpSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {ovnDbParser} from '../../src/collectors/parsers/ovn-db.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {getOvn} from '../../src/diagnostics/ovn.js';
import {openSources} from '../../src/import/index.js';

const FIX = path.join(import.meta.dirname, '..', 'fixtures');
const LISTS = path.join(FIX, 'ovn-list-lab');
const SOS40 = path.join(FIX, 'sos-4.0-ovn-lab');
const sos40 = (node: string): string => {
	const dir = readdirSync(SOS40).find(d => d.startsWith(`sosreport-${node}-`));
	if (dir === undefined) throw new Error(`no sos 4.0 fixture for ${node}`);
	return path.join(SOS40, dir);
};

let tmp: string;
beforeAll(() => {
	tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-sos-ovn-'));
});
afterAll(() => {
	rmSync(tmp, {recursive: true, force: true});
});

/** A sos ≥ 4.5 controller report by hand: the real list outputs under ovn_central's file names. */
function handBuiltController(): string {
	const root = path.join(tmp, 'sosreport-controller-2026-12-07-handbuilt');
	const dir = path.join(root, 'sos_commands', 'ovn_central');
	mkdirSync(dir, {recursive: true});
	for (const file of readdirSync(LISTS).filter(f => f.endsWith('.txt'))) {
		const [db, table] = file.replace(/\.txt$/, '').split('-') as [string, string];
		const tool = db === 'nb' ? 'ovn-nbctl' : 'ovn-sbctl';
		cpSync(path.join(LISTS, file), path.join(dir, `${tool}_--no-leader-only_list_${table}`));
	}
	// sos counts MAC_Binding rows with --columns=_uuid: not a table dvrscope may read as one
	writeFileSync(path.join(dir, 'ovn-sbctl_--no-leader-only_--columns_uuid_list_MAC_Binding'), '');
	writeFileSync(path.join(root, 'version.txt'), 'sos report version: 4.9\n');
	return root;
}

const rowsOf = (text: string) => {
	const parsed = ovnDbParser.parse(text);
	return {
		warnings: parsed.warnings,
		db: parsed.facts.db,
		tables: Object.fromEntries(
			Object.entries(parsed.facts.tables).map(([name, t]) => [
				name,
				t.rows.map(r => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'line'))),
			]),
		),
	};
};

describe('OVN NB/SB in text form (what sos saves) read like the JSON', () => {
	it('Given each real `list T` text output and the JSON of the same moment, When parsed, Then the tables, databases and rows are the same', () => {
		const files = readdirSync(LISTS).filter(f => f.endsWith('.txt'));
		expect(files.length).toBe(13);
		for (const file of files) {
			const text = rowsOf(readFileSync(path.join(LISTS, file), 'utf8'));
			const json = rowsOf(readFileSync(path.join(LISTS, file.replace(/txt$/, 'json')), 'utf8'));
			expect(text.warnings, file).toEqual([]);
			// an empty table prints nothing in text form: the capture's `list T` names it (assemble)
			if (Object.values(json.tables).every(rows => rows.length === 0))
				expect(text.tables, file).toEqual({});
			else expect(text, file).toEqual(json);
		}
	});
});

describe('sos reports from the ML2/OVN lab', () => {
	it('Given the real sos 4.0 reports of the OVN controller and a chassis (no NB/SB table listed), When imported and diagnosed, Then the backend is ml2/ovn, the OVN rules are skipped for the missing NB/SB, the DVR rules do not apply, and the verdict is INCOMPLETE — never OK', async () => {
		const {set} = await openSources([sos40('controller'), sos40('compute-1')]);
		const snapshot = assembleSnapshot(set);
		const d = diagnose(snapshot);
		expect(d.backend?.backend).toBe('ml2/ovn');
		expect(d.backend?.summary).toContain('external_ids:ovn-remote');
		const ovn = d.outcomes.filter(o => o.ruleId.startsWith('ovn/'));
		expect(ovn.length).toBeGreaterThanOrEqual(5);
		for (const o of ovn) expect(o.status, o.ruleId).toBe('skipped');
		for (const o of d.outcomes.filter(x => x.ruleId.startsWith('dvr/')))
			expect(o.status === 'skipped' ? (o.notApplicable ?? '') : o.status, o.ruleId).toMatch(
				/not applicable on ml2\/ovn/,
			);
		expect(d.verdict).toBe('incomplete');
		expect(JSON.stringify(d.coverage.gaps)).toMatch(/ovn/i);
	});

	it('Given a sos layout with the real `list T` text outputs of the controller (hand-built) and the real sos 4.0 report of compute-1, When imported, Then the NB/SB are the lab data, the OVN rules run, and without compute-2 read the holder stays unknown: INCOMPLETE, never OK', async () => {
		const {set} = await openSources([handBuiltController(), sos40('compute-1')]);
		const ovnCaptures = set.captures.filter(c => c.kind === 'ovn-db');
		expect(ovnCaptures.length).toBe(13);
		const snapshot = assembleSnapshot(set);
		expect(snapshot.errors.filter(e => /ovn/i.test(e.message))).toEqual([]);
		const ovn = getOvn(snapshot);
		expect(ovn).toBeDefined();
		expect(Object.keys(ovn?.sb.data.tables ?? {}).sort()).toEqual([
			'Chassis',
			'Chassis_Private',
			'Datapath_Binding',
			'MAC_Binding',
			'Port_Binding',
		]);
		const v = ovn?.vips.find(x => x.ip === '198.19.0.100');
		expect(v?.parents.length).toBe(2);
		expect(v?.vipBinding?.['virtual_parent']).toBeTypeOf('string');
		expect(v?.owner).toBeUndefined();
		// evidence of a row read from its own `list T` file: that file, the record's lines
		const ev = ovn?.evidence('sb', v?.vipBinding ?? {line: 0}, 'test');
		expect(ev?.capture).toMatch(/Port_Binding/);
		expect(ev?.excerpt).toMatch(/^_uuid: [0-9a-f-]{36} \| chassis: /);
		const d = diagnose(snapshot);
		expect(d.backend?.backend).toBe('ml2/ovn');
		const security = d.outcomes.find(o => o.ruleId === 'ovn/vip-port-security');
		expect(security?.status).toBe('pass');
		expect(d.verdict).toBe('incomplete');
	});
});
