/**
 * The register / login form, pure: fields, focus, validation. Passwords live
 * here only until the node has them, and are shown masked.
 */
import { parseUsername } from './commands.js'
import { isPrintable, keyName } from './keys.js'
import type { Key } from './keys.js'

export type FormMode = 'register' | 'login'
export type FieldName = 'username' | 'password' | 'confirm'

export interface FormState {
  mode: FormMode
  username: string
  password: string
  confirm: string
  focus: FieldName
  /** What went wrong last, shown under the fields */
  error: string | null
  /** Set while the node works on it ('Creating your account...') */
  busy: string | null
  /** Why the form is up, shown above the fields ('Your session expired.') */
  reason: string | null
}

export type FormOutcome =
  | { type: 'none' }
  | { type: 'submit', mode: FormMode, username: string, password: string }
  | { type: 'cancel' }

/** Passwords are at most this long (the idp's limit); usernames at most 32. */
const MAX_FIELD: Record<FieldName, number> = { username: 32, password: 1024, confirm: 1024 }

export function fieldsOf (mode: FormMode): FieldName[] {
  return mode === 'register' ? ['username', 'password', 'confirm'] : ['username', 'password']
}

export function newForm (mode: FormMode, username = '', reason: string | null = null): FormState {
  return { mode, username, password: '', confirm: '', focus: username === '' ? 'username' : 'password', error: null, busy: null, reason }
}

/**
 * The form after the node refused it: the passwords are always cleared (a
 * password is typed again, never left in a form after an error), and the
 * focus goes to the username when it was the problem, else to the password.
 */
export function formFailed (form: FormState, error: string, usernameWrong: boolean): FormState {
  return { ...form, busy: null, error, password: '', confirm: '', focus: usernameWrong ? 'username' : 'password' }
}

function move (form: FormState, step: number): FormState {
  const fields = fieldsOf(form.mode)
  const i = fields.indexOf(form.focus)
  const next = fields[(i + step + fields.length) % fields.length] ?? 'username'
  return { ...form, focus: next }
}

function submit (form: FormState): { form: FormState, outcome: FormOutcome } {
  const none: FormOutcome = { type: 'none' }
  if (form.username.trim() === '') return { form: { ...form, focus: 'username', error: 'enter a username' }, outcome: none }
  const user = parseUsername(form.username.trim())
  if (!user.ok) return { form: { ...form, focus: 'username', error: user.error }, outcome: none }
  if (form.password === '') return { form: { ...form, focus: 'password', error: 'enter a password' }, outcome: none }
  if (form.mode === 'register' && form.password !== form.confirm) {
    return { form: { ...form, password: '', confirm: '', focus: 'password', error: 'the two passwords differ: type them again' }, outcome: none }
  }
  const busy = form.mode === 'register' ? `Creating the account ${user.value}...` : `Logging in as ${user.value}...`
  return { form: { ...form, username: user.value, error: null, busy }, outcome: { type: 'submit', mode: form.mode, username: user.value, password: form.password } }
}

/**
 * A key in the form. `account` is the account this node holds, if any:
 * Ctrl-T opens the other form fresh, the login form for that account (or
 * empty), never with what was typed in the form before.
 */
export function formKey (form: FormState, key: Key, account: string | null = null): { form: FormState, outcome: FormOutcome } {
  const none: FormOutcome = { type: 'none' }
  const name = keyName(key)
  if (name === 'escape') return { form, outcome: { type: 'cancel' } }
  if (form.busy !== null) return { form, outcome: none }
  const fields = fieldsOf(form.mode)
  switch (name) {
    case 'tab':
    case 'down':
      return { form: move(form, 1), outcome: none }
    case 'S-tab':
    case 'up':
      return { form: move(form, -1), outcome: none }
    case 'enter':
      if (form.focus !== fields.at(-1)) return { form: move(form, 1), outcome: none }
      return submit(form)
    case 'C-t': {
      const mode: FormMode = form.mode === 'register' ? 'login' : 'register'
      return { form: newForm(mode, mode === 'login' ? account ?? '' : '', form.reason), outcome: none }
    }
  }
  const value = form[form.focus]
  let next: string | undefined
  if (isPrintable(key)) next = (value + (key.ch ?? '')).replace(form.focus === 'username' ? /\s/g : /(?!)/, '')
  else if (name === 'backspace' || name === 'C-h') next = [...value].slice(0, -1).join('')
  else if (name === 'C-u') next = ''
  if (next === undefined) return { form, outcome: none }
  next = [...next].slice(0, MAX_FIELD[form.focus]).join('')
  return { form: { ...form, [form.focus]: next, error: null }, outcome: none }
}
