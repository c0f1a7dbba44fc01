// Shared test helpers: the repo's paths, the secctx mock Azure OpenAI endpoint, servers.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const REPO_ROOT = resolve(PACKAGE_DIR, '..')
export const EXAMPLES_BUILD = join(PACKAGE_DIR, 'examples', '.build')

function secctxBinary() {
  const target = process.env.CARGO_TARGET_DIR ? resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR) : join(REPO_ROOT, 'target')
  const bin = join(target, 'debug', 'secctx')
  if (!existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '-p', 'secctx-cli'], { cwd: REPO_ROOT, stdio: 'inherit' })
    if (r.status !== 0) throw new Error('cargo build -p secctx-cli failed')
  }
  return bin
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Starts `secctx mock` on a free loopback port; it exits by itself after 300 s at most. */
export async function startMock() {
  const dir = mkdtempSync(join(tmpdir(), 'secctx-node-mock-'))
  const portFile = join(dir, 'port')
  const child = spawn(secctxBinary(), ['mock', '--listen', '127.0.0.1:0', '--port-file', portFile, '--max-lifetime', '300'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  let exited = false
  child.on('exit', () => (exited = true))
  const deadline = Date.now() + 30_000
  let addr = ''
  while (!addr) {
    if (exited) throw new Error(`secctx mock exited early: ${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`secctx mock did not write its port file in 30 s: ${stderr}`)
    }
    if (existsSync(portFile)) addr = readFileSync(portFile, 'utf8').trim()
    else await sleep(50)
  }
  const url = `http://${addr}`
  return {
    url,
    async requests() {
      const res = await fetch(`${url}/_secctx/requests`)
      if (!res.ok) throw new Error(`GET /_secctx/requests: ${res.status}`)
      return res.json()
    },
    async clear() {
      const res = await fetch(`${url}/_secctx/requests`, { method: 'DELETE' })
      if (!res.ok) throw new Error(`DELETE /_secctx/requests: ${res.status}`)
    },
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([done, sleep(5000)])
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Listens on 127.0.0.1:0 and resolves to the port. */
export function listen(server, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve(server.address().port))
  })
}

export function close(server) {
  return new Promise((resolve) => {
    if (typeof server.closeAllConnections === 'function') server.closeAllConnections()
    server.close(() => resolve())
  })
}
