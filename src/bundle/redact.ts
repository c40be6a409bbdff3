/**
 * Always-on secret redaction (pure). Values are replaced by {@link REDACTED}; line structure is
 * kept so that evidence line numbers stay valid. The report says what was redacted where and how
 * many characters were removed, never the value itself.
 */

export const REDACTED = '***REDACTED***';

export type RedactionKind =
	| 'keepalived-auth-pass'
	| 'password'
	| 'secret'
	| 'token'
	| 'api-key'
	| 'url-credentials'
	| 'private-key'
	| 'kubeconfig-credential'
	| 'authorization-header'
	| 'credential-like';

/** One redaction: where (file or field, line) and what kind; never the value. */
export type Redaction = {
	readonly where: string;
	readonly line: number;
	readonly kind: RedactionKind;
	readonly chars: number;
};

export type RedactResult = {readonly text: string; readonly redactions: readonly Redaction[]};

/** Keys whose value is a secret, whatever the syntax (`k = v`, `k: v`, `"k": "v"`, `k=v`). */
const SECRET_KEY =
	/(?:passw(?:or)?d|passphrase|auth_pass|secret|token|api[_-]?key|apikey|private[_-]?key|client[_-]?key[_-]?data|access[_-]?key|authorization|credential|fernet|(?:heartbeat|shared|signing|hmac|master|encryption|crypt)[_-]?key|erlang[_-]?cookie)/i;

function kindForKey(key: string): RedactionKind {
	const k = key.toLowerCase();
	if (k === 'auth_pass') return 'keepalived-auth-pass';
	if (/client[_-]?key[_-]?data/.test(k)) return 'kubeconfig-credential';
	if (/authorization/.test(k)) return 'authorization-header';
	if (/private[_-]?key/.test(k)) return 'private-key';
	if (/api[_-]?key|apikey|access[_-]?key/.test(k)) return 'api-key';
	if (/token/.test(k)) return 'token';
	if (/pass/.test(k)) return 'password';
	if (/secret|fernet|[_-]?key$|cookie/.test(k)) return 'secret';
	return 'credential-like';
}

/** True for a key (config option, JSON key, flag name) whose value must not be kept. */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

const isAlreadyRedacted = (value: string): boolean =>
	value === '' || value.includes(REDACTED) || /^["']?\*+["']?$/.test(value);

type Hit = {kind: RedactionKind; chars: number};

/** `scheme://user:pass@host[,user:pass@host2]` → password replaced (rabbit, postgresql, mysql…). */
function redactUrlCredentials(line: string, hits: Hit[]): string {
	return line.replace(
		/\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]+)/gi,
		(whole, scheme: string, rest: string) => {
			// Hosts of a multi-host URL are comma-separated; the path starts at the first '/'.
			const slash = rest.indexOf('/');
			const authority = slash === -1 ? rest : rest.slice(0, slash);
			const tail = slash === -1 ? '' : rest.slice(slash);
			if (!authority.includes('@')) {
				// A password with a raw '/' in it (not URL-encoded): `rabbit://u:pa/ss@host/`.
				const at = rest.lastIndexOf('@');
				const colon = rest.indexOf(':');
				if (at === -1 || colon === -1 || colon > at || rest.slice(0, colon).includes('/'))
					return whole;
				const password = rest.slice(colon + 1, at);
				if (isAlreadyRedacted(password)) return whole;
				hits.push({kind: 'url-credentials', chars: password.length});
				return `${scheme}${rest.slice(0, colon + 1)}${REDACTED}${rest.slice(at)}`;
			}
			const parts = authority.split(',').map(part => {
				const at = part.lastIndexOf('@');
				if (at === -1) return part;
				const userinfo = part.slice(0, at);
				const colon = userinfo.indexOf(':');
				if (colon === -1) return part;
				const password = userinfo.slice(colon + 1);
				if (isAlreadyRedacted(password)) return part;
				hits.push({kind: 'url-credentials', chars: password.length});
				return `${userinfo.slice(0, colon + 1)}${REDACTED}${part.slice(at)}`;
			});
			return `${scheme}${parts.join(',')}${tail}`;
		},
	);
}

