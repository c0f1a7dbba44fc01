using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace SecCtx.Tests
{
    /// <summary>
    /// The shared conformance corpus (SPEC section 7): every case of tests/vectors/*.json, or of
    /// $SECCTX_VECTORS when set, through the .NET API, compared as core/src/conformance.rs compares.
    /// </summary>
    [TestFixture]
    public class VectorTests
    {
        public static string VectorsDir
        {
            get
            {
                string env = Environment.GetEnvironmentVariable("SECCTX_VECTORS");
                return string.IsNullOrEmpty(env) ? Path.Combine(Support.RepoRoot, "tests", "vectors") : env;
            }
        }

        sealed class Case
        {
            public string File;
            public Json Body;
        }

        static List<Case> Load()
        {
            string dir = VectorsDir;
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException(dir + ": the conformance corpus directory does not exist");
            var files = Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new InvalidOperationException(dir + ": no *.json vector files");
            var cases = new List<Case>();
            foreach (string file in files)
            {
                Json doc;
                try
                {
                    doc = Json.Parse(File.ReadAllText(file));
                }
                catch (FormatException e)
                {
                    throw new InvalidOperationException(file + ": " + e.Message);
                }
                var items = doc.Kind == JsonKind.Array ? doc.Items : new List<Json> { doc };
                foreach (Json item in items)
                {
                    if (item.Kind != JsonKind.Object) throw new InvalidOperationException(file + ": a case is not an object");
                    cases.Add(new Case { File = Path.GetFileName(file), Body = item });
                }
            }
            return cases;
        }

        public static IEnumerable<TestCaseData> Cases()
        {
            List<Case> cases;
            string error = null;
            try
            {
                cases = Load();
            }
            catch (Exception e)
            {
                cases = new List<Case>();
                error = e.Message;
            }
            if (error != null)
            {
                yield return new TestCaseData(null, null, error).SetName("vectors: cannot load the corpus");
                yield break;
            }
            int i = 0;
            foreach (Case c in cases)
            {
                Json name = c.Body["name"];
                string label = name != null && name.Kind == JsonKind.String ? name.Text : "#" + i;
                i++;
                yield return new TestCaseData(c.File, c.Body.Raw, null).SetName("vector " + c.File + " #" + i + ": " + label.Replace('.', '_'));
            }
        }

        [Test]
        public void CorpusHasCases()
        {
            var cases = Load();
            Assert.That(cases.Count, Is.GreaterThan(0), "no conformance cases in " + VectorsDir);
        }

        /// <summary>What one evaluation produced (the shape of `expect`).</summary>
        sealed class Outcome
        {
            public string Error;
            public string UscText;
            public string UserText;
            public string UserError;
            public string V1Field;
            public string GaField;
            public string GaError;
        }

        [TestCaseSource("Cases")]
        public void Vector(string file, string caseJson, string loadError)
        {
            if (loadError != null) Assert.Fail(loadError);
            Json c = Json.Parse(caseJson);
            Json config = c["config"];
            // As core/src/conformance.rs: an absent config is {}; anything else (null included) is passed as written.
            string configText = config == null ? "{}" : config.Raw;
            Json request = c["request"] ?? Json.Parse("{}");
            Json peerJson = request["peer"];
            string peer = peerJson == null || peerJson.IsNull ? null : peerJson.Str;
            var headers = new List<KeyValuePair<string, string>>();
            Json hs = request["headers"];
            if (hs != null)
            {
                foreach (Json pair in hs.Items)
                {
                    Assert.AreEqual(2, pair.Items.Count, "a header must be a [name, value] pair");
                    headers.Add(Support.H(pair[0].Str, pair[1].Str));
                }
            }
            Identity identity = null;
            Json id = c["identity"];
            if (id != null && !id.IsNull)
            {
                identity = new Identity();
                foreach (var m in id.Members)
                {
                    string v = m.Value.IsNull ? null : m.Value.Str;
                    switch (m.Key)
                    {
                        case "end_user_id": identity.EndUserId = v; break;
                        case "end_user_id_type": identity.EndUserIdType = v; break;
                        case "end_user_tenant_id": identity.EndUserTenantId = v; break;
                        case "application_name": identity.ApplicationName = v; break;
                        default: Assert.Fail("identity." + m.Key + " is not an identity key"); break;
                    }
                }
            }

            Outcome flat = Evaluate(configText, peer, identity, r => r.Resolve(peer, headers, identity));
            // The same request through the overload ASP.NET Core's header dictionary uses: values
            // grouped by name case-insensitively, instances kept in arrival order.
            var grouped = new List<KeyValuePair<string, IEnumerable<string>>>();
            var index = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in headers)
            {
                List<string> values;
                if (!index.TryGetValue(h.Key, out values))
                {
                    values = new List<string>();
                    index.Add(h.Key, values);
                    grouped.Add(new KeyValuePair<string, IEnumerable<string>>(h.Key, values));
                }
                values.Add(h.Value);
            }
            Outcome multi = Evaluate(configText, peer, identity, r => r.Resolve(peer, grouped, identity));

            CheckFilteringChangesNothing(configText, peer, headers, identity);

            Json expect = c["expect"];
            Assert.IsNotNull(expect, "the case has no expect");
            var problems = Compare(expect, flat);
            if (problems.Count > 0) Assert.Fail(string.Join("; ", problems));

            // Byte-identical output from both overloads, and ForApiVersion agreeing with the
            // direct renderings.
            Assert.AreEqual(flat.Error, multi.Error, "grouped overload: error");
            Assert.AreEqual(flat.UscText, multi.UscText, "grouped overload: user_security_context");
            Assert.AreEqual(flat.UserText, multi.UserText, "grouped overload: user");
            Assert.AreEqual(flat.UserError, multi.UserError, "grouped overload: user_error");
            if (flat.Error == null)
            {
                Assert.AreEqual("{\"user_security_context\":" + flat.UscText + "}", flat.V1Field);
                if (flat.UserError != null)
                {
                    Assert.AreEqual(flat.UserError, flat.GaError);
                }
                else
                {
                    Assert.AreEqual(flat.UserText, Json.Parse(flat.GaField)["user"].Str);
                }
            }
        }

        /// <summary>The binding packs only the headers the resolver may read: the library's whole
        /// answer (every field, byte for byte) and the forms rendered by resolving again are the
        /// same as with every header passed.</summary>
        static void CheckFilteringChangesNothing(string configText, string peer, List<KeyValuePair<string, string>> headers, Identity identity)
        {
            Resolver resolver;
            try
            {
                resolver = Resolver.FromJson(configText);
            }
            catch (SecCtxException)
            {
                return;
            }
            using (resolver)
            {
                SecurityContext filtered, every;
                try
                {
                    filtered = resolver.Resolve(peer, headers, identity);
                }
                catch (SecCtxException e)
                {
                    var again = Assert.Throws<SecCtxException>(() => resolver.Resolve(peer, headers, identity, HeaderFilter.KeepEvery));
                    Assert.AreEqual(e.Code, again.Code, "unfiltered: error");
                    return;
                }
                every = resolver.Resolve(peer, headers, identity, HeaderFilter.KeepEvery);
                CollectionAssert.AreEqual(every.ResultBytes, filtered.ResultBytes, "filtered headers: packed result");
                Assert.LessOrEqual(resolver.PackedLength(peer, headers, identity, resolver.Filter), resolver.PackedLength(peer, headers, identity, HeaderFilter.KeepEvery));
                Assert.AreEqual(every.ToJson(), filtered.ToJson(), "filtered headers: record");
                Assert.AreEqual(Legacy(every), Legacy(filtered), "filtered headers: user");
            }
        }

        static string Legacy(SecurityContext ctx)
        {
            try
            {
                return ctx.ToLegacyUserJson();
            }
            catch (SecCtxException e)
            {
                return "error: " + e.Code;
            }
        }

        static Outcome Evaluate(string configText, string peer, Identity identity, Func<Resolver, SecurityContext> resolve)
        {
            var o = new Outcome();
            Resolver resolver;
            try
            {
                resolver = Resolver.FromJson(configText);
            }
            catch (SecCtxException e)
            {
                Assert.AreNotEqual(ErrorKind.Unknown, e.Kind, "unknown error code " + e.Code);
                o.Error = e.Code;
                return o;
            }
            using (resolver)
            {
                SecurityContext ctx;
                try
                {
                    ctx = resolve(resolver);
                }
                catch (SecCtxException e)
                {
                    o.Error = e.Code;
                    return o;
                }
                o.UscText = ctx.ToUserSecurityContextJson();
                try
                {
                    o.UserText = ctx.ToLegacyUserJson();
                }
                catch (SecCtxException e)
                {
                    o.UserError = e.Code;
                }
                o.V1Field = ctx.ForApiVersion("v1").ToJson();
                try
                {
                    o.GaField = ctx.ForApiVersion("2024-10-21").ToJson();
                }
                catch (SecCtxException e)
                {
                    o.GaError = e.Code;
                }
                return o;
            }
        }

        /// <summary>core/src/conformance.rs `compare`: an expect holding `error` requires that error;
        /// otherwise user_security_context always, user / user_error when given.</summary>
        static List<string> Compare(Json expect, Outcome got)
        {
            var problems = new List<string>();
            Json wantError = expect["error"];
            if (wantError != null)
            {
                if (got.Error != wantError.Str)
                {
                    problems.Add("expected error " + wantError.Raw + ", got " + (got.Error == null ? "no error" : "error " + got.Error));
                }
                return problems;
            }
            if (got.Error != null)
            {
                problems.Add("expected no error, got error " + got.Error);
                return problems;
            }
            Json usc = Json.Parse(got.UscText);
            if (!Json.DeepEquals(expect["user_security_context"], usc))
            {
                problems.Add("user_security_context: expected " + Raw(expect["user_security_context"]) + ", got " + got.UscText);
            }
            Json wantUser = expect["user"];
            if (wantUser != null)
            {
                Json user = got.UserText == null ? null : Json.Parse(got.UserText);
                if (!Json.DeepEquals(wantUser, user))
                {
                    problems.Add("user: expected " + wantUser.Raw + ", got " + (got.UserText ?? "user_error " + got.UserError));
                }
            }
            Json wantUserError = expect["user_error"];
            if (wantUserError != null && got.UserError != wantUserError.Str)
            {
                problems.Add("user_error: expected " + wantUserError.Raw + ", got " + (got.UserError ?? "a rendered user document"));
            }
            return problems;
        }

        static string Raw(Json j)
        {
            return j == null ? "nothing" : j.Raw;
        }
    }
}
