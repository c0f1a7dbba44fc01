using System;
using System.Collections.Generic;

namespace SecCtx
{
    /// <summary>
    /// Resolves requests into <see cref="SecurityContext"/>s under one configuration (the JSON
    /// document that is identical in every secctx language, SPEC section 3).
    /// </summary>
    /// <remarks>
    /// <para>Compile one resolver at start-up and share it: it is immutable and thread-safe; any
    /// number of threads may call <c>Resolve</c> at once. Each <c>Resolve</c> is one call into the
    /// native library, which copies its whole answer out before returning. Only the headers the
    /// resolver may read (those the configuration names, ASCII case-insensitively) are encoded
    /// and passed; the others are dropped unread, which changes nothing in the answer.</para>
    /// <para><see cref="Dispose"/> frees the native resolver. It is safe to call while other
    /// threads are resolving: calls already inside the library finish first, and later calls
    /// throw <see cref="ObjectDisposedException"/>. Contexts already resolved do not depend on the
    /// resolver: their properties and every rendering keep working.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var resolver = Resolver.FromJson("{\"application_name\": \"contoso-chat\", \"trusted_proxies\": [\"10.1.0.0/24\"]}"))
    /// {
    ///     var headers = new[]
    ///     {
    ///         new KeyValuePair&lt;string, string&gt;("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123"),
    ///     };
    ///     SecurityContext ctx = resolver.Resolve("10.1.0.4:61000", headers, new Identity { EndUserId = "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", EndUserIdType = "aad" });
    ///     // ctx.SourceIp == "203.0.113.7"
    ///     // ctx.ToUserSecurityContextJson() ==
    ///     //   {"application_name":"contoso-chat","end_user_id":"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10","source_ip":"203.0.113.7"}
    /// }
    /// </code>
    /// </example>
    public sealed class Resolver : IDisposable
    {
        readonly ResolverHandle handle;
        readonly HeaderFilter filter;

        Resolver(ResolverHandle handle)
        {
            this.handle = handle;
            filter = new HeaderFilter(Native.ReadHeaderNames(handle));
        }

        /// <summary>The filter of the header names this resolver reads (for tests).</summary>
        internal HeaderFilter Filter
        {
            get { return filter; }
        }

        internal ResolverHandle Handle
        {
            get { return handle; }
        }

        /// <summary>The version of the native secctx library, e.g. <c>0.1.0</c>.</summary>
        public static string NativeVersion
        {
            get { return Native.Version; }
        }

