import {dvrArpDivergence} from './rules/dvr-arp-divergence.js';
import {dvrArpMissing} from './rules/dvr-arp-missing.js';
import {dvrArpUnknownMac} from './rules/dvr-arp-unknown-mac.js';
import {dvrStalePermanentArp} from './rules/dvr-stale-permanent-arp.js';
import {dvrVipAtRisk} from './rules/dvr-vip-at-risk.js';
import {moskDeployment} from './rules/mosk-deployment.js';
import {ovnHolderChassisDown} from './rules/ovn-holder-chassis-down.js';
import {ovnStaleMacBinding} from './rules/ovn-stale-mac-binding.js';
import {ovnVipPortNotVirtual} from './rules/ovn-vip-port-not-virtual.js';
import {ovnVipPortSecurity} from './rules/ovn-vip-port-security.js';
import {ovnVirtualParentStale} from './rules/ovn-virtual-parent-stale.js';
import {ovsArpResponderVip} from './rules/ovs-arp-responder-vip.js';
import {ovsDvrArpBlock} from './rules/ovs-dvr-arp-block.js';
import {vrrpNoMaster} from './rules/vrrp-no-master.js';
import {vrrpPortBinding} from './rules/vrrp-port-binding.js';
import {vrrpSplitBrain} from './rules/vrrp-split-brain.js';
import type {Rule} from './types.js';

/** Every rule dvrscope runs, in report order. */
export const rules: readonly Rule[] = [
	dvrStalePermanentArp,
	dvrVipAtRisk,
	dvrArpDivergence,
	dvrArpMissing,
	dvrArpUnknownMac,
	vrrpSplitBrain,
	vrrpNoMaster,
	ovsDvrArpBlock,
	ovsArpResponderVip,
	vrrpPortBinding,
	moskDeployment,
	// ml2/ovn (issue 15): not applicable on ml2/ovs, skipped (never pass) without the OVN DBs.
	ovnVirtualParentStale,
	ovnStaleMacBinding,
	ovnVipPortNotVirtual,
	ovnVipPortSecurity,
	ovnHolderChassisDown,
] as Rule[];
