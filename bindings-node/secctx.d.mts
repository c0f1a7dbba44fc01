// Types of the ESM entry point (index.mjs): the same API as secctx.d.ts. The openai augmentation
// is repeated here because openai ships separate declarations for its ESM entry points.
import type { UserSecurityContext } from './secctx.js'
import * as secctx from './secctx.js'

export * from './secctx.js'
export default secctx

declare module 'openai/resources/chat/completions/completions' {
  interface ChatCompletionCreateParamsBase {
    /** Who sent this prompt, for Microsoft Defender for Cloud (Azure OpenAI). */
    user_security_context?: UserSecurityContext
  }
}
