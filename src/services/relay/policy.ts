/**
 * Who may hold an authorization token for a resource: a table of policies
 * chosen by the resource's prefix (the longest that matches), so that other
 * kinds of resource (group epochs: `group/<id>/epoch/<n>`) plug in beside the
 * share ACLs implemented here.
 *
 * Share ACLs are a replicated doc (docs/replication.md, "relay"),
 * `relay/acl`, one record per (resource, owner), so that two users who both
 * set a resource's ACL first on the two sides of a partition are both kept
 * and every node picks the same owner (the earlier first setting, then the
 * lower username); materialized in the store's 'relay' domain:
 *
 *   acl/share/<name>  AclRecord   the owner's ACL
 */
import { ServiceError } from '../errors.js'
import { MAX_ACL_MEMBERS, MAX_RESOURCE_CHARS, SHARE_PREFIX } from './constants.js'
import type { TokenRole } from '../../crypto/index.js'
import type { Change, Replication } from '../../replication/index.js'
import type { BatchOp, KV, Store } from '../../../store/index.js'

/** Whether `username` may act as `role` on `resource`. Thrown errors reach the caller. */
export type PolicyCheck = (username: string, resource: string, role: TokenRole) => Promise<boolean>

/** Resources are 1 to MAX_RESOURCE_CHARS printable ASCII characters, no spaces. */
const RESOURCE = new RegExp(`^[\\x21-\\x7e]{1,${MAX_RESOURCE_CHARS}}$`)

export function checkResource (resource: string): void {
  if (!RESOURCE.test(resource)) throw new ServiceError('BAD_REQUEST', `a resource is 1 to ${MAX_RESOURCE_CHARS} printable ASCII characters without spaces, like share/<name>`)
}

export function checkRole (role: string): TokenRole {
  if (role !== 'reader' && role !== 'writer') throw new ServiceError('BAD_REQUEST', "role must be 'reader' or 'writer'")
  return role
}

export class PolicyTable {
  private readonly policies = new Map<string, PolicyCheck>()

  /** Adds the policy for resources starting with `prefix`; a prefix has one policy. */
  add (prefix: string, check: PolicyCheck): void {
    if (prefix === '' || !RESOURCE.test(prefix)) throw new TypeError(`a policy prefix is non-empty printable ASCII, got '${prefix}'`)
    if (this.policies.has(prefix)) throw new Error(`a policy for '${prefix}' is already in place`)
    this.policies.set(prefix, check)
  }

  /** The policy of the longest prefix of `resource`, if any. */
  find (resource: string): PolicyCheck | undefined {
    let best: string | undefined
    for (const prefix of this.policies.keys()) {
      if (resource.startsWith(prefix) && resource.length > prefix.length && (best === undefined || prefix.length > best.length)) best = prefix
    }
    return best === undefined ? undefined : this.policies.get(best)
  }
}

export interface AclRecord {
  /** The first user who set the ACL: the only one who may change it, always a writer */
  owner: string
  readers: string[]
  writers: string[]
  updatedAt: number
  /** When the owner first set it (decides the owner after a partition) */
  createdAt?: number
}

export const ACL_DOC = 'relay/acl'
const aclKey = (resource: string): string => `acl/${resource}`
/** A record key: the resource, escaped (it may hold '/'), then the owner. */
const docPrefix = (resource: string): string => `a/${encodeURIComponent(resource)}/`
const utf8 = new TextEncoder()
const text = new TextDecoder()
const parse = (b: Uint8Array): AclRecord => JSON.parse(text.decode(b)) as AclRecord

/** Which of a resource's owners every node keeps: the earlier first setting, then the lower username. */
function owning (records: AclRecord[]): AclRecord | undefined {
  return [...records].sort((a, b) => (a.createdAt ?? a.updatedAt) - (b.createdAt ?? b.updatedAt) || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0))[0]
}

/** The share/<name> policy: an ACL per resource, set by its owner. */
export class ShareAcls {
  private readonly records: KV<AclRecord>
  private readonly clock: () => number
  private readonly replication: Replication

  constructor (store: Store, clock: () => number, replication: Replication) {
    this.records = store.sublevel<AclRecord>('relay', 'json')
    this.clock = clock
    this.replication = replication
    this.replication.define({ prefix: ACL_DOC, role: 'relay', materialize: (_doc, changes) => this.materialize(changes) })
  }

  async idle (): Promise<void> {
    await this.replication.lock.idle()
  }

  private materialize (changes: Change[]): BatchOp[] {
    const d = this.replication.docs.get(ACL_DOC)!
    const resources = new Set(changes.map(c => decodeURIComponent(c.key.split('/')[1] ?? '')))
    return [...resources].map(resource => {
      const kept = owning(d.keys(docPrefix(resource)).map(k => parse(d.get(k)!)))
      return kept === undefined
        ? { type: 'del' as const, sublevel: this.records, key: aclKey(resource) }
        : { type: 'put' as const, sublevel: this.records, key: aclKey(resource), value: kept }
    })
  }

  /**
   * Sets a share resource's readers and writers (canonical usernames). The
   * first setter becomes its owner; afterwards only the owner may change it
   * (FORBIDDEN otherwise). The owner is always among the writers.
   */
  async set (caller: string, resource: string, readers: readonly string[], writers: readonly string[]): Promise<AclRecord> {
    if (!resource.startsWith(SHARE_PREFIX) || resource.length === SHARE_PREFIX.length) {
      throw new ServiceError('BAD_REQUEST', `aclSet sets the ACL of ${SHARE_PREFIX}<name> resources only`)
    }
    return this.replication.mutate(ACL_DOC, tx => {
      const previous = owning(tx.keys(docPrefix(resource)).map(k => parse(tx.get(k)!)))
      if (previous !== undefined && previous.owner !== caller) {
        throw new ServiceError('FORBIDDEN', `only ${previous.owner}, the owner of ${resource}, may change who can read and write it`)
      }
      const owner = previous?.owner ?? caller
      const writerSet = new Set([owner, ...writers])
      if (writerSet.size > MAX_ACL_MEMBERS + 1) throw new ServiceError('BAD_REQUEST', `an ACL lists at most ${MAX_ACL_MEMBERS} writers`)
      const now = this.clock()
      // A writer may read anyway: list each user once, in the stronger role.
      const record: AclRecord = {
        owner,
        readers: [...new Set(readers)].filter(r => !writerSet.has(r)),
        writers: [...writerSet],
        updatedAt: now,
        createdAt: previous?.createdAt ?? now
      }
      tx.put(`${docPrefix(resource)}${owner}`, utf8.encode(JSON.stringify(record)))
      return record
    }, { durable: true })
  }

  async get (resource: string): Promise<AclRecord | undefined> {
    return this.records.get(aclKey(resource))
  }

  readonly check: PolicyCheck = async (username, resource, role) => {
    const acl = await this.get(resource)
    if (acl === undefined) return false
    if (acl.writers.includes(username)) return true
    return role === 'reader' && acl.readers.includes(username)
  }
}
