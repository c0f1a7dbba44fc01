using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using NUnit.Framework;

namespace SecCtx.Tests
{
    /// <summary>
    /// A real System.Net.HttpListener application on 127.0.0.1 that resolves each request with
    /// SecCtx, reached directly or through simulated reverse proxies: TCP forwarders bound to other
    /// loopback addresses (127.0.0.2, 127.0.0.3) that append the address they accepted from to
    /// X-Forwarded-For, as nginx or App Gateway do. The client connects from 127.0.0.9.
    /// </summary>
    [TestFixture]
    public class HttpListenerTests
    {
        static readonly IPAddress App = IPAddress.Parse("127.0.0.1");
        static readonly IPAddress ProxyB = IPAddress.Parse("127.0.0.2"); // next to the app
        static readonly IPAddress ProxyA = IPAddress.Parse("127.0.0.3"); // the edge
        static readonly IPAddress Client = IPAddress.Parse("127.0.0.9");

        HttpListener listener;
        Thread server;
        Resolver resolver;
        int appPort;

        [TestFixtureSetUp]
        public void Start()
        {
            resolver = Resolver.FromJson("{\"application_name\": \"listener-app\", \"trusted_proxies\": [\"127.0.0.2\", \"127.0.0.3\"]}");
            appPort = FreePort(App);
            listener = new HttpListener();
            listener.Prefixes.Add("http://127.0.0.1:" + appPort + "/");
            listener.Start();
            server = new Thread(Serve) { IsBackground = true, Name = "app" };
            server.Start();
        }

        [TestFixtureTearDown]
        public void Stop()
        {
            listener.Close();
            resolver.Dispose();
        }

        void Serve()
        {
            while (listener.IsListening)
            {
                HttpListenerContext http;
                try
                {
                    http = listener.GetContext();
                }
                catch (Exception)
                {
                    return;
                }
                string body;
                int status = 200;
                try
                {
                    var headers = new List<KeyValuePair<string, string>>();
                    foreach (string name in http.Request.Headers.AllKeys)
                    {
                        headers.Add(new KeyValuePair<string, string>(name, http.Request.Headers.Get(name)));
                    }
                    var ctx = resolver.Resolve(http.Request.RemoteEndPoint.ToString(), headers, new Identity { EndUserId = "listener-user", EndUserIdType = "other" });
                    body = "{\"usc\":" + ctx.ToUserSecurityContextJson() + ",\"record\":" + ctx.ToJson() + "}";
                }
                catch (Exception e)
                {
                    status = 500;
                    body = e.ToString();
                }
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                http.Response.StatusCode = status;
                http.Response.KeepAlive = false;
                http.Response.ContentType = "application/json";
                http.Response.ContentLength64 = bytes.Length;
                http.Response.OutputStream.Write(bytes, 0, bytes.Length);
                http.Response.Close();
            }
        }

