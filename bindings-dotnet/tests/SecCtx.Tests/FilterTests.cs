using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using static SecCtx.Tests.Support;

namespace SecCtx.Tests
{
    /// <summary>
    /// The binding drops headers the resolver never reads before packing (HeaderFilter). The
    /// filter may keep a few extra headers, never drop one the library reads; the corpus test
    /// (VectorTests) checks that the answers are byte-identical on every case.
    /// </summary>
    [TestFixture]
    public class FilterTests
    {
        static readonly string[] Listed = { "x-forwarded-for", "user-agent", "x-real-ip", "forwarded", "via", "x-ms-client-principal-name" };

        static bool AsciiEqualsIgnoreCase(string a, string b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
            {
                char x = a[i], y = b[i];
                if (x >= 'A' && x <= 'Z') x = (char)(x | 0x20);
                if (y >= 'A' && y <= 'Z') y = (char)(y | 0x20);
                if (x != y) return false;
            }
            return true;
        }

        [Test]
        public void ListedNamesAreKeptInAnyCase()
        {
            var f = new HeaderFilter(Listed);
            var rng = new Random(11);
            foreach (string name in Listed)
            {
                Assert.IsTrue(f.Keeps(name), name);
                Assert.IsTrue(f.Keeps(name.ToUpperInvariant()), name);
                for (int n = 0; n < 50; n++)
                {
                    var chars = name.ToCharArray();
                    for (int i = 0; i < chars.Length; i++)
                    {
                        if (rng.Next(2) == 0) chars[i] = char.ToUpperInvariant(chars[i]);
                    }
                    Assert.IsTrue(f.Keeps(new string(chars)), new string(chars));
                }
            }
        }

        [Test]
        public void OtherNamesAreMostlyDropped()
        {
            var f = new HeaderFilter(Listed);
            foreach (string name in new[] { "", "Host", "Accept", "Accept-Encoding", "Content-Length", "X-Forwarded-Fox", "Y-Forwarded-For", "X-Forwarded-Proto", "User-Agent2", "Forwarde", "X-Forwarded-Fo\u212A", "X-Forwarded-F\u00d6R", new string('a', 200) })
            {
                Assert.IsFalse(f.Keeps(name), name);
            }
            // A superset: a name differing only inside may be kept (the library then ignores it).
            Assert.IsTrue(f.Keeps("X-Forwxrded-For"));
            // Names shorter than four characters of a listed length are all kept.
            Assert.IsTrue(f.Keeps("VIA"));
            Assert.IsTrue(f.Keeps("abc"));
            Assert.IsFalse(f.Keeps("ab"));
        }

        [Test]
        public void NeverDropsANameTheLibraryReads()
        {
            var f = new HeaderFilter(Listed);
            var rng = new Random(5);
            const string alphabet = "aAbBfFoOrRxX-_\u212A\u0131\u017F0";
            for (int n = 0; n < 200000; n++)
            {
                string name;
                if (rng.Next(4) == 0)
                {
                    // A listed name with one character replaced.
                    var chars = Listed[rng.Next(Listed.Length)].ToCharArray();
                    chars[rng.Next(chars.Length)] = alphabet[rng.Next(alphabet.Length)];
                    name = new string(chars);
                }
                else
                {
                    var chars = new char[rng.Next(0, 12)];
                    for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
                    name = new string(chars);
                }
                if (Listed.Any(l => AsciiEqualsIgnoreCase(name, l))) Assert.IsTrue(f.Keeps(name), name);
            }
        }

        [Test]
        public void KeepsEverythingWhenTheListIsUnusable()
        {
            foreach (var names in new[] { null, new[] { "X-Upper" }, new[] { "caf\u00e9" }, new[] { new string('a', 64) } })
            {
                var f = new HeaderFilter(names);
                Assert.IsTrue(f.Keeps("Host"));
                Assert.IsTrue(f.Keeps(""));
            }
            Assert.IsTrue(HeaderFilter.KeepEvery.Keeps("anything"));
        }

        [Test]
        public void EmptyListDropsEveryHeader()
        {
            var f = new HeaderFilter(new string[0]);
            Assert.IsFalse(f.Keeps("X-Forwarded-For"));
            Assert.IsFalse(f.Keeps(""));
        }

        [Test]
        public void ResolverListsWhatItReads()
        {
            using (var r = Resolver.FromJson("{\"trusted_proxies\": [\"10.0.0.0/8\"], \"forwarded_header\": \"X-Original-For\", \"request_headers\": [\"User-Agent\", \"Via\"]}"))
            {
                string[] names = Native.ReadHeaderNames(r.Handle);
                CollectionAssert.Contains(names, "x-original-for");
                CollectionAssert.Contains(names, "via");
                foreach (string n in names) Assert.AreEqual(n.ToLowerInvariant(), n);

                // Short and odd-cased names, repeated, mixed with unread ones: same answer filtered or not.
                var headers = new[]
                {
                    H("VIA", "1.1 proxy"), H("Vi", "x"), H("via", "2.0 other"), H("X-ORIGINAL-FOR", "203.0.113.4, 10.0.0.7"),
                    H("Host", "h"), H("X-Forwarded-For", "6.6.6.6"), H("user-AGENT", "ua"), H("Accept", "*/*"),
                };
                var filtered = r.Resolve("10.0.0.2", headers);
                var every = r.Resolve("10.0.0.2", headers, null, HeaderFilter.KeepEvery);
                CollectionAssert.AreEqual(every.ResultBytes, filtered.ResultBytes);
                Assert.Less(r.PackedLength("10.0.0.2", headers, null, r.Filter), r.PackedLength("10.0.0.2", headers, null, HeaderFilter.KeepEvery));
                Assert.AreEqual("203.0.113.4", filtered.SourceIp);
                Assert.AreEqual(every.ToLegacyUserJson(), filtered.ToLegacyUserJson());
            }
        }
    }
}
