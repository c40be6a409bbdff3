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
	| 'credential-like'
	| 'ceph-key'
	| 'base64-key'
	| 'pem-block'
	| 'scanner-hit';

/**
 * Which detector found it: `key-name` (the value sits under a key that names a secret),
 * `http-header`, `url-credentials`, `shape:<what>` (the value itself looks like a secret, whatever
 * its key: `shape:ceph-key`, `shape:base64-key`, `shape:pem-block`, `shape:jwt` …), or
 * `secretlint:<rule id>` (the second net, see scan.ts).
 */
export type Detector = string;

/** One redaction: where (file or field, line), what kind and which detector; never the value. */
export type Redaction = {
	readonly where: string;
	readonly line: number;
	readonly kind: RedactionKind;
	readonly detector: Detector;
	readonly chars: number;
};

export type RedactResult = {readonly text: string; readonly redactions: readonly Redaction[]};

/** Keys whose value is a secret, whatever the syntax (`k = v`, `k: v`, `"k": "v"`, `k=v`). */
const SECRET_KEY =
	/(?:passw(?:or)?d|passphrase|auth_pass|secret|token|api[_-]?key|apikey|private[_-]?key|client[_-]?key[_-]?data|access[_-]?key|authorization|credential|fernet|(?:heartbeat|shared|signing|hmac|master|encryption|crypt)[_-]?key|erlang[_-]?cookie|\bkek\b|keyring)/i;

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

type Hit = {kind: RedactionKind; chars: number; detector: Detector};

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
				hits.push({kind: 'url-credentials', chars: password.length, detector: 'url-credentials'});
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
				hits.push({kind: 'url-credentials', chars: password.length, detector: 'url-credentials'});
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
				detector: 'http-header',
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
			hits.push({kind: kindForKey(key), chars: value.length, detector: 'key-name'});
			return `${q}${key}${q}${sep}${vq}${REDACTED}${vq}`;
		},
	);
}

/** Kubernetes env pairs on one line: `{"name": "DB_PASSWORD", "value": "v"}`. */
function redactNameValuePairs(line: string, hits: Hit[]): string {
	return line.replace(
		/("name"\s*:\s*"([^"]{1,80})"\s*,\s*"value"\s*:\s*")((?:\\.|[^"\\])*)"/g,
		(whole, head: string, name: string, value: string) => {
			if (!isSecretKey(name) || isAlreadyRedacted(value)) return whole;
			hits.push({kind: kindForKey(name), chars: value.length, detector: 'key-name'});
			return `${head}${REDACTED}"`;
		},
	);
}

/** `- name: DB_PASSWORD` (YAML env entry): the `value:` within the next two lines is a secret. */
const ENV_NAME = /^\s*-?\s*["']?name["']?\s*:\s*["']?([A-Za-z0-9_.-]{1,80})["']?,?\s*$/;
const ENV_VALUE = /^(\s*["']?value["']?\s*:\s*)(["']?)(.*?)\2(,?\s*)$/;

/** `key = value`, `key: value`, `export KEY=value`, `--os-password=value`, keepalived `auth_pass v`. */
function redactKeyValue(line: string, hits: Hit[]): string {
	// keepalived: `auth_pass VALUE` (possibly several statements on one line).
	let out = line.replace(
		/\b(auth_pass)(\s+)([^\s}]+)/g,
		(whole, key: string, sp: string, v: string) => {
			if (isAlreadyRedacted(v)) return whole;
			hits.push({kind: 'keepalived-auth-pass', chars: v.length, detector: 'key-name'});
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
			hits.push({kind: kindForKey(key), chars: bare.length, detector: 'key-name'});
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
			hits.push({kind: kindForKey(key), chars: bare.length, detector: 'key-name'});
			return `${pre}${key}=${REDACTED}`;
		},
	);
	return out;
}

/** Standard (`+/`) or URL-safe (`-_`) base64, never both (that is a path or a name). */
const B64_TOKEN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])/g;
/** Byte lengths of symmetric keys (AES-128/192/256, Fernet's 32, HMAC-384/512). */
const KEY_BYTES = new Set([16, 24, 32, 48, 64]);

/**
 * True for a token of base64 that decodes to a key length and mixes upper case, lower case and
 * digits — a random key, not a word, a name, a hex digest or a UUID (which the diagnosis needs).
 */
