'use strict'
// secctx for Node.js: the typed JavaScript layer over the native core (native.js, built by
// `npm run build`). Types: secctx.d.ts. This file only translates JavaScript values to the
// core's inputs and the core's results to JavaScript values; every decision is the core's.

const native = require('./native.js')

const ERROR_CODES = ['invalid_config', 'invalid_identity', 'missing_end_user_id_type', 'invalid_api_version']

/** The root of every error secctx throws for a domain problem; `code` is the spec's kind. */
class SecCtxError extends Error {
  constructor(message, code, options) {
    super(message, options)
    this.name = 'SecCtxError'
    this.code = code
  }
}

class InvalidConfigError extends SecCtxError {
  constructor(message, options) {
    super(message, 'invalid_config', options)
    this.name = 'InvalidConfigError'
  }
}

class InvalidIdentityError extends SecCtxError {
  constructor(message, options) {
    super(message, 'invalid_identity', options)
    this.name = 'InvalidIdentityError'
  }
}

class MissingEndUserIdTypeError extends SecCtxError {
  constructor(message, options) {
    super(message, 'missing_end_user_id_type', options)
    this.name = 'MissingEndUserIdTypeError'
  }
}

class InvalidApiVersionError extends SecCtxError {
  constructor(message, options) {
    super(message, 'invalid_api_version', options)
    this.name = 'InvalidApiVersionError'
  }
}

const ERROR_CLASSES = {
  invalid_config: InvalidConfigError,
  invalid_identity: InvalidIdentityError,
  missing_end_user_id_type: MissingEndUserIdTypeError,
  invalid_api_version: InvalidApiVersionError,
}

// Turns an error thrown by the native layer into the matching class. Errors from the core carry
// the kind in `code`; an argument error from the native layer becomes a TypeError.
function translate(err) {
  if (err && typeof err === 'object') {
    const Cls = ERROR_CLASSES[err.code]
    if (Cls) return new Cls(err.message)
    if (err.code === 'ERR_INVALID_ARG_TYPE') {
      const e = new TypeError(err.message)
      e.code = 'ERR_INVALID_ARG_TYPE'
      return e
    }
  }
  return err
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  const t = typeof value
  if (t === 'object') return 'an object'
  if (t === 'symbol') return 'a symbol'
  if (t === 'string') return 'a string'
  return t === 'undefined' ? 'undefined' : `a ${t}`
}

function typeError(message) {
  const e = new TypeError(message)
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}

// ---------------------------------------------------------------------------------------------
// Headers: every accepted form becomes one flat array [name, value, name, value, …] in arrival
// order, the layout of Node's `req.rawHeaders`, which crosses to the core in one call.

function pushValue(out, name, value, where) {
  if (typeof value === 'string') {
    out.push(name, value)
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i]
      if (typeof v !== 'string') {
        throw typeError(`${where}[${i}] must be a string, got ${describe(v)}`)
      }
      out.push(name, v)
    }
  } else if (value !== undefined && value !== null) {
    throw typeError(`${where} must be a string or an array of strings, got ${describe(value)}`)
  }
}

