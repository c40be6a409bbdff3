/**
 * The watch timeline in a bundle: the console's `e` passes it to writeBundle, which writes
 * `watch/timeline.ndjson` through the redactor; `dvrscope analyze <bundle> --format markdown`
 * renders it ("broke …, fixed …"). Rows come from the real engine on the FAKE cloud.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {writeBundle} from '../../src/bundle/write.js';
import {watchTimelineMarkdown} from '../../src/diagnostics/report/watch-timeline.js';
import {WatchEngine} from '../../src/session/watch.js';
import type {WatchRow} from '../../src/model/watch.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {fakeWorld, NODES} from '../helpers/fake-watch-world.js';
import {CANARIES} from './sample-set.js';

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-watch-bundle-'));
});
afterEach(async () => {
	await rm(dir, {recursive: true, force: true});
});

/** A failover at round 1 and the workaround at round 3, watched on the fake cloud. */
async function failoverAndFix(): Promise<{set: CaptureSet; rows: readonly WatchRow[]}> {
	const world = fakeWorld();
	const engine = new WatchEngine({collect: world.options, intervalMs: 0});
	engine.subscribe(event => {
		if (event.type !== 'round') return;
		if (event.round.round === 0) world.state.holder = 'vm2';
		if (event.round.round === 2) for (const node of NODES) world.state.entries[node] = 'vm2';
		world.update();
		if (event.round.round === 3) void engine.stop();
	});
	await engine.start();
	const last = engine.last;
	if (last === undefined) throw new Error('no round');
	return {set: last.set, rows: engine.timeline.rows};
}

describe('watch timeline in a bundle', () => {
	it('is written through the redactor, read back, and rendered with when it broke and was fixed', async () => {
		const {set, rows} = await failoverAndFix();
		// a secret that found its way into a row's text is redacted like in every other file
		const planted = {...rows[0], text: `${rows[0]?.text ?? ''} password=${CANARIES.inventoryPw}`};
		const ndjson = [planted, ...rows.slice(1)].map(r => `${JSON.stringify(r)}\n`).join('');
		const output = path.join(dir, 'b.tar.gz');
		const result = await writeBundle(set, {output, watchTimeline: ndjson, analyze: false});
		expect(result.manifest.files).toContain('watch/timeline.ndjson');
		expect(gunzipSync(await readFile(output)).toString('latin1')).not.toContain(
			CANARIES.inventoryPw,
		);
		const opened = await openInput(output);
		expect(opened.watchTimeline?.split('\n').filter(Boolean)).toHaveLength(rows.length);
		const md = watchTimelineMarkdown(opened.watchTimeline ?? '');
		expect(md).toMatch(
			/Broke \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(round 1\), fixed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(round 3\)\./,
		);
		expect(md.match(/\| \*\*STALE\*\* → vm1-port/g)).toHaveLength(3);
		expect(md).toContain('*(inferred)*');
	});

	it('analyze <bundle> --format markdown appends it; a broken line is named, not fatal', async () => {
		const {set, rows} = await failoverAndFix();
		const ndjson = `${rows.map(r => JSON.stringify(r)).join('\n')}\nnot json\n`;
		const output = path.join(dir, 'b.tar.gz');
		await writeBundle(set, {output, watchTimeline: ndjson});
		const result = await execa(
			'node',
			['--import', 'tsx', 'src/cli/main.ts', 'analyze', output, '--format', 'markdown'],
			{reject: false, env: {NO_COLOR: '1'}},
		);
		expect(result.stdout).toContain('## Watch timeline');
		expect(result.stdout).toMatch(/Broke .* \(round 1\), fixed .* \(round 3\)/);
		expect(result.stdout).toContain('1 line(s) of watch/timeline.ndjson are not timeline rows');
	}, 120_000);
});
