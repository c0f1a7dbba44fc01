using System;
using System.Collections;
using System.Collections.Generic;
using System.Net;
using Azure.AI.OpenAI.Chat;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using NUnit.Framework;
using OpenAI.Chat;
using SecCtx.AspNetCore;
using SecCtx.AzureOpenAI;
using SecCtx.SemanticKernel;

namespace SecCtx.Tests
{
    /// <summary>
    /// The integration shims, compiled against test-only stubs of the SDKs' public API
    /// (tests/stubs): these tests check what the shims do with those members; they do NOT run the
    /// real ASP.NET Core, Azure.AI.OpenAI or Semantic Kernel, which cannot be restored here.
    /// </summary>
    [TestFixture]
    public class ShimTests
    {
        sealed class Headers : Dictionary<string, StringValues>, IHeaderDictionary
        {
            public Headers() : base(StringComparer.OrdinalIgnoreCase) { }
        }

        sealed class Connection : ConnectionInfo
        {
            public override IPAddress RemoteIpAddress { get; set; }

            public override int RemotePort { get; set; }
        }

        sealed class Request : HttpRequest
        {
            readonly Headers headers = new Headers();

            public override IHeaderDictionary Headers { get { return headers; } }
        }

        sealed class Context : HttpContext
        {
            readonly Connection connection = new Connection();
            readonly Request request = new Request();

            public override ConnectionInfo Connection { get { return connection; } }

            public override HttpRequest Request { get { return request; } }
        }

        static Context Http(string ip, int port)
        {
            var http = new Context();
            http.Connection.RemoteIpAddress = ip == null ? null : IPAddress.Parse(ip);
            http.Connection.RemotePort = port;
            return http;
        }

        [Test]
        public void AspNetCoreStubHttpContextIsResolved()
        {
            using (var resolver = Resolver.FromJson("{\"application_name\": \"aspnet\", \"trusted_proxies\": [\"10.0.0.0/8\"]}"))
            {
                var http = Http("10.0.0.4", 51000);
                http.Request.Headers["X-Forwarded-For"] = new[] { "6.6.6.6, 203.0.113.7", "10.0.0.8" };
                http.Request.Headers["User-Agent"] = "kestrel-client";
                http.Request.Headers["Cookie"] = "session=secret";
                var ctx = http.ResolveSecurityContext(resolver, new Identity { EndUserId = "u-1", EndUserIdType = "aad" });
                Assert.AreEqual("203.0.113.7", ctx.SourceIp);
                Assert.AreEqual(2, ctx.ReasonHop);
                Assert.AreEqual("10.0.0.4", ctx.Peer);
                StringAssert.Contains("\"X-Forwarded-For\":\"6.6.6.6, 203.0.113.7, 10.0.0.8\"", ctx.ToLegacyUserJson());
                StringAssert.DoesNotContain("secret", ctx.ToLegacyUserJson());
            }
        }

        [TestCase("2001:db8::7", 443, "2001:db8::7")]
        [TestCase("::ffff:192.0.2.5", 8080, "192.0.2.5")]
        [TestCase("192.0.2.5", 0, "192.0.2.5")]
        [TestCase("fe80::1%2", 80, "fe80::1")]
        [TestCase(null, 0, null)]
        public void AspNetCoreStubPeerForms(string ip, int port, string expected)
        {
            using (var resolver = Resolver.FromJson("{}"))
            {
                var http = Http(ip, port);
                var ctx = http.ResolveSecurityContext(resolver);
                Assert.AreEqual(expected, ctx.SourceIp);
                Assert.AreEqual(expected, ctx.Peer);
            }
        }

        [Test]
        public void AspNetCoreStubArgumentChecks()
        {
            using (var resolver = Resolver.FromJson("{}"))
            {
                Assert.Throws<ArgumentNullException>(() => ((HttpContext)null).ResolveSecurityContext(resolver));
                Assert.Throws<ArgumentNullException>(() => Http("192.0.2.1", 1).ResolveSecurityContext(null));
            }
        }

        static SecurityContext Sample(Resolver resolver)
        {
            return resolver.Resolve("192.0.2.44:1234", new KeyValuePair<string, string>[0],
                new Identity { EndUserId = "oid-1", EndUserTenantId = "tid-1", EndUserIdType = "aad" });
        }

        [Test]
        public void AzureOpenAIStubOptionsReceiveTheContext()
        {
            using (var resolver = Resolver.FromJson("{\"application_name\": \"aoai\"}"))
            {
                var options = new ChatCompletionOptions();
                Assert.AreSame(options, options.SetUserSecurityContext(Sample(resolver)));
                var usc = options.GetUserSecurityContext();
                Assert.IsNotNull(usc);
                Assert.AreEqual("aoai", usc.ApplicationName);
                Assert.AreEqual("oid-1", usc.EndUserId);
                Assert.AreEqual("tid-1", usc.EndUserTenantId);
                Assert.AreEqual("192.0.2.44", usc.SourceIP);
            }
        }

        [Test]
        public void AzureOpenAIStubAbsentFieldsStayNull()
        {
            using (var resolver = Resolver.FromJson("{}"))
            {
                var usc = resolver.Resolve(null, new KeyValuePair<string, string>[0]).ToAzureUserSecurityContext();
                Assert.IsNull(usc.ApplicationName);
                Assert.IsNull(usc.EndUserId);
                Assert.IsNull(usc.EndUserTenantId);
                Assert.IsNull(usc.SourceIP);
                Assert.Throws<ArgumentNullException>(() => ((SecurityContext)null).ToAzureUserSecurityContext());
                Assert.Throws<ArgumentNullException>(() => ((ChatCompletionOptions)null).SetUserSecurityContext(resolver.Resolve(null, new KeyValuePair<string, string>[0])));
            }
        }

        [Test]
        public void SemanticKernelStubSettingsReceiveTheContext()
        {
            using (var resolver = Resolver.FromJson("{\"application_name\": \"sk\"}"))
            {
                var settings = new AzureOpenAIPromptExecutionSettings();
                Assert.AreSame(settings, settings.WithUserSecurityContext(Sample(resolver)));
                Assert.AreEqual("sk", settings.UserSecurityContext.ApplicationName);
                Assert.AreEqual("oid-1", settings.UserSecurityContext.EndUserId);
                Assert.AreEqual("192.0.2.44", settings.UserSecurityContext.SourceIP);
                Assert.Throws<ArgumentNullException>(() => ((AzureOpenAIPromptExecutionSettings)null).WithUserSecurityContext(Sample(resolver)));
            }
        }
    }
}
