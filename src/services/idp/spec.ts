import { BindingsRequest, BindingsResponse, ChallengeRequest, ChallengeResponse, LoginRequest, LoginResponse, LookupRequest, LookupResponse, RegisterRequest, RegisterResponse, RenewRequest } from './pb/idp.js'
import type { MethodSpec, ServiceSpec } from '../rpc.js'

export const IDP: ServiceSpec = { role: 'idp', protocol: '/lanchat/idp/1.0.0', maxRequestBytes: 8 * 1024, maxResponseBytes: 64 * 1024 }

export const REGISTER: MethodSpec<RegisterRequest, RegisterResponse> = { name: 'register', request: RegisterRequest, response: RegisterResponse }
export const CHALLENGE: MethodSpec<ChallengeRequest, ChallengeResponse> = { name: 'challenge', request: ChallengeRequest, response: ChallengeResponse }
export const LOGIN: MethodSpec<LoginRequest, LoginResponse> = { name: 'login', request: LoginRequest, response: LoginResponse }
export const RENEW: MethodSpec<RenewRequest, LoginResponse> = { name: 'renew', request: RenewRequest, response: LoginResponse }
export const LOOKUP: MethodSpec<LookupRequest, LookupResponse> = { name: 'lookup', request: LookupRequest, response: LookupResponse }
export const BINDINGS: MethodSpec<BindingsRequest, BindingsResponse> = { name: 'bindings', request: BindingsRequest, response: BindingsResponse }
/** bindings returns at most this many at once (a binding is ~150 bytes: a reply stays far under maxResponseBytes). */
export const MAX_BINDINGS_PER_REPLY = 250

/** What a user's identity key signs at registration, login and renewal (transcript labels). */
export const REGISTER_LABEL = 'lanchat/idp/register/v1'
export const LOGIN_LABEL = 'lanchat/idp/login/v1'
export const RENEW_LABEL = 'lanchat/idp/renew/v1'
