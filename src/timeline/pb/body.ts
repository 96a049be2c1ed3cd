import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MessageBody {
  kind: string
  replyTo?: string
  target?: string
  emoji?: string
  remove?: boolean
  attachment?: Uint8Array<ArrayBuffer>
}

export namespace MessageBody {
  let _codec: Codec<MessageBody>

  export const codec = (): Codec<MessageBody> => {
    if (_codec == null) {
      _codec = message<MessageBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(10)
          w.string(obj.kind)
        }

        if (obj.replyTo != null) {
          w.uint32(18)
          w.string(obj.replyTo)
        }

        if (obj.target != null) {
          w.uint32(26)
          w.string(obj.target)
        }

        if (obj.emoji != null) {
          w.uint32(34)
          w.string(obj.emoji)
        }

        if (obj.remove != null) {
          w.uint32(40)
          w.bool(obj.remove)
        }

        if (obj.attachment != null) {
          w.uint32(50)
          w.bytes(obj.attachment)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.string()
              break
            }
            case 2: {
              obj.replyTo = reader.string()
              break
            }
            case 3: {
              obj.target = reader.string()
              break
            }
            case 4: {
              obj.emoji = reader.string()
              break
            }
            case 5: {
              obj.remove = reader.bool()
              break
            }
            case 6: {
              obj.attachment = reader.bytes()
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
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.replyTo`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.target`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.emoji`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.remove`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.attachment`,
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

  export interface MessageBodyKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface MessageBodyReplyToFieldEvent {
    field: '$.replyTo'
    value: string
  }

  export interface MessageBodyTargetFieldEvent {
    field: '$.target'
    value: string
  }

  export interface MessageBodyEmojiFieldEvent {
    field: '$.emoji'
    value: string
  }

  export interface MessageBodyRemoveFieldEvent {
    field: '$.remove'
    value: boolean
  }

  export interface MessageBodyAttachmentFieldEvent {
    field: '$.attachment'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MessageBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MessageBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageBody>): MessageBody {
    return decodeMessage(buf, MessageBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessageBody>): Generator<MessageBodyKindFieldEvent | MessageBodyReplyToFieldEvent | MessageBodyTargetFieldEvent | MessageBodyEmojiFieldEvent | MessageBodyRemoveFieldEvent | MessageBodyAttachmentFieldEvent> {
    return streamMessage(buf, MessageBody.codec(), opts)
  }
}
