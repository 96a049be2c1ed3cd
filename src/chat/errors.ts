import { LanchatError } from '../errors.js'

/** A chat request refused; `code` says why (docs/headless.md lists them). */
export class ChatError extends LanchatError {}
