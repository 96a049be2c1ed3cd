/**
 * Two sides of a partition in one process, for the property tests of the
 * role services' merge rules (test/services/*-partition.test.ts,
 * group-fork.test.ts): each side a node eligible for the role, with its own
 * store and a standalone Replication under its service; the heal applies
 * what one side's doc has that the other's lacks on the other, as a replica
 * applies a peer's SYNC frame (docs/replication.md, "The sync session").
 */
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { ReplicaFrame } from '../../src/replication/pb/replica.js'
import { frame, Session } from '../../src/replication/session.js'
import type { Replication } from '../../src/replication/index.js'
import type { Role } from '../../src/roles/index.js'

/** A node's replication as its peers reach it: the session a peer's frames arrive on. */
export interface Replica {
  replication: Replication
  session: Session
  frames: number
}

export function replica (replication: Replication, role: Role, clock: () => number): Replica {
  const session = new Session('12D3KooWotherside', { onFrame: async () => {}, wantOut: () => {}, onClosed: () => {} }, clock)
  session.roles.add(role)
  return { replication, session, frames: 0 }
}

/** What `from` has of `doc` that `to` lacks, applied on `to` as a replica applies a peer's SYNC. */
export async function send (from: Replication, to: Replica, doc: string): Promise<void> {
  const mine = await from.open(doc)
  const theirs = (await to.replication.open(doc)).ydoc
  const enc = encoding.createEncoder()
  syncProtocol.writeUpdate(enc, Y.encodeStateAsUpdate(mine.ydoc, Y.encodeStateVector(theirs)))
  await to.replication.onFrame(to.session, frame({ kind: ReplicaFrame.Kind.SYNC, doc, epoch: mine.epoch, sync: encoding.toUint8Array(enc) as Uint8Array<ArrayBuffer> }), ++to.frames)
}

/** The partition heals: each side gets what the other has of `doc`. */
export async function heal (a: Replica, b: Replica, doc: string): Promise<void> {
  await send(a.replication, b, doc)
  await send(b.replication, a, doc)
}

/** Stops each side's replication and closes its store. */
export async function close (sides: ReadonlyArray<{ replication: Replication, store: { close: () => Promise<void> } }>): Promise<void> {
  for (const s of sides) {
    await s.replication.stop()
    await s.store.close()
  }
}
