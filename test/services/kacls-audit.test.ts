import { describe, expect, it } from 'vitest'
import { openMemoryStore } from '../../store/index.js'
import { Replication } from '../../src/replication/index.js'
import { AUDIT_PREFIX, AuditLog } from '../../src/services/kacls/audit.js'
import type { AuditRecord } from '../../src/services/kacls/audit.js'
import type { KV } from '../../store/index.js'

const entry = (n: number): Omit<AuditRecord, 'id'> => ({
  time: 1_800_000_000_000 + n, op: 'unwrap', user: 'alice', peer: 'p', resource: `group/g/${n}`, outcome: 'ok', code: 'OK', reason: '', kekVersion: 1, newKekVersion: 0
})

describe('the KACLS audit log', () => {
  it('knows how many records it holds after a restart without reading them, and counts a log written before the count once', async () => {
    const store = await openMemoryStore()
    const kv = store.sublevel<AuditRecord>('kacls', 'json')
    const replication = new Replication({ store, atRestKey: new Uint8Array(32).fill(3) })
    await replication.start()
    const log = new AuditLog(kv, replication, () => 1_800_000_000_000)
    await log.load()
    for (let i = 0; i < 5; i++) await log.append(entry(i))
    expect(log.count).toBe(5)

    // A restart: the count is read, not the records (none is read: the iterator is not called).
    const again = new AuditLog(kv, replication, () => 1_800_000_000_000)
    const keys = kv.keys.bind(kv)
    let scanned = 0
    kv.keys = (opts => {
      scanned++
      return keys(opts)
    }) as typeof kv.keys
    await again.load()
    expect(again.count).toBe(5)
    expect(scanned).toBe(1) // the one reverse seek for the last id, limit 1

    // A log written before the count was kept: counted once, then kept.
    await (kv as unknown as KV<number>).del('audit-count')
    const old = new AuditLog(kv, replication, () => 1_800_000_000_000)
    await old.load()
    expect(old.count).toBe(5)
    expect(await (kv as unknown as KV<number>).get('audit-count')).toBe(5)
    const ids = await kv.keys({ gte: AUDIT_PREFIX, lt: 'audit0' }).all()
    expect(ids).toHaveLength(5)
  })
})
