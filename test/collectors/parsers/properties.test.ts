import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {parseCapture} from '../../../src/collectors/parsers/index.js';
import type {ParserKind} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';

/** Real outputs per kind, mutated by the properties below. */
const SAMPLES: ReadonlyArray<readonly [ParserKind, readonly string[]]> = [
	['ip-netns', ['gen-ip-netns-list.txt', 'gen-ip-j-netns-list.json', 'gen-ip-netns-list-id.txt']],
	[
		'ip-addr',
		[
			'gen-ip-addr-show-qrouter.txt',
			'gen-ip-o-addr-show-qrouter.txt',
			'gen-ip-j-addr-show-qrouter.json',
			'gen-ip-o-link-show-qrouter.txt',
		],
	],
	[
		'ip-neigh',
		[
			'gen-ip-neigh-show-qrouter.txt',
			'gen-ip-s-neigh-show-qrouter.txt',
			'gen-ip-j-neigh-show-qrouter.json',
			'iproute2-local/ip-s-neigh-show-nud-all.txt',
		],
	],
	[
		'ip-route',
		['iproute2-local/ip-route-show-table-all.txt', 'iproute2-local/ip-j-route-show-table-all.json'],
	],
	['ip-rule', ['iproute2-local/ip-rule-show.txt', 'iproute2-local/ip-j-rule-show.json']],
	['ip-all-netns', ['iproute2-local/ip-all-netns-exec-ip-neigh-show.txt']],
	[
		'keepalived-conf',
		['fixture-neutron-l3ha-keepalived-conf.txt', 'fixture-octavia-keepalived-conf.txt'],
	],
	[
		'openstack-ports',
		['pub-openstack-port-show-table.txt', 'openstack-constructed/neutron-api-ports.json'],
	],
	[
		'openstack-routers',
		['openstack-constructed/router-list-long.json', 'openstack-lab/router-show-table.txt'],
	],
	[
		'openstack-agents',
		[
			'pub-openstack-network-agent-list-dvr.txt',
			'openstack-constructed/agent-show-l3.json',
			'openstack-lab/network-agent-show-l3-table.txt',
		],
	],
	['openstack-subnets', ['openstack-constructed/subnet-list.json']],
	[
		'openstack-networks',
		['openstack-lab/network-list-long.json', 'openstack-lab/network-show-external-table.txt'],
	],
	[
		'octavia-amphorae',
		['pub-octavia-api-amphora-list-response.json', 'pub-openstack-loadbalancer-amphora-list.txt'],
	],
	['osdpl', ['openstack-constructed/osdpl-list.json']],
	['kube-nodes', ['kube/kubectl-get-nodes-lab.json']],
];

const HA_STATES = ['primary', 'master', 'backup', 'fault'];

/** A real output cut, spliced and sprinkled with noise. */
function mutated(texts: readonly string[]): fc.Arbitrary<string> {
	return fc
		.tuple(
			fc.constantFrom(...texts),
			fc.nat(),
			fc.nat(),
			fc.string({unit: 'binary', maxLength: 40}),
			fc.constantFrom('cut', 'insert', 'replace', 'dropLines', 'dupLines'),
		)
		.map(([text, a, b, noise, how]) => {
			const i = a % (text.length + 1);
			const j = i + (b % 200);
			switch (how) {
				case 'cut':
					return text.slice(0, i);
				case 'insert':
					return text.slice(0, i) + noise + text.slice(i);
				case 'replace':
					return text.slice(0, i) + noise + text.slice(j);
				case 'dropLines': {
					const lines = text.split('\n');
					return lines.filter((_l, k) => k % ((a % 5) + 2) !== 0).join('\n');
				}
				case 'dupLines': {
					const lines = text.split('\n');
					return [...lines.slice(0, i % (lines.length + 1)), ...lines].join('\n');
				}
			}
		});
}

/** Input shaped like the formats: JSON-ish, table-ish, brace-ish and plain noise. */
const shaped = fc.oneof(
	fc.string({unit: 'binary', maxLength: 300}),
	fc.json().map(j => j),
	fc
		.array(
			fc.constantFrom(
				'{',
				'}',
				'[',
				']',
				'|',
				'+---+',
				'\n',
				' ',
				'netns: x',
				'"',
				'dev',
				'lladdr',
				'inet',
				'1:',
				'priority',
				'\\',
				'!',
				'#',
			),
			{maxLength: 60},
		)
		.map(parts => parts.join('')),
);

describe('parser properties (fast-check)', () => {
	it.each(SAMPLES)(
		'Given mutated real %s output, then parsing never throws and returns typed facts',
		(kind, files) => {
			const texts = files.map(fixture);
			fc.assert(
				fc.property(fc.oneof(mutated(texts), shaped), text => {
					const result = parseCapture(kind, text);
					expect(result.kind).toBe(kind);
					expect(result.facts).toBeDefined();
					for (const w of result.warnings) {
						expect(Number.isInteger(w.line)).toBe(true);
						expect(w.line).toBeGreaterThanOrEqual(1);
					}
					// No parser-bug warning: parseCapture turns exceptions into this message.
					expect(result.warnings.some(w => w.message.startsWith(`parser ${kind} failed`))).toBe(
						false,
					);
				}),
				{numRuns: 300},
			);
		},
	);

	it('Given any neutron HA state text, then the state is one of the four and never throws', () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string({unit: 'binary', maxLength: 50}),
					fc.tuple(fc.constantFrom(...HA_STATES), fc.string({maxLength: 3})).map(([s, n]) => s + n),
				),
				text => {
					const {facts} = parseCapture('neutron-ha-state', text);
					expect(['primary', 'backup', 'fault', 'unknown']).toContain(facts.state);
				},
			),
			{numRuns: 300},
		);
	});

	it('Given a keepalived conf with any auth_pass, then the password never reaches the facts or warnings', () => {
		const base = fixture('fixture-octavia-keepalived-conf.txt');
		fc.assert(
			fc.property(fc.stringMatching(/^[A-Za-z0-9]{0,12}$/), fc.nat(), (suffix, cut) => {
				// A prefix no other word of the conf contains, so any occurrence is a leak.
				const password = `Zq9x${suffix}`;
				const text = base.replace('TESTPASSWORD', password);
				const truncated = text.slice(0, text.length - (cut % 300));
				const out = JSON.stringify(parseCapture('keepalived-conf', truncated));
				expect(out).not.toContain('Zq9x');
			}),
			{numRuns: 200},
		);
	});

	it('Given a huge line and deep JSON nesting, then parsers still terminate', () => {
		const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
		const long = 'x'.repeat(200_000);
		for (const [kind] of SAMPLES) {
			expect(parseCapture(kind, deep).kind).toBe(kind);
			expect(parseCapture(kind, long).kind).toBe(kind);
		}
	});
});
