/**
 * The lab suites' one way to run a lab script (lab/<script> under bash, from the repository root),
 * shared by the ML2/OVS and ML2/OVN lab files.
 */
import {execFileSync} from 'node:child_process';
import path from 'node:path';

export const repo = path.resolve(import.meta.dirname, '..', '..');

/** Run `lab/<script> args…` and return its stdout (stderr goes to the test's output). */
export const lab = (script: string, ...args: string[]): string =>
	execFileSync('bash', [path.join(repo, 'lab', script), ...args], {
		cwd: repo,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		timeout: 900_000,
	});
