import { Resolver } from 'secctx'

// Compile the configuration once: which proxies may tell you who the client is.
const resolver = new Resolver({ application_name: 'contoso-chat', trusted_proxies: ['10.1.0.0/24'] })

// Per request: the socket peer (here Application Gateway) and the headers as they arrived.
// In a node:http, Express or Koa handler: resolver.fromNodeRequest(req, identity).
const ctx = resolver.resolve('10.1.0.4:61000', [['X-Forwarded-For', '6.6.6.6, 203.0.113.7:50123']], {
  endUserId: '8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10',
  endUserIdType: 'aad',
})

console.log(JSON.stringify(ctx.userSecurityContext()))
