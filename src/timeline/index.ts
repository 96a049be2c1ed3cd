/**
 * One timeline for every conversation (docs/architecture.md): conversation
 * ids, the hybrid logical clock, history with read marks, and the status of
 * every outgoing message, persisted.
 */
export { Timeline, newMessageId } from './timeline.js'
export type { TimelineComponents } from './timeline.js'
export { LOBBY, GROUP_PREFIX, conversationKind, groupConversation, groupOfConversation, checkConversation } from './conversation.js'
export type { ConversationId, ConversationKind } from './conversation.js'
export type { AttachedFile, ChatMessage, ConversationSummary, MessageStatus, MessageUpdate } from './message.js'
export { bodyFields, checkEmoji, decodeBody, encodeBody, isChange } from './body.js'
export type { Body } from './body.js'
export { words } from './search.js'
export { MAX_REACTIONS_PER_PERSON } from './changes.js'
export { HybridClock, compareHlc, formatHlc, parseHlc, MAX_HLC_DRIFT_MS } from './hlc.js'
export type { Hlc } from './hlc.js'
export { TimelineError } from './errors.js'
export type { TimelineErrorCode } from './errors.js'
