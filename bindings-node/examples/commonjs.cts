// CommonJS (require) with the same types: build params for openai-node by hand.
import secctx = require('secctx')
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions'

const resolver = new secctx.Resolver({ preset: 'private_ingress', application_name: 'cjs-app' })

export function paramsFor(peer: string, xff: string, userId: string): ChatCompletionCreateParamsNonStreaming {
  const ctx = resolver.resolve(peer, { 'x-forwarded-for': xff }, { endUserId: userId, endUserIdType: 'aad' })
  const params: ChatCompletionCreateParamsNonStreaming = {
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hello' }],
    user_security_context: ctx.userSecurityContext(),
  }
  return params
}

export function describeError(config: unknown): string {
  try {
    new secctx.Resolver(config as secctx.Config)
    return 'ok'
  } catch (e) {
    if (e instanceof secctx.InvalidConfigError) return `${e.code}: ${e.message}`
    throw e
  }
}
