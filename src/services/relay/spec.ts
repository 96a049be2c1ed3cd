import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from './constants.js'
import {
  AckRequest, AckResponse, HandoffRequest, HandoffResponse, AclSetRequest, AclSetResponse, AuthorizeRequest, AuthorizeResponse, BundleStatusRequest,
  BundleStatusResponse, DepositRequest, DepositResponse, FetchBundleRequest, FetchBundleResponse, FetchRequest,
  FetchResponse, GroupCommitRequest, GroupCommitResponse, GroupFetchRequest, GroupFetchResponse, GroupLeaveRequest,
  GroupLeaveResponse, GroupListRequest, GroupListResponse, GroupPostRequest, GroupPostResponse, GroupStatesRequest,
  GroupStatesResponse, PublishBundleRequest, PublishBundleResponse
} from './pb/relay.js'
import type { MethodSpec, ServiceSpec } from '../rpc.js'

/** /lanchat/relay/1.0.0 (docs/services.md, relay), shared by the relay holder and its callers. */
export const RELAY: ServiceSpec = { role: 'relay', protocol: '/lanchat/relay/1.0.0', maxRequestBytes: MAX_REQUEST_BYTES, maxResponseBytes: MAX_RESPONSE_BYTES }

export const DEPOSIT: MethodSpec<DepositRequest, DepositResponse> = { name: 'deposit', request: DepositRequest, response: DepositResponse }
export const FETCH: MethodSpec<FetchRequest, FetchResponse> = { name: 'fetch', request: FetchRequest, response: FetchResponse }
export const ACK: MethodSpec<AckRequest, AckResponse> = { name: 'ack', request: AckRequest, response: AckResponse }
export const HANDOFF: MethodSpec<HandoffRequest, HandoffResponse> = { name: 'handoff', request: HandoffRequest, response: HandoffResponse }
export const PUBLISH_BUNDLE: MethodSpec<PublishBundleRequest, PublishBundleResponse> = { name: 'publishBundle', request: PublishBundleRequest, response: PublishBundleResponse }
export const FETCH_BUNDLE: MethodSpec<FetchBundleRequest, FetchBundleResponse> = { name: 'fetchBundle', request: FetchBundleRequest, response: FetchBundleResponse }
export const BUNDLE_STATUS: MethodSpec<BundleStatusRequest, BundleStatusResponse> = { name: 'bundleStatus', request: BundleStatusRequest, response: BundleStatusResponse }
export const AUTHORIZE: MethodSpec<AuthorizeRequest, AuthorizeResponse> = { name: 'authorize', request: AuthorizeRequest, response: AuthorizeResponse }
export const ACL_SET: MethodSpec<AclSetRequest, AclSetResponse> = { name: 'aclSet', request: AclSetRequest, response: AclSetResponse }

/** Groups (docs/groups.md): the relay holds each group's signed states, pending leave requests and history. */
export const GROUP_COMMIT: MethodSpec<GroupCommitRequest, GroupCommitResponse> = { name: 'groupCommit', request: GroupCommitRequest, response: GroupCommitResponse }
export const GROUP_STATES: MethodSpec<GroupStatesRequest, GroupStatesResponse> = { name: 'groupStates', request: GroupStatesRequest, response: GroupStatesResponse }
export const GROUP_LIST: MethodSpec<GroupListRequest, GroupListResponse> = { name: 'groupList', request: GroupListRequest, response: GroupListResponse }
export const GROUP_LEAVE: MethodSpec<GroupLeaveRequest, GroupLeaveResponse> = { name: 'groupLeave', request: GroupLeaveRequest, response: GroupLeaveResponse }
export const GROUP_POST: MethodSpec<GroupPostRequest, GroupPostResponse> = { name: 'groupPost', request: GroupPostRequest, response: GroupPostResponse }
export const GROUP_FETCH: MethodSpec<GroupFetchRequest, GroupFetchResponse> = { name: 'groupFetch', request: GroupFetchRequest, response: GroupFetchResponse }
