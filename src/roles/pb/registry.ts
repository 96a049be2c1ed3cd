import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Announcement {
  peerId: string
  pinned: string[]
  eligible: string[]
  roleKeys: RoleKey[]
  addrs: Uint8Array<ArrayBuffer>[]
  seq: bigint
  time: bigint
  startedAt: bigint
  held: HeldRole[]
  views: RoleView[]
  hostName: string
  user: string
  replicas: ReplicaLag[]
  alone: string[]
  replicasSame: boolean
}

export namespace Announcement {
  let _codec: Codec<Announcement>

  export const codec = (): Codec<Announcement> => {
    if (_codec == null) {
      _codec = message<Announcement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.pinned != null && obj.pinned.length > 0) {
          for (const value of obj.pinned) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (obj.eligible != null && obj.eligible.length > 0) {
          for (const value of obj.eligible) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (obj.roleKeys != null && obj.roleKeys.length > 0) {
          for (const value of obj.roleKeys) {
            w.uint32(34)
            RoleKey.codec().encode(value, w)
          }
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(48)
          w.uint64(obj.seq)
        }

        if ((obj.time != null && obj.time !== 0n)) {
          w.uint32(56)
          w.uint64(obj.time)
        }

        if ((obj.startedAt != null && obj.startedAt !== 0n)) {
          w.uint32(64)
          w.uint64(obj.startedAt)
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(74)
            HeldRole.codec().encode(value, w)
          }
        }

        if (obj.views != null && obj.views.length > 0) {
          for (const value of obj.views) {
            w.uint32(82)
            RoleView.codec().encode(value, w)
          }
        }

        if ((obj.hostName != null && obj.hostName !== '')) {
          w.uint32(90)
          w.string(obj.hostName)
        }

        if ((obj.user != null && obj.user !== '')) {
          w.uint32(98)
          w.string(obj.user)
        }

        if (obj.replicas != null && obj.replicas.length > 0) {
          for (const value of obj.replicas) {
            w.uint32(162)
            ReplicaLag.codec().encode(value, w)
          }
        }

        if (obj.alone != null && obj.alone.length > 0) {
          for (const value of obj.alone) {
            w.uint32(170)
            w.string(value)
          }
        }

        if ((obj.replicasSame != null && obj.replicasSame !== false)) {
          w.uint32(176)
          w.bool(obj.replicasSame)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          pinned: [],
          eligible: [],
          roleKeys: [],
          addrs: [],
          seq: 0n,
          time: 0n,
          startedAt: 0n,
          held: [],
          views: [],
          hostName: '',
          user: '',
          replicas: [],
          alone: [],
          replicasSame: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.pinned != null && obj.pinned.length === opts.limits.pinned) {
                throw new MaxLengthError('Decode error - repeated field "pinned" had too many elements')
              }

              obj.pinned.push(reader.string())
              break
            }
            case 3: {
              if (opts.limits?.eligible != null && obj.eligible.length === opts.limits.eligible) {
                throw new MaxLengthError('Decode error - repeated field "eligible" had too many elements')
              }

              obj.eligible.push(reader.string())
              break
            }
            case 4: {
              if (opts.limits?.roleKeys != null && obj.roleKeys.length === opts.limits.roleKeys) {
                throw new MaxLengthError('Decode error - repeated field "roleKeys" had too many elements')
              }

              obj.roleKeys.push(RoleKey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.roleKeys$
              }))
              break
            }
            case 5: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 6: {
              obj.seq = reader.uint64()
              break
            }
            case 7: {
              obj.time = reader.uint64()
              break
            }
            case 8: {
              obj.startedAt = reader.uint64()
              break
            }
            case 9: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(HeldRole.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.held$
              }))
              break
            }
            case 10: {
              if (opts.limits?.views != null && obj.views.length === opts.limits.views) {
                throw new MaxLengthError('Decode error - repeated field "views" had too many elements')
              }

              obj.views.push(RoleView.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.views$
              }))
              break
            }
            case 11: {
              obj.hostName = reader.string()
              break
            }
            case 12: {
              obj.user = reader.string()
              break
            }
            case 20: {
              if (opts.limits?.replicas != null && obj.replicas.length === opts.limits.replicas) {
                throw new MaxLengthError('Decode error - repeated field "replicas" had too many elements')
              }

              obj.replicas.push(ReplicaLag.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.replicas$
              }))
              break
            }
            case 21: {
              if (opts.limits?.alone != null && obj.alone.length === opts.limits.alone) {
                throw new MaxLengthError('Decode error - repeated field "alone" had too many elements')
              }

              obj.alone.push(reader.string())
              break
            }
            case 22: {
              obj.replicasSame = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          pinned: 0,
          eligible: 0,
          roleKeys: 0,
          addrs: 0,
          held: 0,
          views: 0,
          replicas: 0,
          alone: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.pinned != null && obj.pinned === opts.limits.pinned) {
                throw new MaxLengthError('Streaming decode error - repeated field "pinned" had too many elements')
              }

              yield {
                field: `${prefix}.pinned[]`,
                index: obj.pinned,
                value: reader.string()
              }

              obj.pinned++

              break
            }
            case 3: {
              if (opts.limits?.eligible != null && obj.eligible === opts.limits.eligible) {
                throw new MaxLengthError('Streaming decode error - repeated field "eligible" had too many elements')
              }

              yield {
                field: `${prefix}.eligible[]`,
                index: obj.eligible,
                value: reader.string()
              }

              obj.eligible++

              break
            }
            case 4: {
              if (opts.limits?.roleKeys != null && obj.roleKeys === opts.limits.roleKeys) {
                throw new MaxLengthError('Streaming decode error - repeated field "roleKeys" had too many elements')
              }

              for (const evt of RoleKey.codec().stream(reader, reader.uint32(), `${prefix}.roleKeys[]`, {
                limits: opts.limits?.roleKeys$
              })) {
                yield {
                  ...evt,
                  index: obj.roleKeys
                }
              }

              obj.roleKeys++

              break
            }
            case 5: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.time`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.startedAt`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              for (const evt of HeldRole.codec().stream(reader, reader.uint32(), `${prefix}.held[]`, {
                limits: opts.limits?.held$
              })) {
                yield {
                  ...evt,
                  index: obj.held
                }
              }

              obj.held++

              break
            }
            case 10: {
              if (opts.limits?.views != null && obj.views === opts.limits.views) {
                throw new MaxLengthError('Streaming decode error - repeated field "views" had too many elements')
              }

              for (const evt of RoleView.codec().stream(reader, reader.uint32(), `${prefix}.views[]`, {
                limits: opts.limits?.views$
              })) {
                yield {
                  ...evt,
                  index: obj.views
                }
              }

              obj.views++

              break
            }
            case 11: {
              yield {
                field: `${prefix}.hostName`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.user`,
                value: reader.string()
              }
              break
            }
            case 20: {
              if (opts.limits?.replicas != null && obj.replicas === opts.limits.replicas) {
                throw new MaxLengthError('Streaming decode error - repeated field "replicas" had too many elements')
              }

              for (const evt of ReplicaLag.codec().stream(reader, reader.uint32(), `${prefix}.replicas[]`, {
                limits: opts.limits?.replicas$
              })) {
                yield {
                  ...evt,
                  index: obj.replicas
                }
              }

              obj.replicas++

              break
            }
            case 21: {
              if (opts.limits?.alone != null && obj.alone === opts.limits.alone) {
                throw new MaxLengthError('Streaming decode error - repeated field "alone" had too many elements')
              }

              yield {
                field: `${prefix}.alone[]`,
                index: obj.alone,
                value: reader.string()
              }

              obj.alone++

              break
            }
            case 22: {
              yield {
                field: `${prefix}.replicasSame`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AnnouncementPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface AnnouncementPinnedFieldEvent {
    field: '$.pinned[]'
    index: number
    value: string
  }

  export interface AnnouncementEligibleFieldEvent {
    field: '$.eligible[]'
    index: number
    value: string
  }

  export interface AnnouncementRoleKeysRoleFieldEvent {
    field: '$.roleKeys[].role'
    value: string
    index: number
  }

  export interface AnnouncementRoleKeysPublicKeyFieldEvent {
    field: '$.roleKeys[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AnnouncementAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AnnouncementSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface AnnouncementTimeFieldEvent {
    field: '$.time'
    value: bigint
  }

  export interface AnnouncementStartedAtFieldEvent {
    field: '$.startedAt'
    value: bigint
  }

  export interface AnnouncementHeldRoleFieldEvent {
    field: '$.held[].role'
    value: string
    index: number
  }

  export interface AnnouncementHeldSinceFieldEvent {
    field: '$.held[].since'
    value: bigint
    index: number
  }

  export interface AnnouncementViewsRoleFieldEvent {
    field: '$.views[].role'
    value: string
    index: number
  }

  export interface AnnouncementViewsPeerIdFieldEvent {
    field: '$.views[].peerId'
    value: string
    index: number
  }

  export interface AnnouncementHostNameFieldEvent {
    field: '$.hostName'
    value: string
  }

  export interface AnnouncementUserFieldEvent {
    field: '$.user'
    value: string
  }

  export interface AnnouncementReplicasRoleFieldEvent {
    field: '$.replicas[].role'
    value: string
    index: number
  }

  export interface AnnouncementReplicasPeerIdFieldEvent {
    field: '$.replicas[].peerId'
    value: string
    index: number
  }

  export interface AnnouncementReplicasBehindFieldEvent {
    field: '$.replicas[].behind'
    value: bigint
    index: number
  }

  export interface AnnouncementReplicasSyncedFieldEvent {
    field: '$.replicas[].synced'
    value: boolean
    index: number
  }

  export interface AnnouncementReplicasLagMsFieldEvent {
    field: '$.replicas[].lagMs'
    value: bigint
    index: number
  }

  export interface AnnouncementAloneFieldEvent {
    field: '$.alone[]'
    index: number
    value: string
  }

  export interface AnnouncementReplicasSameFieldEvent {
    field: '$.replicasSame'
    value: boolean
  }

  export function encode (obj: Partial<Announcement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Announcement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Announcement {
    return decodeMessage(buf, Announcement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Generator<AnnouncementPeerIdFieldEvent | AnnouncementPinnedFieldEvent | AnnouncementEligibleFieldEvent | AnnouncementRoleKeysRoleFieldEvent | AnnouncementRoleKeysPublicKeyFieldEvent | AnnouncementAddrsFieldEvent | AnnouncementSeqFieldEvent | AnnouncementTimeFieldEvent | AnnouncementStartedAtFieldEvent | AnnouncementHeldRoleFieldEvent | AnnouncementHeldSinceFieldEvent | AnnouncementViewsRoleFieldEvent | AnnouncementViewsPeerIdFieldEvent | AnnouncementHostNameFieldEvent | AnnouncementUserFieldEvent | AnnouncementReplicasRoleFieldEvent | AnnouncementReplicasPeerIdFieldEvent | AnnouncementReplicasBehindFieldEvent | AnnouncementReplicasSyncedFieldEvent | AnnouncementReplicasLagMsFieldEvent | AnnouncementAloneFieldEvent | AnnouncementReplicasSameFieldEvent> {
    return streamMessage(buf, Announcement.codec(), opts)
  }
}

export interface ReplicaLag {
  role: string
  peerId: string
  behind: bigint
  synced: boolean
  lagMs: bigint
}

export namespace ReplicaLag {
  let _codec: Codec<ReplicaLag>

  export const codec = (): Codec<ReplicaLag> => {
    if (_codec == null) {
      _codec = message<ReplicaLag>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(18)
          w.string(obj.peerId)
        }

        if ((obj.behind != null && obj.behind !== 0n)) {
          w.uint32(24)
          w.uint64(obj.behind)
        }

        if ((obj.synced != null && obj.synced !== false)) {
          w.uint32(32)
          w.bool(obj.synced)
        }

        if ((obj.lagMs != null && obj.lagMs !== 0n)) {
          w.uint32(40)
          w.uint64(obj.lagMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          peerId: '',
          behind: 0n,
          synced: false,
          lagMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              obj.peerId = reader.string()
              break
            }
            case 3: {
              obj.behind = reader.uint64()
              break
            }
            case 4: {
              obj.synced = reader.bool()
              break
            }
            case 5: {
              obj.lagMs = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.behind`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.synced`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.lagMs`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReplicaLagRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface ReplicaLagPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface ReplicaLagBehindFieldEvent {
    field: '$.behind'
    value: bigint
  }

  export interface ReplicaLagSyncedFieldEvent {
    field: '$.synced'
    value: boolean
  }

  export interface ReplicaLagLagMsFieldEvent {
    field: '$.lagMs'
    value: bigint
  }

  export function encode (obj: Partial<ReplicaLag>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicaLag.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaLag>): ReplicaLag {
    return decodeMessage(buf, ReplicaLag.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaLag>): Generator<ReplicaLagRoleFieldEvent | ReplicaLagPeerIdFieldEvent | ReplicaLagBehindFieldEvent | ReplicaLagSyncedFieldEvent | ReplicaLagLagMsFieldEvent> {
    return streamMessage(buf, ReplicaLag.codec(), opts)
  }
}

export interface RoleView {
  role: string
  peerId: string
}

export namespace RoleView {
  let _codec: Codec<RoleView>

  export const codec = (): Codec<RoleView> => {
    if (_codec == null) {
      _codec = message<RoleView>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(18)
          w.string(obj.peerId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          peerId: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              obj.peerId = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoleViewRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface RoleViewPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export function encode (obj: Partial<RoleView>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoleView.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoleView>): RoleView {
    return decodeMessage(buf, RoleView.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoleView>): Generator<RoleViewRoleFieldEvent | RoleViewPeerIdFieldEvent> {
    return streamMessage(buf, RoleView.codec(), opts)
  }
}

export interface RoleKey {
  role: string
  publicKey: Uint8Array<ArrayBuffer>
}

export namespace RoleKey {
  let _codec: Codec<RoleKey>

  export const codec = (): Codec<RoleKey> => {
    if (_codec == null) {
      _codec = message<RoleKey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.publicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          publicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              obj.publicKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoleKeyRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface RoleKeyPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoleKey>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoleKey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoleKey>): RoleKey {
    return decodeMessage(buf, RoleKey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoleKey>): Generator<RoleKeyRoleFieldEvent | RoleKeyPublicKeyFieldEvent> {
    return streamMessage(buf, RoleKey.codec(), opts)
  }
}

export interface HeldRole {
  role: string
  since: bigint
}

export namespace HeldRole {
  let _codec: Codec<HeldRole>

  export const codec = (): Codec<HeldRole> => {
    if (_codec == null) {
      _codec = message<HeldRole>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(16)
          w.uint64(obj.since)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          since: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              obj.since = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HeldRoleRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface HeldRoleSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export function encode (obj: Partial<HeldRole>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HeldRole.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldRole>): HeldRole {
    return decodeMessage(buf, HeldRole.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeldRole>): Generator<HeldRoleRoleFieldEvent | HeldRoleSinceFieldEvent> {
    return streamMessage(buf, HeldRole.codec(), opts)
  }
}

export interface SignedAnnouncement {
  announcement: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedAnnouncement {
  let _codec: Codec<SignedAnnouncement>

  export const codec = (): Codec<SignedAnnouncement> => {
    if (_codec == null) {
      _codec = message<SignedAnnouncement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.announcement != null && obj.announcement.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.announcement)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          announcement: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.announcement = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.announcement`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedAnnouncementAnnouncementFieldEvent {
    field: '$.announcement'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedAnnouncementSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedAnnouncement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedAnnouncement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAnnouncement>): SignedAnnouncement {
    return decodeMessage(buf, SignedAnnouncement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedAnnouncement>): Generator<SignedAnnouncementAnnouncementFieldEvent | SignedAnnouncementSignatureFieldEvent> {
    return streamMessage(buf, SignedAnnouncement.codec(), opts)
  }
}
