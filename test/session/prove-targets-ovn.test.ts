/**
 * What the live console re-proves on under watch, on ml2/ovn: proofTargets keys each proof by the
 * evidence it rests on. OVN findings have no stale MAC / holder MAC fields, so their own data is
 * that evidence — a change in it (another port lost the VIP from port_security, say) asks for a
 * new proof instead of carrying the old one. On the OVN lab's recorded failover set.
 */
import {describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {analyze} from '../../src/diagnostics/analyze.js';
import {proofTargets} from '../../src/session/prove-findings.js';

const failover = async () =>
	analyze(
		(await openInput(new URL('../fixtures/ovn-trace/failover/set', import.meta.url).pathname)).set,
	);

describe('proofTargets on ml2/ovn', () => {
	it('Given the OVN failover, then the target rests on the finding data, and changed data is another key', async () => {
		const report = await failover();
		const targets = proofTargets(report);
		expect(targets.length).toBeGreaterThan(0);
		const ovn = report.diagnosis.findings.find(f => f.ruleId === 'ovn/vip-port-security');
		expect(ovn).toBeDefined();
		expect(targets[0]?.evidence).toContain('ovn/vip-port-security');
		expect(targets[0]?.evidence).toContain(String(ovn?.data['security']));
		expect(targets[0]?.evidence).not.toContain('stale entry ?');
		const changed = {
			...report,
			diagnosis: {
				...report.diagnosis,
				findings: report.diagnosis.findings.map(f =>
					f === ovn ? {...f, data: {...f.data, security: 'fa:16:3e:00:00:01 198.19.0.99'}} : f,
				),
			},
		};
		expect(proofTargets(changed)[0]?.evidence).not.toBe(targets[0]?.evidence);
	});
});
