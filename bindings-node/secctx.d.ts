// Types of the npm package `secctx`, written by hand over the napi-rs generated `native.d.ts`
// (which describes only the internal native layer).
import type { IncomingHttpHeaders } from 'node:http'
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions/completions'

/** The configuration document of the spec (section 3): the same keys, spelled the same, in every secctx language. */
export interface Config {
  /** The application's name. */
  application_name?: string
  /** Addresses (`10.0.0.7`), CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or `loopback`, `private`, `linklocal`. Empty: no header is ever trusted. */
  trusted_proxies?: string[]
  /** The one chain header your proxies append to (default `X-Forwarded-For`; `Forwarded` is parsed as RFC 7239). */
  forwarded_header?: string
  /** A single-address header set by a trusted edge (`X-Azure-SocketIP`, `CF-Connecting-IP`, …); replaces the chain walk. */
  client_ip_header?: string | null
  /** The most trusted entries the walk may pass (default 20). */
  max_hops?: number
  /** Allow-list for the legacy `SourceRequestHeaders`. */
  request_headers?: string[]
  /** Read identity from App Service / Container Apps authentication headers. */
  trust_easy_auth?: boolean
  /** A named bundle of the keys above for a known deployment; explicit keys override it. */
  preset?: 'sidecar' | 'private_ingress' | 'cloudflare' | 'azure_front_door'
  /** Azure Front Door profile id (GUID) that `X-Azure-FDID` must match. */
  front_door_id?: string
}

/** `aad`, `google` or `other`, in any case. */
export type EndUserIdTypeInput = 'aad' | 'google' | 'other' | 'AAD' | 'Google' | 'Other' | (string & {})

/** Values the application passes explicitly; they win over anything derived. */
export interface Identity {
  endUserId?: string | null
  endUserIdType?: EndUserIdTypeInput | null
  endUserTenantId?: string | null
  /** A per-request application name, over the configuration's. */
  applicationName?: string | null
}

/** The `user_security_context` request-body object (keys as on the wire). */
export interface UserSecurityContext {
  application_name?: string
  end_user_id?: string
  end_user_tenant_id?: string
  source_ip?: string
}

/** What `withSecurityContext` adds. */
export interface WithContext {
  user_security_context: UserSecurityContext
}

/** The body field for an api-version: the current object, or the legacy `user` string. */
export type BodyFields = { user_security_context: UserSecurityContext } | { user: string }

/** Request headers in any of the forms secctx accepts. */
export type HeadersInput =
  | ReadonlyArray<readonly [string, string]>
  | readonly string[]
  | Iterable<readonly [string, string]>
  | IncomingHttpHeaders
  | Readonly<Record<string, string | readonly string[] | undefined>>

/** What `fromNodeRequest` reads from a node:http `IncomingMessage` (Express `req`, Koa `ctx.req`). */
export interface NodeRequestLike {
  rawHeaders?: readonly string[]
  headers?: IncomingHttpHeaders
  socket?: { remoteAddress?: string | undefined } | null
}

/** What `fromFastifyRequest` reads from a Fastify request. */
export interface FastifyRequestLike {
  raw: NodeRequestLike
}

/** What `fromFetchRequest` reads from a Fetch API `Request` (Next.js, Hono, …). */
export interface FetchRequestLike {
  headers: Iterable<readonly [string, string]>
}

export interface Reason {
  code: string
  hop?: number
  text: string
}

/** The full record of a context, keys as in the spec. */
export interface SecurityContextRecord {
  application_name: string | null
  end_user_id: string | null
  end_user_id_type: 'AAD' | 'Google' | 'Other' | null
  end_user_tenant_id: string | null
  source_ip: string | null
  peer: string | null
  source_request_headers: Record<string, string>
  reason: Reason
  identity_source: 'none' | 'explicit' | 'easy_auth'
  easy_auth_note: { code: string; text: string } | null
}

/** What `Resolver.explain` found out about one request. */
export interface Explanation {
  context: SecurityContextRecord
  peer: string | null
  peer_trusted_by: string | null
  header: string | null
  hops: Array<{ hop: number; entry: string; address: string | null; verdict: 'trusted' | 'client' | 'invalid'; detail: string }>
  forwarded_headers: string[]
  dropped_headers: string[]
}

