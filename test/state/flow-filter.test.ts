import {describe, expect, it} from 'vitest';
import {narrows, parseFilter} from '../../src/state/flow-filter.js';
import {buildFlowIndex, notesOf, rowOf} from '../../src/state/flow-index.js';
import {compareValue, filterFlows, filterFlowsIncremental} from '../../src/state/flow-query.js';
import {analyseIncident, makeIncidentSet} from '../helpers/incident.js';
import {ensureFlows} from '../helpers/console.js';

const set = makeIncidentSet();
const snapshot = ensureFlows(analyseIncident(set).snapshot, set);
const index = buildFlowIndex(snapshot);
const texts = (filter: string): string[] =>
	[...filterFlows(index, filter).ids].map(
		id => `${rowOf(index, id)?.node}:${rowOf(index, id)?.line}`,
	);

describe('parseFilter', () => {
	it.each([
		['', undefined],
		['arp', {type: 'term', key: 'arp', text: 'arp'}],
		['table=22', {type: 'term', key: 'table', op: '=', value: '22', text: 'table=22'}],
		[
			'actions~=drop',
			{type: 'term', key: 'actions', op: '~=', value: 'drop', text: 'actions~=drop'},
		],
		['!arp', {type: 'not', expr: {type: 'term', key: 'arp', text: 'arp'}}],
		['10.0.0.100', {type: 'term', value: '10.0.0.100', text: '10.0.0.100'}],
	])('%s', (input, expr) => {
		expect(parseFilter(input)).toEqual({ok: true, expr});
	});

	it('gives && precedence over || and accepts words and parentheses', () => {
		const r = parseFilter('a || b && c');
		expect(r.ok && r.expr?.type).toBe('or');
		const p = parseFilter('(a || b) and not c');
		expect(p.ok && p.expr?.type).toBe('and');
	});

	it('ignores a trailing operator (someone is typing) but reports a real syntax error', () => {
		expect(parseFilter('arp &&')).toEqual(parseFilter('arp'));
		expect(parseFilter('arp &')).toEqual(parseFilter('arp'));
		expect(parseFilter('actions~')).toEqual(parseFilter('actions'));
		expect(parseFilter('arp && dl_dst!')).toEqual(parseFilter('arp && dl_dst'));
		expect(parseFilter('(arp').ok).toBe(false);
		expect(parseFilter('arp )').ok).toBe(false);
		expect(parseFilter('"unterminated').ok).toBe(false);
	});
});