        static int FreePort(IPAddress ip)
        {
            var l = new TcpListener(ip, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        /// <summary>Sends a GET from <paramref name="from"/> to <paramref name="to"/> over a raw socket
        /// (so the source address can be chosen) and returns the response body.</summary>
        static string Get(IPAddress from, IPEndPoint to, string extraHeaders)
        {
            using (var tcp = new TcpClient(new IPEndPoint(from, 0)))
            {
                tcp.ReceiveTimeout = 20000;
                tcp.Connect(to);
                var stream = tcp.GetStream();
                string head = "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:" + to.Port + "\r\nUser-Agent: listener-test\r\n" + extraHeaders + "Connection: close\r\n\r\n";
                byte[] bytes = Encoding.ASCII.GetBytes(head);
                stream.Write(bytes, 0, bytes.Length);
                string response = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
                int split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                Assert.That(split, Is.GreaterThan(0), "no HTTP response: " + response);
                StringAssert.StartsWith("HTTP/1.1 200", response, response);
                return response.Substring(split + 4);
            }
        }

        /// <summary>A reverse proxy: accepts on <c>own</c>, appends the peer it accepted from to
        /// X-Forwarded-For and forwards to <c>next</c> from its own address.</summary>
        sealed class Proxy : IDisposable
        {
            readonly TcpListener accept;
            readonly IPAddress own;
            readonly IPEndPoint next;
            public readonly IPEndPoint EndPoint;

            public Proxy(IPAddress own, IPEndPoint next)
            {
                this.own = own;
                this.next = next;
                accept = new TcpListener(own, 0);
                accept.Start();
                EndPoint = (IPEndPoint)accept.LocalEndpoint;
                new Thread(Loop) { IsBackground = true, Name = "proxy " + own }.Start();
            }

            void Loop()
            {
                while (true)
                {
                    TcpClient inbound;
                    try
                    {
                        inbound = accept.AcceptTcpClient();
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    try
                    {
                        Forward(inbound);
                    }
                    catch (Exception)
                    {
                        // the test sees the failure as a missing response
                    }
                    finally
                    {
                        inbound.Close();
                    }
                }
            }

            void Forward(TcpClient inbound)
            {
                var input = inbound.GetStream();
                var head = new StringBuilder();
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
                {
                    int b = input.ReadByte();
                    if (b < 0) return;
                    head.Append((char)b);
                }
                string peer = ((IPEndPoint)inbound.Client.RemoteEndPoint).Address.ToString();
                var lines = new List<string>(head.ToString().Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries));
                bool appended = false;
                for (int i = 1; i < lines.Count; i++)
                {
                    if (lines[i].StartsWith("X-Forwarded-For:", StringComparison.OrdinalIgnoreCase))
                    {
                        lines[i] = lines[i] + ", " + peer;
                        appended = true;
                    }
                }
                if (!appended) lines.Add("X-Forwarded-For: " + peer);
                using (var outbound = new TcpClient(new IPEndPoint(own, 0)))
                {
                    outbound.Connect(next);
                    var o = outbound.GetStream();
                    byte[] bytes = Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");
                    o.Write(bytes, 0, bytes.Length);
                    o.CopyTo(input);
                }
            }

            public void Dispose()
            {
                accept.Stop();
            }
        }

        static Json Record(string body)
        {
            return Json.Parse(body)["record"];
        }

        [Test]
        public void DirectClientCannotSpoof()
        {
            string body = Get(Client, new IPEndPoint(App, appPort), "X-Forwarded-For: 6.6.6.6\r\n");
            Json usc = Json.Parse(body)["usc"];
            Assert.AreEqual("127.0.0.9", usc["source_ip"].Str);
            Assert.AreEqual("listener-app", usc["application_name"].Str);
            Assert.AreEqual("listener-user", usc["end_user_id"].Str);
            Json rec = Record(body);
            Assert.AreEqual("peer_untrusted", rec["reason"]["code"].Str);
            Assert.AreEqual("127.0.0.9", rec["peer"].Str);
            Assert.AreEqual("6.6.6.6", rec["source_request_headers"]["X-Forwarded-For"].Str);
        }

        [Test]
        public void ThroughTwoProxiesTheClientIsFound()
        {
            using (var b = new Proxy(ProxyB, new IPEndPoint(App, appPort)))
            using (var a = new Proxy(ProxyA, b.EndPoint))
            {
                // The client forges an entry, and even one that names a trusted proxy.
                string body = Get(Client, a.EndPoint, "X-Forwarded-For: 6.6.6.6, 127.0.0.3\r\n");
                Json rec = Record(body);
                Assert.AreEqual("127.0.0.9", rec["source_ip"].Str, body);
                Assert.AreEqual("127.0.0.2", rec["peer"].Str);
                Assert.AreEqual("chosen_at_hop", rec["reason"]["code"].Str);
                Assert.AreEqual("2", rec["reason"]["hop"].Raw);
                Assert.AreEqual("6.6.6.6, 127.0.0.3, 127.0.0.9, 127.0.0.3", rec["source_request_headers"]["X-Forwarded-For"].Str);
                Assert.AreEqual("listener-test", rec["source_request_headers"]["User-Agent"].Str);
                Assert.AreEqual("127.0.0.9", Json.Parse(body)["usc"]["source_ip"].Str);
            }
        }

        [Test]
        public void OneProxyAndNoClaimedChain()
        {
            using (var b = new Proxy(ProxyB, new IPEndPoint(App, appPort)))
            {
                string body = Get(Client, b.EndPoint, "");
                Json rec = Record(body);
                Assert.AreEqual("127.0.0.9", rec["source_ip"].Str, body);
                Assert.AreEqual("1", rec["reason"]["hop"].Raw);
            }
        }

        [Test]
        public void InjectedGarbageAtTheClientPositionIsNotSkipped()
        {
            // Garbage to the left of the client is never looked at.
            using (var b = new Proxy(ProxyB, new IPEndPoint(App, appPort)))
            {
                string body = Get(Client, b.EndPoint, "X-Forwarded-For: unknown, 1.2.3.4\r\n");
                Assert.AreEqual("127.0.0.9", Record(body)["source_ip"].Str, body);
            }
            using (var b = new Proxy(ProxyB, new IPEndPoint(App, appPort)))
            {
                // A request arriving from the trusted edge (127.0.0.3) with garbage right behind it:
                // the walk reaches the garbage at hop 2 and stops, never skipping to 1.2.3.4.
                string body = Get(ProxyA, b.EndPoint, "X-Forwarded-For: 1.2.3.4, unknown\r\n");
                Json rec = Record(body);
                Assert.IsTrue(rec["source_ip"].IsNull, body);
                Assert.AreEqual("invalid_entry", rec["reason"]["code"].Str);
                Assert.AreEqual("2", rec["reason"]["hop"].Raw);
            }
        }
    }
}
