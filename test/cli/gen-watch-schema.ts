// Writes docs/watch-ndjson-schema.json from the zod schema (run: npx tsx test/cli/gen-watch-schema.ts).
import {writeFileSync} from 'node:fs';
import {watchJsonSchema} from '../../src/session/watch-schema.js';

writeFileSync('docs/watch-ndjson-schema.json', `${JSON.stringify(watchJsonSchema(), null, '\t')}\n`);
console.log('wrote docs/watch-ndjson-schema.json');