export function looksLikeBase64Key(token: string): boolean {
	const body = token.replace(/=+$/, '');
	const pad = token.length - body.length;
	if (/[+/]/.test(body) && /[-_]/.test(body)) return false;
	if (pad > 0 && token.length % 4 !== 0) return false;
	if (!/[A-Z]/.test(body) || !/[a-z]/.test(body) || !/[0-9]/.test(body)) return false;
	return KEY_BYTES.has(Math.floor((body.length * 3) / 4));
}

/** Shape detectors: values that are secrets whatever their key (or when there is no key). */
const SHAPES: readonly {
	detector: Detector;
	kind: RedactionKind;
	pattern: RegExp;
	test?: (m: string) => boolean;
}[] = [
	{
		detector: 'shape:jwt',
		kind: 'token',
		pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
	},
	{detector: 'shape:fernet-token', kind: 'token', pattern: /\bgAAAAA[A-Za-z0-9_-]{40,}={0,2}/g},
	{detector: 'shape:aws-access-key', kind: 'api-key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g},
	{
		// Ceph: `AQ` + base64 of the key header and 16 random bytes (`key = AQD…==`).
		detector: 'shape:ceph-key',
		kind: 'ceph-key',
		pattern: /(?<![A-Za-z0-9+/=])AQ[A-Za-z0-9+/]{30,80}={0,2}(?![A-Za-z0-9+/=])/g,
	},
	{
		// base64 of a PEM block (`LS0tLS1CRUdJTi` = `-----BEGIN`): kubeconfig `*-data`, Secrets.
		detector: 'shape:pem-base64',
		kind: 'pem-block',
		pattern: /LS0tLS1CRUdJT[A-Za-z0-9+/]*={0,2}/g,
	},
	{detector: 'shape:base64-key', kind: 'base64-key', pattern: B64_TOKEN, test: looksLikeBase64Key},
];

/** Values that look like credentials whatever their key: see {@link SHAPES}. */
function redactLookalikes(line: string, hits: Hit[]): string {
	let out = line;
	for (const shape of SHAPES) {
		shape.pattern.lastIndex = 0;
		out = out.replace(shape.pattern, m => {
			if (m.includes(REDACTED) || (shape.test !== undefined && !shape.test(m))) return m;
			hits.push({kind: shape.kind, chars: m.length, detector: shape.detector});
			return REDACTED;
		});
	}
	return out;
}

/** Any PEM block: private keys, and certificates too (they name the customer's hosts). */
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
const PEM_END = /-----END [A-Z0-9 ]+-----/;
const pemKind = (label: string): RedactionKind => (/KEY/.test(label) ? 'private-key' : 'pem-block');

/**
 * Redact secrets in a text. `where` names the file or field for the report. Line count is kept:
 * private-key bodies become one {@link REDACTED} line per original line.
 */
export function redactText(text: string, where: string): RedactResult {
	const redactions: Redaction[] = [];
	const lines = text.split('\n');
	let inKey: RedactionKind | undefined;
	/** A `name: <secret-ish>` env entry seen this many lines ago (its `value:` follows). */
	let envName: {key: string; age: number} | undefined;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i] ?? '';
		const hits: Hit[] = [];
		let out: string;
		const envValue = envName === undefined ? null : ENV_VALUE.exec(line);
		if (envName !== undefined && envValue !== null) {
			const [, lead = '', quote = '', value = '', trail = ''] = envValue;
			if (value !== '' && !isAlreadyRedacted(value)) {
				hits.push({kind: kindForKey(envName.key), chars: value.length, detector: 'key-name'});
				out = `${lead}${quote}${REDACTED}${quote}${trail}`;
			} else out = line;
			envName = undefined;
		} else if (inKey !== undefined) {
			const indent = /^\s*/.exec(line)?.[0] ?? '';
			if (PEM_END.test(line)) {
				const end = PEM_END.exec(line);
				const body = line.slice(0, end?.index ?? 0).trim();
				if (body !== '' && !isAlreadyRedacted(body))
					hits.push({kind: inKey, chars: body.length, detector: 'shape:pem-block'});
				out = `${indent}${body === '' ? '' : `${REDACTED} `}${redactLine(line.slice(end?.index ?? 0), hits)}`;
				inKey = undefined;
			} else {
				if (line.trim() !== '' && !isAlreadyRedacted(line.trim()))
					hits.push({kind: inKey, chars: line.trim().length, detector: 'shape:pem-block'});
				out = line.trim() === '' ? line : `${indent}${REDACTED}`;
			}
		} else {
			// Whole blocks on one line first (`\n` escaped in JSON, annotations), then the rest.
			out = line.replace(
				/-----BEGIN ([A-Z0-9 ]+)-----(.*?)(-----END [A-Z0-9 ]+-----)/g,
				(whole, label: string, body: string, endMark: string) => {
					if (body.includes(REDACTED) || body.replace(/\\n|\s/g, '') === '') return whole;
					hits.push({kind: pemKind(label), chars: body.length, detector: 'shape:pem-block'});
					return `-----BEGIN ${label}-----${REDACTED}${endMark}`;
				},
			);
			const begin = PEM_BEGIN.exec(out);
			if (begin !== null && !PEM_END.test(out.slice(begin.index))) {
				// A block that goes on over the next lines.
				const cut = begin.index + begin[0].length;
				const after = out.slice(cut);
				inKey = pemKind(begin[1] ?? '');
				if (after.trim() !== '' && !isAlreadyRedacted(after.trim()))
					hits.push({kind: inKey, chars: after.length, detector: 'shape:pem-block'});
				out = `${redactLine(out.slice(0, cut), hits)}${after.trim() === '' ? after : REDACTED}`;
			} else out = redactLine(out, hits);
		}
		const named = ENV_NAME.exec(line);
		if (named !== null && isSecretKey(named[1] ?? '')) envName = {key: named[1] ?? '', age: 0};
		else if (envName !== undefined && ++envName.age > 2) envName = undefined;
		for (const hit of hits)
			redactions.push({
				where,
				line: i + 1,
				kind: hit.kind,
				detector: hit.detector,
				chars: hit.chars,
			});
		lines[i] = out;
	}
	return {text: lines.join('\n'), redactions};
}