        /// <summary>Parses the configuration document and compiles a resolver.</summary>
        /// <param name="configJson">The configuration JSON document (SPEC section 3), e.g.
        /// <c>{"trusted_proxies": ["10.0.0.0/8"]}</c>; <c>{}</c> trusts no proxy.</param>
        /// <returns>A new resolver; dispose it when the application stops.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="configJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="configJson"/> holds a lone surrogate.</exception>
        /// <exception cref="SecCtxException">The document is not valid: <see cref="SecCtxException.Code"/>
        /// is <c>invalid_config</c> and the message names the key at fault.</exception>
        public static Resolver FromJson(string configJson)
        {
            if (configJson == null) throw new ArgumentNullException(nameof(configJson));
            ResolverHandle handle;
            try
            {
                handle = Native.NewResolver(configJson);
            }
            catch (System.Text.EncoderFallbackException e)
            {
                throw new ArgumentException("configJson is not valid UTF-16 (it holds a lone surrogate)", nameof(configJson), e);
            }
            try
            {
                return new Resolver(handle);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        /// <summary>Resolves one request given as name/value pairs.</summary>
        /// <param name="peer">The socket peer as the server sees it: <c>ip</c>, <c>ip:port</c>,
        /// <c>[ipv6]:port</c>, …; null (or text that is not an address) means unknown.</param>
        /// <param name="headers">Every request header in arrival order; a header sent several
        /// times appears several times. Names are matched case-insensitively.</param>
        /// <param name="identity">Identity values the application knows for this request, or null.</param>
        /// <returns>The request's security context.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
        /// <exception cref="ArgumentException">A header name or value is null, or a string the
        /// resolver reads (the peer, an identity value, a header it may read) holds a lone
        /// surrogate. Headers it never reads are not encoded, so not checked for surrogates.</exception>
        /// <exception cref="SecCtxException"><c>invalid_identity</c>: <see cref="Identity.EndUserIdType"/>
        /// is not <c>aad</c>, <c>google</c> or <c>other</c>.</exception>
        /// <exception cref="ObjectDisposedException">The resolver has been disposed.</exception>
        public SecurityContext Resolve(string peer, IEnumerable<KeyValuePair<string, string>> headers, Identity identity = null)
        {
            return Resolve(peer, headers, identity, filter);
        }

        /// <summary><see cref="Resolve(string, IEnumerable{KeyValuePair{string, string}}, Identity)"/>
        /// with another header filter (the tests pass <see cref="HeaderFilter.KeepEvery"/>).</summary>
        internal SecurityContext Resolve(string peer, IEnumerable<KeyValuePair<string, string>> headers, Identity identity, HeaderFilter filter)
        {
            if (headers == null) throw new ArgumentNullException(nameof(headers));
            Packer p = Begin(peer, identity);
            try
            {
                PutHeaders(p, headers, filter);
                return Finish(p);
            }
            finally
            {
                p.Release();
            }
        }

        /// <summary>The size of the packed request a resolve would pass with <paramref name="filter"/>
        /// (for tests that the filter drops what the resolver never reads).</summary>
        internal int PackedLength(string peer, IEnumerable<KeyValuePair<string, string>> headers, Identity identity, HeaderFilter filter)
        {
            Packer p = Begin(peer, identity);
            try
            {
                PutHeaders(p, headers, filter);
                return p.Length;
            }
            finally
            {
                p.Release();
            }
        }

        static void PutHeaders(Packer p, IEnumerable<KeyValuePair<string, string>> headers, HeaderFilter filter)
        {
            // Arrays and lists are walked without an interface enumerator (the common shapes).
            var array = headers as KeyValuePair<string, string>[];
            var list = array == null ? headers as List<KeyValuePair<string, string>> : null;
            if (array != null)
            {
                for (int i = 0; i < array.Length; i++) PutHeader(p, filter, array[i].Key, array[i].Value);
            }
            else if (list != null)
            {
                foreach (var header in list) PutHeader(p, filter, header.Key, header.Value);
            }
            else
            {
                foreach (var header in headers) PutHeader(p, filter, header.Key, header.Value);
            }
        }

        /// <summary>Resolves one request whose headers each hold several values, the shape in which
        /// ASP.NET Core's <c>IHeaderDictionary</c> enumerates (<c>StringValues</c> is an
        /// <c>IEnumerable&lt;string&gt;</c>). Each value counts as one instance of its header, in order.</summary>
        /// <param name="peer">The socket peer as the server sees it; null means unknown.</param>
        /// <param name="headers">Every request header with all its values.</param>
        /// <param name="identity">Identity values the application knows for this request, or null.</param>
        /// <returns>The request's security context.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="headers"/> is null.</exception>
        /// <exception cref="ArgumentException">A header name or a header's value list is null, or
        /// a value of a header the resolver may read is null or, like the peer or an identity
        /// value, holds a lone surrogate. The values of headers it never reads are not enumerated.</exception>
        /// <exception cref="SecCtxException"><c>invalid_identity</c>: see <see cref="Identity.EndUserIdType"/>.</exception>
        /// <exception cref="ObjectDisposedException">The resolver has been disposed.</exception>
        public SecurityContext Resolve(string peer, IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers, Identity identity = null)
        {
            if (headers == null) throw new ArgumentNullException(nameof(headers));
            Packer p = Begin(peer, identity);
            try
            {
                foreach (var header in headers)
                {
                    if (header.Key == null) throw new ArgumentException("a header name is null", nameof(headers));
                    if (header.Value == null)
                    {
                        throw new ArgumentException("header " + Describe(header.Key) + " has a null list of values", nameof(headers));
                    }
                    // The values of a header the resolver never reads are not enumerated.
                    if (!filter.Keeps(header.Key)) continue;
                    foreach (string value in header.Value)
                    {
                        PutHeader(p, filter, header.Key, value);
                    }
                }
                return Finish(p);
            }
            finally
            {
                p.Release();
            }
        }

        /// <summary>Frees the native resolver. Safe to call more than once and while other threads
        /// resolve (see the class remarks).</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        static Packer Begin(string peer, Identity identity)
        {
            Packer p = Packer.Start();
            try
            {
                PutRequestFields(p, peer, identity);
            }
            catch
            {
                p.Release();
                throw;
            }
            return p;
        }

        static void PutRequestFields(Packer p, string peer, Identity identity)
        {
            p.PutOptional(peer, "peer");
            if (identity == null)
            {
                p.PutAbsent4();
            }
            else
            {
                p.PutOptional(identity.EndUserId, "identity.EndUserId");
                p.PutOptional(identity.EndUserIdType, "identity.EndUserIdType");
                p.PutOptional(identity.EndUserTenantId, "identity.EndUserTenantId");
                p.PutOptional(identity.ApplicationName, "identity.ApplicationName");
            }
        }

        /// <summary>Packs one header if the resolver may read it; others are dropped unencoded
        /// (the library's answer is the same without them).</summary>
        static void PutHeader(Packer p, HeaderFilter filter, string name, string value)
        {
            if (name == null) throw new ArgumentException("a header name is null", "headers");
            if (value == null) throw new ArgumentException("the value of header " + Describe(name) + " is null", "headers");
            if (!filter.Keeps(name)) return;
            p.Put(name, "header name", name);
            p.Put(value, "the value of header", name);
        }

        static string Describe(string name)
        {
            if (name == null) return "(null)";
            return "'" + (name.Length > 64 ? name.Substring(0, 64) + "…" : name) + "'";
        }

        SecurityContext Finish(Packer p)
        {
            return new SecurityContext(Native.Resolve(handle, p));
        }
    }
}
