using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static SecCtx.Tests.Support;

namespace SecCtx.Tests
{
    /// <summary>Bad input gets a typed error naming what was wrong, never a crash or a hang.</summary>
    [TestFixture]
    public class BadInputTests
    {
        static readonly KeyValuePair<string, string>[] NoHeaders = new KeyValuePair<string, string>[0];

        [TestCase("", "")]
        [TestCase("not json", "")]
        [TestCase("[]", "")]
        [TestCase("null", "")]
        [TestCase("{\"trusted_proxy\": [\"10.0.0.0/8\"]}", "trusted_proxy")]
        [TestCase("{\"trusted_proxies\": \"10.0.0.0/8\"}", "trusted_proxies")]
        [TestCase("{\"trusted_proxies\": [\"10.0.0.0/33\"]}", "trusted_proxies[0]")]
        [TestCase("{\"trusted_proxies\": [\"loopback\", \"Private\"]}", "trusted_proxies[1]")]
        [TestCase("{\"trusted_proxies\": [\"10.0.0.1/8\"]}", "trusted_proxies[0]")]
        [TestCase("{\"max_hops\": 0}", "max_hops")]
        [TestCase("{\"max_hops\": 1.5}", "max_hops")]
        [TestCase("{\"max_hops\": \"3\"}", "max_hops")]
        [TestCase("{\"request_headers\": [\"Authorization\"]}", "request_headers")]
        [TestCase("{\"request_headers\": [\"X-MS-TOKEN-AAD-ID-TOKEN\"]}", "request_headers")]
        [TestCase("{\"forwarded_header\": \"bad header\"}", "forwarded_header")]
        [TestCase("{\"client_ip_header\": 7}", "client_ip_header")]
        [TestCase("{\"trust_easy_auth\": \"yes\"}", "trust_easy_auth")]
        [TestCase("{\"preset\": \"no-such-preset\"}", "preset")]
        [TestCase("{\"preset\": \"azure_front_door\"}", "front_door_id")]
        [TestCase("{\"application_name\": null}", "application_name")]
        [TestCase("{\"max_hops\": 1, \"max_hops\": 2}", "max_hops")]
        public void InvalidConfigIsTyped(string config, string key)
        {
            var e = Assert.Throws<SecCtxException>(() => Resolver.FromJson(config));
            Assert.AreEqual("invalid_config", e.Code);
            Assert.AreEqual(ErrorKind.InvalidConfig, e.Kind);
            Assert.IsNotEmpty(e.Message);
            if (key.Length > 0) StringAssert.StartsWith(key, e.Message);
        }

