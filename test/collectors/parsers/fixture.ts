import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/** Text of a file under test/fixtures/. */
export function fixture(name: string): string {
	return readFileSync(fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url)), 'utf8');
}
