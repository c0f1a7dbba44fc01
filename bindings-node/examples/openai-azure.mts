// openai-node's AzureOpenAI with secctx: resolve one request that came through a proxy chain,
// then send a chat completion (and a streamed one) carrying user_security_context.
//
//   AZURE_OPENAI_ENDPOINT=http://127.0.0.1:PORT node examples/.build/openai-azure.mjs
import { AzureOpenAI } from 'openai'
import { Resolver, type SecurityContext } from 'secctx'

export async function run(endpoint: string): Promise<{ ctx: SecurityContext; answer: string; streamed: string }> {
  // Application Gateway in 10.1.0.0/24 appends `client:port` to X-Forwarded-For.
  const resolver = new Resolver({ application_name: 'contoso-chat', trusted_proxies: ['10.1.0.0/24'] })

  // What node:http would hand us: the gateway's socket address (IPv4 on a dual-stack socket)
  // and the raw headers. 6.6.6.6 was forged by the client; the gateway appended the real one.
  const ctx = resolver.resolve(
    '::ffff:10.1.0.4',
    [
      ['User-Agent', 'Mozilla/5.0'],
      ['X-Forwarded-For', '6.6.6.6, 203.0.113.7:50123'],
      ['Authorization', 'Bearer never-forwarded'],
    ],
    { endUserId: '8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10', endUserIdType: 'aad', endUserTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  )

  const client = new AzureOpenAI({ endpoint, apiKey: 'test', apiVersion: '2025-04-01-preview', deployment: 'gpt-4o' })

  const completion = await client.chat.completions.create(
    ctx.withSecurityContext({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] }),
  )
  const answer = completion.choices[0]?.message.content ?? ''

  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hello again' }],
    stream: true,
    user_security_context: ctx.userSecurityContext(),
  })
  let streamed = ''
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? ''

  return { ctx, answer, streamed }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const endpoint = process.env.AZURE_OPENAI_ENDPOINT
  if (!endpoint) {
    console.error('set AZURE_OPENAI_ENDPOINT (e.g. the secctx mock: http://127.0.0.1:PORT)')
    process.exit(2)
  }
  const { ctx, answer, streamed } = await run(endpoint)
  console.log(ctx.explain())
  console.log(`answer: ${answer}`)
  console.log(`streamed answer: ${streamed}`)
}
