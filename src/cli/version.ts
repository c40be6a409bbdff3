import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as {version: string};

/** dvrscope's version, from package.json. */
export const version: string = pkg.version;
