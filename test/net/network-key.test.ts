import { describe, expect, it } from 'vitest'
import { scryptSync, hkdfSync } from 'node:crypto'
import { checkPassphrase, deriveNetworkKeys, formatSwarmKey, SCRYPT_N, WeakPassphraseError } from '../../src/net/index.js'
import { backoffDelay, DIAL_BACKOFF_MAX_MS, DIAL_BACKOFF_MIN_MS } from '../../src/net/index.js'

describe('network key derivation', () => {
  it('is deterministic for a passphrase and network name', async () => {
    const [a, b] = await Promise.all([deriveNetworkKeys('correct horse battery'), deriveNetworkKeys('correct horse battery')])
    expect(a).toEqual(b)
  })

  it('matches an independent scrypt + HKDF computation (known answer)', async () => {
    const keys = await deriveNetworkKeys('correct horse battery', 'lab')
    const nk = scryptSync('correct horse battery', 'lanchat/network-key/v1:lab', 32, { N: SCRYPT_N, r: 8, p: 1, maxmem: 2 ** 28 })
    const expand = (label: string, n: number): Buffer => Buffer.from(hkdfSync('sha256', nk, new Uint8Array(0), `lanchat/${label}/v1`, n))
    expect(keys.networkId).toBe(expand('network-id', 8).toString('hex'))
    expect(Buffer.from(keys.registryKey)).toEqual(expand('registry-seal', 32))
    expect(Buffer.from(keys.lobbyKey)).toEqual(expand('lobby-seal', 32))
    expect(Buffer.from(keys.atRestKey)).toEqual(expand('at-rest', 32))
    expect(new TextDecoder().decode(keys.psk)).toBe(`/key/swarm/psk/1.0.0/\n/base16/\n${expand('pnet-psk', 32).toString('hex')}`)
  })

  it('gives unrelated keys for another passphrase or another network name', async () => {
    const [a, b, c] = await Promise.all([
      deriveNetworkKeys('correct horse battery'),
      deriveNetworkKeys('correct horse batterx'),
      deriveNetworkKeys('correct horse battery', 'other')
    ])
    for (const other of [b, c]) {
      expect(other.networkId).not.toBe(a.networkId)
      expect(other.psk).not.toEqual(a.psk)
      expect(other.registryKey).not.toEqual(a.registryKey)
      expect(other.lobbyKey).not.toEqual(a.lobbyKey)
      expect(other.atRestKey).not.toEqual(a.atRestKey)
      expect(other.mdnsServiceTag).not.toBe(a.mdnsServiceTag)
    }
  })

  it('keeps the derived keys independent of each other', async () => {
    const keys = await deriveNetworkKeys('correct horse battery')
    expect(keys.registryKey).not.toEqual(keys.lobbyKey)
    expect(keys.mdnsServiceTag).toMatch(/^_lanchat-[0-9a-f]{12}\._udp\.local$/)
  })

  it('normalizes the passphrase (NFKC) so the same words typed differently match', async () => {
    const composed = await deriveNetworkKeys('caf\u00e9 au lait')
    const decomposed = await deriveNetworkKeys('cafe\u0301 au lait')
    expect(composed.networkId).toBe(decomposed.networkId)
  })

  it('refuses empty and short passphrases', () => {
    expect(() => checkPassphrase('')).toThrow(WeakPassphraseError)
    expect(() => checkPassphrase('        ')).toThrow(/empty/)
    expect(() => checkPassphrase('seven77')).toThrow(/at least 8/)
    expect(checkPassphrase('eight888')).toBe('eight888')
  })

  it('formats a swarm key only from 32 bytes', () => {
    expect(() => formatSwarmKey(new Uint8Array(31))).toThrow(RangeError)
  })
})

describe('dial backoff', () => {
  it('doubles from the minimum to the maximum, with jitter within 25 %', () => {
    const mid = (): number => 0.5
    expect(backoffDelay(1, mid)).toBe(DIAL_BACKOFF_MIN_MS)
    expect(backoffDelay(2, mid)).toBe(2 * DIAL_BACKOFF_MIN_MS)
    expect(backoffDelay(50, mid)).toBe(DIAL_BACKOFF_MAX_MS)
    expect(backoffDelay(1, () => 0)).toBe(0.75 * DIAL_BACKOFF_MIN_MS)
    expect(backoffDelay(1, () => 1)).toBe(1.25 * DIAL_BACKOFF_MIN_MS)
  })
})
