// The shared conformance corpus (SPEC section 7) through the Node API. The directory is
// $SECCTX_VECTORS when set, else tests/vectors; results compare as core/src/conformance.rs
// `compare` does.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { test } from 'node:test'
import { MissingEndUserIdTypeError, Resolver, SecCtxError } from '../index.mjs'
import { REPO_ROOT } from './helpers.mjs'

const dir = process.env.SECCTX_VECTORS ? resolve(process.env.SECCTX_VECTORS) : join(REPO_ROOT, 'tests', 'vectors')

// The exact text of each case's `config`, so that what JSON.parse cannot keep (`1.0` versus
// `1`) reaches the core as written. A minimal scanner over the file's JSON text.
function rawConfigs(text) {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++
  }
  const skipString = () => {
    i++ // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
  }
  const skipValue = () => {
    ws()
    const c = text[i]
    if (c === '"') return skipString()
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      ws()
      if (text[i] === close) return void i++
      for (;;) {
        if (c === '{') {
          ws()
          skipString()
          ws()
          i++ // colon
        }
        skipValue()
        ws()
        if (text[i++] === close) return
      }
    }
    while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++
  }
  const caseConfig = () => {
    ws()
    i++ // {
    let raw
    ws()
    if (text[i] === '}') return void i++
    for (;;) {
      ws()
      const k0 = i
      skipString()
      const key = JSON.parse(text.slice(k0, i))
      ws()
      i++ // colon
      ws()
      const v0 = i
      skipValue()
      if (key === 'config') raw = text.slice(v0, i)
      ws()
      if (text[i++] === '}') return raw
    }
  }
  ws()
  if (text[i] !== '[') return [caseConfig()]
  const out = []
  i++
  ws()
  if (text[i] === ']') return out
  for (;;) {
    out.push(caseConfig())
    ws()
    if (text[i++] === ']') return out
  }
}

function loadCases() {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
  const cases = []
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8')
    const doc = JSON.parse(text)
    const list = Array.isArray(doc) ? doc : [doc]
    const raws = rawConfigs(text)
    assert.equal(raws.length, list.length, `${file}: the config scanner lost count`)
    list.forEach((c, k) => {
      if ('config' in c) assert.deepEqual(JSON.parse(raws[k]), c.config, `${file}: case ${k}: config text`)
      cases.push({ file, c, rawConfig: raws[k] ?? '{}' })
    })
  }
  return cases
}

const IDENTITY = {
  end_user_id: 'endUserId',
  end_user_id_type: 'endUserIdType',
  end_user_tenant_id: 'endUserTenantId',
  application_name: 'applicationName',
}

function identityOf(value) {
  if (value === undefined || value === null) return undefined
  const out = {}
  for (const [k, v] of Object.entries(value)) {
    if (!(k in IDENTITY)) throw new Error(`identity.${k} is not an identity key`)
    out[IDENTITY[k]] = v
  }
  return out
}

// Evaluates a case through the public API; returns an object shaped like `expect`.
// `headersForm` picks how the headers are handed over, so every accepted form is exercised.
function evaluate(c, rawConfig, headersForm) {
  const request = c.request ?? {}
  const pairs = request.headers ?? []
  const headers = headersForm === 'raw' ? pairs.flat() : pairs
  let resolver
  try {
    resolver = Resolver.fromJson(rawConfig)
  } catch (e) {
    if (e instanceof SecCtxError) return { error: e.code }
    throw e
  }
  let ctx
  try {
    ctx = resolver.resolve(request.peer ?? null, headers, identityOf(c.identity))
  } catch (e) {
    if (e instanceof SecCtxError) return { error: e.code }
    throw e
  }
  const got = { user_security_context: ctx.userSecurityContext() }
  try {
    got.user = JSON.parse(ctx.legacyUser())
  } catch (e) {
    if (!(e instanceof MissingEndUserIdTypeError)) throw e
    got.user_error = e.code
  }
  return got
}

// core/src/conformance.rs `compare`.
function compare(expect, got) {
  const problems = []
  if ('error' in expect) {
    if (got.error !== expect.error) problems.push(`expected error ${expect.error}, got ${got.error ?? 'no error'}`)
  } else {
    for (const key of ['user_security_context', 'user', 'user_error']) {
      if (key === 'user_security_context' || key in expect) {
        if (!isDeepStrictEqual(got[key], expect[key])) {
          problems.push(`${key}: expected ${JSON.stringify(expect[key])}, got ${JSON.stringify(got[key] ?? got.error ?? null)}`)
        }
      }
    }
  }
  return problems
}

const cases = loadCases()

test(`the corpus in ${dir} has cases`, () => {
  assert.ok(cases.length > 0, `no cases found in ${dir}`)
})

for (const { file, c, rawConfig } of cases) {
  test(`${file}: ${c.name}`, () => {
    const got = evaluate(c, rawConfig, 'pairs')
    const problems = compare(c.expect ?? {}, got)
    assert.deepEqual(problems, [], problems.join('; '))
    // The same request as a flat rawHeaders array gives the same answer.
    assert.deepEqual(evaluate(c, rawConfig, 'raw'), got)
    // A config document that is an object goes through `new Resolver(object)` the same way.
    const cfg = 'config' in c ? c.config : {}
    if (cfg !== null && typeof cfg === 'object' && !Array.isArray(cfg) && !('error' in (c.expect ?? {}))) {
      const ctx = new Resolver(cfg).resolve(c.request?.peer ?? null, c.request?.headers ?? [], identityOf(c.identity))
      assert.deepEqual(ctx.userSecurityContext(), got.user_security_context)
    }
  })
}
