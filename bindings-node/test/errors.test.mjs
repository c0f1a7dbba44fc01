// Bad input: typed errors naming what was wrong, never a crash.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  InvalidApiVersionError,
  InvalidConfigError,
  InvalidIdentityError,
  MissingEndUserIdTypeError,
  Resolver,
  SecCtxError,
} from '../index.mjs'

test('error classes: one root, codes exactly the spec kinds', () => {
  const cases = [
    [() => new Resolver({ trusted_proxies: ['10.0.0.1/8'] }), InvalidConfigError, 'invalid_config', /trusted_proxies\[0\]/],
    [() => new Resolver({ trusted_proxy: [] }), InvalidConfigError, 'invalid_config', /trusted_proxy/],
    [() => new Resolver({ max_hops: 0 }), InvalidConfigError, 'invalid_config', /^max_hops/],
    [() => new Resolver({ request_headers: ['Cookie'] }), InvalidConfigError, 'invalid_config', /request_headers/],
    [() => Resolver.fromJson('{"application_name": "a",'), InvalidConfigError, 'invalid_config', /./],
    [() => Resolver.fromJson('[]'), InvalidConfigError, 'invalid_config', /object/],
    [() => new Resolver().resolve(null, [], { endUserIdType: 'github' }), InvalidIdentityError, 'invalid_identity', /end_user_id_type/],
    [() => new Resolver().resolve('192.0.2.1', [], { endUserId: 'u' }).legacyUser(), MissingEndUserIdTypeError, 'missing_end_user_id_type', /EndUserIdType/],
    [() => new Resolver().resolve('192.0.2.1', [], { endUserId: 'u' }).forApiVersion('2024-10-21'), MissingEndUserIdTypeError, 'missing_end_user_id_type', /./],
    [() => new Resolver().resolve('192.0.2.1', []).forApiVersion('2024-02-30'), InvalidApiVersionError, 'invalid_api_version', /2024-02-30/],
    [() => new Resolver().resolve('192.0.2.1', []).forApiVersion(''), InvalidApiVersionError, 'invalid_api_version', /api-version/],
  ]
  for (const [fn, Cls, code, message] of cases) {
    assert.throws(fn, (e) => {
      assert.ok(e instanceof Cls, `${e && e.name}: ${e && e.message}`)
      assert.ok(e instanceof SecCtxError)
      assert.ok(e instanceof Error)
      assert.equal(e.code, code)
      assert.equal(e.name, Cls.name)
      assert.match(e.message, message)
      return true
    })
  }
})

test('wrong JS types are TypeErrors naming the argument', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'] })
  const ctx = r.resolve('127.0.0.1', [])
  const cases = [
    [() => new Resolver(42), /config/],
    [() => new Resolver('{"trusted_proxies": []}'), /config.*fromJson/],
    [() => new Resolver([]), /config/],
    [() => new Resolver({ trusted_proxies: [Symbol('x')] }), /config\.0|config/],
    [() => new Resolver({ max_hops: 10n }), /config\.max_hops/],
    [() => new Resolver({ application_name: () => 'x' }), /config\.application_name/],
    [() => Resolver.fromJson(undefined), /text/],
    [() => r.resolve(42, []), /peer/],
    [() => r.resolve(Symbol('p'), []), /peer/],
    [() => r.resolve('127.0.0.1', 42), /headers/],
    [() => r.resolve('127.0.0.1', 'X-Forwarded-For: 1.2.3.4'), /headers/],
    [() => r.resolve('127.0.0.1', ['a']), /odd/],
    [() => r.resolve('127.0.0.1', ['a', 1]), /headers\[1\]/],
    [() => r.resolve('127.0.0.1', [['a', 'b'], ['c']]), /headers\[1\]/],
    [() => r.resolve('127.0.0.1', [['a', 'b'], 'c']), /headers\[1\]/],
    [() => r.resolve('127.0.0.1', { a: 1 }), /headers\["a"\]/],
    [() => r.resolve('127.0.0.1', { a: ['x', null] }), /headers\["a"\]\[1\]/],
    [() => r.resolve('127.0.0.1', { a: Symbol('s') }), /headers\["a"\]/],
    [() => r.resolve('127.0.0.1', new Map([[1, 'x']])), /entry 0/],
    [() => r.resolve('127.0.0.1', [], 'u1'), /identity/],
    [() => r.resolve('127.0.0.1', [], { endUserId: 5 }), /identity\.endUserId/],
    [() => r.resolve('127.0.0.1', [], { end_user_id: 'u' }), /did you mean endUserId/],
    [() => r.fromNodeRequest(undefined), /req/],
    [() => r.fromNodeRequest({ rawHeaders: [1, 2] }), /headers\[0\]/],
    [() => r.fromFastifyRequest({}), /Fastify/],
    [() => r.fromFetchRequest({}, null), /Fetch/],
    [() => ctx.forApiVersion(2024), /apiVersion/],
    [() => ctx.withSecurityContext(null), /params/],
    [() => ctx.withSecurityContext('x'), /params/],
  ]
  for (const [fn, message] of cases) {
    assert.throws(fn, (e) => {
      assert.ok(e instanceof TypeError, `${fn}: ${e && e.name}: ${e && e.message}`)
      assert.match(e.message, message, String(fn))
      return true
    })
  }
})

