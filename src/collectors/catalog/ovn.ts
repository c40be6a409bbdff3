/**
 * The ml2/ovn reads: the OVN northbound and southbound databases, read on nodes with the `ovn-db`
 * inventory role through ovn-nbctl/ovn-sbctl's read-only `list`.
 */
import type {CatalogEntry} from './schema.js';

/**
 * OVN tables dvrscope reads, with the columns it needs (`--columns` keeps output small; the
 * columns also tell the parser which table a JSON document is, since the JSON names none).
 * Columns present in OVN 20.09 and later; MAC_Binding `timestamp` (22.09+) is not asked for.
 */
export const OVN_NB_TABLES: readonly (readonly [string, string])[] = [
	['Logical_Switch', '_uuid,name,ports,other_config,external_ids'],
	[
		'Logical_Switch_Port',
		'_uuid,name,type,addresses,port_security,options,up,enabled,ha_chassis_group,external_ids',
	],
	['Logical_Router', '_uuid,name,ports,nat,options,external_ids'],
	[
		'Logical_Router_Port',
		'_uuid,name,mac,networks,gateway_chassis,ha_chassis_group,options,external_ids',
	],
	['NAT', '_uuid,type,external_ip,logical_ip,logical_port,external_mac,external_ids'],
	['HA_Chassis_Group', '_uuid,name,ha_chassis,external_ids'],
	['HA_Chassis', '_uuid,chassis_name,priority'],
	['Gateway_Chassis', '_uuid,name,chassis_name,priority'],
];

export const OVN_SB_TABLES: readonly (readonly [string, string])[] = [
	[
		'Port_Binding',
		'_uuid,logical_port,type,chassis,virtual_parent,mac,options,up,datapath,external_ids',
	],
	['MAC_Binding', '_uuid,logical_port,ip,mac,datapath'],
	['Chassis', '_uuid,name,hostname,other_config,external_ids'],
	['Chassis_Private', '_uuid,name,chassis,nb_cfg_timestamp'],
	['Datapath_Binding', '_uuid,tunnel_key,external_ids'],
];

/** `--columns=C list T -- --columns=C list T2 …`: one execution, one JSON document per table. */
const ovnLists = (tables: readonly (readonly [string, string])[]): string[] =>
	tables.flatMap(([table, columns], i) => [
		...(i > 0 ? ['--'] : []),
		`--columns=${columns}`,
		'list',
		table,
	]);

/** Read-only options of ovn-nbctl/ovn-sbctl: any raft member answers; never wait for a change. */
const OVN_READ = ['--no-leader-only', '--timeout=10', '--format=json'] as const;

/** Phase `detail`, `ovn-db` nodes without Neutron namespaces only. */
export const OVN_ENTRIES = [
	{
		id: 'ovn.nb',
		title: 'OVN northbound DB (logical ports, routers, NAT, gateway chassis)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovn-nb',
		argv: ['ovn-nbctl', ...OVN_READ, ...ovnLists(OVN_NB_TABLES)] as [string, ...string[]],
		kind: 'ovn-db',
		timeoutMs: 30_000,
		role: 'ovn-db',
		onlyWithout: 'namespace',
	},
	{
		id: 'ovn.sb',
		title: 'OVN southbound DB (port bindings, MAC bindings, chassis)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovn-sb',
		argv: ['ovn-sbctl', ...OVN_READ, ...ovnLists(OVN_SB_TABLES)] as [string, ...string[]],
		kind: 'ovn-db',
		timeoutMs: 30_000,
		role: 'ovn-db',
		onlyWithout: 'namespace',
	},
] as const satisfies readonly CatalogEntry[];