function flattenHeaders(headers) {
  if (headers === undefined || headers === null) return []
  if (Array.isArray(headers)) {
    if (headers.length === 0) return headers
    if (Array.isArray(headers[0])) {
      // [[name, value], …]
      const out = []
      for (let i = 0; i < headers.length; i++) {
        const pair = headers[i]
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          throw typeError(`headers[${i}] must be a [name, value] pair of strings, got ${describe(pair)}`)
        }
        out.push(pair[0], pair[1])
      }
      return out
    }
    // A rawHeaders-style flat array; the native layer checks each element is a string.
    if (headers.length % 2 !== 0) {
      throw typeError(`headers as a flat array must hold name/value pairs; got an odd length ${headers.length}`)
    }
    for (let i = 0; i < headers.length; i++) {
      if (typeof headers[i] !== 'string') {
        throw typeError(`headers[${i}] must be a string, got ${describe(headers[i])}`)
      }
    }
    return headers
  }
  if (typeof headers !== 'object') {
    throw typeError(`headers must be an array of [name, value] pairs, a flat rawHeaders array, a Headers object or a plain object; got ${describe(headers)}`)
  }
  if (typeof headers[Symbol.iterator] === 'function') {
    // Fetch `Headers` (repeats arrive combined with ", "), a Map, or any iterable of pairs.
    const out = []
    let i = 0
    for (const pair of headers) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') {
        throw typeError(`headers: entry ${i} must be a [name, value] pair, got ${describe(pair)}`)
      }
      pushValue(out, pair[0], pair[1], `headers[${JSON.stringify(pair[0])}]`)
      i++
    }
    return out
  }
  // IncomingHttpHeaders or a plain object: arrays are repeats.
  const out = []
  for (const name of Object.keys(headers)) {
    pushValue(out, name, headers[name], `headers[${JSON.stringify(name)}]`)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Identity: { endUserId, endUserIdType, endUserTenantId, applicationName }.

const IDENTITY_KEYS = ['endUserId', 'endUserIdType', 'endUserTenantId', 'applicationName']
const SNAKE = {
  end_user_id: 'endUserId',
  end_user_id_type: 'endUserIdType',
  end_user_tenant_id: 'endUserTenantId',
  application_name: 'applicationName',
}

function identityField(identity, key) {
  const v = identity[key]
  if (v === undefined || v === null || typeof v === 'string') return v
  throw typeError(`identity.${key} must be a string, got ${describe(v)}`)
}

function checkIdentity(identity) {
  if (typeof identity !== 'object' || Array.isArray(identity)) {
    throw typeError(`identity must be an object { endUserId, endUserIdType, endUserTenantId, applicationName }, got ${describe(identity)}`)
  }
  for (const key of Object.keys(identity)) {
    if (!IDENTITY_KEYS.includes(key)) {
      const hint = SNAKE[key] ? ` (did you mean ${SNAKE[key]}?)` : ''
      throw typeError(`identity.${key} is not an identity key${hint}; expected endUserId, endUserIdType, endUserTenantId or applicationName`)
    }
  }
}

function checkPeer(peer) {
  if (peer === undefined || peer === null || typeof peer === 'string') return peer
  throw typeError(`peer must be a string or null, got ${describe(peer)}`)
}

// ---------------------------------------------------------------------------------------------

const NATIVE = Symbol('secctx.native')
const FAST = Symbol('secctx.fast')
const NO_IDS = []

function identityArgs(identity) {
  if (identity === undefined || identity === null) return NO_IDS
  checkIdentity(identity)
  return [
    identityField(identity, 'endUserId'),
    identityField(identity, 'endUserIdType'),
    identityField(identity, 'endUserTenantId'),
    identityField(identity, 'applicationName'),
  ]
}

// What a resolver needs on the hot path: the native resolve function bound to it, and the
// header names it may read (the core's `read_header_names`, lower case), indexed by length.
// Resolving with only those headers gives the same result as with all of them, so only they
// cross to the core.
function compileFast(nr) {
  const names = nr.readHeaderNames()
  const byLength = []
  for (const name of names) {
    while (byLength.length <= name.length) byLength.push(null)
    // `first`: the first code unit with bit 0x20 set, a cheap first test. `seen`: up to four
    // spellings of the name already found equal (`X-Forwarded-For`, …): comparing a string
    // with `===` is much cheaper than comparing it character by character ignoring case.
    const entry = { name, first: name.charCodeAt(0) | 0x20, seen: [] }
    const list = byLength[name.length]
    if (list === null) byLength[name.length] = [entry]
    else list.push(entry)
  }
  return { resolve: nr.resolveFunction(), byLength }
}

// Whether `lower` (lower case) equals `name` ignoring ASCII case, as the core compares.
function equalsIgnoringAsciiCase(name, lower) {
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i)
    if (c >= 65 && c <= 90) c += 32
    if (c !== lower.charCodeAt(i)) return false
  }
  return true
}

