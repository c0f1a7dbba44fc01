// ESM entry point of secctx: the same objects as the CommonJS entry (index.js).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const secctx = require('./index.js')

export const {
  Resolver,
  SecurityContext,
  SecCtxError,
  InvalidConfigError,
  InvalidIdentityError,
  MissingEndUserIdTypeError,
  InvalidApiVersionError,
  ERROR_CODES,
  version,
} = secctx
export default secctx