/** Every line detector but the PEM one, in order: URLs, headers, keys, shapes. */
function redactLine(line: string, hits: Hit[]): string {
	let out = redactUrlCredentials(line, hits);
	out = redactHeaders(out, hits);
	out = redactQuotedPairs(out, hits);
	out = redactNameValuePairs(out, hits);
	out = redactKeyValue(out, hits);
	return redactLookalikes(out, hits);
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
				redactions.push({
					where,
					line: 0,
					kind: kindForKey(prev),
					detector: 'key-name',
					chars: word.length,
				});
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
				redactions.push({where: path, line: 0, kind: kindForKey(key), detector: 'key-name', chars});
				out[key] = REDACTED;
			} else {
				out[key] = redactValue(item, path, redactions);
			}
		}
		return out;
	}
	return value;
}

/** What each detector looks for (for the report and docs/bundles.md). */
export const DETECTORS: readonly {readonly detector: Detector; readonly finds: string}[] = [
	{
		detector: 'key-name',
		finds:
			'the value of any key that names a secret, in ini, YAML, JSON, env, flags and argv: password, passphrase, secret, token, api_key, access_key, private_key, client-key-data, authorization, credential, fernet, heartbeat/shared/signing/hmac/master/encryption/crypt key, erlang cookie, kek, keyring, keepalived auth_pass',
	},
	{detector: 'url-credentials', finds: 'the password of user:password@ in any URL, multi-host too'},
	{detector: 'http-header', finds: 'Authorization, X-Auth-Token, X-Subject-Token, X-Service-Token'},
	{
		detector: 'shape:pem-block',
		finds: 'any PEM block (private keys and certificates), multi-line or \\n-escaped',
	},
	{detector: 'shape:jwt', finds: 'JSON Web Tokens (eyJ….eyJ….sig), e.g. service-account tokens'},
	{detector: 'shape:fernet-token', finds: 'Keystone Fernet tokens (gAAAAA…)'},
	{detector: 'shape:aws-access-key', finds: 'AWS/S3-style access key ids (AKIA…, ASIA…)'},
	{detector: 'shape:ceph-key', finds: 'Ceph keys (AQ… base64), under any key or none'},
	{
		detector: 'shape:pem-base64',
		finds: 'base64 of a PEM block (LS0tLS1CRUdJT…), e.g. kubeconfig *-data',
	},
	{
		detector: 'shape:base64-key',
		finds:
			'base64 (standard or URL-safe) that decodes to 16, 24, 32, 48 or 64 bytes and mixes upper case, lower case and digits — Barbican kek, Fernet/credential keys, Octavia/Nova keys — under any key',
	},
	{
		detector: 'secretlint:<rule>',
		finds:
			'the second net over every archived file: secretlint 11.7.1 recommended preset (AWS, GCP, Azure, GitHub, Slack, npm, private keys, basic auth, SendGrid, OpenAI, …)',
	},
];

