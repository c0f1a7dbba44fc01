// The JavaScript API: header forms, fields, renderings, entry points.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import * as esm from '../index.mjs'
import secctxDefault, { Resolver, SecurityContext } from '../index.mjs'

const require = createRequire(import.meta.url)

const CONFIG = { application_name: 'contoso-chat', trusted_proxies: ['10.0.0.0/8'] }
const ID = { endUserId: 'u-1', endUserIdType: 'AaD', endUserTenantId: 't-1' }

test('CommonJS and ESM entry points export the same objects', () => {
  const cjs = require('../index.js')
  assert.equal(cjs.Resolver, esm.Resolver)
  assert.equal(cjs.SecCtxError, esm.SecCtxError)
  assert.equal(secctxDefault.Resolver, Resolver)
  assert.match(esm.version, /^\d+\.\d+\.\d+/)
  assert.deepEqual(esm.ERROR_CODES, ['invalid_config', 'invalid_identity', 'missing_end_user_id_type', 'invalid_api_version'])
})

test('every header form gives the same context', () => {
  const r = new Resolver(CONFIG)
  const pairs = [
    ['User-Agent', 'curl/8'],
    ['X-Forwarded-For', '6.6.6.6, 203.0.113.7'],
    ['x-forwarded-for', '10.1.1.1'],
  ]
  const expected = r.resolve('10.0.0.2', pairs, ID)
  assert.equal(expected.sourceIp, '203.0.113.7')
  assert.equal(expected.reasonCode, 'chosen_at_hop')
  assert.equal(expected.reasonHop, 2)
  const forms = {
    raw: pairs.flat(),
    incoming: { 'user-agent': 'curl/8', 'x-forwarded-for': ['6.6.6.6, 203.0.113.7', '10.1.1.1'] },
    map: new Map([
      ['User-Agent', 'curl/8'],
      ['X-Forwarded-For', ['6.6.6.6, 203.0.113.7', '10.1.1.1']],
    ]),
    // Fetch Headers join repeats with ", ", which for a list header is the same list.
    fetch: new Headers(pairs),
  }
  for (const [form, headers] of Object.entries(forms)) {
    const ctx = r.resolve('10.0.0.2', headers, ID)
    assert.deepEqual(ctx.userSecurityContext(), expected.userSecurityContext(), form)
    assert.equal(ctx.reasonCode, 'chosen_at_hop', form)
  }
})

test('a plain object with a single value per header', () => {
  const r = new Resolver(CONFIG)
  const ctx = r.resolve('10.9.9.9:443', { 'X-Forwarded-For': '198.51.100.1', Cookie: 'secret' })
  assert.deepEqual(ctx.userSecurityContext(), { application_name: 'contoso-chat', source_ip: '198.51.100.1' })
  assert.deepEqual(ctx.sourceRequestHeaders, { 'X-Forwarded-For': '198.51.100.1' })
})

