using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace SecCtx.AspNetCore
{
    /// <summary>
    /// Resolves the <see cref="SecurityContext"/> of an ASP.NET Core request: the peer is the
    /// connection's remote end point (<c>HttpContext.Connection.RemoteIpAddress</c> and
    /// <c>RemotePort</c>), the headers are every value of every request header.
    /// </summary>
    /// <remarks>
    /// Do not combine this with ASP.NET Core's <c>ForwardedHeadersMiddleware</c> in front of it:
    /// that middleware rewrites <c>RemoteIpAddress</c> and removes the entries it consumed, so
    /// secctx would see a peer that came from a header. Let secctx read the untouched request.
    /// </remarks>
    /// <example>
    /// <code>
    /// var resolver = Resolver.FromJson(File.ReadAllText("secctx.json"));
    /// app.MapPost("/chat", (HttpContext http) =&gt;
    /// {
    ///     SecurityContext ctx = http.ResolveSecurityContext(resolver, new Identity { EndUserId = oid, EndUserIdType = "aad" });
    ///     // ... options.SetUserSecurityContext(ctx) (SecCtx.AzureOpenAI)
    /// });
    /// </code>
    /// </example>
    public static class HttpContextExtensions
    {
        /// <summary>Resolves the security context of <paramref name="httpContext"/>'s request.</summary>
        /// <param name="httpContext">The request's context.</param>
        /// <param name="resolver">The resolver compiled from the application's configuration.</param>
        /// <param name="identity">Identity values the application knows for this request, or null.</param>
        /// <returns>The resolved context.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="httpContext"/> or <paramref name="resolver"/> is null.</exception>
        /// <exception cref="SecCtxException">The identity is not valid (<c>invalid_identity</c>).</exception>
        /// <exception cref="ObjectDisposedException">The resolver has been disposed.</exception>
        public static SecurityContext ResolveSecurityContext(this HttpContext httpContext, Resolver resolver, Identity identity = null)
        {
            if (httpContext == null) throw new ArgumentNullException(nameof(httpContext));
            if (resolver == null) throw new ArgumentNullException(nameof(resolver));
            string peer = PeerOf(httpContext.Connection.RemoteIpAddress, httpContext.Connection.RemotePort);
            return resolver.Resolve(peer, Flatten(httpContext.Request.Headers), identity);
        }

        /// <summary>The peer as text (<c>ip:port</c>, <c>[ipv6]:port</c>, or the bare address when the
        /// port is unknown); null when the address is unknown.</summary>
        internal static string PeerOf(IPAddress address, int port)
        {
            if (address == null) return null;
            string ip = address.ToString();
            if (port <= 0 || port > 65535) return ip;
            string p = port.ToString(CultureInfo.InvariantCulture);
            return address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + ip + "]:" + p : ip + ":" + p;
        }

        static IEnumerable<KeyValuePair<string, string>> Flatten(IHeaderDictionary headers)
        {
            if (headers == null) yield break;
            foreach (var header in headers)
            {
                foreach (string value in header.Value)
                {
                    yield return new KeyValuePair<string, string>(header.Key, value ?? "");
                }
            }
        }
    }
}
