export { Account } from './account.js'
export { AccountError } from './errors.js'
export type { AccountErrorCode } from './errors.js'
export type { AccountComponents, AccountEvents, WhoAmI } from './account.js'
