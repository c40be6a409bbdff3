import type {NodeId} from '../../model/ids.js';
import type {OsPort} from '../../model/facts.js';
import type {RouterInfo, Vip} from '../model.js';

/** `web-router (4d7928a0)` or the full id when the router has no name. */
export const routerLabel = (router: RouterInfo): string =>
	router.name !== undefined && router.name !== ''
		? `${router.name} (${router.id.slice(0, 8)})`
		: router.id;

export const listText = (items: readonly string[]): string => {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
};

export const nodesText = (nodes: readonly NodeId[]): string => listText([...nodes].sort());

export const subnetText = (vip: Vip): string =>
	vip.subnet !== undefined ? `subnet ${vip.subnet.cidr}` : 'the VIP subnet';

/** `--allowed-address ip-address=…[,mac-address=…]` for every pair of the port (kept unchanged). */
export function resendAapCommand(port: OsPort): string {
	const pairs = port.allowedAddressPairs.map(pair => {
		const ip =
			pair.prefixlen !== undefined && pair.prefixlen < (pair.ip.includes(':') ? 128 : 32)
				? `${pair.ip}/${pair.prefixlen}`
				: pair.ip;
		const mac =
			pair.mac !== undefined && pair.mac.toLowerCase() !== port.mac.toLowerCase()
				? `,mac-address=${pair.mac}`
				: '';
		return `--allowed-address ip-address=${ip}${mac}`;
	});
	return `openstack port set --no-allowed-address ${pairs.join(' ')} ${port.id}`;
}

export const MOSK_EXEC_HINT =
	"# MOSK: run the ip netns line inside the node's L3 agent pod: kubectl -n openstack exec <neutron-l3-agent pod on NODE> -c neutron-l3-agent -- <line>";
