// Next.js App Router route handler (app/api/chat/route.ts).
import { AzureOpenAI } from 'openai'
import { Resolver } from 'secctx'

// Route handlers get a Fetch API Request, which does not carry the socket address. This
// deployment runs `next start` on 127.0.0.1 behind a local reverse proxy (the `sidecar`
// preset), so the peer every request arrives from is that proxy: say so explicitly.
const resolver = new Resolver({ preset: 'sidecar', application_name: 'contoso-next' })
const PEER = '127.0.0.1'

const client = new AzureOpenAI({
  endpoint: process.env.AZURE_OPENAI_ENDPOINT,
  apiKey: process.env.AZURE_OPENAI_API_KEY,
  apiVersion: '2025-04-01-preview',
  deployment: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
})

export async function POST(request: Request): Promise<Response> {
  const { prompt } = (await request.json()) as { prompt?: string }
  const ctx = resolver.fromFetchRequest(request, PEER, { endUserId: 'next-user-7', endUserIdType: 'google' })
  const completion = await client.chat.completions.create({
    model: process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o',
    messages: [{ role: 'user', content: prompt ?? '' }],
    user_security_context: ctx.userSecurityContext(),
  })
  return Response.json({ answer: completion.choices[0]?.message.content, source_ip: ctx.sourceIp })
}
