// Fastify 5: the same, with a streamed answer.
import Fastify from 'fastify'
import { AzureOpenAI } from 'openai'
import { Resolver } from 'secctx'

const resolver = new Resolver({ application_name: 'contoso-chat', trusted_proxies: ['loopback'] })

const client = new AzureOpenAI({
  endpoint: process.env.AZURE_OPENAI_ENDPOINT,
  apiKey: process.env.AZURE_OPENAI_API_KEY,
  apiVersion: '2025-04-01-preview',
  deployment: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
})

export const app = Fastify()

app.post<{ Body: { prompt?: string } }>('/chat', async (request) => {
  const ctx = resolver.fromFastifyRequest(request, { endUserId: 'fastify-user-1', endUserIdType: 'other' })
  const stream = await client.chat.completions.create(
    ctx.withSecurityContext({
      model: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
      messages: [{ role: 'user', content: request.body?.prompt ?? '' }],
      stream: true,
    }),
  )
  let answer = ''
  for await (const chunk of stream) answer += chunk.choices[0]?.delta?.content ?? ''
  return { answer, source_ip: ctx.sourceIp }
})
