import {describe, expect, it} from 'vitest';
import {fixOf, fixScript, parseRemediation} from '../../src/diagnostics/report/fix-steps.js';
import type {Finding} from '../../src/diagnostics/types.js';

const CMD =
	'ip netns exec qrouter-4cf16748 ip neigh replace 198.19.0.100 lladdr fa:16:3e:46:af:3c dev qr-ee nud permanent';

describe('fix steps (contract B fallback: legacy remediation strings)', () => {
	it('takes the node out of a trailing "# on node" comment and keeps the command one line', () => {
		const fix = parseRemediation([
			'# stop-gap, on each affected node',
			`${CMD}   # on compute-1`,
			`${CMD}   # on compute-2`,
			'# MOSK: run it in the L3 agent pod',
			'# resend',
			'openstack port set --no-allowed-address x',
			'# durable fix: see docs',
		]);
		expect(fix.steps).toEqual([
			{where: 'node', node: 'compute-1', command: CMD, note: 'stop-gap, on each affected node'},
			{where: 'node', node: 'compute-2', command: CMD},
			{where: 'cloud', command: 'openstack port set --no-allowed-address x', note: 'resend'},
		]);
		expect(fix.notes).toEqual(['MOSK: run it in the L3 agent pod', 'durable fix: see docs']);
		for (const s of fix.steps) expect(s.command).not.toMatch(/#|\n/);
	});

	it('prefers typed fix.steps when a rule gives them', () => {
		const finding = {
			remediation: ['ignored   # on x'],
			fix: {steps: [{node: 'n1', where: 'node', command: 'ip neigh show'}], basis: 'holder'},
		} as unknown as Finding;
		expect(fixOf(finding)).toEqual({
			steps: [{node: 'n1', where: 'node', command: 'ip neigh show'}],
			notes: [],
			basis: 'holder',
		});
	});

	it('writes a script with one "# on <node>" header per block', () => {
		const script = fixScript(
			parseRemediation([`${CMD}   # on compute-1`, `${CMD}   # on compute-2`, 'openstack x']),
		);
		const headers = script.split('\n').filter(l => l.startsWith('# on '));
		expect(headers).toEqual(['# on compute-1', '# on compute-2', '# on cloud (openstack CLI)']);
		expect(script).toContain(`# on compute-1\n${CMD}\n`);
		expect(script).not.toContain('  # on');
	});
});
