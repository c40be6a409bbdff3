import {defineConfig} from 'vitest/config';

/**
 * The lab end-to-end tests alone (real Neutron on four namespaced nodes); `npm test` runs them last:
 * the ML2/OVS lab (lab.e2e) and the ML2/OVN lab (ovn.e2e), one bring-up each, one after the other —
 * both use the same runtime dir, ports and lock, so never two at once.
 */
export default defineConfig({
	test: {
		include: ['test/lab/lab.e2e.test.ts', 'test/lab/ovn.e2e.test.ts'],
		fileParallelism: false,
		sequence: {shuffle: false},
		environment: 'node',
		setupFiles: ['test/setup.ts'],
		restoreMocks: true,
		// Tests start real processes (sshd, kubectl, the CLI, tmux). On a loaded machine (CI runners,
		// several jobs on two cores) one of them can take minutes; a short per-test wall clock then
		// fails a correct test. The bound is CI's own job timeout; a test that hangs still fails here.
		testTimeout: 600_000,
		hookTimeout: 600_000,
	},
});