test('fields, reason, identity and renderings', () => {
  const r = new Resolver(CONFIG)
  const ctx = r.resolve('::ffff:10.0.0.2', [['X-Forwarded-For', '203.0.113.7:5000'], ['User-Agent', 'ua']], ID)
  assert.ok(ctx instanceof SecurityContext)
  assert.equal(ctx.applicationName, 'contoso-chat')
  assert.equal(ctx.endUserId, 'u-1')
  assert.equal(ctx.endUserIdType, 'AAD')
  assert.equal(ctx.endUserTenantId, 't-1')
  assert.equal(ctx.sourceIp, '203.0.113.7')
  assert.equal(ctx.peer, '10.0.0.2', 'IPv4-mapped peer is canonical IPv4')
  assert.equal(ctx.identitySource, 'explicit')
  assert.equal(ctx.easyAuthNote, null)
  assert.match(ctx.reason, /hop 1/)
  assert.deepEqual(ctx.userSecurityContext(), {
    application_name: 'contoso-chat',
    end_user_id: 'u-1',
    end_user_tenant_id: 't-1',
    source_ip: '203.0.113.7',
  })
  assert.equal(
    JSON.stringify(ctx.userSecurityContext()),
    '{"application_name":"contoso-chat","end_user_id":"u-1","end_user_tenant_id":"t-1","source_ip":"203.0.113.7"}',
    'keys in the spec order',
  )
  const legacy = '{"EndUserId":"u-1","EndUserIdType":"AAD","EndUserTenantId":"t-1","SourceIP":"10.0.0.2","SourceRequestHeaders":{"User-Agent":"ua","X-Forwarded-For":"203.0.113.7:5000"},"ApplicationName":"contoso-chat"}'
  assert.equal(ctx.legacyUser(), legacy)
  assert.deepEqual(ctx.forApiVersion('2024-10-21'), { user: legacy })
  assert.deepEqual(ctx.forApiVersion('v1'), { user_security_context: ctx.userSecurityContext() })
  assert.deepEqual(ctx.forApiVersion('2024-12-01-preview'), { user_security_context: ctx.userSecurityContext() })
  assert.match(ctx.explain(), /source_ip: 203\.0\.113\.7/)
  assert.equal(ctx.toJSON().reason.code, 'chosen_at_hop')
  assert.equal(JSON.parse(JSON.stringify(ctx)).source_ip, '203.0.113.7')
})

test('withSecurityContext returns a new object and leaves the input alone', () => {
  const ctx = new Resolver(CONFIG).resolve('192.0.2.1', [])
  const params = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], user_security_context: { end_user_id: 'stale' } }
  const before = structuredClone(params)
  const out = ctx.withSecurityContext(params)
  assert.notEqual(out, params)
  assert.deepEqual(params, before)
  assert.deepEqual(out.user_security_context, { application_name: 'contoso-chat', source_ip: '192.0.2.1' })
  assert.equal(out.messages, params.messages)
  // Each call hands out a fresh object: mutating one does not change the next.
  out.user_security_context.source_ip = 'x'
  assert.equal(ctx.userSecurityContext().source_ip, '192.0.2.1')
})

test('peer forms: unknown, IPv6 with port, garbage', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'] })
  assert.equal(r.resolve(null, [['X-Forwarded-For', '1.2.3.4']]).reasonCode, 'peer_unknown')
  assert.deepEqual(r.resolve(undefined, []).userSecurityContext(), {})
  assert.equal(r.resolve('[::1]:8080', [['X-Forwarded-For', '2001:DB8::1']]).sourceIp, '2001:db8::1')
  assert.equal(r.resolve('not-an-ip', []).reasonCode, 'peer_unknown')
})

test('a header value holding NUL still resolves exactly (array fallback)', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'], request_headers: ['User-Agent'] })
  const ctx = r.resolve('127.0.0.1', [['User-Agent', 'a\u0000b'], ['X-Forwarded-For', '203.0.113.9']])
  assert.equal(ctx.sourceIp, '203.0.113.9')
  assert.equal(JSON.parse(ctx.legacyUser()).SourceRequestHeaders['User-Agent'], 'a\u0000b')
})

test('more than 8 read header items: packed, and a NUL in one still resolves exactly', () => {
  const r = new Resolver({ trusted_proxies: ['loopback', '10.0.0.0/8'], request_headers: ['User-Agent', 'X-Forwarded-For'] })
  const pairs = [['User-Agent', 'a\u0000b']]
  for (let i = 1; i <= 5; i++) pairs.push(['Cookie', 'c'], ['X-Forwarded-For', `10.0.0.${i}`])
  pairs.splice(3, 0, ['X-Forwarded-For', '203.0.113.5'])
  const ctx = r.fromNodeRequest({ socket: { remoteAddress: '127.0.0.1' }, rawHeaders: pairs.flat() }, { endUserId: 'u' })
  assert.equal(ctx.sourceIp, '203.0.113.5')
  assert.deepEqual(ctx.userSecurityContext(), { end_user_id: 'u', source_ip: '203.0.113.5' })
  const typed = r.fromNodeRequest({ socket: { remoteAddress: '127.0.0.1' }, rawHeaders: pairs.flat() }, { endUserId: 'u', endUserIdType: 'other' })
  assert.equal(JSON.parse(typed.legacyUser()).SourceRequestHeaders['User-Agent'], 'a\u0000b')
  assert.deepEqual(ctx.toJSON(), r.resolve('127.0.0.1', pairs, { endUserId: 'u' }).toJSON())
  const clean = pairs.map(([n, v]) => [n, v.replace('\u0000', '')])
  assert.equal(r.resolve('127.0.0.1', clean).sourceRequestHeaders['User-Agent'], 'ab')
})

