import { LanchatError } from '../../src/errors.js'

/** A command's fields failed validation; the reply names the field. */
export class BadParamsError extends LanchatError<'BAD_PARAMS'> {
  constructor (message: string) {
    super('BAD_PARAMS', message)
  }
}

export type Params = Record<string, unknown>

export function str (params: Params, field: string, opts: { max?: number } = {}): string {
  const value = params[field]
  if (typeof value !== 'string') throw new BadParamsError(`'${field}' must be a string`)
  if (opts.max !== undefined && value.length > opts.max) throw new BadParamsError(`'${field}' is longer than ${opts.max} characters`)
  return value
}

/** A string field that may be left out. */
export function optStr (params: Params, field: string, max: number): string | undefined {
  return params[field] === undefined ? undefined : str(params, field, { max })
}

export function optInt (params: Params, field: string, min: number, max: number): number | undefined {
  const value = params[field]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadParamsError(`'${field}' must be an integer from ${min} to ${max}`)
  }
  return value
}

export function strList (params: Params, field: string, maxItems: number): string[] {
  const value = params[field]
  if (!Array.isArray(value) || value.length > maxItems || !value.every(v => typeof v === 'string')) {
    throw new BadParamsError(`'${field}' must be a list of at most ${maxItems} strings`)
  }
  return value as string[]
}

/** A boolean field that may be left out. */
export function optBool (params: Params, field: string): boolean | undefined {
  const value = params[field]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new BadParamsError(`'${field}' must be true or false`)
  return value
}