// Whether the resolver reads a header called `name` (ASCII case ignored).
function readsHeader(byLength, name) {
  const len = name.length
  if (len >= byLength.length) return false
  const list = byLength[len]
  if (list === null) return false
  const first = name.charCodeAt(0) | 0x20
  for (let j = 0; j < list.length; j++) {
    const entry = list[j]
    if (entry.first !== first) continue
    const seen = entry.seen
    for (let k = 0; k < seen.length; k++) {
      if (seen[k] === name) return true
    }
    if (equalsIgnoringAsciiCase(name, entry.name)) {
      if (seen.length < 4) seen.push(name)
      return true
    }
  }
  return false
}

// The `user_security_context` objects, one builder per set of present fields (bit 0
// application_name, 1 end_user_id, 2 end_user_tenant_id, 3 source_ip): object literals, so the
// keys are always in the spec's order and defined the way JSON.parse defines them.
const USC = [
  () => ({}),
  (a) => ({ application_name: a }),
  (a, u) => ({ end_user_id: u }),
  (a, u) => ({ application_name: a, end_user_id: u }),
  (a, u, t) => ({ end_user_tenant_id: t }),
  (a, u, t) => ({ application_name: a, end_user_tenant_id: t }),
  (a, u, t) => ({ end_user_id: u, end_user_tenant_id: t }),
  (a, u, t) => ({ application_name: a, end_user_id: u, end_user_tenant_id: t }),
  (a, u, t, ip) => ({ source_ip: ip }),
  (a, u, t, ip) => ({ application_name: a, source_ip: ip }),
  (a, u, t, ip) => ({ end_user_id: u, source_ip: ip }),
  (a, u, t, ip) => ({ application_name: a, end_user_id: u, source_ip: ip }),
  (a, u, t, ip) => ({ end_user_tenant_id: t, source_ip: ip }),
  (a, u, t, ip) => ({ application_name: a, end_user_tenant_id: t, source_ip: ip }),
  (a, u, t, ip) => ({ end_user_id: u, end_user_tenant_id: t, source_ip: ip }),
  (a, u, t, ip) => ({ application_name: a, end_user_id: u, end_user_tenant_id: t, source_ip: ip }),
]

