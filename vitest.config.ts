import {configDefaults, defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// The lab end-to-end test saturates both cores for minutes: it runs on its own afterwards
		// (vitest.lab.config.ts), so timing-sensitive tests here never share the machine with it.
		exclude: [...configDefaults.exclude, 'test/lab/lab.e2e.test.ts'],
		environment: 'node',
		setupFiles: ['test/setup.ts'],
		restoreMocks: true,
		testTimeout: 20_000,
		hookTimeout: 60_000,
	},
});
