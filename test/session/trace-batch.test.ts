/**
 * `trace.batch` (issue 22): one execution per node per path round. The batch script runs under the
 * REAL `sh` here with STUB `ovs-appctl` and `ip` executables (named fakes: they print the argv they
 * got, one word a line), so the script's splitting of each step into words is proven for real; the
 * lab suite runs it against real OVS and iproute2.
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {
	checkParam,
	cut,
	matchCatalog,
	planCommand,
	TRACE_BATCH_SCRIPT,
} from '../../src/collectors/catalog.js';
import {commandOfStep, proveWithRounds, stepOf} from '../../src/session/trace-rounds.js';
import {batchAware, replaySingle} from '../helpers/trace-replay.js';

const NS = 'qrouter-efc4d540-dd88-4fcf-b130-07e9b507adc0';
const FLOW =
	'in_port=tap-client,ip,dl_src=fa:16:3e:e7:f2:92,dl_dst=fa:16:3e:95:b0:c3,nw_src=198.19.1.21,nw_dst=198.19.0.100';
const NONCE = '0123456789abcdef0123456789abcdef';
const STEPS = [
	`ovs/br-int/${FLOW}`,
	`route/${NS}/198.19.0.100/198.19.1.21/qr-c078255e-88`,
	'ovs/br-tun/in_port=vxlan-c612010c,tun_id=0x184,ip,dl_src=fa:16:3f:67:00:48,dl_dst=fa:16:3e:bb:67:05',
	// the OVN path: the microflow's spaces, quotes and && stay one word
	'ovn/neutron-2f01bd0d-ddd1-4e93-8754-c23743e33c07/inport == "eb7ce4a5-fa50-43d9-91f9-2124e4f62ab0" && eth.src == fa:16:3e:f5:e7:ec && ip4.src == 198.19.1.21 && eth.dst == fa:16:3e:1e:55:63 && ip4.dst == 198.19.0.100 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
];

let bin = '';
beforeAll(() => {
	bin = mkdtempSync(path.join(tmpdir(), 'dvrscope-trace-batch-'));
	for (const [name, rc] of [
		['ovs-appctl', 0],
		['ip', 2],
		['ovn-trace', 0],
	] as const) {
		const file = path.join(bin, name);
		writeFileSync(
			file,
			`#!/bin/sh\n# STUB ${name}: prints its argv, one word a line\nfor w do printf '%s\\n' "$w"; done\necho "stub ${name} stderr" >&2\nexit ${rc}\n`,
		);
		chmodSync(file, 0o755);
	}
});
afterAll(() => {
	rmSync(bin, {recursive: true, force: true});
});

describe('trace.batch: one execution per node per round (issue 22)', () => {
	it('the real sh splits every step into exactly the words of its own command, with its exit status', () => {
		const plan = planCommand('trace.batch', {nonce: NONCE, traceStep: STEPS});
		expect(plan.ok).toBe(true);
		if (!plan.ok) return;
		expect(matchCatalog(plan.command.argv)?.id).toBe('trace.batch');
		const [cmd, ...args] = plan.command.argv;
		const stdout = execFileSync(cmd, args, {
			encoding: 'utf8',
			env: {PATH: `${bin}:/usr/bin:/bin`},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const sections = cut(`\n${stdout}`, NONCE);
		expect(sections.map(s => s.item)).toEqual(STEPS);
		for (const [i, step] of STEPS.entries()) {
			const one = commandOfStep(step);
			const words = (sections[i]?.body ?? '').split('\n').filter(w => w !== '');
			// the stub saw exactly the single command's arguments (after its program name)
			expect(words).toEqual(one?.argv.slice(1));
			expect(sections[i]?.rc).toBe(step.startsWith('route/') ? 2 : 0);
			expect(stepOf({catalogId: one?.entry.id ?? '', argv: one?.argv ?? []})).toBe(step);
		}
	});

	it.each([
		'ovs/br-int/-generate',
		`ovs/br-int/${FLOW} -generate`,
		`ovs/br-int/${FLOW}/0a0b0c0d0e0f`,
		'ovs/br-int',
		`ovs/br int/${FLOW}`,
		`route/${NS}/198.19.0.100/198.19.1.21/qr-c078255e-88/extra`,
		`route/$(reboot)/198.19.0.100/198.19.1.21/qr-c078255e-88`,
		`route/${NS}/198.19.0.100;id/198.19.1.21/qr-c078255e-88`,
		`rm/-rf/x`,
		`route/${NS}/198.19.0.100/198.19.1.21/-x`,
		`ovn/--ovs/inport == "x" && eth.src == fa:16:3e:f5:e7:ec`,
		`ovn/neutron-x/inport == "x" && ip4.dst == 1.2.3.4 || 1`,
		`ovn/neutron-x/$(reboot)`,
		`ovn/neutron-x/${(STEPS[3] ?? '').split('/').slice(2).join('/')}/extra`,
	])('refuses the step %s (never run)', step => {
		expect(checkParam('traceStep', step)).toBeDefined();
		expect(planCommand('trace.batch', {nonce: NONCE, traceStep: [STEPS[0] ?? '', step]}).ok).toBe(
			false,
		);
		const plan = planCommand('trace.batch', {nonce: NONCE, traceStep: STEPS});
		if (plan.ok) expect(matchCatalog([...plan.command.argv, step])).toBeUndefined();
	});

	it('the allow-list refuses a batch whose script was changed', () => {
		expect(
			matchCatalog([
				'sh',
				'-c',
				`${TRACE_BATCH_SCRIPT}\nreboot`,
				'dvrscope',
				NONCE,
				STEPS[0] ?? '',
			]),
		).toBeUndefined();
	});

	it('a batch cut off mid-way: the reads that did not come back whole are unread and named, never ok', async () => {
		const set = (
			await openInput(new URL('../fixtures/trace/healthy/set', import.meta.url).pathname)
		).set;
		const whole = batchAware(replaySingle('healthy'));
		const exec = Object.assign(
			async (...a: Parameters<typeof whole>) => {
				const r = await whole(...a);
				if (a[2].id !== 'trace.batch') return r;
				// the connection dropped inside the second read
				const second = r.stdout.indexOf('@@dvrscope', r.stdout.indexOf(' end ovs ') + 1);
				return {
					...r,
					stdout: r.stdout.slice(0, second + 200),
					exitCode: null,
					failure: {kind: 'unreachable' as const, message: 'connection lost'},
				};
			},
			{execs: whole.execs},
		);
		const r = await proveWithRounds(set, 'client', '198.19.0.100', exec);
		const proof = r.proof;
		if (typeof proof === 'string') throw new Error(proof);
		expect(proof.exitCode).toBe(4);
		expect(proof.hops[0], proof.hops[0]?.detail).toMatchObject({kind: 'ovs', status: 'ok'});
		const unread = proof.hops.find(h => h.status === 'unread');
		expect(unread?.detail).toMatch(
			/not read \(unreachable: connection lost\): run on compute-2: ip -n qrouter-\S+ -j route get/,
		);
		expect(r.execs).toEqual({'compute-2': 1});
	});
});
