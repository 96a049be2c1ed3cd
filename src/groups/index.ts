/**
 * Groups as a domain (docs/groups.md): the rules of a group's chain of signed
 * states, leave requests, the message envelope and its encryption, and the
 * groups' gossipsub topics. Pure rules and wire formats, imported alike by the
 * relay (the membership authority) and by the member side (src/chat/groups).
 */
export {
  epochResource, parseEpochResource, checkGroupId, checkGroupName, stateHash, isMember, isAdmin, memberKey, usernames, successorAdmin,
  membersAfter, signState, openState, verifyGenesis, verifyAnchor, verifyNext, signLeaveRequest, openLeaveRequest, verifyLeaveRequest,
  envelopeTranscript, openEnvelope, checkEnvelope, verifyEnvelopeSignature, signEnvelope, encodeU32, encodeU64
} from './state.js'
export type { GroupId, Epoch, GroupChange, VerifiedState } from './state.js'
export { senderKey, messageNonce, messageAd, sealGroupMessage, openGroupMessage } from './envelope.js'
export type { EnvelopeHeader } from './envelope.js'
export { compareBranches } from './chain-rule.js'
export type { Branch } from './chain-rule.js'
export { GroupTopics, groupTopic, groupTopics } from './topics.js'
export type { GroupTopicHandler } from './topics.js'
export { GroupStateError } from './errors.js'
export type { GroupStateErrorCode } from './errors.js'
export * from './constants.js'
export {
  GroupEnvelope, GroupMember, GroupPayload, GroupPoke, GroupState, GroupTopicMessage, LeaveRequest, SignedGroupState, SignedLeaveRequest
} from './pb/groups.js'
