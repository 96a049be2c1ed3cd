import type { Params } from './params.js'
import type { LanchatNode } from '../../src/node.js'

export type Reply = Record<string, unknown>
export type Command = (node: LanchatNode, params: Params) => Reply | Promise<Reply>

/**
 * The headless commands: each maps a JSON command onto the node's API and
 * returns the reply's fields. docs/headless.md is the contract. `quit` is
 * handled by the loop itself.
 */
export const COMMANDS: Record<string, Command> = {
  status: node => ({ ...node.status() }),
  peers: node => ({ peers: node.peers() }),
  roles: node => ({ ...node.roleHolders() }),
  registry: node => ({ ...node.registryView() })
}
