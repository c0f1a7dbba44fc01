// Benchmark: secctx's fromNodeRequest(req) + withSecurityContext(params) against the usual
// Express way (proxy-addr 2.x with a compiled trust function) + building the same object +
// JSON.stringify, on the same fake IncomingMessage-like request, in the same run.
//
//   make -C bindings-node bench        (release build)
//   node bench/bench.mjs [--iterations N] [--rounds R]
import { createRequire } from 'node:module'
import { Resolver } from '../index.mjs'

const require = createRequire(import.meta.url)
const proxyaddr = require('proxy-addr')

function arg(name, dflt) {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const ITERATIONS = arg('--iterations', 200_000)
const ROUNDS = arg('--rounds', 7)

// A typical request behind two proxies: peer, a 3-entry X-Forwarded-For, a Forwarded header,
// User-Agent and 8 other ordinary headers.
const rawHeaders = [
  'Host', 'chat.contoso.example',
  'User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Accept', 'application/json',
  'Accept-Encoding', 'gzip, deflate, br',
  'Accept-Language', 'en-US,en;q=0.9',
  'Content-Type', 'application/json',
  'Content-Length', '312',
  'Connection', 'keep-alive',
  'Cache-Control', 'no-cache',
  'X-Forwarded-For', '203.0.113.7, 10.1.0.9, 10.1.0.5',
  'Forwarded', 'for=203.0.113.7;proto=https, for=10.1.0.9',
]
const headers = {}
for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1]
const req = {
  rawHeaders,
  headers,
  socket: { remoteAddress: '::ffff:10.1.0.4' },
  connection: { remoteAddress: '::ffff:10.1.0.4' },
}
const params = {
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Hello' }],
}

const resolver = new Resolver({ application_name: 'contoso-chat', trusted_proxies: ['10.1.0.0/16'] })
const trust = proxyaddr.compile(['10.1.0.0/16'])

function secctxCall() {
  const ctx = resolver.fromNodeRequest(req)
  return ctx.withSecurityContext(params)
}

function peerCall() {
  const ip = proxyaddr(req, trust)
  const body = { ...params, user_security_context: { application_name: 'contoso-chat', source_ip: ip } }
  return JSON.stringify(body)
}

// Both must agree on the answer before timing means anything.
const a = secctxCall().user_security_context
const b = JSON.parse(peerCall()).user_security_context
if (JSON.stringify(a) !== JSON.stringify(b)) {
  console.error('secctx and proxy-addr disagree:', a, b)
  process.exit(1)
}

// Wall-clock and CPU time (user + system of this process) per call, in ns. On a shared,
// loaded machine the CPU time is the steadier figure: it leaves out time spent waiting for a core.
function time(fn) {
  let sink = 0
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) {
    const r = fn()
    sink += typeof r === 'string' ? r.length : 1
  }
  const wall = Number(process.hrtime.bigint() - t0) / ITERATIONS
  const c = process.cpuUsage(c0)
  if (sink === 0) throw new Error('unreachable')
  return { wall, cpu: ((c.user + c.system) * 1000) / ITERATIONS }
}

// Warm up both, then alternate rounds and keep the median of each.
time(secctxCall)
time(peerCall)
const ours = []
const theirs = []
for (let r = 0; r < ROUNDS; r++) {
  ours.push(time(secctxCall))
  theirs.push(time(peerCall))
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const us = (ns) => (ns / 1000).toFixed(3).padStart(7)
const ow = median(ours.map((r) => r.wall))
const oc = median(ours.map((r) => r.cpu))
const tw = median(theirs.map((r) => r.wall))
const tc = median(theirs.map((r) => r.cpu))
console.log(`node ${process.version}, ${ITERATIONS} calls x ${ROUNDS} rounds, median per call`)
console.log(`                                                  wall us   cpu us`)
console.log(`secctx fromNodeRequest + withSecurityContext:    ${us(ow)}  ${us(oc)}`)
console.log(`proxy-addr (compiled) + object + JSON.stringify: ${us(tw)}  ${us(tc)}`)
console.log(`ratio (proxy-addr / secctx): wall ${(tw / ow).toFixed(2)}x, cpu ${(tc / oc).toFixed(2)}x (above 1: secctx is faster)`)
