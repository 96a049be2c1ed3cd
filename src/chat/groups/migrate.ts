/**
 * Before the timeline kept the status of outgoing group messages, a group
 * message's record had none: groups kept failed ids under g/failed/<id> and
 * took `sent` to mean "not in the outbox". Once per data directory, every
 * such record is given its status in the timeline (pending while in the
 * outbox, failed for those ids, sent for the rest) and g/failed/ is dropped.
 */
import { groupConversation } from '../../timeline/index.js'
import type { SealedStore } from '../../sealed-store.js'
import type { Timeline } from '../../timeline/index.js'
import type { BatchOp } from '../../../store/index.js'

const MARKER = 'g/migrated/statuses-v1'
const FAILED = 'g/failed/'
const PAGE = 1000

export async function migrateStatuses (store: SealedStore, timeline: Timeline, groups: Array<{ group: string, pending: string[] }>): Promise<void> {
  if (await store.get(MARKER) !== undefined) return
  const failed = new Set<string>()
  const ops: BatchOp[] = []
  for await (const [key] of store.entries<unknown>(FAILED)) {
    failed.add(key.slice(FAILED.length))
    ops.push(store.del(key))
  }
  for (const { group, pending } of groups) {
    const conversation = groupConversation(group)
    const inOutbox = new Set(pending)
    for (let before: string | undefined, more = true; more;) {
      const page = await timeline.history(conversation, PAGE, before)
      const legacy = page.filter(m => m.direction === 'out' && m.status === undefined).map(m => m.id)
      await timeline.setStatus(conversation, legacy.filter(id => inOutbox.has(id)), 'pending')
      await timeline.setStatus(conversation, legacy.filter(id => failed.has(id)), 'failed')
      await timeline.setStatus(conversation, legacy.filter(id => !inOutbox.has(id) && !failed.has(id)), 'sent')
      more = page.length === PAGE
      before = page[0]?.hlc
    }
  }
  ops.push(store.put(MARKER, { done: true }))
  await store.write(ops)
}
