// A small JSON reader for the tests only (the corpus files, the mock's records, the context's
// JSON output). It keeps objects' key order and each value's raw source text, so that a case's
// `config` reaches Resolver.FromJson exactly as the corpus file spells it. It is never shipped.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SecCtx.Tests
{
    public enum JsonKind { Null, Bool, Number, String, Array, Object }

    /// <summary>One parsed JSON value.</summary>
    public sealed class Json
    {
        public JsonKind Kind;
        public bool Bool;
        public string Text;   // the string's value, or a number's literal text
        public List<Json> Items;
        public List<KeyValuePair<string, Json>> Members;
        public string Raw;    // the value's source text

        public bool IsNull { get { return Kind == JsonKind.Null; } }

        /// <summary>The member named <paramref name="key"/> (the last one if repeated), or null.</summary>
        public Json Get(string key)
        {
            if (Kind != JsonKind.Object) return null;
            Json found = null;
            foreach (var m in Members) if (m.Key == key) found = m.Value;
            return found;
        }

        public Json this[string key] { get { return Get(key); } }

        public Json this[int index] { get { return Items[index]; } }

        public string Str
        {
            get
            {
                if (Kind != JsonKind.String) throw new InvalidOperationException("not a JSON string: " + Raw);
                return Text;
            }
        }

        /// <summary>Structural equality (SPEC section 7: objects compare as JSON values).</summary>
        public static bool DeepEquals(Json a, Json b)
        {
            if (a == null || b == null) return a == null && b == null;
            if (a.Kind != b.Kind) return false;
            switch (a.Kind)
            {
                case JsonKind.Null: return true;
                case JsonKind.Bool: return a.Bool == b.Bool;
                case JsonKind.String: return a.Text == b.Text;
                case JsonKind.Number:
                    return decimal.Parse(a.Text, NumberStyles.Float, CultureInfo.InvariantCulture)
                        == decimal.Parse(b.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                case JsonKind.Array:
                    if (a.Items.Count != b.Items.Count) return false;
                    for (int i = 0; i < a.Items.Count; i++)
                        if (!DeepEquals(a.Items[i], b.Items[i])) return false;
                    return true;
                default:
                    var ka = Keys(a);
                    var kb = Keys(b);
                    if (ka.Count != kb.Count) return false;
                    foreach (var k in ka)
                    {
                        if (!kb.Contains(k)) return false;
                        if (!DeepEquals(a.Get(k), b.Get(k))) return false;
                    }
                    return true;
            }
        }

        static HashSet<string> Keys(Json o)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in o.Members) set.Add(m.Key);
            return set;
        }

        public override string ToString() { return Raw; }

        public static Json Parse(string text)
        {
            var p = new Parser(text);
            p.Ws();
            var v = p.Value(0);
            p.Ws();
            if (p.Pos != text.Length) throw p.Error("trailing characters");
            return v;
        }

        sealed class Parser
        {
            readonly string s;
            public int Pos;

            public Parser(string text) { s = text; }

            public FormatException Error(string what)
            {
                return new FormatException("JSON: " + what + " at offset " + Pos);
            }

            public void Ws()
            {
                while (Pos < s.Length && (s[Pos] == ' ' || s[Pos] == '\t' || s[Pos] == '\n' || s[Pos] == '\r')) Pos++;
            }

            char Peek()
            {
                if (Pos >= s.Length) throw Error("unexpected end");
                return s[Pos];
            }

            void Expect(char c)
            {
                if (Peek() != c) throw Error("expected '" + c + "'");
                Pos++;
            }

            void Literal(string word)
            {
                if (string.CompareOrdinal(s, Pos, word, 0, word.Length) != 0) throw Error("expected " + word);
                Pos += word.Length;
            }

            public Json Value(int depth)
            {
                if (depth > 200) throw Error("nested too deeply");
                int start = Pos;
                var v = new Json();
                char c = Peek();
                if (c == '{')
                {
                    Pos++;
                    v.Kind = JsonKind.Object;
                    v.Members = new List<KeyValuePair<string, Json>>();
                    Ws();
                    if (Peek() == '}') { Pos++; }
                    else
                    {
                        while (true)
                        {
                            Ws();
                            if (Peek() != '"') throw Error("expected a key");
                            string key = StringBody();
                            Ws();
                            Expect(':');
                            Ws();
                            v.Members.Add(new KeyValuePair<string, Json>(key, Value(depth + 1)));
                            Ws();
                            if (Peek() == ',') { Pos++; continue; }
                            Expect('}');
                            break;
                        }
                    }
                }
                else if (c == '[')
                {
                    Pos++;
                    v.Kind = JsonKind.Array;
                    v.Items = new List<Json>();
                    Ws();
                    if (Peek() == ']') { Pos++; }
                    else
                    {
                        while (true)
                        {
                            Ws();
                            v.Items.Add(Value(depth + 1));
                            Ws();
                            if (Peek() == ',') { Pos++; continue; }
                            Expect(']');
                            break;
                        }
                    }
                }
                else if (c == '"') { v.Kind = JsonKind.String; v.Text = StringBody(); }
                else if (c == 't') { Literal("true"); v.Kind = JsonKind.Bool; v.Bool = true; }
                else if (c == 'f') { Literal("false"); v.Kind = JsonKind.Bool; }
                else if (c == 'n') { Literal("null"); v.Kind = JsonKind.Null; }
                else if (c == '-' || (c >= '0' && c <= '9'))
                {
                    while (Pos < s.Length && "+-.eE0123456789".IndexOf(s[Pos]) >= 0) Pos++;
                    v.Kind = JsonKind.Number;
                    v.Text = s.Substring(start, Pos - start);
                    double ignored;
                    if (!double.TryParse(v.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out ignored))
                        throw Error("bad number");
                }
                else throw Error("unexpected character '" + c + "'");
                v.Raw = s.Substring(start, Pos - start);
                return v;
            }

            string StringBody()
            {
                Expect('"');
                var sb = new StringBuilder();
                while (true)
                {
                    char c = Peek();
                    Pos++;
                    if (c == '"') break;
                    if (c < 0x20) throw Error("control character in string");
                    if (c != '\\') { sb.Append(c); continue; }
                    char e = Peek();
                    Pos++;
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (Pos + 4 > s.Length) throw Error("short \\u escape");
                            sb.Append((char)int.Parse(s.Substring(Pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            Pos += 4;
                            break;
                        default: throw Error("bad escape");
                    }
                }
                return sb.ToString();
            }
        }
    }
}
