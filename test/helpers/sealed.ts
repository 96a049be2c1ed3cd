import type { SealedStore } from '../../src/sealed-store.js'

/** The keys under `prefix` in a sealed store, in key order (nothing opened). */
export async function sealedKeys (sealed: SealedStore, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const key of sealed.keys(prefix)) keys.push(key)
  return keys
}