// The context of one resolve: what a lazy rendering needs to resolve the same request again,
// and the decoded `user_security_context` fields.
class State {
  constructor(nr, peer, headers, count, ids, usc) {
    this.nr = nr
    this.peer = peer
    this.headers = headers
    this.count = count
    this.ids = ids
    this.mask = 0
    this.a = undefined
    this.u = undefined
    this.t = undefined
    this.ip = undefined
    // The native side's compact form (src/lib.rs, push_compact_usc): a mask character
    // (0x20 + bits), one length character per present field, then the fields' texts; or
    // the JSON text when a field is too long for that.
    const first = usc.charCodeAt(0)
    if (first === 0x7b) {
      const o = JSON.parse(usc)
      this.a = o.application_name
      this.u = o.end_user_id
      this.t = o.end_user_tenant_id
      this.ip = o.source_ip
      this.mask = (this.a !== undefined ? 1 : 0) | (this.u !== undefined ? 2 : 0) | (this.t !== undefined ? 4 : 0) | (this.ip !== undefined ? 8 : 0)
      return
    }
    const mask = first - 0x20
    this.mask = mask
    let at = 1
    let pos = 1 + (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + ((mask >> 3) & 1)
    if (mask & 1) {
      const n = usc.charCodeAt(at++)
      this.a = usc.slice(pos, pos + n)
      pos += n
    }
    if (mask & 2) {
      const n = usc.charCodeAt(at++)
      this.u = usc.slice(pos, pos + n)
      pos += n
    }
    if (mask & 4) {
      const n = usc.charCodeAt(at++)
      this.t = usc.slice(pos, pos + n)
      pos += n
    }
    if (mask & 8) {
      const n = usc.charCodeAt(at)
      this.ip = usc.slice(pos, pos + n)
    }
  }

  usc() {
    return USC[this.mask](this.a, this.u, this.t, this.ip)
  }
}

// The native call with the header items as separate arguments (up to 8 items, the usual case):
// nothing to pack on this side and nothing to flatten on the native side.
function callInline(f, peer, items, n, ids) {
  if (ids === NO_IDS) {
    switch (n) {
      case 0: return f(peer, 0)
      case 2: return f(peer, 2, items[0], items[1])
      case 4: return f(peer, 4, items[0], items[1], items[2], items[3])
      case 6: return f(peer, 6, items[0], items[1], items[2], items[3], items[4], items[5])
      default: return f(peer, 8, items[0], items[1], items[2], items[3], items[4], items[5], items[6], items[7])
    }
  }
  const a = ids[0]
  const b = ids[1]
  const c = ids[2]
  const d = ids[3]
  switch (n) {
    case 0: return f(peer, 0, a, b, c, d)
    case 2: return f(peer, 2, items[0], items[1], a, b, c, d)
    case 4: return f(peer, 4, items[0], items[1], items[2], items[3], a, b, c, d)
    case 6: return f(peer, 6, items[0], items[1], items[2], items[3], items[4], items[5], a, b, c, d)
    default: return f(peer, 8, items[0], items[1], items[2], items[3], items[4], items[5], items[6], items[7], a, b, c, d)
  }
}

// One crossing per request, with only the headers the resolver reads. `validate` checks each
// item is a string (for req.rawHeaders, which nothing else has checked), with flattenHeaders'
// messages. Up to 8 items go as separate arguments; more go packed into one string (each item
// followed by NUL), and if an item itself held a NUL the core's split disagrees with the count
// and answers null, so the array goes instead. The kept items are also the context's snapshot
// of the request, for the renderings computed later.
function resolveWith(resolver, peer, flat, identity, validate) {
  const fast = resolver[FAST]
  const byLength = fast.byLength
  const len = flat.length
  if (validate && len % 2 !== 0) {
    throw typeError(`headers as a flat array must hold name/value pairs; got an odd length ${len}`)
  }
  const items = []
  for (let i = 0; i < len; i += 2) {
    const name = flat[i]
    const value = flat[i + 1]
    if (validate) {
      if (typeof name !== 'string') throw typeError(`headers[${i}] must be a string, got ${describe(name)}`)
      if (typeof value !== 'string') throw typeError(`headers[${i + 1}] must be a string, got ${describe(value)}`)
    }
    if (readsHeader(byLength, name)) items.push(name, value)
  }
  const ids = identityArgs(identity)
  const count = items.length
  let usc
  try {
    if (count <= 8) {
      usc = callInline(fast.resolve, peer, items, count, ids)
    } else {
      let packed = ''
      for (let i = 0; i < count; i++) packed += items[i] + '\0'
      usc = fast.resolve(peer, packed, count, ids[0], ids[1], ids[2], ids[3])
      if (usc === null) usc = fast.resolve(peer, items, count, ids[0], ids[1], ids[2], ids[3])
    }
  } catch (err) {
    throw translate(err)
  }
  return new SecurityContext(NATIVE, new State(resolver[NATIVE], peer, items, count, ids, usc))
}

function renderWith(req, what, apiVersion) {
  const { nr, peer, headers, count, ids } = req
  try {
    return nr.render(what, apiVersion, peer, headers, count, ids[0], ids[1], ids[2], ids[3])
  } catch (err) {
    throw translate(err)
  }
}

// JSON.stringify silently drops functions and symbols; a dropped key would silently weaken the
// configuration, so refuse them, naming the key.
function stringifyConfig(config) {
  const replacer = function (key, value) {
    const t = typeof value
    if (t === 'function' || t === 'symbol' || t === 'bigint') {
      throw typeError(`config${key === '' ? '' : `.${key}`} must be JSON data, got ${describe(value)}`)
    }
    return value
  }
  try {
    return JSON.stringify(config, replacer)
  } catch (err) {
    if (err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE') throw err
    throw typeError(`config cannot be serialized to JSON: ${err && err.message}`)
  }
}

/** Resolves requests under one configuration (SPEC section 3). Immutable; share it freely. */
class Resolver {
  /**
   * @param {object} [config] the configuration document, keys spelled as in the spec
   *   (`trusted_proxies`, `forwarded_header`, …).
   */
  constructor(config) {
    let json
    if (config === undefined || config === null) {
      json = '{}'
    } else if (typeof config === 'object' && !Array.isArray(config)) {
      json = stringifyConfig(config)
    } else if (typeof config === 'string') {
      throw typeError('config must be an object; to parse JSON text use Resolver.fromJson(text)')
    } else {
      throw typeError(`config must be an object, got ${describe(config)}`)
    }
    try {
      const nr = new native.NativeResolver(json)
      this[NATIVE] = nr
      this[FAST] = compileFast(nr)
    } catch (err) {
      throw translate(err)
    }
  }

  /** Parses the configuration document from JSON text. */
  static fromJson(text) {
    if (typeof text !== 'string') throw typeError(`text must be a string, got ${describe(text)}`)
    const r = Object.create(Resolver.prototype)
    try {
      const nr = new native.NativeResolver(text)
      r[NATIVE] = nr
      r[FAST] = compileFast(nr)
    } catch (err) {
      throw translate(err)
    }
    return r
  }

  /** The effective configuration (presets applied), keys as in the spec. */
  get config() {
    return JSON.parse(this[NATIVE].configJson())
  }

  /** Resolves one request from its socket peer (may be null) and headers. */
  resolve(peer, headers, identity) {
    return resolveWith(this, checkPeer(peer), flattenHeaders(headers), identity, false)
  }

  /** Like `resolve`, and records how: each hop visited, which headers were forwarded or dropped. */
  explain(peer, headers, identity) {
    const flat = flattenHeaders(headers)
    const req = { nr: this[NATIVE], peer: checkPeer(peer), headers: flat, count: flat.length, ids: identityArgs(identity) }
    return JSON.parse(renderWith(req, 'explain', null))
  }

  /**
   * Resolves a node:http `IncomingMessage` (Express's `req`, Koa's `ctx.req`): the peer from
   * `req.socket.remoteAddress`, the headers from `req.rawHeaders` (exact repeats and order).
   */
  fromNodeRequest(req, identity) {
    if (req === null || typeof req !== 'object') {
      throw typeError(`req must be a node:http IncomingMessage, got ${describe(req)}`)
    }
    const socket = req.socket
    const peer = socket && typeof socket.remoteAddress === 'string' ? socket.remoteAddress : null
    const raw = req.rawHeaders
    if (Array.isArray(raw)) {
      // The usual case, a flat rawHeaders array: checked and filtered in one pass.
      if (raw.length === 0 || !Array.isArray(raw[0])) return resolveWith(this, peer, raw, identity, true)
      return resolveWith(this, peer, flattenHeaders(raw), identity, false)
    }
    return resolveWith(this, peer, flattenHeaders(req.headers), identity, false)
  }

  /** Resolves a Fastify request (its `request.raw` is the node:http message). */
  fromFastifyRequest(request, identity) {
    if (request === null || typeof request !== 'object' || request.raw === null || typeof request.raw !== 'object') {
      throw typeError(`request must be a Fastify request (with .raw), got ${describe(request)}`)
    }
    return this.fromNodeRequest(request.raw, identity)
  }

  /**
   * Resolves a Fetch API `Request` (Next.js route handlers, Hono, Deno-style servers). The
   * peer is not part of a Fetch request: pass it (e.g. from your platform), or null.
   * Note: Fetch `Headers` combine repeated headers with ", ".
   */
  fromFetchRequest(request, peer, identity) {
    if (request === null || typeof request !== 'object' || request.headers === null || typeof request.headers !== 'object') {
      throw typeError(`request must be a Fetch API Request, got ${describe(request)}`)
    }
    return resolveWith(this, checkPeer(peer), flattenHeaders(request.headers), identity, false)
  }
}

/**
 * The security context of one request. `userSecurityContext()` and `withSecurityContext()` use
 * what resolving returned; the other fields and renderings are computed by the core on first
 * use, from the same request (resolving is pure, so the answer is the same).
 */
class SecurityContext {
  constructor(token, state) {
    if (token !== NATIVE) {
      throw new TypeError('a SecurityContext comes from Resolver.resolve, fromNodeRequest, fromFastifyRequest or fromFetchRequest')
    }
    this[NATIVE] = state
    this._record = undefined
  }

  _rec() {
    if (this._record === undefined) this._record = JSON.parse(renderWith(this[NATIVE], 'record', null))
    return this._record
  }

  get applicationName() {
    return this._rec().application_name
  }
  get endUserId() {
    return this._rec().end_user_id
  }
  /** `AAD`, `Google`, `Other`, or null. */
  get endUserIdType() {
    return this._rec().end_user_id_type
  }
  get endUserTenantId() {
    return this._rec().end_user_tenant_id
  }
  /** The original client's address, canonical; null when it cannot be known. */
  get sourceIp() {
    return this._rec().source_ip
  }
  /** The immediate peer's address, canonical (the legacy `SourceIP`). */
  get peer() {
    return this._rec().peer
  }
  /** The allow-listed request headers (the legacy `SourceRequestHeaders`). */
  get sourceRequestHeaders() {
    return { ...this._rec().source_request_headers }
  }
  /** Why `sourceIp` is what it is, for people. */
  get reason() {
    return this._rec().reason.text
  }
  /** Why `sourceIp` is what it is, as a stable code (`chosen_at_hop`, `peer_untrusted`, …). */
  get reasonCode() {
    return this._rec().reason.code
  }
  /** The hop `reasonCode` is about (`chosen_at_hop`, `invalid_entry`), else null. */
  get reasonHop() {
    const hop = this._rec().reason.hop
    return hop === undefined ? null : hop
  }
  /** Where the identity came from: `none`, `explicit` or `easy_auth`. */
  get identitySource() {
    return this._rec().identity_source
  }
  /** Set when Easy Auth headers were present but (partly) ignored: `{ code, text }`. */
  get easyAuthNote() {
    const n = this._rec().easy_auth_note
    return n === null ? null : { ...n }
  }

  /** The `user_security_context` object (SPEC 2.1), keys as on the wire; a fresh object. */
  userSecurityContext() {
    return this[NATIVE].usc()
  }

  /** The legacy `user` string (SPEC 2.2). Throws MissingEndUserIdTypeError without a type. */
  legacyUser() {
    return renderWith(this[NATIVE], 'legacy', null)
  }

  /** `{ user_security_context: … }` or `{ user: "…" }`, chosen by api-version (SPEC 2.3). */
  forApiVersion(apiVersion) {
    if (typeof apiVersion !== 'string') {
      throw typeError(`apiVersion must be a string, got ${describe(apiVersion)}`)
    }
    return JSON.parse(renderWith(this[NATIVE], 'body', apiVersion))
  }

  /** A copy of chat-completion `params` with `user_security_context` added. */
  withSecurityContext(params) {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw typeError(`params must be a chat-completion params object, got ${describe(params)}`)
    }
    // A shallow copy, as `{ ...params }` makes. Object.assign is much faster here (V8 gives a
    // spread copy a map outside the transition tree, so adding the key below costs a new map
    // each time); it differs from spreading only for an own `__proto__` key (JSON.parse can
    // make one), which it would turn into a prototype, so that case spreads.
    const out = Object.hasOwn(params, '__proto__') ? { ...params } : Object.assign({}, params)
    out.user_security_context = this[NATIVE].usc()
    return out
  }

  /** A few lines for a log or a support ticket: the result and why. */
  explain() {
    const r = this._rec()
    const lines = [
      `source_ip: ${r.source_ip ?? '(absent)'}`,
      `peer: ${r.peer ?? '(unknown)'}`,
      `reason: ${r.reason.code}: ${r.reason.text}`,
      `identity: ${r.identity_source}${r.end_user_id ? ` (end_user_id ${r.end_user_id})` : ''}`,
    ]
    if (r.easy_auth_note) lines.push(`easy auth: ${r.easy_auth_note.text}`)
    lines.push(`user_security_context: ${renderWith(this[NATIVE], 'usc', null)}`)
    return lines.join('\n')
  }

  /** The full record for logs: the fields, the reason and where the identity came from. */
  toJSON() {
    return JSON.parse(renderWith(this[NATIVE], 'record', null))
  }
}

/** The version of the secctx core this package was built with. */
const version = native.coreVersion()

module.exports = {
  Resolver,
  SecurityContext,
  SecCtxError,
  InvalidConfigError,
  InvalidIdentityError,
  MissingEndUserIdTypeError,
  InvalidApiVersionError,
  ERROR_CODES,
  version,
}
