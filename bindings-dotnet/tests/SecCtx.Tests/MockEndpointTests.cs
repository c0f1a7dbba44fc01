using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using NUnit.Framework;
using static SecCtx.Tests.Support;

namespace SecCtx.Tests
{
    /// <summary>
    /// System.Net.Http.HttpClient sends chat completions carrying the rendered context to the
    /// project's mock Azure OpenAI endpoint (`secctx mock`, spawned here on 127.0.0.1); the tests
    /// assert on what the mock recorded (GET /_secctx/requests).
    /// </summary>
    [TestFixture]
    public class MockEndpointTests
    {
        MockEndpoint mock;
        Resolver resolver;

        [TestFixtureSetUp]
        public void Start()
        {
            mock = new MockEndpoint();
            resolver = Resolver.FromJson("{\"application_name\": \"dotnet-tests\", \"preset\": \"private_ingress\"}");
        }

        [TestFixtureTearDown]
        public void Stop()
        {
            if (mock != null) mock.Dispose();
            if (resolver != null) resolver.Dispose();
        }

        [SetUp]
        public void Clear()
        {
            var r = mock.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, mock.BaseUrl + "/_secctx/requests")).Result;
            Assert.IsTrue(r.IsSuccessStatusCode, "DELETE /_secctx/requests: " + r.StatusCode);
        }

        SecurityContext Resolve()
        {
            var headers = new[]
            {
                H("X-Forwarded-For", "6.6.6.6, 203.0.113.50, 10.2.0.4"),
                H("User-Agent", "dotnet-mock-test"),
                H("Authorization", "Bearer never-forwarded"),
            };
            return resolver.Resolve("10.2.0.9:40000", headers, new Identity
            {
                EndUserId = "4b5c6d7e-0000-4000-8000-00000000abcd",
                EndUserIdType = "aad",
                EndUserTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
            });
        }

        Json Post(string path, BodyField field)
        {
            string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello from .NET\"}],\"" + field.FieldName + "\":" + field.ValueJson + "}";
            var request = new HttpRequestMessage(HttpMethod.Post, mock.BaseUrl + path)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("api-key", "not-a-real-key");
            var response = mock.Http.SendAsync(request).Result;
            string text = response.Content.ReadAsStringAsync().Result;
            Assert.IsTrue(response.IsSuccessStatusCode, "POST " + path + ": " + response.StatusCode + " " + text);
            Json completion = Json.Parse(text);
            Assert.AreEqual("chat.completion", completion["object"].Str);
            Assert.AreEqual("assistant", completion["choices"][0]["message"]["role"].Str);
            return completion;
        }

        [Test]
        public void CurrentApiVersionCarriesUserSecurityContext()
        {
            var ctx = Resolve();
            Assert.AreEqual("203.0.113.50", ctx.SourceIp);
            Post("/openai/deployments/gpt-4o/chat/completions?api-version=2024-12-01-preview", ctx.ForApiVersion("2024-12-01-preview"));

            Json records = mock.Requests();
            Assert.AreEqual(1, records.Items.Count);
            Json rec = records[0];
            Assert.AreEqual("POST", rec["method"].Str);
            Assert.AreEqual("2024-12-01-preview", rec["api_version"].Str);
            Assert.AreEqual("gpt-4o", rec["deployment"].Str);
            Assert.AreEqual("<redacted>", rec["headers"]["api-key"].Str);
            Assert.IsTrue(Json.DeepEquals(Json.Parse(ctx.ToUserSecurityContextJson()), rec["user_security_context"]),
                "recorded " + rec["user_security_context"].Raw);
            Assert.AreEqual("203.0.113.50", rec["user_security_context"]["source_ip"].Str);
            Assert.AreEqual("dotnet-tests", rec["user_security_context"]["application_name"].Str);
            Assert.IsTrue(rec["user"].IsNull);
            Assert.AreEqual(0, rec["findings"].Items.Count, "findings: " + rec["findings"].Raw);
        }

        [Test]
        public void V1RouteCarriesUserSecurityContext()
        {
            var ctx = Resolve();
            Post("/openai/v1/chat/completions", ctx.ForApiVersion("v1"));
            Json rec = mock.Requests()[0];
            Assert.AreEqual("/openai/v1/chat/completions", rec["path"].Str);
            Assert.IsTrue(Json.DeepEquals(Json.Parse(ctx.ToUserSecurityContextJson()), rec["user_security_context"]));
            Assert.AreEqual(0, rec["findings"].Items.Count, "findings: " + rec["findings"].Raw);
        }

        [Test]
        public void GaApiVersionCarriesTheLegacyUserDocument()
        {
            var ctx = Resolve();
            Post("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", ctx.ForApiVersion("2024-10-21"));
            Json rec = mock.Requests()[0];
            Assert.AreEqual("2024-10-21", rec["api_version"].Str);
            Assert.IsTrue(rec["user_security_context"].IsNull);
            Assert.AreEqual(ctx.ToLegacyUserJson(), rec["user"].Str);
            Json user = Json.Parse(rec["user"].Str);
            Assert.AreEqual("10.2.0.9", user["SourceIP"].Str);
            Assert.AreEqual("AAD", user["EndUserIdType"].Str);
            Assert.AreEqual("6.6.6.6, 203.0.113.50, 10.2.0.4", user["SourceRequestHeaders"]["X-Forwarded-For"].Str);
            Assert.IsNull(user["SourceRequestHeaders"]["Authorization"]);
            Assert.AreEqual(0, rec["findings"].Items.Count, "findings: " + rec["findings"].Raw);
        }

        [Test]
        public void RecordsArriveInOrder()
        {
            var ctx = Resolve();
            for (int i = 0; i < 3; i++) Post("/v1/chat/completions", ctx.ForApiVersion("latest"));
            Json records = mock.Requests();
            Assert.AreEqual(3, records.Items.Count);
            foreach (Json rec in records.Items) Assert.AreEqual("203.0.113.50", rec["user_security_context"]["source_ip"].Str);
        }
    }
}