test('non-ASCII header values survive the crossing', () => {
  const r = new Resolver({ request_headers: ['User-Agent'] })
  const ua = 'Ünïcødé 🚀 \ud800 end'
  const ctx = r.resolve('192.0.2.1', [['User-Agent', ua]])
  // A lone surrogate is not UTF-8: it arrives as U+FFFD.
  assert.equal(ctx.sourceRequestHeaders['User-Agent'], 'Ünïcødé 🚀 \ufffd end')
})

test('resolver.explain records each hop', () => {
  const r = new Resolver(CONFIG)
  const ex = r.explain('10.0.0.2', [['X-Forwarded-For', '203.0.113.7, 10.1.1.1'], ['Authorization', 'Bearer x']])
  assert.deepEqual(
    ex.hops.map((h) => h.verdict),
    ['trusted', 'client'],
  )
  assert.equal(ex.peer_trusted_by, '10.0.0.0/8')
  assert.deepEqual(ex.dropped_headers, ['Authorization'])
  assert.equal(ex.context.source_ip, '203.0.113.7')
})

test('config: presets applied, fromJson, Easy Auth identity', () => {
  const r = new Resolver({ preset: 'sidecar' })
  assert.deepEqual(r.config.trusted_proxies, ['loopback'])
  const j = Resolver.fromJson('{"trusted_proxies": ["loopback"], "trust_easy_auth": true}')
  const principal = Buffer.from(
    JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'oid', val: 'oid-1' }, { typ: 'tid', val: 'tid-1' }] }),
  ).toString('base64')
  const ctx = j.resolve('127.0.0.1', [
    ['X-MS-CLIENT-PRINCIPAL', principal],
    ['X-MS-CLIENT-PRINCIPAL-IDP', 'aad'],
  ])
  assert.equal(ctx.identitySource, 'easy_auth')
  assert.deepEqual(ctx.userSecurityContext(), { end_user_id: 'oid-1', end_user_tenant_id: 'tid-1', source_ip: '127.0.0.1' })
  const bad = j.resolve('127.0.0.1', [['X-MS-CLIENT-PRINCIPAL', '!!!'], ['X-MS-CLIENT-PRINCIPAL-ID', 'id-2']])
  assert.equal(bad.easyAuthNote.code, 'easy_auth_malformed')
  assert.equal(bad.endUserId, 'id-2')
})

test('fromNodeRequest prefers rawHeaders; falls back to headers', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'] })
  const req = {
    socket: { remoteAddress: '::ffff:127.0.0.1' },
    rawHeaders: ['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2'],
    headers: { 'x-forwarded-for': '9.9.9.9' },
  }
  assert.equal(r.fromNodeRequest(req).sourceIp, '2.2.2.2')
  assert.equal(r.fromNodeRequest({ socket: req.socket, headers: req.headers }).sourceIp, '9.9.9.9')
  assert.equal(r.fromNodeRequest({ rawHeaders: req.rawHeaders }).reasonCode, 'peer_unknown')
  assert.equal(r.fromFastifyRequest({ raw: req }).sourceIp, '2.2.2.2')
  const fetchReq = new Request('http://example/', { headers: { 'x-forwarded-for': '3.3.3.3' } })
  assert.equal(r.fromFetchRequest(fetchReq, '127.0.0.1').sourceIp, '3.3.3.3')
  assert.equal(r.fromFetchRequest(fetchReq, null).sourceIp, null)
})