/** The security context of one request. */
export declare class SecurityContext {
  private constructor()
  readonly applicationName: string | null
  readonly endUserId: string | null
  readonly endUserIdType: 'AAD' | 'Google' | 'Other' | null
  readonly endUserTenantId: string | null
  /** The original client's address, canonical; null when it cannot be known. */
  readonly sourceIp: string | null
  /** The immediate peer's address, canonical (the legacy `SourceIP`). */
  readonly peer: string | null
  /** The allow-listed request headers (the legacy `SourceRequestHeaders`). */
  readonly sourceRequestHeaders: Record<string, string>
  /** Why `sourceIp` is what it is, for people. */
  readonly reason: string
  /** Why `sourceIp` is what it is: `peer_untrusted`, `chosen_at_hop`, `invalid_entry`, … */
  readonly reasonCode: string
  /** The hop `reasonCode` is about, else null. */
  readonly reasonHop: number | null
  readonly identitySource: 'none' | 'explicit' | 'easy_auth'
  readonly easyAuthNote: { code: string; text: string } | null
  /** The `user_security_context` object (a fresh copy). */
  userSecurityContext(): UserSecurityContext
  /** The legacy `user` string. Throws `MissingEndUserIdTypeError` when there is an id but no type. */
  legacyUser(): string
  /** `{ user_security_context }` or `{ user }` for an api-version. Throws `InvalidApiVersionError`. */
  forApiVersion(apiVersion: string): BodyFields
  /** A copy of chat-completion `params` with `user_security_context` added (the input is not changed). */
  withSecurityContext(params: ChatCompletionCreateParamsStreaming): ChatCompletionCreateParamsStreaming & WithContext
  withSecurityContext(params: ChatCompletionCreateParamsNonStreaming): ChatCompletionCreateParamsNonStreaming & WithContext
  withSecurityContext<P extends object>(params: P): Omit<P, 'user_security_context'> & WithContext
  /** A few lines for a log: the result and why. */
  explain(): string
  toJSON(): SecurityContextRecord
}

/** Resolves requests under one configuration. Immutable; share one per configuration. */
export declare class Resolver {
  /** Throws `InvalidConfigError` (naming the key) for anything the spec rejects. */
  constructor(config?: Config | null)
  /** Parses the configuration document from JSON text. */
  static fromJson(text: string): Resolver
  /** The effective configuration, presets applied. */
  readonly config: Required<Omit<Config, 'preset' | 'front_door_id' | 'application_name'>> & Config
  /** Resolves one request: `peer` is the socket address (or null), headers in any accepted form. */
  resolve(peer: string | null | undefined, headers: HeadersInput | null | undefined, identity?: Identity | null): SecurityContext
  /** Like `resolve`, and records every hop visited and the headers forwarded or dropped. */
  explain(peer: string | null | undefined, headers: HeadersInput | null | undefined, identity?: Identity | null): Explanation
  /** node:http, Express, Koa (`ctx.req`): peer from `req.socket.remoteAddress`, headers from `req.rawHeaders`. */
  fromNodeRequest(req: NodeRequestLike, identity?: Identity | null): SecurityContext
  /** Fastify: reads `request.raw`. */
  fromFastifyRequest(request: FastifyRequestLike, identity?: Identity | null): SecurityContext
  /** A Fetch API `Request` (Next.js route handlers, Hono); the peer comes from your platform, or null. */
  fromFetchRequest(request: FetchRequestLike, peer: string | null | undefined, identity?: Identity | null): SecurityContext
}

export type ErrorCode = 'invalid_config' | 'invalid_identity' | 'missing_end_user_id_type' | 'invalid_api_version'

/** The root of every domain error secctx throws; `code` is the spec's error kind. */
export declare class SecCtxError extends Error {
  readonly code: ErrorCode
}
export declare class InvalidConfigError extends SecCtxError {
  readonly code: 'invalid_config'
}
export declare class InvalidIdentityError extends SecCtxError {
  readonly code: 'invalid_identity'
}
export declare class MissingEndUserIdTypeError extends SecCtxError {
  readonly code: 'missing_end_user_id_type'
}
export declare class InvalidApiVersionError extends SecCtxError {
  readonly code: 'invalid_api_version'
}

export declare const ERROR_CODES: readonly ErrorCode[]
/** The version of the secctx core this package was built with. */
export declare const version: string

// openai-node: chat-completion params take `user_security_context` (as @azure/openai/types does).
declare module 'openai/resources/chat/completions/completions' {
  interface ChatCompletionCreateParamsBase {
    /** Who sent this prompt, for Microsoft Defender for Cloud (Azure OpenAI). */
    user_security_context?: UserSecurityContext
  }
}
