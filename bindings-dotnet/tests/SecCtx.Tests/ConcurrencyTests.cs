using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NUnit.Framework;
using static SecCtx.Tests.Support;

namespace SecCtx.Tests
{
    /// <summary>One resolver shared by many threads; disposal and finalization under stress.</summary>
    [TestFixture]
    public class ConcurrencyTests
    {
        const string Config = "{\"application_name\": \"mt\", \"trusted_proxies\": [\"10.0.0.0/8\", \"fd00::/8\"]}";

        static KeyValuePair<string, string>[] RequestFor(int i)
        {
            return new[]
            {
                H("X-Forwarded-For", "6.6.6." + (i % 250) + ", 203.0." + (i % 200) + "." + (i % 97 + 1) + ", 10.0.0." + (i % 200 + 1)),
                H("User-Agent", "client-" + i),
            };
        }

        static string Expected(int i)
        {
            return "{\"application_name\":\"mt\",\"end_user_id\":\"user-" + i + "\",\"source_ip\":\"203.0." + (i % 200) + "." + (i % 97 + 1) + "\"}";
        }

        static void Run(int threads, Action<int> body)
        {
            var errors = new List<Exception>();
            var workers = new Thread[threads];
            using (var start = new ManualResetEvent(false))
            {
                for (int t = 0; t < threads; t++)
                {
                    int id = t;
                    workers[t] = new Thread(() =>
                    {
                        start.WaitOne();
                        try
                        {
                            body(id);
                        }
                        catch (Exception e)
                        {
                            lock (errors) errors.Add(e);
                        }
                    });
                    workers[t].Start();
                }
                start.Set();
                foreach (var w in workers) Assert.IsTrue(w.Join(TimeSpan.FromMinutes(3)), "a worker thread hung");
            }
            if (errors.Count > 0) Assert.Fail(errors.Count + " thread(s) failed; first: " + errors[0]);
        }

        [Test]
        public void SixteenThreadsShareOneResolver()
        {
            const int perThread = 5000;
            int done = 0;
            using (var r = Resolver.FromJson(Config))
            {
                Run(16, t =>
                {
                    for (int n = 0; n < perThread; n++)
                    {
                        int i = t * perThread + n;
                        var ctx = r.Resolve("10.1.2.3:" + (1024 + n % 60000), RequestFor(i), new Identity { EndUserId = "user-" + i });
                        string got = ctx.ToUserSecurityContextJson();
                        if (got != Expected(i)) throw new Exception("request " + i + ": expected " + Expected(i) + ", got " + got);
                        if (ctx.ReasonHop != 2) throw new Exception("request " + i + ": hop " + ctx.ReasonHop);
                        if (ctx.SourceRequestHeaders[0].Value != "client-" + i) throw new Exception("request " + i + ": wrong User-Agent");
                        if (n % 8 == 0 && ctx.ToJson().IndexOf("client-" + i, StringComparison.Ordinal) < 0) throw new Exception("request " + i + ": the record lacks the User-Agent");
                    }
                    Interlocked.Add(ref done, perThread);
                });
            }
            Assert.AreEqual(16 * perThread, done);
        }

        [Test]
        public void ManyThreadsReadOneContext()
        {
            using (var r = Resolver.FromJson(Config))
            {
                var ctx = r.Resolve("10.1.2.3", RequestFor(42), new Identity { EndUserId = "user-42", EndUserIdType = "aad" });
                string legacy = ctx.ToLegacyUserJson();
                Run(16, t =>
                {
                    for (int n = 0; n < 2000; n++)
                    {
                        if (ctx.ToUserSecurityContextJson() != Expected(42)) throw new Exception("usc differs");
                        if (ctx.ToLegacyUserJson() != legacy) throw new Exception("legacy differs");
                        if (ctx.ForApiVersion("2024-10-21").ValueJson.Length < 10) throw new Exception("field too short");
                    }
                });
            }
        }

        /// <summary>Dispose while other threads resolve: each call either completes with the right
        /// answer or throws ObjectDisposedException; nothing crashes, nothing is freed twice.</summary>
        [Test]
        public void DisposeWhileResolving()
        {
            int completed = 0, refused = 0;
            for (int round = 0; round < 40; round++)
            {
                var r = Resolver.FromJson(Config);
                int disposeAfter = 50 + round * 7;
                Run(8, t =>
                {
                    for (int n = 0; n < 400; n++)
                    {
                        if (t == 0 && n == disposeAfter % 400)
                        {
                            r.Dispose();
                        }
                        try
                        {
                            var ctx = r.Resolve("10.1.2.3", RequestFor(n), new Identity { EndUserId = "user-" + n });
                            if (ctx.ToUserSecurityContextJson() != Expected(n)) throw new Exception("wrong result during disposal");
                            Interlocked.Increment(ref completed);
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref refused);
                        }
                    }
                });
                Assert.Throws<ObjectDisposedException>(() => r.Resolve("10.1.2.3", RequestFor(0)));
            }
            Assert.Greater(completed, 0);
            Assert.Greater(refused, 0);
        }

        /// <summary>Resolvers left to the finalizer or disposed, in a loop, while contexts they
        /// produced are still read: no double free, no use after free; a context renders every
        /// form whatever became of its resolver.</summary>
        [Test]
        public void FinalizationStress()
        {
            var keep = new List<KeyValuePair<int, SecurityContext>>();
            for (int round = 0; round < 30; round++)
            {
                for (int i = 0; i < 200; i++)
                {
                    var r = Resolver.FromJson(Config);
                    var ctx = r.Resolve("10.9.9.9", RequestFor(i), new Identity { EndUserId = "user-" + i, EndUserIdType = "aad" });
                    if (i % 50 == 1 || i % 50 == 3) keep.Add(new KeyValuePair<int, SecurityContext>(i, ctx));
                    if (i % 3 == 0) r.Dispose();
                }
                GC.Collect();
                GC.WaitForPendingFinalizers();
                foreach (var k in keep)
                {
                    Assert.AreEqual(Expected(k.Key), k.Value.ToUserSecurityContextJson());
                    Assert.AreEqual("10.9.9.9", k.Value.Peer);
                    // Disposed or finalized, the resolver is not needed to render.
                    StringAssert.Contains("\"SourceIP\":\"10.9.9.9\"", k.Value.ForApiVersion("2024-10-21").ValueJson.Replace("\\\"", "\""));
                    StringAssert.Contains("\"EndUserId\":\"user-" + k.Key + "\"", k.Value.ToLegacyUserJson());
                }
            }
            Assert.Greater(keep.Count, 0);
            Assert.IsTrue(keep.Exists(k => k.Key % 3 == 0));
            Assert.IsTrue(keep.Exists(k => k.Key % 3 != 0));
        }
    }
}