test('the CommonJS example (examples/commonjs.cts) runs', async () => {
  const { EXAMPLES_BUILD } = await import('./helpers.mjs')
  const ex = require(`${EXAMPLES_BUILD}/commonjs.cjs`)
  const params = ex.paramsFor('10.2.3.4', '203.0.113.99, 10.0.0.1', 'u-cjs')
  assert.deepEqual(params.user_security_context, { application_name: 'cjs-app', end_user_id: 'u-cjs', source_ip: '203.0.113.99' })
  assert.match(ex.describeError({ trusted_proxies: ['private', 'Private'] }), /^invalid_config: trusted_proxies\[1\]/)
  assert.equal(ex.describeError({}), 'ok')
})

test('README.md shows every example file exactly as tested', async () => {
  const { readFileSync, readdirSync } = await import('node:fs')
  const { PACKAGE_DIR } = await import('./helpers.mjs')
  const readme = readFileSync(`${PACKAGE_DIR}/README.md`, 'utf8')
  const files = readdirSync(`${PACKAGE_DIR}/examples`).filter((f) => /\.[cm]ts$/.test(f))
  assert.ok(files.length >= 5, files.join(', '))
  for (const f of files) {
    const text = readFileSync(`${PACKAGE_DIR}/examples/${f}`, 'utf8').trimEnd()
    assert.ok(readme.includes('```ts\n' + text + '\n```'), `README.md does not include examples/${f} verbatim`)
  }
})

test('the README quick start prints what the README says', async () => {
  const { readFileSync } = await import('node:fs')
  const { execFileSync } = await import('node:child_process')
  const { PACKAGE_DIR, EXAMPLES_BUILD } = await import('./helpers.mjs')
  const readme = readFileSync(`${PACKAGE_DIR}/README.md`, 'utf8')
  const shown = readme.split('## In one minute')[1].split('```json\n')[1].split('\n```')[0]
  const printed = execFileSync(process.execPath, [`${EXAMPLES_BUILD}/quickstart.mjs`], { encoding: 'utf8' }).trim()
  assert.equal(printed, shown)
})

test('only the headers the resolver reads cross, and the answer is the same', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'], request_headers: ['User-Agent', 'X-Request-Id'] })
  const raw = [
    'Cookie', 'a\u0000b', // not read: a NUL here needs no retry, and it is not forwarded
    'x-FORWARDED-for', '203.0.113.1, 127.0.0.2',
    'User-Agent', 'ua',
    'X-Forwarded-Fo', '1.1.1.1', // same first letters, shorter
    'X-Forwarded-Foo', '1.1.1.1', // same length as a read name
    '\u212aey', 'kelvin', // K (U+212A) lowercases to k in JS, not in the core
    'X-Forwarded-For', '198.51.100.7', // a repeat, later in the chain
    'x-request-id', 'r-1',
  ]
  const ctx = r.fromNodeRequest({ socket: { remoteAddress: '127.0.0.1' }, rawHeaders: raw })
  assert.equal(ctx.sourceIp, '198.51.100.7')
  assert.deepEqual(ctx.sourceRequestHeaders, { 'User-Agent': 'ua', 'X-Request-Id': 'r-1' })
  const all = r.resolve('127.0.0.1', raw)
  assert.deepEqual(ctx.toJSON(), all.toJSON())
  assert.deepEqual(r.explain('127.0.0.1', raw).dropped_headers, ['Cookie'], 'explain still sees every header')
  // rawHeaders in the [[name, value], …] form is accepted as before.
  const pairs = r.fromNodeRequest({ socket: { remoteAddress: '127.0.0.1' }, rawHeaders: [['X-Forwarded-For', '192.0.2.9']] })
  assert.equal(pairs.sourceIp, '192.0.2.9')
})

