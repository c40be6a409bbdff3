import {describe, expect, it} from 'vitest';
import {
	aliases,
	bindings,
	completeCommand,
	keyName,
	matchCommand,
	parseCommandLine,
} from '../../src/ui/keymap.js';

describe('matchCommand', () => {
	it.each([
		['j', {}, 'overview', 'cursor.down'],
		['', {downArrow: true}, 'flows', 'cursor.down'],
		['k', {}, 'findings', 'cursor.up'],
		['', {upArrow: true}, 'findings', 'cursor.up'],
		['', {return: true}, 'finding', 'view.open'],
		['', {escape: true}, 'capture', 'view.back'],
		['/', {}, 'flows', 'filter.start'],
		[':', {}, 'overview', 'command.start'],
		['?', {}, 'overview', 'help.open'],
		['r', {}, 'overview', 'collect.rerun'],
		['w', {}, 'vip', 'watch.toggle'],
		['e', {}, 'log', 'bundle.export'],
		['q', {}, 'flows', 'app.quit'],
		['c', {ctrl: true}, 'flows', 'app.interrupt'],
		['G', {shift: true}, 'flows', 'cursor.bottom'],
		['v', {}, 'findings', 'view.vip'],
	] as const)('%j %j in %s → %s', (input, key, view, command) => {
		expect(matchCommand(input, key, view)).toBe(command);
	});

	it('scopes view-specific keys: v means nothing on the flows screen', () => {
		expect(matchCommand('v', {}, 'flows')).toBeUndefined();
	});

	it('returns undefined for unbound keys', () => {
		expect(matchCommand('z', {}, 'overview')).toBeUndefined();
		expect(keyName('', {})).toBeUndefined();
	});

	it('binds every key at most once per view (the table has no conflicts)', () => {
		const views = [
			'overview',
			'findings',
			'finding',
			'capture',
			'vip',
			'flows',
			'log',
			'help',
		] as const;
		for (const view of views) {
			const seen = new Map<string, string>();
			for (const b of bindings) {
				// Keys while typing (Ctrl-U clears, Esc cancels) are another mode, handled by App.
				if ('mode' in b) continue;
				const scoped = 'views' in b ? (b.views as readonly string[]) : undefined;
				if (scoped !== undefined && !scoped.includes(view)) continue;
				for (const k of b.keys) {
					expect(seen.get(k), `${k} in ${view}`).toBeUndefined();
					seen.set(k, b.command);
				}
			}
		}
	});
});

describe('command mode', () => {
	it.each([
		['vip 10.0.0.100', {type: 'view', view: {kind: 'vip', vip: '10.0.0.100'}}],
		[':vip', {type: 'view', view: {kind: 'vips'}}],
		['node compute-1', {type: 'node', node: 'compute-1'}],
		['flows', {type: 'view', view: {kind: 'flows'}}],
		[
			'flows arp && arp_tpa=10.0.0.100',
			{type: 'view', view: {kind: 'flows'}, filter: 'arp && arp_tpa=10.0.0.100'},
		],
		['findings', {type: 'view', view: {kind: 'findings'}}],
		['log', {type: 'view', view: {kind: 'log'}}],
		['neigh compute-2', {type: 'view', view: {kind: 'neigh', node: 'compute-2'}}],
		['ns', {type: 'view', view: {kind: 'namespaces'}}],
		['keepalived', {type: 'view', view: {kind: 'keepalived'}}],
		['ka', {type: 'view', view: {kind: 'keepalived'}}],
		['q', {type: 'command', command: 'app.quit'}],
		['  LOG  ', {type: 'view', view: {kind: 'log'}}],
	])(':%s', (text, expected) => {
		expect(parseCommandLine(text)).toEqual(expected);
	});

	it('names the unknown command and suggests the known ones', () => {
		const r = parseCommandLine('pods');
		expect(r.type).toBe('error');
		expect(r.type === 'error' && r.message).toContain(':pods');
		expect(parseCommandLine('node').type).toBe('error');
		expect(parseCommandLine('').type).toBe('error');
	});

	it('completes alias names', () => {
		expect(completeCommand('fl')).toBe('flows');
		expect(completeCommand('kee')).toBe('keepalived');
		expect(completeCommand('zz')).toBeUndefined();
	});

	it('has unique alias names', () => {
		const names = aliases.flatMap(a => a.names);
		expect(new Set(names).size).toBe(names.length);
	});
});
