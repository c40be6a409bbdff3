/**
 * Where and how to reach the OpenStack API, read the way the `openstack` CLI reads it: `OS_CLOUD`
 * names an entry of clouds.yaml (`OS_CLIENT_CONFIG_FILE`, ./clouds.yaml,
 * ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml); `OS_*` variables fill in or
 * override. Auth types: `password` (default with a user name), `v3applicationcredential`,
 * `token`/`v3token`, and `none`/`noauth` with an `endpoint` (a Neutron without Keystone, as the lab
 * runs). Plus the CA bundle (`cacert`, `OS_CACERT`), `verify: false`/`insecure`/`OS_INSECURE`,
 * `interface` and `region_name`. Secrets stay in this object: they are never logged nor captured.
 */
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export type CloudAuthType = 'password' | 'v3applicationcredential' | 'token' | 'none';

export type CloudConfig = {
	/** Where the settings came from (for messages): `clouds.yaml cloud "prod"`, `OS_* variables`. */
	readonly source: string;
	readonly authType: CloudAuthType;
	/** Keystone URL (absent with auth type none). */
	readonly authUrl?: string;
	/** auth type none: the service URL (Neutron). */
	readonly endpoint?: string;
	readonly username?: string;
	readonly userId?: string;
	readonly password?: string;
	readonly userDomainName?: string;
	readonly userDomainId?: string;
	readonly projectName?: string;
	readonly projectId?: string;
	readonly projectDomainName?: string;
	readonly projectDomainId?: string;
	readonly domainName?: string;
	readonly domainId?: string;
	readonly applicationCredentialId?: string;
	readonly applicationCredentialName?: string;
	readonly applicationCredentialSecret?: string;
	readonly token?: string;
	readonly region?: string;
	/** `public` (default), `internal`, `admin`. */
	readonly interface: string;
	/** PEM CA bundle file. */
	readonly cacert?: string;
	readonly insecure: boolean;
};

export class CloudConfigError extends Error {
	override readonly name = 'CloudConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;
type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined =>
	typeof value === 'string' && value !== ''
		? value
		: typeof value === 'number'
			? String(value)
			: undefined;

const truthy = (value: unknown): boolean =>
	value === true || (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value));

/** Candidate clouds.yaml files, in the CLI's order. */
export function cloudsYamlPaths(env: Env, cwd = process.cwd(), home = os.homedir()): string[] {
	return [
		...(env['OS_CLIENT_CONFIG_FILE'] ? [env['OS_CLIENT_CONFIG_FILE']] : []),
		path.join(cwd, 'clouds.yaml'),
		path.join(home, '.config', 'openstack', 'clouds.yaml'),
		'/etc/openstack/clouds.yaml',
	];
}

async function readCloud(
	name: string,
	files: readonly string[],
): Promise<{entry: Json; file: string}> {
	for (const file of files) {
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch {
			continue;
		}
		let doc: unknown;
		try {
			doc = YAML.parse(text);
		} catch (error) {
			throw new CloudConfigError(`${file}: not YAML (${(error as Error).message})`);
		}
		const clouds = (doc as {clouds?: unknown} | null)?.clouds;
		if (typeof clouds !== 'object' || clouds === null) continue;
		const entry = (clouds as Json)[name];
		if (typeof entry === 'object' && entry !== null) return {entry: entry as Json, file};
	}
	throw new CloudConfigError(`OS_CLOUD=${name}: no cloud "${name}" in ${files.join(', ')}`);
}

/** True when the environment names a cloud (`OS_CLOUD`, `OS_AUTH_URL`, or a noauth `OS_ENDPOINT`). */
export const cloudConfigured = (env: Env = process.env): boolean =>
	Boolean(env['OS_CLOUD'] || env['OS_AUTH_URL'] || env['OS_ENDPOINT']);

