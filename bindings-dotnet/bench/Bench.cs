// Benchmark of `make bench`: Resolve + ToUserSecurityContextJson on the typical request under
// Mono, against the same work through the C ABI from C (bench/baseline.c, the peer), in one run.
// Rounds alternate between the two so that load on the machine hits both alike; the best round of
// each is reported, and the difference is the interop overhead per call.
//
//   LD_LIBRARY_PATH=target/release mono Bench.exe target/dotnet/bench-baseline [ITERATIONS] [ROUNDS]

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using SecCtx;

static class Bench
{
    const string Config = "{\"application_name\": \"contoso-chat\", \"trusted_proxies\": [\"10.0.0.0/8\"]}";
    const string Peer = "10.1.0.4:61000";

    // The same request as baseline.c: peer, 3-entry X-Forwarded-For, a Forwarded, User-Agent and
    // 8 other ordinary headers.
    static readonly KeyValuePair<string, string>[] Headers =
    {
        H("Host", "contoso-chat.azurewebsites.net"),
        H("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"),
        H("Accept", "application/json, text/plain, */*"),
        H("Accept-Encoding", "gzip, deflate, br"),
        H("Accept-Language", "en-US,en;q=0.9"),
        H("Content-Type", "application/json"),
        H("Content-Length", "512"),
        H("X-Forwarded-For", "198.51.100.23, 203.0.113.7, 10.1.0.9"),
        H("Forwarded", "for=203.0.113.7;proto=https;by=10.1.0.9"),
        H("X-Forwarded-Proto", "https"),
        H("Origin", "https://contoso-chat.azurewebsites.net"),
        H("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    };

    static KeyValuePair<string, string> H(string n, string v)
    {
        return new KeyValuePair<string, string>(n, v);
    }

    static long sink;

    // CPU time of the whole process (every thread: JIT, GC, finalizer), from a clean heap to a
    // clean heap, so that the collection of the round's garbage is charged to the round that made
    // it. The machine is shared: wall time would count waiting for a core.
    static double Time(Resolver r, int iterations, bool render)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var self = Process.GetCurrentProcess();
        TimeSpan before = self.TotalProcessorTime;
        for (int i = 0; i < iterations; i++)
        {
            SecurityContext ctx = r.Resolve(Peer, Headers);
            if (render) sink += ctx.ToUserSecurityContextJson().Length;
            else sink += ctx.GetHashCode() & 1;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        self.Refresh();
        return (self.TotalProcessorTime - before).TotalMilliseconds * 1e6 / iterations;
    }

    static Dictionary<string, double> Baseline(string exe, int iterations)
    {
        var info = new ProcessStartInfo(exe, iterations.ToString(CultureInfo.InvariantCulture) + " 1")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        var result = new Dictionary<string, double>();
        using (var p = Process.Start(info))
        {
            string line;
            while ((line = p.StandardOutput.ReadLine()) != null)
            {
                string[] parts = line.Split(' ');
                if (parts.Length == 2) result[parts[0]] = double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException(exe + " exited with " + p.ExitCode);
        }
        return result;
    }

    static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Bench.exe BASELINE_EXE [ITERATIONS] [ROUNDS]");
            return 2;
        }
        int iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300000;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;

        var best = new Dictionary<string, double>();
        Action<string, double> keep = (name, ns) =>
        {
            double old;
            if (!best.TryGetValue(name, out old) || ns < old) best[name] = ns;
        };

        using (var r = Resolver.FromJson(Config))
        {
            string check = r.Resolve(Peer, Headers).ToUserSecurityContextJson();
            if (check != "{\"application_name\":\"contoso-chat\",\"source_ip\":\"203.0.113.7\"}")
            {
                Console.Error.WriteLine("unexpected result: " + check);
                return 1;
            }
            Time(r, iterations / 5, true);
            Time(r, iterations / 5, false);
            for (int round = 0; round < rounds; round++)
            {
                foreach (var kv in Baseline(args[0], iterations)) keep(kv.Key, kv.Value);
                keep("dotnet_resolve_usc", Time(r, iterations, true));
                keep("dotnet_resolve", Time(r, iterations, false));
            }
        }

        Console.WriteLine("secctx .NET binding under Mono " + MonoVersion() + ", native " + Resolver.NativeVersion);
        Console.WriteLine("typical request (peer, 3-entry X-Forwarded-For, Forwarded, User-Agent, 8 other headers)");
        Console.WriteLine(iterations + " calls per round, " + rounds + " rounds interleaved, best round of each; process CPU time per call");
        Console.WriteLine();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-70} {1,8}", "variant", "ns/call"));
        Print("C peer: secctx_resolve (12 headers) + user_security_context_json view", best["c_resolve"]);
        Print("C: secctx_resolve_packed (12 headers) + view (the binding's old call)", best["c_resolve_packed"]);
        Print("C: secctx_resolve_packed_into, 12 headers", best["c_resolve_packed_into"]);
        Print("C: secctx_resolve_packed_into, 3 read headers (the binding's call)", best["c_resolve_packed_into_read"]);
        Print(".NET: Resolve", best["dotnet_resolve"]);
        Print(".NET: Resolve + ToUserSecurityContextJson", best["dotnet_resolve_usc"]);
        Console.WriteLine();
        double dotnet = best["dotnet_resolve_usc"];
        double same = dotnet - best["c_resolve_packed_into_read"];
        double peer = dotnet - best["c_resolve"];
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "interop overhead vs the same native call from C (3 read headers): {0:F0} ns/call (ratio {1:F2})",
            same, dotnet / best["c_resolve_packed_into_read"]));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "vs the C peer (secctx_resolve with all 12 headers): {0:+0;-0} ns/call (ratio {1:F2})",
            peer, dotnet / best["c_resolve"]));
        Console.WriteLine(same <= 1000
            ? "target (overhead <= 1 us/call, vs the same native call): met"
            : "target (overhead <= 1 us/call, vs the same native call): NOT met");
        return sink > 0 ? 0 : 1;
    }

    static void Print(string name, double ns)
    {
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-70} {1,8:F0}", name, ns));
    }

    static string MonoVersion()
    {
        Type mono = Type.GetType("Mono.Runtime");
        if (mono == null) return "(not Mono)";
        var display = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        return display == null ? "?" : (string)display.Invoke(null, null);
    }
}
