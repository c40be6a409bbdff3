import {describe, expect, it} from 'vitest';
import {cutLine} from '../../src/diagnostics/evidence.js';

/** A port list as the API client writes it: one line of JSON, every port in it. */
const ports = (n: number): string =>
	JSON.stringify(
		Array.from({length: n}, (_, i) => ({
			id: `${String(i).padStart(8, '0')}-1111-4111-8111-111111111111`,
			name: `port-${i}`,
			mac_address: 'fa:16:3e:00:00:01',
			fixed_ips: [{subnet_id: 'sub', ip_address: `10.0.0.${i}`}],
		})),
	);

describe('evidence of one object in a one-line JSON capture', () => {
	it('Given a port list on one line, When the evidence line is cut for one port, Then the excerpt starts at that port and stays short, marked with … both sides', () => {
		const line = ports(40);
		const id = '00000020-1111-4111-8111-111111111111';
		const cut = cutLine(line, id);
		expect(line.length).toBeGreaterThan(4000);
		expect(cut.length).toBeLessThanOrEqual(402);
		expect(cut.startsWith(`…{"id":"${id}"`)).toBe(true);
		expect(cut.endsWith('…')).toBe(true);
	});

	it('Given a short line, Then it is quoted whole', () => {
		const line = ports(1);
		expect(cutLine(line, 'x')).toBe(line);
	});
});
