import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { RpcRequest, RpcResponse } from '../../src/services/pb/rpc.js'
import type { LanchatNode } from '../../src/node.js'
import type { Loose, MethodSpec, ServiceSpec } from '../../src/services/index.js'

/** Sends one request straight to `target` over a stream, bypassing the holder lookup and retries. */
export async function rawCall<Req, Res> (from: LanchatNode, target: LanchatNode, spec: ServiceSpec, method: MethodSpec<Req, Res>, body: Loose<NoInfer<Req>>, tokens: { identityToken?: string, authorizationToken?: string } = {}): Promise<RpcResponse> {
  return rawBytes(from, target, spec, RpcRequest.encode({
    method: method.name,
    body: method.request.encode(body as Req) as Uint8Array<ArrayBuffer>,
    identityToken: tokens.identityToken ?? '',
    authorizationToken: tokens.authorizationToken ?? ''
  }))
}

export async function rawBytes (from: LanchatNode, target: LanchatNode, spec: ServiceSpec, frame: Uint8Array): Promise<RpcResponse> {
  const signal = AbortSignal.timeout(10_000)
  const stream = await from.network.libp2p.dialProtocol(peerIdFromString(target.network.peerId), spec.protocol, { signal })
  const lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 })
  await lp.write(frame, { signal })
  const res = RpcResponse.decode((await lp.read({ signal })).subarray())
  await stream.close()
  return res
}