test('a getter that throws propagates its own error, nothing else breaks', () => {
  const r = new Resolver()
  const boom = new Error('boom')
  const headers = {
    get 'x-forwarded-for'() {
      throw boom
    },
  }
  Object.defineProperty(headers, 'x-forwarded-for', { enumerable: true })
  assert.throws(() => r.resolve('192.0.2.1', headers), (e) => e === boom)
  const cfg = {
    get trusted_proxies() {
      throw boom
    },
  }
  assert.throws(() => new Resolver(cfg), TypeError)
  const identity = {
    get endUserId() {
      throw boom
    },
  }
  assert.throws(() => r.resolve('192.0.2.1', [], identity), (e) => e === boom)
  // The resolver still works afterwards.
  assert.equal(r.resolve('192.0.2.1', []).sourceIp, '192.0.2.1')
})

test('huge inputs are bounded, not fatal', () => {
  const r = new Resolver({ trusted_proxies: ['loopback'] })
  const big = '1.2.3.4, '.repeat(10_000) + '203.0.113.1' // > 64 KiB chain
  const ctx = r.resolve('127.0.0.1', [['X-Forwarded-For', big]])
  assert.equal(ctx.sourceIp, null)
  assert.equal(ctx.reasonCode, 'header_too_large')
  const huge = 'x'.repeat(8 * 1024 * 1024)
  const ctx2 = r.resolve('127.0.0.1', [['User-Agent', huge], [huge, huge]])
  assert.equal(ctx2.sourceRequestHeaders['User-Agent'].length, 1024)
  assert.equal(ctx2.sourceIp, '127.0.0.1')
  const many = []
  for (let i = 0; i < 50_000; i++) many.push('X-Other', String(i))
  assert.equal(r.resolve('127.0.0.1', many).sourceIp, '127.0.0.1')
  assert.throws(() => new Resolver({ application_name: huge, trusted_proxies: ['x'.repeat(100_000)] }), InvalidConfigError)
})

test('random junk never crashes: each call returns or throws TypeError / SecCtxError', () => {
  let seed = 12345
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const strings = ['', '1.2.3.4', '::ffff:1.2.3.4', '[::1]:80', 'for="[::1]"', '\u0000', '\ud800', 'a'.repeat(300), ',,,', 'unknown']
  const junk = () => {
    switch (rnd(12)) {
      case 0: return undefined
      case 1: return null
      case 2: return rnd(1000)
      case 3: return Symbol('j')
      case 4: return strings[rnd(strings.length)]
      case 5: return [strings[rnd(strings.length)], strings[rnd(strings.length)]]
      case 6: return [[strings[rnd(strings.length)], strings[rnd(strings.length)]]]
      case 7: return { [strings[rnd(strings.length)]]: strings[rnd(strings.length)] }
      case 8: return new Headers([['x-forwarded-for', '1.2.3.4']])
      case 9: return () => 1
      case 10: return [1, 2]
      default: return { endUserIdType: strings[rnd(strings.length)] }
    }
  }
  const r = new Resolver({ trusted_proxies: ['loopback', 'private'] })
  let ok = 0
  let typed = 0
  for (let i = 0; i < 5000; i++) {
    const calls = [
      () => r.resolve(junk(), junk(), junk()),
      () => r.explain(junk(), junk(), junk()),
      () => r.fromNodeRequest(junk(), junk()),
      () => r.fromFetchRequest(junk(), junk()),
      () => new Resolver(junk()),
      () => r.resolve('127.0.0.1', []).forApiVersion(junk()),
      () => r.resolve('127.0.0.1', []).withSecurityContext(junk()),
    ]
    try {
      calls[rnd(calls.length)]()
      ok++
    } catch (e) {
      assert.ok(e instanceof TypeError || e instanceof SecCtxError, `${e && e.name}: ${e && e.message}`)
      typed++
    }
  }
  assert.ok(ok > 0 && typed > 0, `both outcomes seen (ok ${ok}, errors ${typed})`)
})
