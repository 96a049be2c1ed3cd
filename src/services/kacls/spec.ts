import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from './constants.js'
import { RewrapRequest, StatusRequest, StatusResponse, UnwrapRequest, UnwrapResponse, WrapRequest, WrapResponse } from './pb/kacls.js'
import type { MethodSpec, ServiceSpec } from '../rpc.js'

/** /lanchat/kacls/1.0.0: key wrapping under the KACLS's key-encryption key (docs/services.md, "kacls"). */
export const KACLS: ServiceSpec = { role: 'kacls', protocol: '/lanchat/kacls/1.0.0', maxRequestBytes: MAX_REQUEST_BYTES, maxResponseBytes: MAX_RESPONSE_BYTES }

/** Identity token; the caller must be in `authorized`. */
export const WRAP: MethodSpec<WrapRequest, WrapResponse> = { name: 'wrap', request: WrapRequest, response: WrapResponse }
/** Identity token and the relay's authorization token for `resource`; the caller must be in the bound list. */
export const UNWRAP: MethodSpec<UnwrapRequest, UnwrapResponse> = { name: 'unwrap', request: UnwrapRequest, response: UnwrapResponse }
/** Identity token; the caller must be in the bound list. Replies like wrap, under the newest KEK. */
export const REWRAP: MethodSpec<RewrapRequest, WrapResponse> = { name: 'rewrap', request: RewrapRequest, response: WrapResponse }
/** No token. */
export const STATUS: MethodSpec<StatusRequest, StatusResponse> = { name: 'status', request: StatusRequest, response: StatusResponse }
