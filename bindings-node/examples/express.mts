// Express 5: resolve each request's security context and send it with the chat completion.
import express from 'express'
import { AzureOpenAI } from 'openai'
import { Resolver } from 'secctx'

// Behind one reverse proxy on the same host (a sidecar): trust loopback only.
const resolver = new Resolver({ application_name: 'contoso-chat', trusted_proxies: ['loopback'] })

const client = new AzureOpenAI({
  endpoint: process.env.AZURE_OPENAI_ENDPOINT,
  apiKey: process.env.AZURE_OPENAI_API_KEY,
  apiVersion: '2025-04-01-preview',
  deployment: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
})

// Stand-in for your authentication middleware: who is signed in.
function currentUser(_req: express.Request) {
  return { id: '4b5c6d7e-0000-4000-8000-00000000abcd', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' }
}

export const app = express()
app.use(express.json())

app.post('/chat', async (req, res) => {
  const user = currentUser(req)
  const ctx = resolver.fromNodeRequest(req, { endUserId: user.id, endUserIdType: 'aad', endUserTenantId: user.tenant })
  const completion = await client.chat.completions.create(
    ctx.withSecurityContext({
      model: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
      messages: [{ role: 'user', content: String(req.body?.prompt ?? '') }],
    }),
  )
  res.json({ answer: completion.choices[0]?.message.content, source_ip: ctx.sourceIp, reason: ctx.reasonCode })
})