        [Test]
        public void NullArgumentsAreArgumentErrors()
        {
            Assert.Throws<ArgumentNullException>(() => Resolver.FromJson(null));
            using (var r = Resolver.FromJson("{}"))
            {
                Assert.Throws<ArgumentNullException>(() => r.Resolve("1.2.3.4", (IEnumerable<KeyValuePair<string, string>>)null));
                Assert.Throws<ArgumentNullException>(() => r.Resolve("1.2.3.4", (IEnumerable<KeyValuePair<string, IEnumerable<string>>>)null));
                var e = Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { H(null, "v") }));
                StringAssert.Contains("name", e.Message);
                e = Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { H("User-Agent", null) }));
                StringAssert.Contains("User-Agent", e.Message);
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { new KeyValuePair<string, IEnumerable<string>>("X", null) }));
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { new KeyValuePair<string, IEnumerable<string>>("X-Forwarded-For", new string[] { null }) }));
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { new KeyValuePair<string, IEnumerable<string>>(null, new string[0]) }));
                // Null names and values are refused even in headers the resolver never reads ...
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { H("X-Unread", null) }));
                // ... but the values of an unread header given as a list are not enumerated.
                Assert.AreEqual("1.2.3.4", r.Resolve("1.2.3.4", new[] { new KeyValuePair<string, IEnumerable<string>>("X", new string[] { null }) }).SourceIp);
            }
        }

        [Test]
        public void LoneSurrogatesAreArgumentErrors()
        {
            Assert.Throws<ArgumentException>(() => Resolver.FromJson("{\"application_name\": \"\ud800\"}"));
            using (var r = Resolver.FromJson("{}"))
            {
                var e = Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { H("User-Agent", "a\udc00b") }));
                StringAssert.Contains("User-Agent", e.Message);
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", new[] { H("X-Forwarded-For", "1.2.3.4, \ud800") }));
                // A header the resolver never reads is dropped before it is encoded: a lone
                // surrogate there changes nothing (the library would not read it either).
                Assert.AreEqual("{\"source_ip\":\"1.2.3.4\"}", r.Resolve("1.2.3.4", new[] { H("X-\ud800", "v"), H("Accept", "\udc00") }).ToUserSecurityContextJson());
                Assert.Throws<ArgumentException>(() => r.Resolve("\ud800", NoHeaders));
                Assert.Throws<ArgumentException>(() => r.Resolve("1.2.3.4", NoHeaders, new Identity { EndUserId = "\udfff" }));
                // The resolver is still usable afterwards (the per-thread buffer was reset).
                Assert.AreEqual("1.2.3.4", r.Resolve("1.2.3.4", NoHeaders).SourceIp);
            }
        }

        [TestCase("github")]
        [TestCase("AAD ")]
        [TestCase("entra")]
        public void InvalidIdentityTypeIsTyped(string type)
        {
            using (var r = Resolver.FromJson("{}"))
            {
                var e = Assert.Throws<SecCtxException>(() => r.Resolve("1.2.3.4", NoHeaders, new Identity { EndUserId = "u", EndUserIdType = type }));
                Assert.AreEqual("invalid_identity", e.Code);
                Assert.AreEqual(ErrorKind.InvalidIdentity, e.Kind);
                StringAssert.Contains("end_user_id_type", e.Message);
            }
        }

        [Test]
        public void HostileHeadersAreBounded()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"0.0.0.0/0\", \"::/0\"], \"max_hops\": 5}"))
            {
                // A 1 MiB chain: not read at all.
                string huge = string.Join(", ", Enumerable.Repeat("10.0.0.1", 120000));
                var ctx = r.Resolve("10.0.0.2", new[] { H("X-Forwarded-For", huge), H("User-Agent", new string('a', 1 << 20)) });
                Assert.IsNull(ctx.SourceIp);
                Assert.AreEqual("header_too_large", ctx.ReasonCode);
                // SourceRequestHeaders values are cut to 1,024 bytes.
                Assert.LessOrEqual(Encoding.UTF8.GetByteCount(ctx.SourceRequestHeaders.First(h => h.Key == "User-Agent").Value), 1024);

                // Many trusted hops: too_many_hops, not a long walk.
                ctx = r.Resolve("10.0.0.2", new[] { H("X-Forwarded-For", string.Join(",", Enumerable.Repeat("10.0.0.1", 1000))) });
                Assert.AreEqual("too_many_hops", ctx.ReasonCode);

                // 20,000 headers, garbage names and values.
                var many = new List<KeyValuePair<string, string>>();
                var rng = new Random(7);
                for (int i = 0; i < 20000; i++)
                {
                    var name = new char[rng.Next(0, 12)];
                    for (int j = 0; j < name.Length; j++) name[j] = (char)rng.Next(1, 0xd7ff);
                    many.Add(H(new string(name), new string((char)rng.Next(1, 0xd7ff), rng.Next(0, 40))));
                }
                ctx = r.Resolve("10.0.0.2", many);
                Assert.AreEqual("no_forwarded_header", ctx.ReasonCode);
                Json.Parse(ctx.ToUserSecurityContextJson());
            }
        }

        [Test]
        public void GarbageInForwardedIsAnInvalidEntry()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"10.0.0.0/8\"], \"forwarded_header\": \"Forwarded\"}"))
            {
                foreach (string value in new[] { "for=unknown", "for=_hidden", "for=\"[2001:db8::1\"", "for=1.2.3.4;for=5.6.7.8", "for=\"\\", "\u0000\u0001", "for=2001:db8::1" })
                {
                    var ctx = r.Resolve("10.0.0.2", new[] { H("Forwarded", value) });
                    Assert.IsNull(ctx.SourceIp, value);
                    Assert.AreEqual("invalid_entry", ctx.ReasonCode, value);
                    Assert.AreEqual(1, ctx.ReasonHop, value);
                }
            }
        }
    }
}
