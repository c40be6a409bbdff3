import {configDefaults, defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// The lab end-to-end test saturates both cores for minutes: it runs on its own afterwards
		// (vitest.lab.config.ts), so timing-sensitive tests here never share the machine with it.
		exclude: [...configDefaults.exclude, 'test/lab/lab.e2e.test.ts', 'test/lab/ovn.e2e.test.ts'],
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
