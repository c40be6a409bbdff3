// Writes docs/findings-schema.json from the zod schema (run: npx tsx test/diagnostics/gen-findings-schema.ts).
import {writeFileSync} from 'node:fs';
import {findingsJsonSchema} from '../../src/diagnostics/report/schema.js';

writeFileSync('docs/findings-schema.json', `${JSON.stringify(findingsJsonSchema(), null, '\t')}\n`);
console.log('wrote docs/findings-schema.json');
