// worker_threads: each worker loads the addon, builds resolvers from a shared config document
// and resolves concurrently; answers match the main thread's.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { Resolver } from '../index.mjs'

const CONFIG = { application_name: 'workers', trusted_proxies: ['10.0.0.0/8', 'loopback'], max_hops: 5 }

function requestFor(i) {
  return {
    peer: i % 3 === 0 ? `::ffff:10.0.${i % 256}.1` : `192.0.2.${i % 250}`,
    headers: [
      ['X-Forwarded-For', `198.51.100.${i % 200}, 10.9.9.${i % 100}`],
      ['User-Agent', `worker-${i}`],
    ],
    identity: i % 2 ? { endUserId: `u${i}`, endUserIdType: 'other' } : undefined,
  }
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { Resolver } = require(workerData.entry)
const resolver = new Resolver(workerData.config)
const out = []
for (let i = workerData.from; i < workerData.to; i++) {
  const r = workerData.requests[i]
  const ctx = resolver.resolve(r.peer, r.headers, r.identity)
  out.push([JSON.stringify(ctx.userSecurityContext()), ctx.legacyUser()])
}
// A second resolver in the same worker is independent of the first.
const other = new Resolver({ trusted_proxies: [] })
out.push([JSON.stringify(other.resolve('10.0.0.1', [['X-Forwarded-For', '1.1.1.1']]).userSecurityContext()), ''])
parentPort.postMessage(out)
`

test('resolvers in four workers agree with the main thread', async () => {
  const N = 2000
  const requests = Array.from({ length: N }, (_, i) => requestFor(i))
  const resolver = new Resolver(CONFIG)
  const expected = requests.map((r) => {
    const ctx = resolver.resolve(r.peer, r.headers, r.identity)
    return [JSON.stringify(ctx.userSecurityContext()), ctx.legacyUser()]
  })
  const entry = new URL('../index.js', import.meta.url).pathname
  const workers = 4
  const per = N / workers
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(WORKER, {
          eval: true,
          workerData: { entry, config: CONFIG, requests, from: w * per, to: (w + 1) * per },
        })
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)))
      }),
    ),
  )
  for (let w = 0; w < workers; w++) {
    const got = results[w]
    assert.deepEqual(got.slice(0, per), expected.slice(w * per, (w + 1) * per))
    assert.deepEqual(got[per], ['{"source_ip":"10.0.0.1"}', ''])
  }
  // And the main thread's resolver still works while and after workers ran.
  assert.equal(resolver.resolve('10.0.0.1', [['X-Forwarded-For', '203.0.113.1']]).sourceIp, '203.0.113.1')
})

test('a worker that throws a SecCtxError reports it as a normal error', async () => {
  const entry = new URL('../index.js', import.meta.url).pathname
  const code = `
  const { parentPort, workerData } = require('node:worker_threads')
  const { Resolver, InvalidConfigError } = require(workerData.entry)
  try { new Resolver({ trusted_proxies: ['nope'] }); parentPort.postMessage('no error') }
  catch (e) { parentPort.postMessage([e instanceof InvalidConfigError, e.code]) }`
  const msg = await new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { entry } })
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  assert.deepEqual(msg, [true, 'invalid_config'])
})
