// The .NET demo of `make demo`: resolve a request that came through Application Gateway, send a
// chat completion carrying the context with HttpClient to a freshly started `secctx mock`, and
// print what the mock recorded.
//
//   LD_LIBRARY_PATH=target/debug SECCTX_CLI=target/debug/secctx mono Demo.exe

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using SecCtx;

static class Demo
{
    static int Main()
    {
        string cli = Environment.GetEnvironmentVariable("SECCTX_CLI") ?? "target/debug/secctx";
        string dir = Path.Combine(Path.GetTempPath(), "secctx-dotnet-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string portFile = Path.Combine(dir, "port");
        var mock = Process.Start(new ProcessStartInfo(cli, "mock --listen 127.0.0.1:0 --port-file \"" + portFile + "\" --max-lifetime 120")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        mock.ErrorDataReceived += (s, e) => { };
        mock.BeginErrorReadLine();
        try
        {
            string baseUrl = WaitForPort(portFile, mock);

            // 1. One resolver for the application, compiled once from the shared JSON configuration.
            using (var resolver = Resolver.FromJson("{\"application_name\": \"contoso-chat\", \"trusted_proxies\": [\"10.1.0.0/24\"]}"))
            {
                // 2. A request as the app server sees it behind Application Gateway (10.1.0.4), whose
                //    client forged the first X-Forwarded-For entry.
                var headers = new List<KeyValuePair<string, string>>
                {
                    new KeyValuePair<string, string>("User-Agent", "Mozilla/5.0 (demo)"),
                    new KeyValuePair<string, string>("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123"),
                    new KeyValuePair<string, string>("Authorization", "Bearer never-forwarded"),
                };
                SecurityContext ctx = resolver.Resolve("10.1.0.4:61000", headers, new Identity
                {
                    EndUserId = "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
                    EndUserIdType = "aad",
                    EndUserTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
                });
                Console.WriteLine("resolved: source_ip=" + ctx.SourceIp + " (" + ctx.Reason + ")");
                Console.WriteLine("user_security_context: " + ctx.ToUserSecurityContextJson());

                // 3. A chat completion carrying the field the api-version takes.
                using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
                {
                    foreach (string apiVersion in new[] { "2024-12-01-preview", "2024-10-21" })
                    {
                        BodyField field = ctx.ForApiVersion(apiVersion);
                        string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Summarise our Q3 numbers.\"}],\"" + field.FieldName + "\":" + field.ValueJson + "}";
                        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/openai/deployments/gpt-4o/chat/completions?api-version=" + apiVersion)
                        {
                            Content = new StringContent(body, Encoding.UTF8, "application/json"),
                        };
                        request.Headers.Add("api-key", "demo-key");
                        var response = http.SendAsync(request).Result;
                        Console.WriteLine("POST api-version=" + apiVersion + " (" + field.FieldName + ") -> " + (int)response.StatusCode);
                        if (!response.IsSuccessStatusCode) return 1;
                    }

                    // 4. What the endpoint received.
                    Console.WriteLine("the mock recorded:");
                    Console.WriteLine(http.GetStringAsync(baseUrl + "/_secctx/requests").Result);
                }
            }
            return 0;
        }
        finally
        {
            if (!mock.HasExited) mock.Kill();
            mock.WaitForExit(10000);
            Directory.Delete(dir, true);
        }
    }

    static string WaitForPort(string portFile, Process mock)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(portFile))
            {
                string text = File.ReadAllText(portFile).Trim();
                if (text.Length > 0) return "http://" + text;
            }
            if (mock.HasExited) throw new InvalidOperationException("secctx mock exited with " + mock.ExitCode);
            Thread.Sleep(20);
        }
        throw new TimeoutException("secctx mock did not start within 30 s");
    }
}
