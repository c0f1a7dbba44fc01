// The examples (Express 5, Fastify 5, a Next.js route handler, openai-node's AzureOpenAI) run
// against `secctx mock` on loopback; assertions are on what the mock recorded.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, beforeEach, test } from 'node:test'
import { AzureOpenAI } from 'openai'
import { Resolver } from '../index.mjs'
import { EXAMPLES_BUILD, startMock } from './helpers.mjs'

let mock

async function example(name) {
  const file = join(EXAMPLES_BUILD, `${name}.mjs`)
  assert.ok(existsSync(file), `${file} is missing: run \`make -C bindings-node test\` (it compiles examples/ with tsc)`)
  return import(pathToFileURL(file).href)
}

before(async () => {
  mock = await startMock()
  process.env.AZURE_OPENAI_ENDPOINT = mock.url
  process.env.AZURE_OPENAI_API_KEY = 'test'
  process.env.AZURE_OPENAI_DEPLOYMENT = 'gpt-4o'
})

after(async () => {
  await mock?.stop()
})

beforeEach(async () => {
  await mock.clear()
})

async function onlyRecord() {
  const records = await mock.requests()
  assert.equal(records.length, 1, JSON.stringify(records))
  return records[0]
}

function assertAzureRecord(rec, usc) {
  assert.equal(rec.method, 'POST')
  assert.equal(rec.path, '/openai/deployments/gpt-4o/chat/completions')
  assert.equal(rec.api_version, '2025-04-01-preview')
  assert.equal(rec.deployment, 'gpt-4o')
  assert.deepEqual(rec.user_security_context, usc)
  assert.deepEqual(rec.body.user_security_context, usc)
  assert.deepEqual(rec.findings, [])
  assert.equal(rec.headers['api-key'], '<redacted>')
}

test('Express 5: fromNodeRequest + withSecurityContext', async () => {
  const { app } = await example('express')
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '6.6.6.6, 203.0.113.50' },
      body: JSON.stringify({ prompt: 'hello from express' }),
    })
    assert.equal(res.status, 200)
    const out = await res.json()
    assert.equal(out.source_ip, '203.0.113.50')
    assert.match(out.answer, /secctx mock/)
    const expected = {
      application_name: 'contoso-chat',
      end_user_id: '4b5c6d7e-0000-4000-8000-00000000abcd',
      end_user_tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      source_ip: '203.0.113.50',
    }
    const rec = await onlyRecord()
    assertAzureRecord(rec, expected)
    assert.equal(rec.body.messages[0].content, 'hello from express')
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
})

test('Fastify 5: fromFastifyRequest, streamed completion', async () => {
  const { app } = await example('fastify')
  await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    const res = await fetch(`http://127.0.0.1:${app.server.address().port}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '2001:db8::42' },
      body: JSON.stringify({ prompt: 'hello from fastify' }),
    })
    assert.equal(res.status, 200)
    const out = await res.json()
    assert.equal(out.source_ip, '2001:db8::42')
    assert.ok(out.answer.length > 0, 'the streamed answer has content')
    const rec = await onlyRecord()
    assert.equal(rec.body.stream, true)
    assertAzureRecord(rec, {
      application_name: 'contoso-chat',
      end_user_id: 'fastify-user-1',
      source_ip: '2001:db8::42',
    })
  } finally {
    await app.close()
  }
})

test('Next.js route handler: fromFetchRequest, user_security_context passed directly', async () => {
  const { POST } = await example('next-route')
  const res = await POST(
    new Request('http://localhost/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.23' },
      body: JSON.stringify({ prompt: 'hello from next' }),
    }),
  )
  assert.equal(res.status, 200)
  const out = await res.json()
  assert.equal(out.source_ip, '198.51.100.23')
  const rec = await onlyRecord()
  assertAzureRecord(rec, { application_name: 'contoso-next', end_user_id: 'next-user-7', source_ip: '198.51.100.23' })
})

test('openai-node AzureOpenAI example: plain and streaming requests carry ctx.userSecurityContext()', async () => {
  const { run } = await example('openai-azure')
  const { ctx, answer, streamed } = await run(mock.url)
  assert.match(answer, /secctx mock/)
  assert.ok(streamed.length > 0)
  assert.deepEqual(ctx.userSecurityContext(), {
    application_name: 'contoso-chat',
    end_user_id: '8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10',
    end_user_tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    source_ip: '203.0.113.7',
  })
  const records = await mock.requests()
  assert.equal(records.length, 2)
  assert.equal(records[0].body.stream ?? false, false)
  assert.equal(records[1].body.stream, true)
  for (const rec of records) assertAzureRecord(rec, ctx.userSecurityContext())
})

test('a legacy api-version gets the user document via forApiVersion', async () => {
  const resolver = new Resolver({ application_name: 'legacy-app', trusted_proxies: ['10.0.0.0/8'] })
  const ctx = resolver.resolve('10.0.0.9', [['X-Forwarded-For', '203.0.113.8'], ['User-Agent', 'ua/1']], {
    endUserId: 'legacy-user',
    endUserIdType: 'other',
  })
  const client = new AzureOpenAI({ endpoint: mock.url, apiKey: 'test', apiVersion: '2024-10-21', deployment: 'gpt-4o' })
  const completion = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
    ...ctx.forApiVersion(client.apiVersion),
  })
  assert.ok(completion.choices.length > 0)
  const rec = await onlyRecord()
  assert.equal(rec.api_version, '2024-10-21')
  assert.equal(rec.user_security_context, null)
  assert.equal(rec.user, ctx.legacyUser())
  assert.deepEqual(JSON.parse(rec.user), {
    EndUserId: 'legacy-user',
    EndUserIdType: 'Other',
    SourceIP: '10.0.0.9',
    SourceRequestHeaders: { 'User-Agent': 'ua/1', 'X-Forwarded-For': '203.0.113.8' },
    ApplicationName: 'legacy-app',
  })
  assert.deepEqual(rec.findings, [])
})