test('user_security_context fields of every shape and length come back exactly', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'] })
  const app = new Resolver({ application_name: 'app 🚀', trusted_proxies: ['loopback'] })
  // Longer than the compact form takes (0xD800 UTF-16 units): the core bounds identity values
  // first, so this checks only that whatever comes back matches the core's JSON rendering.
  const long = 'é'.repeat(0xd800)
  const cases = [
    [r, null, {}, {}],
    [r, '127.0.0.1', { endUserTenantId: 't' }, { end_user_tenant_id: 't', source_ip: '127.0.0.1' }],
    [r, null, { endUserId: '', endUserTenantId: '' }, {}],
    [r, null, { endUserId: ' ', endUserTenantId: '\u0000' }, { end_user_id: ' ', end_user_tenant_id: '\u0000' }],
    [app, null, { endUserId: 'ü\u0000"\\😀' }, { application_name: 'app 🚀', end_user_id: 'ü\u0000"\\😀' }],
    [app, '::1', { applicationName: 'per-request', endUserId: 'u' }, { application_name: 'per-request', end_user_id: 'u', source_ip: '::1' }],
    [r, '127.0.0.1', { endUserId: long }, null],
    [app, '::ffff:127.0.0.1', { endUserId: 'u', endUserTenantId: long, applicationName: long }, null],
  ]
  for (const [res, peer, identity, expected] of cases) {
    const ctx = res.resolve(peer, [], identity)
    const usc = ctx.userSecurityContext()
    const json = ctx.explain().split('user_security_context: ')[1]
    assert.ok(JSON.stringify(usc) === json, 'the same text as the core renders, keys in the spec order')
    if (expected !== null) {
      assert.deepEqual(usc, expected)
      assert.deepEqual(Object.keys(usc), Object.keys(expected))
    }
    assert.deepEqual(ctx.withSecurityContext({ model: 'm' }), { model: 'm', user_security_context: usc })
  }
})

test('withSecurityContext copies an own __proto__ key as data, like a spread', () => {
  const ctx = new Resolver().resolve('192.0.2.1', [])
  const params = JSON.parse('{"model": "m", "__proto__": {"polluted": true}}')
  const out = ctx.withSecurityContext(params)
  assert.equal(Object.getPrototypeOf(out), Object.prototype)
  assert.equal(out.polluted, undefined)
  assert.deepEqual(Object.keys(out), ['model', '__proto__', 'user_security_context'])
  const sym = Symbol('s')
  const withSymbol = ctx.withSecurityContext({ [sym]: 1, model: 'm' })
  assert.equal(withSymbol[sym], 1)
})

test('the native resolve function refuses junk without crashing', async () => {
  const native = (await import('node:module')).createRequire(import.meta.url)('../native.js')
  const fn = new native.NativeResolver('{}').resolveFunction()
  assert.equal(typeof fn('192.0.2.1', '', 0), 'string')
  assert.equal(fn('192.0.2.1', 'a\u0000b\u0000c\u0000', 2), null, 'a NUL inside an item: retry')
  assert.equal(fn('192.0.2.1', 'a\u0000b', 1), null, 'more pieces than items: retry')
  assert.equal(fn('192.0.2.1', 2, 'User-Agent', 'a\u0000b'), fn('192.0.2.1', ['User-Agent', 'a\u0000b'], 2), 'items as arguments')
  assert.equal(fn('192.0.2.1', 0, null, null, null, 'app'), fn('192.0.2.1', '', 0, null, null, null, 'app'))
  const junk = [
    [],
    ['192.0.2.1', 10, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    ['192.0.2.1', 2, 'a', 1],
    ['192.0.2.1', 1, 'a'],
    ['192.0.2.1', 2, 'a', 'b', 5],
    ['192.0.2.1', -1],
    [42, '', 0],
    ['192.0.2.1', 42, 0],
    ['192.0.2.1', '', 'x'],
    ['192.0.2.1', ['a'], 1],
    ['192.0.2.1', ['a', 1], 2],
    ['192.0.2.1', '', 0, 5],
    ['192.0.2.1', '', 0, null, null, null, {}],
  ]
  for (const args of junk) {
    assert.throws(() => fn(...args), (e) => e instanceof Error && typeof e.code === 'string', JSON.stringify(args))
  }
  assert.throws(() => fn(null, '', 0, null, 'github'), (e) => e.code === 'invalid_identity')
  assert.throws(() => fn(null, 0, null, 'github'), (e) => e.code === 'invalid_identity')
})
