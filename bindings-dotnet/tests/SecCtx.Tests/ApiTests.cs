using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using static SecCtx.Tests.Support;

namespace SecCtx.Tests
{
    /// <summary>The public API: properties, renderings, errors and argument checks.</summary>
    [TestFixture]
    public class ApiTests
    {
        const string Oid = "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10";
        const string Tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";

        [Test]
        public void NativeVersionIsReported()
        {
            StringAssert.IsMatch(@"^\d+\.\d+\.\d+", Resolver.NativeVersion);
        }

        [Test]
        public void ResolvesBehindATrustedProxy()
        {
            using (var r = Resolver.FromJson("{\"application_name\": \"contoso-chat\", \"trusted_proxies\": [\"10.1.0.0/24\"]}"))
            {
                var headers = new[]
                {
                    H("User-Agent", "Mozilla/5.0"),
                    H("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123"),
                    H("Authorization", "Bearer secret"),
                };
                var ctx = r.Resolve("10.1.0.4:61000", headers, new Identity { EndUserId = Oid, EndUserIdType = "aad", EndUserTenantId = Tid });
                Assert.AreEqual("203.0.113.7", ctx.SourceIp);
                Assert.AreEqual("10.1.0.4", ctx.Peer);
                Assert.AreEqual("contoso-chat", ctx.ApplicationName);
                Assert.AreEqual(Oid, ctx.EndUserId);
                Assert.AreEqual("AAD", ctx.EndUserIdType);
                Assert.AreEqual(Tid, ctx.EndUserTenantId);
                Assert.AreEqual("chosen_at_hop", ctx.ReasonCode);
                Assert.AreEqual(1, ctx.ReasonHop);
                StringAssert.Contains("hop 1", ctx.Reason);
                Assert.AreEqual("explicit", ctx.IdentitySource);
                Assert.IsNull(ctx.EasyAuthNoteCode);
                CollectionAssert.AreEqual(
                    new[] { H("User-Agent", "Mozilla/5.0"), H("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123") },
                    ctx.SourceRequestHeaders.ToArray());
                Assert.AreEqual(
                    "{\"application_name\":\"contoso-chat\",\"end_user_id\":\"" + Oid + "\",\"end_user_tenant_id\":\"" + Tid + "\",\"source_ip\":\"203.0.113.7\"}",
                    ctx.ToUserSecurityContextJson());
                Assert.AreEqual(
                    "{\"EndUserId\":\"" + Oid + "\",\"EndUserIdType\":\"AAD\",\"EndUserTenantId\":\"" + Tid + "\",\"SourceIP\":\"10.1.0.4\"," +
                    "\"SourceRequestHeaders\":{\"User-Agent\":\"Mozilla/5.0\",\"X-Forwarded-For\":\"6.6.6.6, 203.0.113.7:50123\"},\"ApplicationName\":\"contoso-chat\"}",
                    ctx.ToLegacyUserJson());
                StringAssert.DoesNotContain("secret", ctx.ToJson());
            }
        }