/** `Authorization: Bearer xyz`, `X-Auth-Token: xyz`, `-H 'X-Auth-Token: xyz'`. */
function redactHeaders(line: string, hits: Hit[]): string {
	return line.replace(
		/\b(authorization|proxy-authorization|x-auth-token|x-subject-token|x-service-token)(\s*:\s*)((?:bearer|basic|token|negotiate)\s+)?([^\s"',]+)/gi,
		(whole, name: string, sep: string, scheme: string | undefined, value: string) => {
			if (isAlreadyRedacted(value)) return whole;
			hits.push({
				kind: /authorization/i.test(name) ? 'authorization-header' : 'token',
				chars: value.length,
			});
			return `${name}${sep}${scheme ?? ''}${REDACTED}`;
		},
	);
}

/** JSON-ish `"key": "value"` pairs anywhere in the line (also `'key': 'value'`). */
function redactQuotedPairs(line: string, hits: Hit[]): string {
	return line.replace(
		/(["'])([^"'\s]{1,80})\1(\s*:\s*)(["'])((?:\\.|(?!\4)[^\\])*)\4/g,
		(whole, q: string, key: string, sep: string, vq: string, value: string) => {
			if (!isSecretKey(key) || isAlreadyRedacted(value)) return whole;
			hits.push({kind: kindForKey(key), chars: value.length});
			return `${q}${key}${q}${sep}${vq}${REDACTED}${vq}`;
		},
	);
}

/** `key = value`, `key: value`, `export KEY=value`, `--os-password=value`, keepalived `auth_pass v`. */
function redactKeyValue(line: string, hits: Hit[]): string {
	// keepalived: `auth_pass VALUE` (possibly several statements on one line).
	let out = line.replace(
		/\b(auth_pass)(\s+)([^\s}]+)/g,
		(whole, key: string, sp: string, v: string) => {
			if (isAlreadyRedacted(v)) return whole;
			hits.push({kind: 'keepalived-auth-pass', chars: v.length});
			return `${key}${sp}${REDACTED}`;
		},
	);
	// Whole-line assignment: ini, yaml, env, sysconfig. The value is the rest of the line.
	const assign = /^(\s*(?:export\s+|-\s+)?)([A-Za-z0-9_.\-[\]]{1,80})(\s*[=:]\s*)(.*?)(\s*)$/.exec(
		out,
	);
	if (assign && isSecretKey(assign[2] ?? '')) {
		const [, lead = '', key = '', sep = '', value = '', trail = ''] = assign;
		const bare = value.replace(/^["']|["']$/g, '');
		// A YAML block or an empty value has nothing on this line; a quoted pair is handled above.
		if (!isAlreadyRedacted(bare) && !/^[|>][+-]?$/.test(bare) && !/^\{|^\[/.test(bare)) {
			hits.push({kind: kindForKey(key), chars: bare.length});
			const quote = /^["']/.exec(value)?.[0] ?? '';
			return `${lead}${key}${sep}${quote}${REDACTED}${quote}${trail}`;
		}
	}
	// Inline `name=value` inside a longer line (command lines, env dumps, query strings).
	out = out.replace(
		/(^|[\s&?;,(])(-{0,2}[A-Za-z0-9_.-]{0,60})=("[^"]*"|'[^']*'|[^\s&;,)]+)/g,
		(whole, pre: string, key: string, value: string) => {
			if (!isSecretKey(key)) return whole;
			const bare = value.replace(/^["']|["']$/g, '');
			if (isAlreadyRedacted(bare)) return whole;
			hits.push({kind: kindForKey(key), chars: bare.length});
			return `${pre}${key}=${REDACTED}`;
		},
	);
	return out;
}

/** Values that look like credentials whatever their key: JWTs, Keystone Fernet tokens, AWS keys. */
function redactLookalikes(line: string, hits: Hit[]): string {
	return line
		.replace(/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, m => {
			hits.push({kind: 'token', chars: m.length});
			return REDACTED;
		})
		.replace(/\bgAAAAA[A-Za-z0-9_-]{40,}={0,2}/g, m => {
			hits.push({kind: 'token', chars: m.length});
			return REDACTED;
		})
		.replace(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, m => {
			hits.push({kind: 'api-key', chars: m.length});
			return REDACTED;
		});
}

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*)-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----/;

/**
 * Redact secrets in a text. `where` names the file or field for the report. Line count is kept:
 * private-key bodies become one {@link REDACTED} line per original line.
 */
export function redactText(text: string, where: string): RedactResult {
	const redactions: Redaction[] = [];
	const lines = text.split('\n');
	let inKey = false;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i] ?? '';
		const hits: Hit[] = [];
		let out: string;
		if (inKey) {
			if (PEM_END.test(line)) {
				inKey = false;
				out = line.replace(/^(.*?)(-----END)/, (_m, _body: string, end: string) => end);
				const indent = /^\s*/.exec(line)?.[0] ?? '';
				out = indent + out.trimStart();
			} else {
				const indent = /^\s*/.exec(line)?.[0] ?? '';
				if (line.trim() !== '' && !isAlreadyRedacted(line.trim()))
					hits.push({kind: 'private-key', chars: line.trim().length});
				out = line.trim() === '' ? line : `${indent}${REDACTED}`;
			}
		} else if (PEM_BEGIN.test(line)) {
			const begin = PEM_BEGIN.exec(line);
			const start = begin?.index ?? 0;
			const after = line.slice(start + (begin?.[0].length ?? 0));
			out = line.slice(0, start + (begin?.[0].length ?? 0));
			// Single-line forms (`\n` escaped in JSON, or the whole block on one line).
			if (PEM_END.test(after)) {
				const end = PEM_END.exec(after);
				const body = after.slice(0, end?.index ?? 0);
				if (!body.includes(REDACTED) && body.replace(/\\n|\s/g, '') !== '')
					hits.push({kind: 'private-key', chars: body.length});
				out += `${REDACTED}${after.slice(end?.index ?? 0)}`;
			} else {
				if (after.trim() !== '' && !isAlreadyRedacted(after.trim()))
					hits.push({kind: 'private-key', chars: after.length});
				out += after.trim() === '' ? after : REDACTED;
				inKey = true;
			}
		} else {
			out = redactUrlCredentials(line, hits);
			out = redactHeaders(out, hits);
			out = redactQuotedPairs(out, hits);
			out = redactKeyValue(out, hits);
			out = redactLookalikes(out, hits);
		}
		for (const hit of hits) redactions.push({where, line: i + 1, kind: hit.kind, chars: hit.chars});
		lines[i] = out;
	}
	return {text: lines.join('\n'), redactions};
}

/**
 * Redact an argv: `--password X` / `--os-token X` (value in the next word), `--password=X`, and
 * URL credentials or key=value pairs inside any word.
 */
export function redactArgv(
	argv: readonly string[],
	where: string,
): {
	argv: string[];
	redactions: Redaction[];
} {
	const redactions: Redaction[] = [];
	const out: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const word = argv[i] ?? '';
		const prev = i > 0 ? (argv[i - 1] ?? '') : '';
		if (/^--?[A-Za-z0-9_-]+$/.test(prev) && isSecretKey(prev) && !word.startsWith('-')) {
			if (!isAlreadyRedacted(word)) {
				redactions.push({where, line: 0, kind: kindForKey(prev), chars: word.length});
				out.push(REDACTED);
				continue;
			}
		}
		const result = redactText(word, where);
		for (const r of result.redactions) redactions.push({...r, line: 0});
		out.push(result.text);
	}
	return {argv: out, redactions};
}

/**
 * Redact a JSON-like value (an inventory): keys that name a secret lose their value whatever its
 * type, and every string goes through {@link redactText}. `where` is the field path prefix.
 */
export function redactValue(value: unknown, where: string, redactions: Redaction[]): unknown {
	if (typeof value === 'string') {
		const result = redactText(value, where);
		for (const r of result.redactions) redactions.push({...r, line: 0});
		return result.text;
	}
	if (Array.isArray(value)) {
		return value.map((item, index) => redactValue(item, `${where}[${index}]`, redactions));
	}
	if (value !== null && typeof value === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
			const path = where === '' ? key : `${where}.${key}`;
			if (isSecretKey(key) && item !== null && item !== undefined && item !== '') {
				const chars = typeof item === 'string' ? item.length : JSON.stringify(item).length;
				redactions.push({where: path, line: 0, kind: kindForKey(key), chars});
				out[key] = REDACTED;
			} else {
				out[key] = redactValue(item, path, redactions);
			}
		}
		return out;
	}
	return value;
}

export type RedactionReport = {
	readonly format: 'dvrscope-redaction-report';
	readonly schemaVersion: 1;
	readonly total: number;
	readonly byKind: Readonly<Partial<Record<RedactionKind, number>>>;
	readonly byFile: Readonly<Record<string, number>>;
	readonly redactions: readonly Redaction[];
	readonly pseudonymized: boolean;
	readonly note: string;
};

/** Summarise redactions for `redaction-report.json` (counts by kind and by file; no values). */
export function redactionReport(
	redactions: readonly Redaction[],
	pseudonymized: boolean,
): RedactionReport {
	const byKind: Partial<Record<RedactionKind, number>> = {};
	const byFile: Record<string, number> = {};
	for (const r of redactions) {
		byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
		byFile[r.where] = (byFile[r.where] ?? 0) + 1;
	}
	return {
		format: 'dvrscope-redaction-report',
		schemaVersion: 1,
		total: redactions.length,
		byKind,
		byFile,
		redactions,
		pseudonymized,
		note: pseudonymized
			? 'Secrets were replaced by ***REDACTED***. IPs, MACs, host names and UUIDs were pseudonymised; the mapping is not in this bundle.'
			: 'Secrets were replaced by ***REDACTED***. Network identifiers are kept as collected.',
	};
}
