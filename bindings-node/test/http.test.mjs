// A node:http app on 127.0.0.1 behind a simulated reverse proxy, all on loopback: the client
// connects from 127.0.0.3, the proxy forwards from 127.0.0.2 and appends the client's address
// to X-Forwarded-For; only the proxy's address is trusted.
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, test } from 'node:test'
import { Resolver } from '../index.mjs'
import { close, listen } from './helpers.mjs'

const resolver = new Resolver({ application_name: 'http-app', trusted_proxies: ['127.0.0.2'] })
let app
let proxy
let appPort
let proxyPort

before(async () => {
  app = http.createServer((req, res) => {
    const ctx = resolver.fromNodeRequest(req)
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({
        usc: ctx.userSecurityContext(),
        legacy: JSON.parse(ctx.legacyUser()),
        reason: ctx.reasonCode,
        peer: ctx.peer,
        joined: req.headers['x-forwarded-for'] ?? null,
      }),
    )
  })
  appPort = await listen(app)
  proxy = http.createServer((req, res) => {
    // Keep the client's header lines as they came (repeats included) and append one.
    const headers = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== 'host') headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]])
    }
    headers.push(['X-Forwarded-For', req.socket.remoteAddress.replace(/^::ffff:/, '')])
    headers.unshift(['Host', `127.0.0.1:${appPort}`])
    const up = http.request(
      { host: '127.0.0.1', port: appPort, localAddress: '127.0.0.2', method: req.method, path: req.url, headers: headers.flat() },
      (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers)
        upRes.pipe(res)
      },
    )
    up.on('error', (e) => {
      res.statusCode = 502
      res.end(String(e))
    })
    req.pipe(up)
  })
  proxyPort = await listen(proxy)
})

after(async () => {
  await close(proxy)
  await close(app)
})

function get(port, rawHeaders) {
  return new Promise((resolve, reject) => {
    // A raw header array gets no default headers, so it carries its own Host.
    const headers = ['Host', `127.0.0.1:${port}`, ...rawHeaders]
    const req = http.request({ host: '127.0.0.1', port, localAddress: '127.0.0.3', path: '/', headers, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(JSON.parse(body)))
    })
    req.on('error', reject)
    req.end()
  })
}

test('through the proxy: the forged entry is ignored, the client address is found', async () => {
  const got = await get(proxyPort, ['X-Forwarded-For', '6.6.6.6', 'User-Agent', 'test-client'])
  assert.deepEqual(got.usc, { application_name: 'http-app', source_ip: '127.0.0.3' })
  assert.equal(got.reason, 'chosen_at_hop')
  assert.equal(got.peer, '127.0.0.2')
  assert.equal(got.legacy.SourceIP, '127.0.0.2')
  assert.equal(got.legacy.SourceRequestHeaders['X-Forwarded-For'], '6.6.6.6, 127.0.0.3')
  assert.equal(got.legacy.SourceRequestHeaders['User-Agent'], 'test-client')
})

test('repeated X-Forwarded-For lines are read in order as one list', async () => {
  const got = await get(proxyPort, ['X-Forwarded-For', '6.6.6.6', 'X-Forwarded-For', '7.7.7.7'])
  assert.equal(got.usc.source_ip, '127.0.0.3')
  assert.equal(got.legacy.SourceRequestHeaders['X-Forwarded-For'], '6.6.6.6, 7.7.7.7, 127.0.0.3')
  assert.equal(got.joined, '6.6.6.6, 7.7.7.7, 127.0.0.3')
})

test('straight to the app: the peer is untrusted and no header is read', async () => {
  const got = await get(appPort, ['X-Forwarded-For', '6.6.6.6'])
  assert.deepEqual(got.usc, { application_name: 'http-app', source_ip: '127.0.0.3' })
  assert.equal(got.reason, 'peer_untrusted')
})

test('an IPv6 loopback peer on a dual-stack server', async (t) => {
  const server = http.createServer((req, res) => res.end(JSON.stringify(new Resolver({ trusted_proxies: ['loopback'] }).fromNodeRequest(req).toJSON())))
  let port
  try {
    port = await listen(server, '::1')
  } catch {
    t.skip('no IPv6 loopback on this machine')
    return
  }
  try {
    const body = await new Promise((resolve, reject) => {
      http
        .get({ host: '::1', port, path: '/', headers: { 'X-Forwarded-For': '2001:db8::7' }, agent: false }, (res) => {
          let b = ''
          res.on('data', (d) => (b += d))
          res.on('end', () => resolve(JSON.parse(b)))
        })
        .on('error', reject)
    })
    assert.equal(body.peer, '::1')
    assert.equal(body.source_ip, '2001:db8::7')
  } finally {
    await close(server)
  }
})
