using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Threading;

namespace SecCtx.Tests
{
    static class Support
    {
        public static KeyValuePair<string, string> H(string name, string value)
        {
            return new KeyValuePair<string, string>(name, value);
        }

        /// <summary>The repository root: $SECCTX_REPO_ROOT (set by the Makefile), else found by
        /// walking up from the test assembly to the directory holding bindings-dotnet/.</summary>
        public static string RepoRoot
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("SECCTX_REPO_ROOT");
                if (!string.IsNullOrEmpty(env)) return env;
                string dir = Path.GetDirectoryName(typeof(Support).Assembly.Location);
                while (dir != null)
                {
                    if (Directory.Exists(Path.Combine(dir, "bindings-dotnet"))) return dir;
                    dir = Path.GetDirectoryName(dir);
                }
                throw new InvalidOperationException("cannot find the repository root: set SECCTX_REPO_ROOT");
            }
        }

        public static string CliPath
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("SECCTX_CLI");
                return string.IsNullOrEmpty(env) ? Path.Combine(RepoRoot, "target", "debug", "secctx") : env;
            }
        }
    }

    /// <summary>
    /// `secctx mock` started for one test: listens on 127.0.0.1 with an ephemeral port, exits by
    /// itself after --max-lifetime, and is killed on Dispose.
    /// </summary>
    sealed class MockEndpoint : IDisposable
    {
        readonly Process process;
        readonly string dir;
        public readonly string BaseUrl;
        public readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        public MockEndpoint()
        {
            string cli = Support.CliPath;
            if (!File.Exists(cli)) throw new FileNotFoundException("the secctx CLI is not built (cargo build -p secctx-cli)", cli);
            dir = Path.Combine(Path.GetTempPath(), "secctx-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string portFile = Path.Combine(dir, "port");
            var info = new ProcessStartInfo(cli, "mock --listen 127.0.0.1:0 --port-file \"" + portFile + "\" --max-lifetime 300")
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            process = Process.Start(info);
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (s, e) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                if (File.Exists(portFile))
                {
                    string text = File.ReadAllText(portFile).Trim();
                    if (text.Length > 0)
                    {
                        BaseUrl = "http://" + text;
                        break;
                    }
                }
                if (process.HasExited)
                {
                    string err;
                    lock (stderr) err = stderr.ToString();
                    throw new InvalidOperationException("secctx mock exited with " + process.ExitCode + ": " + err);
                }
                if (DateTime.UtcNow > deadline)
                {
                    Dispose();
                    throw new TimeoutException("secctx mock did not write its port file within 30 s");
                }
                Thread.Sleep(20);
            }
        }

        /// <summary>GET /_secctx/requests, parsed.</summary>
        public Json Requests()
        {
            string text = Http.GetStringAsync(BaseUrl + "/_secctx/requests").Result;
            return Json.Parse(text);
        }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
            Http.Dispose();
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