describe('filterFlows over the incident (real ovs-flows parser output)', () => {
	it.each([
		['arp && arp_tpa=10.0.0.1', ['compute-1:9', 'compute-2:9']],
		['table=22', ['compute-1:9', 'compute-1:10', 'compute-2:9', 'compute-2:10']],
		['table=ARP_RESPONDER && arp', ['compute-1:7', 'compute-2:7']],
		['actions~=drop && node=compute-2', ['compute-2:3', 'compute-2:4', 'compute-2:9']],
		['arp_tpa=10.0.0.0/24 && !table=21', ['compute-1:9', 'compute-2:9']],
		['priority>2 || n_packets>100', ['compute-1:2', 'compute-1:9', 'compute-2:2', 'compute-2:9']],
		['output=vxlan-0a000002', ['compute-1:10', 'compute-2:10']],
		['in_port=patch-int && node=compute-1', ['compute-1:2']],
		['resubmit=21', ['compute-1:6', 'compute-2:6']],
		['fa:16:3e:aa:aa:aa', ['compute-1:7', 'compute-2:7']],
		['DVR MAC of this node', ['compute-1:5', 'compute-2:5']],
		['eth_src=fa:16:3e:72:7a:50', ['compute-1:5', 'compute-2:5']],
		['nosuchfield=1', []],
	])('%s', (filter, expected) => {
		expect(texts(filter)).toEqual(expected);
	});

	it('decodes ARP-responder flows, DVR MACs and port numbers into notes', () => {
		const notes = Array.from({length: index.size}, (_, id) => notesOf(index, id)).flat();
		expect(notes).toContain('ARP reply 10.0.0.11 is-at fa:16:3e:aa:aa:aa');
		expect(notes).toContain('fa:16:3f:00:00:01 = DVR MAC of this node');
		expect(notes).toContain('output 2=vxlan-0a000002');
		expect(index.dvrMacs.get('fa:16:3f:00:00:02')).toBe('compute-2');
	});

	it.each([
		['priority', () => true],
		['priority>2', (p: number) => p > 2],
		['priority<=1', (p: number) => p <= 1],
		['priority~=65', (p: number) => String(p).includes('65')],
		['priority=abc', () => false],
		['priority!=abc', () => true],
		['table=21 || priority>2', (p: number, t: number) => t === 21 || p > 2],
	])('%s matches the flows whose priority (and table) say so', (filter, want) => {
		const expected = Array.from({length: index.size}, (_, id) => id).filter(id => {
			const flow = rowOf(index, id)?.flow;
			return flow !== undefined && want(flow.priority, flow.table);
		});
		expect([...filterFlows(index, filter).ids]).toEqual(expected);
	});

	it('keeps every row while a value is still to be typed (actions~= with nothing after it)', () => {
		expect(filterFlows(index, 'actions~=').ids.length).toBe(index.size);
		expect(filterFlows(index, 'table=22 && actions~=').ids).toEqual(
			filterFlows(index, 'table=22').ids,
		);
	});

	it.each([
		['MOD_DL_SRC', 'mod_dl_src'],
		['Fa:16:3E:AA:aa:AA', 'fa:16:3e:aa:aa:aa'],
		['actions~=RESUBMIT', 'actions~=resubmit'],
		['table=1 && MOD_dl_SRC', 'table=1 && mod_dl_src'],
		['table=21 && actions~=Load', 'table=21 && actions~=load'],
	])('searches text in any case: %s finds what %s finds', (upper, lower) => {
		// Over the whole index (every text searched) and over a few rows (each line tested)
		expect(texts(lower).length).toBeGreaterThan(0);
		expect(texts(upper)).toEqual(texts(lower));
	});

	it('narrows the previous result while typing instead of rescanning everything', () => {
		const a = filterFlows(index, 'arp');
		const b = filterFlows(index, 'arp 10.0.0.1', a);
		expect(narrows(a.expr, b.expr)).toBe(true);
		expect(b.scanned).toBeLessThanOrEqual(a.ids.length);
		const c = filterFlows(index, 'arp 10.0.0.11', b);
		expect(c.scanned).toBe(b.ids.length);
		expect([...c.ids]).toEqual([...filterFlows(index, 'arp 10.0.0.11').ids]);
	});

	it('tests only the condition being typed on the rows of the ones before it', () => {
		// Given the rows of table=21
		const t21 = filterFlows(index, 'table=21');
		// When a second condition is typed key by key (node=c… never narrows: = is not "contains")
		let r = filterFlows(index, 'table=21 && n', t21);
		for (const text of ['table=21 && node', 'table=21 && node=c', 'table=21 && node=compute-1'])
			r = filterFlows(index, text, r);
		// Then each step looked at table 21's rows only, and the result is the same as from scratch
		expect(r.scanned).toBe(t21.ids.length);
		expect([...r.ids]).toEqual([...filterFlows(index, 'table=21 && node=compute-1').ids]);
		expect(r.ids.length).toBeGreaterThan(0);
	});

	it('narrows a bare word that searches as free text as it grows (ta → tab → tabl)', () => {
		const a = filterFlows(index, 'ta');
		const b = filterFlows(index, 'tab', a);
		expect(b.scanned).toBe(a.ids.length);
		expect([...b.ids]).toEqual([...filterFlows(index, 'tab').ids]);
	});

	it('uses the table posting list for table=N', () => {
		const r = filterFlows(index, 'table=22');
		expect(r.scanned).toBe(4);
	});

	it('keeps the previous rows and reports the error for a filter that does not parse', () => {
		const ok = filterFlowsIncremental(index, 'table=22');
		const bad = filterFlowsIncremental(index, 'table=22 && (');
		expect(bad.error).toBeDefined();
		expect([...bad.ids]).toEqual([...ok.ids]);
	});

	it.each([
		['10.0.0.5', '=', '10.0.0.0/24', true],
		['10.0.1.5', '=', '10.0.0.0/24', false],
		['0x10', '=', '16', true],
		['FA:16:3E:AA:AA:AA', '=', 'fa:16:3e:aa:aa:aa', true],
		['5', '>', '3', true],
		['abc', '>', '3', false],
		['resubmit(,22)', '~=', '22', true],
		['1', '!=', '2', true],
	] as const)('compareValue(%s %s %s) = %s', (a, op, w, expected) => {
		expect(compareValue(a, op, w)).toBe(expected);
	});
});
