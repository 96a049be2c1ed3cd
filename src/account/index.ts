export { Account, AccountError } from './account.js'
export type { AccountComponents, AccountEvents, WhoAmI } from './account.js'