/** What happened to one file of the bundle. */
export type FileReport = {
	/** The declared projection applied to the capture whose output this is, and what it dropped. */
	readonly projection?: {
		readonly name: string;
		readonly kept: readonly string[];
		readonly dropped: readonly string[];
		readonly withheld?: string;
	};
	readonly redactions: readonly {
		readonly line: number;
		/** `argv`, `stderr`, `failure`, `path`, or a JSON field, when not the file body. */
		readonly field?: string;
		readonly kind: RedactionKind;
		readonly detector: Detector;
		readonly chars: number;
	}[];
};

export type RedactionReport = {
	readonly format: 'dvrscope-redaction-report';
	readonly schemaVersion: 2;
	readonly total: number;
	readonly byKind: Readonly<Partial<Record<RedactionKind, number>>>;
	readonly byDetector: Readonly<Record<Detector, number>>;
	readonly byFile: Readonly<Record<string, number>>;
	/** Per file: what was dropped by projection, what was redacted by which detector. */
	readonly files: Readonly<Record<string, FileReport>>;
	readonly redactions: readonly Redaction[];
	/** Captures whose fields were limited by a projection. */
	readonly projected: number;
	readonly detectors: typeof DETECTORS;
	readonly pseudonymized: boolean;
	readonly note: string;
};

/** `captures/…#argv` → file `capture-set/captures/…`, field `argv`. */
function fileOf(where: string): {file: string; field?: string} {
	const hash = where.indexOf('#');
	const base = hash < 0 ? where : where.slice(0, hash);
	const field = hash < 0 ? undefined : where.slice(hash + 1);
	const file = base.startsWith('captures/') ? `capture-set/${base}` : base;
	return field === undefined ? {file} : {file, field};
}

/**
 * Summarise for `redaction-report.json`: counts by kind, detector and file, and per file what the
 * projection dropped and what was redacted (never a value). `projections` is keyed by file.
 */
export function redactionReport(
	redactions: readonly Redaction[],
	pseudonymized: boolean,
	projections: Readonly<Record<string, NonNullable<FileReport['projection']>>> = {},
): RedactionReport {
	const byKind: Partial<Record<RedactionKind, number>> = {};
	const byDetector: Record<Detector, number> = {};
	const byFile: Record<string, number> = {};
	const files: Record<
		string,
		{
			projection?: NonNullable<FileReport['projection']>;
			redactions: FileReport['redactions'][number][];
		}
	> = {};
	const entry = (file: string) => (files[file] ??= {redactions: []});
	for (const [file, projection] of Object.entries(projections)) entry(file).projection = projection;
	for (const r of redactions) {
		byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
		byDetector[r.detector] = (byDetector[r.detector] ?? 0) + 1;
		byFile[r.where] = (byFile[r.where] ?? 0) + 1;
		const {file, field} = fileOf(r.where);
		entry(file).redactions.push({
			line: r.line,
			...(field === undefined ? {} : {field}),
			kind: r.kind,
			detector: r.detector,
			chars: r.chars,
		});
	}
	const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
	return {
		format: 'dvrscope-redaction-report',
		schemaVersion: 2,
		total: redactions.length,
		byKind,
		byDetector,
		byFile,
		files: sorted,
		redactions,
		projected: Object.keys(projections).length,
		detectors: DETECTORS,
		pseudonymized,
		note: pseudonymized
			? 'Structured captures were limited to their declared projection; secrets were replaced by ***REDACTED***. IPs, MACs, host names and UUIDs were pseudonymised; the mapping is not in this bundle.'
			: 'Structured captures were limited to their declared projection; secrets were replaced by ***REDACTED***. Network identifiers are kept as collected.',
	};
}
