import {defineConfig} from 'vitest/config';

/** The lab end-to-end test alone (real Neutron on four namespaced nodes); `npm test` runs it last. */
export default defineConfig({
	test: {
		include: ['test/lab/lab.e2e.test.ts'],
		environment: 'node',
		setupFiles: ['test/setup.ts'],
		restoreMocks: true,
		testTimeout: 20_000,
		hookTimeout: 60_000,
	},
});
