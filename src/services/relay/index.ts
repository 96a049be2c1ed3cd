/**
 * The relay service (/lanchat/relay/1.0.0): mailbox, prekey bundles and
 * authorization tokens. Callers use the spec (RELAY and the method specs)
 * with Rpc.call; the node runs the RelayService.
 */
export { RelayService } from './relay.js'
export type { RelayInit, PolicyCheck } from './relay.js'
export { RELAY, DEPOSIT, FETCH, ACK, PUBLISH_BUNDLE, FETCH_BUNDLE, BUNDLE_STATUS, AUTHORIZE, ACL_SET } from './spec.js'
export {
  RELAY_DEFAULTS, MAX_ENVELOPE_BYTES, MAX_MESSAGE_ID_CHARS, MAX_FETCH_LIMIT, MAX_ACK_IDS, MAX_PREKEYS_PER_PUBLISH,
  MAX_RESOURCE_CHARS, MAX_ACL_MEMBERS, SHARE_PREFIX, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES
} from './constants.js'
export type {
  DepositRequest, DepositResponse, FetchRequest, FetchResponse, MailMessage, AckRequest, AckResponse, OneTimePrekey,
  PublishBundleRequest, PublishBundleResponse, FetchBundleRequest, FetchBundleResponse, BundleStatusRequest,
  BundleStatusResponse, AuthorizeRequest, AuthorizeResponse, AclSetRequest, AclSetResponse
} from './pb/relay.js'
