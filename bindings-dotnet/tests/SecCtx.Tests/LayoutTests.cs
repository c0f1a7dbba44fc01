using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace SecCtx.Tests
{
    /// <summary>
    /// The C# mirrors of the C ABI's constants (src/SecCtx/Native.cs) must have exactly the
    /// values the C compiler gives them from bindings-c/include/secctx.h (tests/layout.c, built
    /// by the Makefile): a header change that is not carried over fails here, not in production.
    /// (The binding passes no structs: requests and results cross as packed byte buffers.)
    /// </summary>
    [TestFixture]
    public class LayoutTests
    {
        static Dictionary<string, long> CLayout()
        {
            string exe = Environment.GetEnvironmentVariable("SECCTX_LAYOUT_EXE");
            if (string.IsNullOrEmpty(exe)) exe = Path.Combine(Support.RepoRoot, "target", "dotnet", "layout");
            Assert.IsTrue(File.Exists(exe), exe + " is not built (make -C bindings-dotnet test builds it)");
            var info = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true };
            var result = new Dictionary<string, long>();
            using (var p = Process.Start(info))
            {
                string line;
                while ((line = p.StandardOutput.ReadLine()) != null)
                {
                    string[] parts = line.Split(' ');
                    result[parts[0]] = long.Parse(parts[1]);
                }
                p.WaitForExit();
                Assert.AreEqual(0, p.ExitCode);
            }
            return result;
        }

        [Test]
        public void ConstantsMatchTheHeader()
        {
            var c = CLayout();
            Assert.AreEqual(c["value:SECCTX_ERROR_CODE_INVALID_ARGUMENT"], (long)Native.CodeInvalidArgument);
        }

        [Test]
        public void ErrorCodesMapToTheSpecKinds()
        {
            // secctx_error_code_str is what SecCtxException.Code carries: every spec kind maps to
            // its ErrorKind, and the ABI's own codes to Internal.
            Assert.AreEqual(ErrorKind.InvalidConfig, SecCtxException.KindOf("invalid_config"));
            Assert.AreEqual(ErrorKind.InvalidIdentity, SecCtxException.KindOf("invalid_identity"));
            Assert.AreEqual(ErrorKind.MissingEndUserIdType, SecCtxException.KindOf("missing_end_user_id_type"));
            Assert.AreEqual(ErrorKind.InvalidApiVersion, SecCtxException.KindOf("invalid_api_version"));
            Assert.AreEqual(ErrorKind.Internal, SecCtxException.KindOf("invalid_argument"));
            Assert.AreEqual(ErrorKind.Internal, SecCtxException.KindOf("panic"));
            Assert.AreEqual(ErrorKind.Unknown, SecCtxException.KindOf("something_new"));
        }
    }
}
