import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {rules} from '../../src/diagnostics/registry.js';
import {PARSER_KINDS} from '../../src/model/facts.js';
import {emptyFacts, parsers} from '../../src/collectors/parsers/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const SECTION = /## Adding a rule, adding a collector\n([\s\S]*?)\n## /.exec(DOC)?.[1] ?? '';

/** Backticked repository paths in the walkthrough, templates (`<kind>`) left out. */
const pathsIn = (text: string): string[] =>
	[...text.matchAll(/`((?:src|test|docs)\/[^`<>]+?)`/g)].map(m => m[1] ?? '');

describe('docs/architecture.md walkthrough (adding a rule, adding a collector)', () => {
	it('Given the walkthrough, then it exists and names the files a new rule and collector touch', () => {
		expect(SECTION).toContain('**A rule.**');
		expect(SECTION).toContain('**A collector.**');
		expect(pathsIn(SECTION).length).toBeGreaterThan(10);
	});

	it('Given every path the walkthrough names, then it exists in the repository', () => {
		const missing = pathsIn(SECTION).filter(
			p => !existsSync(path.join(ROOT, p.replace(/\/$/, ''))),
		);
		expect(missing).toEqual([]);
	});

	it('Given its example rule, then the id-to-file rule it states holds for every registered rule', () => {
		expect(rules.map(r => r.id)).toContain('dvr/stale-permanent-arp');
		for (const rule of rules) {
			const file = `src/diagnostics/rules/${rule.id.replace('/', '-')}.ts`;
			expect(existsSync(path.join(ROOT, file)), file).toBe(true);
			expect(existsSync(path.join(ROOT, `docs/rules/${rule.id}.md`)), rule.id).toBe(true);
		}
	});

	it('Given the collector steps, then every parser kind has its parser file, registry entry and empty facts', () => {
		for (const kind of PARSER_KINDS) {
			expect(parsers[kind].kind, kind).toBe(kind);
			expect(emptyFacts(kind), kind).toBeDefined();
			expect(existsSync(path.join(ROOT, `src/collectors/parsers/${kind}.ts`)), kind).toBe(true);
		}
	});

	it('Given the scenario step, then every scenario directory has the files the walkthrough lists and a README row', () => {
		const readme = readFileSync(path.join(ROOT, 'test/scenarios/README.md'), 'utf8');
		const root = path.join(ROOT, 'test/scenarios');
		const dirs = readdirSync(root, {withFileTypes: true})
			.filter(d => d.isDirectory())
			.map(d => d.name);
		expect(dirs.length).toBeGreaterThan(0);
		for (const dir of dirs) {
			for (const file of ['manifest.json', 'expected.json', 'captures'])
				expect(existsSync(path.join(ROOT, 'test/scenarios', dir, file)), `${dir}/${file}`).toBe(
					true,
				);
			// A row per directory, or a family row (`| lab-* (others) |`) that covers it.
			const family = [...readme.matchAll(/^\| ([a-z0-9-]+)\* /gm)].some(m =>
				dir.startsWith(m[1] ?? '\0'),
			);
			expect(readme.includes(`| ${dir} |`) || family, `README row for ${dir}`).toBe(true);
		}
	});
});
