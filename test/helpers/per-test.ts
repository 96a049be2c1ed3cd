/**
 * Node processes that live for one test: `const spawn = spawnPerTest()` in a
 * describe block gives a HeadlessNode.spawn whose nodes are all killed after
 * each test (kept out of headless-node.ts, which benchmarks use without vitest).
 */
import { afterEach } from 'vitest'
import { HeadlessNode } from './headless-node.js'
import type { SpawnOptions } from './headless-node.js'

export function spawnPerTest (): (opts?: SpawnOptions) => Promise<HeadlessNode> {
  const nodes: HeadlessNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(n => n.kill()))
  })
  return async opts => {
    const node = await HeadlessNode.spawn(opts)
    nodes.push(node)
    return node
  }
}