        [Test]
        public void UntrustedPeerIgnoresHeaders()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"10.0.0.0/8\"]}"))
            {
                var ctx = r.Resolve("198.51.100.4:443", new[] { H("X-Forwarded-For", "203.0.113.7") });
                Assert.AreEqual("198.51.100.4", ctx.SourceIp);
                Assert.AreEqual("peer_untrusted", ctx.ReasonCode);
                Assert.IsNull(ctx.ReasonHop);
                Assert.AreEqual("none", ctx.IdentitySource);
                Assert.AreEqual("{\"source_ip\":\"198.51.100.4\"}", ctx.ToUserSecurityContextJson());
            }
        }

        [Test]
        public void UnknownPeerYieldsNoAddress()
        {
            using (var r = Resolver.FromJson("{}"))
            {
                foreach (string peer in new[] { null, "", "not-an-ip", "010.8.8.8", "0.0.0.0", "1.2.3.4:99999" })
                {
                    var ctx = r.Resolve(peer, new KeyValuePair<string, string>[0]);
                    Assert.IsNull(ctx.SourceIp, "peer " + (peer ?? "null"));
                    Assert.IsNull(ctx.Peer);
                    Assert.AreEqual("peer_unknown", ctx.ReasonCode);
                    Assert.AreEqual("{}", ctx.ToUserSecurityContextJson());
                }
            }
        }

        [Test]
        public void PeerFormsAreCanonicalised()
        {
            using (var r = Resolver.FromJson("{}"))
            {
                Assert.AreEqual("2001:db8::1", r.Resolve("[2001:0db8:0:0::1]:443", new KeyValuePair<string, string>[0]).SourceIp);
                Assert.AreEqual("192.0.2.1", r.Resolve("::ffff:192.0.2.1", new KeyValuePair<string, string>[0]).SourceIp);
                Assert.AreEqual("fe80::1", r.Resolve("fe80::1%eth0", new KeyValuePair<string, string>[0]).SourceIp);
            }
        }

        [Test]
        public void ForApiVersionChoosesTheFormat()
        {
            using (var r = Resolver.FromJson("{\"request_headers\": []}"))
            {
                var ctx = r.Resolve("192.0.2.1", new KeyValuePair<string, string>[0], new Identity { EndUserId = "u1", EndUserIdType = "Other" });
                var current = ctx.ForApiVersion("2024-12-01-preview");
                Assert.AreEqual(WireFormat.UserSecurityContext, current.Format);
                Assert.AreEqual("user_security_context", current.FieldName);
                Assert.AreEqual("{\"end_user_id\":\"u1\",\"source_ip\":\"192.0.2.1\"}", current.ValueJson);
                var legacy = ctx.ForApiVersion("2024-10-21");
                Assert.AreEqual(WireFormat.LegacyUser, legacy.Format);
                Assert.AreEqual("user", legacy.FieldName);
                Assert.AreEqual("{\"user\":\"{\\\"EndUserId\\\":\\\"u1\\\",\\\"EndUserIdType\\\":\\\"Other\\\",\\\"SourceIP\\\":\\\"192.0.2.1\\\"}\"}", legacy.ToJson());
                Assert.AreEqual(WireFormat.UserSecurityContext, ctx.ForApiVersion("v1").Format);
                Assert.AreEqual(WireFormat.LegacyUser, ctx.ForApiVersion("2024-11-01-preview").Format);
                foreach (string bad in new[] { "", " v1", "V1", "2024-02-30", "2024-12-01-Preview", "someday" })
                {
                    var e = Assert.Throws<SecCtxException>(() => ctx.ForApiVersion(bad), bad);
                    Assert.AreEqual("invalid_api_version", e.Code);
                    Assert.AreEqual(ErrorKind.InvalidApiVersion, e.Kind);
                }
                Assert.Throws<ArgumentNullException>(() => ctx.ForApiVersion(null));
            }
        }

        [Test]
        public void LegacyNeedsAnIdType()
        {
            using (var r = Resolver.FromJson("{}"))
            {
                var ctx = r.Resolve("192.0.2.1", new KeyValuePair<string, string>[0], new Identity { EndUserId = "u1" });
                Assert.AreEqual("{\"end_user_id\":\"u1\",\"source_ip\":\"192.0.2.1\"}", ctx.ToUserSecurityContextJson());
                var e = Assert.Throws<SecCtxException>(() => ctx.ToLegacyUserJson());
                Assert.AreEqual("missing_end_user_id_type", e.Code);
                Assert.AreEqual(ErrorKind.MissingEndUserIdType, e.Kind);
                StringAssert.Contains("EndUserIdType", e.Message);
                Assert.AreEqual("missing_end_user_id_type", Assert.Throws<SecCtxException>(() => ctx.ForApiVersion("2024-10-21")).Code);
            }
        }

        [Test]
        public void PerRequestApplicationNameWins()
        {
            using (var r = Resolver.FromJson("{\"application_name\": \"from-config\"}"))
            {
                Assert.AreEqual("per-request", r.Resolve(null, new KeyValuePair<string, string>[0], new Identity { ApplicationName = "per-request" }).ApplicationName);
                Assert.AreEqual("from-config", r.Resolve(null, new KeyValuePair<string, string>[0], new Identity { ApplicationName = "" }).ApplicationName);
                Assert.AreEqual("from-config", r.Resolve(null, new KeyValuePair<string, string>[0]).ApplicationName);
            }
        }

        [Test]
        public void EasyAuthHeadersAreReadOnlyWhenTrusted()
        {
            string principal = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
                "{\"auth_typ\":\"aad\",\"claims\":[{\"typ\":\"http://schemas.microsoft.com/identity/claims/objectidentifier\",\"val\":\"" + Oid + "\"}," +
                "{\"typ\":\"http://schemas.microsoft.com/identity/claims/tenantid\",\"val\":\"" + Tid + "\"}]}"));
            var headers = new[] { H("X-MS-CLIENT-PRINCIPAL", principal), H("X-MS-CLIENT-PRINCIPAL-IDP", "aad") };
            using (var trusted = Resolver.FromJson("{\"trust_easy_auth\": true}"))
            using (var untrusted = Resolver.FromJson("{}"))
            {
                var ctx = trusted.Resolve("192.0.2.1", headers);
                Assert.AreEqual(Oid, ctx.EndUserId);
                Assert.AreEqual(Tid, ctx.EndUserTenantId);
                Assert.AreEqual("AAD", ctx.EndUserIdType);
                Assert.AreEqual("easy_auth", ctx.IdentitySource);
                var ignored = untrusted.Resolve("192.0.2.1", headers);
                Assert.IsNull(ignored.EndUserId);
                Assert.AreEqual("none", ignored.IdentitySource);
                var malformed = trusted.Resolve("192.0.2.1", new[] { H("X-MS-CLIENT-PRINCIPAL", "%%%not base64") });
                Assert.AreEqual("easy_auth_malformed", malformed.EasyAuthNoteCode);
                Assert.IsNotNull(malformed.EasyAuthNote);
            }
        }

        [Test]
        public void GroupedOverloadKeepsEveryValue()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"10.0.0.0/8\"]}"))
            {
                var headers = new List<KeyValuePair<string, IEnumerable<string>>>
                {
                    new KeyValuePair<string, IEnumerable<string>>("X-Forwarded-For", new[] { "203.0.113.9", "10.0.0.5" }),
                    new KeyValuePair<string, IEnumerable<string>>("User-Agent", new List<string> { "a", "b" }),
                };
                var ctx = r.Resolve("10.0.0.2", headers);
                Assert.AreEqual("203.0.113.9", ctx.SourceIp);
                Assert.AreEqual(2, ctx.ReasonHop);
                CollectionAssert.AreEqual(new[] { H("User-Agent", "a, b"), H("X-Forwarded-For", "203.0.113.9, 10.0.0.5") }, ctx.SourceRequestHeaders.ToArray());
            }
        }

        [Test]
        public void NonAsciiTextRoundTripsAsUtf8()
        {
            using (var r = Resolver.FromJson("{\"application_name\": \"caf\u00e9 \u6f22\"}"))
            {
                var ctx = r.Resolve("192.0.2.1", new[] { H("User-Agent", "\u00e9 \u00fc \u6f22 \ud83d\ude00 \"q\" \\ \n") }, new Identity { EndUserId = "\u00fcser" });
                Assert.AreEqual("caf\u00e9 \u6f22", ctx.ApplicationName);
                Assert.AreEqual("\u00fcser", ctx.EndUserId);
                Assert.AreEqual("\u00e9 \u00fc \u6f22 \ud83d\ude00 \"q\" \\ \n", ctx.SourceRequestHeaders[0].Value);
                Json usc = Json.Parse(ctx.ToUserSecurityContextJson());
                Assert.AreEqual("caf\u00e9 \u6f22", usc["application_name"].Str);
                Json rec = Json.Parse(ctx.ToJson());
                Assert.AreEqual("\u00e9 \u00fc \u6f22 \ud83d\ude00 \"q\" \\ \n", rec["source_request_headers"]["User-Agent"].Str);
            }
        }

        [Test]
        public void EncodingIsExactAtEveryPositionAndLength()
        {
            // The packer copies ASCII four characters at a time and hands anything else to the
            // UTF-8 encoder: check every length and every position of a non-ASCII character.
            using (var r = Resolver.FromJson("{\"request_headers\": [\"User-Agent\"]}"))
            {
                foreach (string odd in new[] { "\u00e9", "\u6f22", "\ud83d\ude00", "\u007f" })
                {
                    for (int length = 0; length < 11; length++)
                    {
                        for (int at = -1; at < length; at++)
                        {
                            var sb = new System.Text.StringBuilder();
                            for (int i = 0; i < length; i++) sb.Append(i == at ? odd : ((char)('a' + i)).ToString());
                            string value = sb.ToString();
                            var ctx = r.Resolve("192.0.2.1", new[] { H("User-Agent", value) }, new Identity { EndUserId = value.Length == 0 ? null : value });
                            Assert.AreEqual(value, ctx.SourceRequestHeaders[0].Value);
                            if (value.Length > 0) Assert.AreEqual(value, Json.Parse(ctx.ToUserSecurityContextJson())["end_user_id"].Str);
                        }
                    }
                }
            }
        }

        [Test]
        public void EmbeddedNulIsCarriedNotTruncated()
        {
            using (var r = Resolver.FromJson("{}"))
            {
                var ctx = r.Resolve("192.0.2.1", new[] { H("User-Agent", "a\0b") }, new Identity { EndUserId = "x\0y" });
                Assert.AreEqual("a\0b", ctx.SourceRequestHeaders[0].Value);
                Assert.AreEqual("x\0y", ctx.EndUserId);
                StringAssert.Contains("\\u0000", ctx.ToUserSecurityContextJson());
            }
        }

        static IEnumerable<KeyValuePair<string, string>> HeadersThatResolve(Resolver r, List<string> inner)
        {
            yield return H("X-Forwarded-For", "203.0.113.1");
            // An enumerator that itself resolves, on the same thread, mid-request.
            inner.Add(r.Resolve("10.0.0.3", new[] { H("X-Forwarded-For", "198.51.100.2, 10.0.0.1"), H("User-Agent", "inner") }).ToUserSecurityContextJson());
            yield return H("User-Agent", "outer");
        }

        [Test]
        public void ReentrantResolveFromAHeaderEnumerator()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"10.0.0.0/8\"]}"))
            {
                var inner = new List<string>();
                var ctx = r.Resolve("10.0.0.2", HeadersThatResolve(r, inner));
                Assert.AreEqual("{\"source_ip\":\"198.51.100.2\"}", inner.Single());
                Assert.AreEqual("203.0.113.1", ctx.SourceIp);
                Assert.AreEqual("outer", ctx.SourceRequestHeaders.Single(h => h.Key == "User-Agent").Value);
            }
        }

        [Test]
        public void ContextOutlivesItsResolver()
        {
            SecurityContext ctx;
            using (var r = Resolver.FromJson("{\"application_name\": \"app\"}"))
            {
                ctx = r.Resolve("192.0.2.1", new KeyValuePair<string, string>[0]);
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // Everything the library answered during Resolve stays readable, and every form renders.
            Assert.AreEqual("{\"application_name\":\"app\",\"source_ip\":\"192.0.2.1\"}", ctx.ToUserSecurityContextJson());
            Assert.AreEqual("192.0.2.1", ctx.SourceIp);
            Assert.AreEqual("192.0.2.1", ctx.Peer);
            Assert.AreEqual("peer_untrusted", ctx.ReasonCode);
            Assert.AreEqual("{\"SourceIP\":\"192.0.2.1\",\"ApplicationName\":\"app\"}", ctx.ToLegacyUserJson());
            Assert.AreEqual("user", ctx.ForApiVersion("2024-10-21").FieldName);
            Assert.AreEqual(ctx.ToUserSecurityContextJson(), ctx.ForApiVersion("v1").ValueJson);
            StringAssert.Contains("\"reason\":{\"code\":\"peer_untrusted\"", ctx.ToJson());
        }

        [Test]
        public void LegacyFormsRenderedBeforeDisposeStayValid()
        {
            string legacy, field;
            SecurityContext ctx;
            using (var r = Resolver.FromJson("{\"application_name\": \"app\"}"))
            {
                ctx = r.Resolve("192.0.2.1", new KeyValuePair<string, string>[0]);
                legacy = ctx.ToLegacyUserJson();
                field = ctx.ForApiVersion("2024-10-21").ValueJson;
            }
            Assert.AreEqual("{\"SourceIP\":\"192.0.2.1\",\"ApplicationName\":\"app\"}", legacy);
            Assert.AreEqual(legacy, Json.Parse(field).Str);
            // Rendered again after Dispose: the same text.
            Assert.AreEqual(legacy, ctx.ToLegacyUserJson());
            Assert.AreEqual(field, ctx.ForApiVersion("2024-10-21").ValueJson);
        }

        [Test]
        public void ContextIsDecodedLazily()
        {
            using (var r = Resolver.FromJson("{\"application_name\": \"app\", \"trusted_proxies\": [\"10.0.0.0/8\"]}"))
            {
                var ctx = r.Resolve("10.0.0.2", new[] { H("X-Forwarded-For", "203.0.113.9"), H("User-Agent", "ua") }, new Identity { EndUserId = "u", EndUserIdType = "aad" });
                Assert.AreEqual(0, ctx.DecodedFields, "nothing is decoded by Resolve");
                Assert.AreEqual("{\"application_name\":\"app\",\"end_user_id\":\"u\",\"source_ip\":\"203.0.113.9\"}", ctx.ToUserSecurityContextJson());
                Assert.AreEqual(1, ctx.DecodedFields, "ToUserSecurityContextJson decodes only the JSON");
                Assert.AreEqual("203.0.113.9", ctx.SourceIp);
                Assert.AreEqual(2, ctx.DecodedFields);
                Assert.AreSame(ctx.SourceIp, ctx.SourceIp, "a decoded value is kept");
                Assert.AreSame(ctx.ToUserSecurityContextJson(), ctx.ToUserSecurityContextJson());
                Assert.IsNull(ctx.EasyAuthNoteCode);
                Assert.IsNull(ctx.EasyAuthNoteCode, "an absent value stays absent once decoded");
                Assert.AreEqual(3, ctx.DecodedFields);
                Assert.AreEqual(1, ctx.ReasonHop, "hop");
                Assert.AreEqual("chosen_at_hop", ctx.ReasonCode);
                Assert.AreEqual("AAD", ctx.EndUserIdType);
                Assert.AreEqual("explicit", ctx.IdentitySource);
                Assert.AreEqual("10.0.0.2", ctx.Peer);
                Assert.AreEqual("User-Agent=ua;X-Forwarded-For=203.0.113.9", string.Join(";", ctx.SourceRequestHeaders.Select(h => h.Key + "=" + h.Value)));
            }
        }

        [Test]
        public void SecurityContextHoldsNothingToDispose()
        {
            // No native object outlives Resolve: the type is not IDisposable and has no finalizer.
            Assert.IsFalse(typeof(IDisposable).IsAssignableFrom(typeof(SecurityContext)));
            Assert.IsNull(typeof(SecurityContext).GetMethod("Finalize", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly));
        }

        [Test]
        public void DisposedResolverThrowsObjectDisposed()
        {
            var r = Resolver.FromJson("{}");
            r.Dispose();
            r.Dispose();
            Assert.Throws<ObjectDisposedException>(() => r.Resolve("192.0.2.1", new KeyValuePair<string, string>[0]));
        }
    }
}
