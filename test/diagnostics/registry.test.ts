import {readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {rules} from '../../src/diagnostics/registry.js';

const RULES_DIR = fileURLToPath(new URL('../../src/diagnostics/rules', import.meta.url));

const isRule = (value: unknown): value is {id: string; check: unknown} =>
	typeof value === 'object' &&
	value !== null &&
	typeof (value as {id?: unknown}).id === 'string' &&
	typeof (value as {check?: unknown}).check === 'function' &&
	typeof (value as {meta?: unknown}).meta === 'object';

/** `dvr/stale-permanent-arp` lives in rules/dvr-stale-permanent-arp.ts. */
const fileOf = (id: string): string => `${id.replace('/', '-')}.ts`;

describe('rule registry (src/diagnostics/registry.ts)', () => {
	const files = readdirSync(RULES_DIR).filter(f => f.endsWith('.ts'));

	it('Given every file in src/diagnostics/rules, then each rule it exports is registered', async () => {
		const unregistered: string[] = [];
		for (const file of files) {
			const module = (await import(path.join(RULES_DIR, file))) as Record<string, unknown>;
			for (const [name, value] of Object.entries(module))
				if (isRule(value) && !rules.includes(value as never))
					unregistered.push(`${file}: ${name} (${value.id})`);
		}
		expect(unregistered, 'add these to the rules list in registry.ts').toEqual([]);
	});

	it('Given every registered rule, then its id names its file and ids are unique', () => {
		for (const rule of rules) expect(files, rule.id).toContain(fileOf(rule.id));
		expect(new Set(rules.map(r => r.id)).size).toBe(rules.length);
	});
});
