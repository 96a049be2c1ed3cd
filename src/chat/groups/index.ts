/**
 * Group chat (docs/groups.md): the member side. The relay side (states,
 * history, the group/ authorization policy) is in src/services/relay/groups.ts;
 * the rules both sides check are in src/groups/.
 */
export { Groups } from './groups.js'
export type { GroupFork, GroupInfo, GroupMessage, GroupSendResult, GroupsEvents, GroupsComponents, GroupsNetworkComponents, ReceiveOutcome, GroupId } from './groups.js'
export type { GroupsAccount, GroupsDirectory } from './context.js'
export type { MemberNetwork, RelayClient, KaclsClient, TopicClient } from './network.js'
export { GroupError } from './errors.js'
export { GROUPS_DEFAULTS, POKE_PROTOCOL } from './constants.js'
export type { GroupsInit } from './constants.js'
