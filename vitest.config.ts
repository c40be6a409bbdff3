import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		environment: 'node',
		setupFiles: ['test/setup.ts'],
		restoreMocks: true,
		testTimeout: 20_000,
		hookTimeout: 60_000,
	},
});