/** The cloud settings from `OS_CLOUD`/clouds.yaml and `OS_*`; throws CloudConfigError. */
export async function loadCloudConfig(
	env: Env = process.env,
	files: readonly string[] = cloudsYamlPaths(env),
): Promise<CloudConfig> {
	let entry: Json = {};
	let source = 'OS_* variables';
	const cloud = env['OS_CLOUD'];
	if (cloud) {
		const found = await readCloud(cloud, files);
		entry = found.entry;
		source = `${found.file} cloud "${cloud}"`;
	}
	const auth = (
		typeof entry['auth'] === 'object' && entry['auth'] !== null ? entry['auth'] : {}
	) as Json;
	const pick = (envName: string, ...keys: string[]): string | undefined => {
		const fromEnv = env[envName];
		if (fromEnv) return fromEnv;
		for (const key of keys) {
			const value = str(auth[key]) ?? str(entry[key]);
			if (value !== undefined) return value;
		}
		return undefined;
	};
	const rawType = (pick('OS_AUTH_TYPE', 'auth_type') ?? '').toLowerCase();
	const token = pick('OS_TOKEN', 'token');
	const appId = pick('OS_APPLICATION_CREDENTIAL_ID', 'application_credential_id');
	const appName = pick('OS_APPLICATION_CREDENTIAL_NAME', 'application_credential_name');
	const authType: CloudAuthType =
		rawType === 'none' || rawType === 'noauth' || rawType === 'admin_token'
			? rawType === 'admin_token'
				? 'token'
				: 'none'
			: rawType === 'v3applicationcredential' || rawType === 'applicationcredential'
				? 'v3applicationcredential'
				: rawType === 'token' || rawType === 'v3token'
					? 'token'
					: rawType === '' && (appId ?? appName) !== undefined
						? 'v3applicationcredential'
						: rawType === '' && token !== undefined && pick('OS_USERNAME', 'username') === undefined
							? 'token'
							: 'password';
	if (
		rawType !== '' &&
		![
			'none',
			'noauth',
			'admin_token',
			'v3applicationcredential',
			'applicationcredential',
			'token',
			'v3token',
			'password',
			'v3password',
		].includes(rawType)
	)
		throw new CloudConfigError(
			`${source}: auth type "${rawType}" is not supported (password, v3applicationcredential, token, none)`,
		);
	const verify = entry['verify'];
	const config: CloudConfig = {
		source,
		authType,
		...opt('authUrl', pick('OS_AUTH_URL', 'auth_url')),
		...opt(
			'endpoint',
			pick('OS_ENDPOINT', 'endpoint') ?? (authType === 'none' ? env['OS_URL'] : undefined),
		),
		...opt('username', pick('OS_USERNAME', 'username')),
		...opt('userId', pick('OS_USER_ID', 'user_id')),
		...opt('password', pick('OS_PASSWORD', 'password')),
		...opt('userDomainName', pick('OS_USER_DOMAIN_NAME', 'user_domain_name')),
		...opt('userDomainId', pick('OS_USER_DOMAIN_ID', 'user_domain_id')),
		...opt(
			'projectName',
			pick('OS_PROJECT_NAME', 'project_name') ?? pick('OS_TENANT_NAME', 'tenant_name'),
		),
		...opt('projectId', pick('OS_PROJECT_ID', 'project_id') ?? pick('OS_TENANT_ID', 'tenant_id')),
		...opt('projectDomainName', pick('OS_PROJECT_DOMAIN_NAME', 'project_domain_name')),
		...opt('projectDomainId', pick('OS_PROJECT_DOMAIN_ID', 'project_domain_id')),
		...opt('domainName', pick('OS_DOMAIN_NAME', 'domain_name')),
		...opt('domainId', pick('OS_DOMAIN_ID', 'domain_id')),
		...opt('applicationCredentialId', appId),
		...opt('applicationCredentialName', appName),
		...opt(
			'applicationCredentialSecret',
			pick('OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'),
		),
		...opt('token', token),
		...opt('region', env['OS_REGION_NAME'] || str(entry['region_name'])),
		interface: (
			env['OS_INTERFACE'] ||
			env['OS_ENDPOINT_TYPE'] ||
			str(entry['interface']) ||
			'public'
		).replace(/URL$/, ''),
		...opt('cacert', env['OS_CACERT'] || str(entry['cacert'])),
		insecure: truthy(env['OS_INSECURE']) || truthy(entry['insecure']) || verify === false,
	};
	checkConfig(config);
	return config;
}

const opt = <K extends string>(key: K, value: string | undefined): {[P in K]?: string} =>
	(value === undefined ? {} : {[key]: value}) as {[P in K]?: string};

function checkConfig(config: CloudConfig): void {
	const missing = (what: string): never => {
		throw new CloudConfigError(`${config.source}: auth type ${config.authType} needs ${what}`);
	};
	if (config.authType === 'none') {
		if (config.endpoint === undefined) missing('an endpoint (auth.endpoint or OS_ENDPOINT)');
		return;
	}
	if (config.authUrl === undefined) missing('auth_url (OS_AUTH_URL)');
	if (config.authType === 'password') {
		if (config.username === undefined && config.userId === undefined)
			missing('a user name (OS_USERNAME)');
		if (config.password === undefined) missing('a password (OS_PASSWORD)');
	}
	if (config.authType === 'v3applicationcredential') {
		if (config.applicationCredentialSecret === undefined)
			missing('an application credential secret (OS_APPLICATION_CREDENTIAL_SECRET)');
		if (
			config.applicationCredentialId === undefined &&
			config.applicationCredentialName === undefined
		)
			missing('an application credential id or name');
	}
	if (config.authType === 'token' && config.token === undefined) missing('a token (OS_TOKEN)');
}
