/** dump-flows text as pasted into tickets: wrapped lines, a head-cut first line, pieces. */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {beginsLikeFlow} from '../../../src/collectors/flows/lines.js';
import {ovsFlowsParser} from '../../../src/collectors/parsers/ovs-flows.js';
import type {Flow} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';

const shape = (f: Flow) => ({
	table: f.table,
	priority: f.priority,
	packets: f.packets,
	match: f.match,
	actions: f.actions.map(a => a.raw),
});

const LAB = [
	'NXST_FLOW reply (xid=0x4):',
	' cookie=0x330ca2d8558c0583, duration=958.245s, table=24, n_packets=31, n_bytes=1302, idle_age=20, priority=2,arp,in_port=4,arp_spa=198.19.0.100 actions=resubmit(,25)',
	' cookie=0x330ca2d8558c0583, duration=773.945s, table=24, n_packets=16, n_bytes=672, idle_age=68, priority=2,arp,in_port=3,arp_spa=198.19.0.100 actions=resubmit(,25)',
	' cookie=0x330ca2d8558c0583, duration=958.264s, table=25, n_packets=909, n_bytes=52090, idle_age=0, priority=2,in_port=4,dl_src=fa:16:3e:46:af:3c actions=resubmit(,30)',
].join('\n');

/** Cut every line into pieces of `width` characters, as a terminal wraps them. */
const terminalWrap = (text: string, width: number): string =>
	text
		.split('\n')
		.flatMap(line => {
			const pieces: string[] = [];
			for (let i = 0; i < line.length; i += width) pieces.push(line.slice(i, i + width));
			return pieces.length > 0 ? pieces : [''];
		})
		.join('\n');

/** Break lines at spaces after `width` characters, as a web page wraps them. */
const webWrap = (text: string, width: number): string =>
	text
		.split('\n')
		.map(line => {
			const words = line.split(' ');
			const out: string[] = [];
			let current = '';
			for (const word of words) {
				if (current.length > width) {
					out.push(current);
					current = word;
				} else current = current === '' ? word : `${current} ${word}`;
			}
			out.push(current);
			return out.join('\n');
		})
		.join('\n');

describe('ovs-flows parser: pasted dumps', () => {
	it('Given lines wrapped by an 80-column terminal, then each flow is read whole at the line it starts on', () => {
		const wrapped = terminalWrap(LAB, 80);
		const {facts, warnings} = ovsFlowsParser.parse(wrapped);
		expect(warnings).toEqual([]);
		expect(facts.flows.map(shape)).toEqual(ovsFlowsParser.parse(LAB).facts.flows.map(shape));
		const lines = wrapped.split('\n');
		for (const f of facts.flows) expect(lines[f.line - 1]).toMatch(/^ cookie=/);
		expect(facts.flows[0]?.match['arp_spa']).toBe('198.19.0.100');
	});

	it('Given lines wrapped at spaces by a web page, then each flow is read whole', () => {
		const {facts, warnings} = ovsFlowsParser.parse(webWrap(LAB, 50));
		expect(warnings).toEqual([]);
		expect(facts.flows.map(shape)).toEqual(ovsFlowsParser.parse(LAB).facts.flows.map(shape));
	});

	it('Given a first line cut at its head (a truncated sos capture), then it is a warning with its line number, never a flow', () => {
		const text = [
			't=4 actions=load:0xa000004->NXM_OF_ARP_SPA[],IN_PORT',
			...LAB.split('\n').slice(1),
		].join('\n');
		const {facts, warnings} = ovsFlowsParser.parse(text);
		expect(facts.flows.map(f => f.line)).toEqual([2, 3, 4]);
		expect(warnings.map(w => w.line)).toEqual([1]);
		expect(warnings[0]?.message).toMatch(/does not begin like a flow \("t…".*dump-flows/);
	});

	it('Given a head cut inside the stats, then the line is read from the words it still has, joined with its wrapped piece', () => {
		const text = [
			'n_bytes=1302, idle_age=20, priority=2,arp,in_port=4,',
			'arp_spa=198.19.0.100 actions=resubmit(,25)',
			LAB.split('\n')[3] ?? '',
		].join('\n');
		const {facts, warnings} = ovsFlowsParser.parse(text);
		// n_bytes= begins like a flow: the joined line is read (its counters are the ones it shows)
		expect(warnings).toEqual([]);
		expect(facts.flows.map(f => [f.line, f.table, f.match['arp_spa']])).toEqual([
			[1, 0, '198.19.0.100'],
			[3, 25, undefined],
		]);
	});

	it('Given a piece with no match and no stats, then it is never a flow', () => {
		const {facts, warnings} = ovsFlowsParser.parse('actions=resubmit(,25)\n');
		expect(facts.flows).toEqual([]);
		expect(warnings.map(w => w.line)).toEqual([1]);
	});

	it('Given a dump as OVS prints it, then the text is read as it is (no copy, same flows)', () => {
		const text = fixture('gen-ovs-ofctl-dump-flows-br-int-dvr-of10.txt');
		const {facts, warnings} = ovsFlowsParser.parse(text);
		expect(warnings).toEqual([]);
		expect(facts.flows.length).toBe(17);
	});

	it('Given any real dump wrapped at any width, then the same flows are read from the lines they start on', () => {
		const dumps = [
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt',
			'gen-ovs-ofctl-dump-flows-br-int-dvr-of13.txt',
			'gen-ovs-ofctl-dump-flows-br-tun-dvr-nostats-names.txt',
			'ovs-local/dump-flows-nostats.txt',
		].map(fixture);
		fc.assert(
			fc.property(
				fc.constantFrom(...dumps),
				fc.integer({min: 20, max: 160}),
				fc.boolean(),
				(text, width, web) => {
					const wrapped = web ? webWrap(text, width) : terminalWrap(text, width);
					// A piece inside the actions that begins like a flow (`table=` in learn()) after
					// a piece that could end a flow is ambiguous by nature: left out of the property.
					const ambiguous = text.split('\n').some(line => {
						const pieces = (web ? webWrap(line, width) : terminalWrap(line, width))
							.split('\n')
							.map(p => p.trim());
						return pieces.some(
							(p, i) =>
								i > 0 &&
								beginsLikeFlow(p) &&
								!p.startsWith('cookie=') &&
								pieces.slice(0, i).join('').includes('actions=') &&
								!/[-:>,(=[.]$/.test(pieces[i - 1] ?? ''),
						);
					});
					fc.pre(!ambiguous);
					const want = ovsFlowsParser.parse(text).facts.flows.map(shape);
					const {facts, warnings} = ovsFlowsParser.parse(wrapped);
					expect(warnings).toEqual([]);
					expect(facts.flows.map(shape)).toEqual(want);
				},
			),
			{numRuns: 300},
		);
	});
});
