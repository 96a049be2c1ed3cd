/**
 * The one error base class of lanchat. Protocol and validation errors are
 * subclasses with a stable `code` that callers (and the headless API) switch on.
 */
export class LanchatError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}
