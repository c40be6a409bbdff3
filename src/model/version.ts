import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
// src/model/version.ts and dist/model/version.js both sit two levels under the package root.
const pkg = require('../../package.json') as {version: string};

/** dvrscope's version, from package.json. */
export const version: string = pkg.version;
