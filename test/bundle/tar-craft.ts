/**
 * Hand-made tar entries for hostile-archive tests (the `tar` package refuses to write most of
 * these, which is the point). POSIX ustar headers, 512-byte blocks.
 */
import {gzipSync} from 'node:zlib';

export type CraftEntry = {
	name: string;
	body?: string | Buffer;
	/** ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory. */
	type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
	linkname?: string;
	/** Size written in the header (defaults to the body length): lets a test lie about it. */
	declaredSize?: number;
};

const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, '0') + '\0';

function header(entry: CraftEntry, size: number): Buffer {
	const h = Buffer.alloc(512, 0);
	h.write(entry.name, 0, 100, 'utf8');
	h.write(octal(0o644, 8), 100, 'ascii');
	h.write(octal(0, 8), 108, 'ascii');
	h.write(octal(0, 8), 116, 'ascii');
	h.write(octal(size, 12), 124, 'ascii');
	h.write(octal(1_700_000_000, 12), 136, 'ascii');
	h.write('        ', 148, 'ascii');
	h.write(entry.type ?? '0', 156, 'ascii');
	if (entry.linkname !== undefined) h.write(entry.linkname, 157, 100, 'utf8');
	h.write('ustar\0', 257, 'ascii');
	h.write('00', 263, 'ascii');
	let sum = 0;
	for (const byte of h) sum += byte;
	h.write(octal(sum, 7) + ' ', 148, 'ascii');
	return h;
}

/** A plain tar of the given entries, with the two zero blocks at the end. */
export function craftTar(entries: readonly CraftEntry[]): Buffer {
	const parts: Buffer[] = [];
	for (const entry of entries) {
		const body = Buffer.isBuffer(entry.body) ? entry.body : Buffer.from(entry.body ?? '', 'utf8');
		parts.push(header(entry, entry.declaredSize ?? body.length));
		parts.push(body);
		const pad = (512 - (body.length % 512)) % 512;
		parts.push(Buffer.alloc(pad, 0));
	}
	parts.push(Buffer.alloc(1024, 0));
	return Buffer.concat(parts);
}

export const craftTarGz = (entries: readonly CraftEntry[]): Buffer => gzipSync(craftTar(entries));
