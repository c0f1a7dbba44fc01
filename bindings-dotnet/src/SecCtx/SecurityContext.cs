using System;
using System.Collections.Generic;

namespace SecCtx
{
    /// <summary>
    /// The security context of one request: who sent it, from where, and why secctx thinks so.
    /// Produced by <see cref="Resolver.Resolve(string, IEnumerable{KeyValuePair{string, string}}, Identity)"/>.
    /// </summary>
    /// <remarks>
    /// <para>Render it with <see cref="ToUserSecurityContextJson"/> (current API versions),
    /// <see cref="ToLegacyUserJson"/> (older ones), or let <see cref="ForApiVersion"/> choose.
    /// Absent values are null.</para>
    /// <para>A context is a plain managed object: it holds no native memory (the library's whole
    /// answer is copied out during <c>Resolve</c>), so there is nothing to dispose. Each property is
    /// decoded from that copy the first time it is read; <see cref="ToLegacyUserJson"/>,
    /// <see cref="ForApiVersion"/> and <see cref="ToJson"/> have the library render that copy.
    /// A context does not depend on its <see cref="Resolver"/>: everything keeps working after
    /// the resolver is disposed. A context may be read from several threads.</para>
    /// </remarks>
    public sealed class SecurityContext
    {
        // Indices of the fields of the packed result (secctx_resolve_packed_into), in order; the
        // bare 4-byte reason_hop follows ReasonText.
        const int ApplicationNameField = 0;
        const int EndUserIdField = 1;
        const int EndUserIdTypeField = 2;
        const int EndUserTenantIdField = 3;
        const int SourceIpField = 4;
        const int PeerField = 5;
        const int ReasonCodeField = 6;
        const int ReasonTextField = 7;
        const int IdentitySourceField = 8;
        const int EasyAuthNoteCodeField = 9;
        const int EasyAuthNoteTextField = 10;
        const int UserSecurityContextJsonField = 11;
        const int Fields = 12;

        // Stands for a decoded absent value in `strings` (null there means "not decoded yet").
        static readonly string AbsentValue = new string('\0', 1);

        // The packed result of secctx_resolve_packed_into, exactly.
        readonly byte[] data;
        readonly int resultLength;
        string userSecurityContextJson;
        string[] strings;
        IReadOnlyList<KeyValuePair<string, string>> sourceRequestHeaders;

        internal SecurityContext(byte[] data)
        {
            this.data = data;
            resultLength = data.Length;
        }

        /// <summary>The application's name (per request, else the configuration's).</summary>
        public string ApplicationName { get { return Get(ApplicationNameField); } }

        /// <summary>The end user's id.</summary>
        public string EndUserId { get { return Get(EndUserIdField); } }

        /// <summary>The identity provider behind the id: <c>AAD</c>, <c>Google</c> or <c>Other</c>.</summary>
        public string EndUserIdType { get { return Get(EndUserIdTypeField); } }

        /// <summary>The end user's tenant id.</summary>
        public string EndUserTenantId { get { return Get(EndUserTenantIdField); } }

        /// <summary>The original client's address, canonical (<c>source_ip</c>, SPEC section 4);
        /// null when it cannot be known.</summary>
        public string SourceIp { get { return Get(SourceIpField); } }

        /// <summary>The immediate peer's address, canonical (the legacy <c>SourceIP</c>); null when unknown.</summary>
        public string Peer { get { return Get(PeerField); } }

        /// <summary>The allow-listed request headers (the legacy <c>SourceRequestHeaders</c>), in
        /// allow-list order, with the spellings SPEC section 5 prescribes.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> SourceRequestHeaders
        {
            get
            {
                IReadOnlyList<KeyValuePair<string, string>> headers = sourceRequestHeaders;
                if (headers == null)
                {
                    headers = DecodeHeaders();
                    sourceRequestHeaders = headers;
                }
                return headers;
            }
        }

        /// <summary>Why <see cref="SourceIp"/> is what it is, as a sentence for logs.</summary>
        public string Reason { get { return Get(ReasonTextField); } }

        /// <summary>Why <see cref="SourceIp"/> is what it is, as a stable code: <c>peer_unknown</c>,
        /// <c>peer_untrusted</c>, <c>chosen_at_hop</c>, <c>invalid_entry</c>, <c>too_many_hops</c>, …</summary>
        public string ReasonCode { get { return Get(ReasonCodeField); } }

        /// <summary>The hop the reason is about (<c>chosen_at_hop</c>, <c>invalid_entry</c>), counted
        /// from the right starting at 1; null for other reasons.</summary>
        public int? ReasonHop
        {
            get
            {
                // Skip(0, n) passes the hop too once it passes ReasonText.
                int at = Skip(0, ReasonTextField + 1) - 4;
                uint hop = ReadLength(at);
                return hop == 0 ? (int?)null : (int)hop;
            }
        }

        /// <summary>Where the end user's identity came from: <c>explicit</c>, <c>easy_auth</c> or <c>none</c>.</summary>
        public string IdentitySource { get { return Get(IdentitySourceField); } }

        /// <summary>Set when App Service authentication headers were present but (partly) ignored:
        /// a stable code (<c>easy_auth_malformed</c>, <c>easy_auth_repeated</c>); null otherwise.</summary>
        public string EasyAuthNoteCode { get { return Get(EasyAuthNoteCodeField); } }

        /// <summary>The same note as <see cref="EasyAuthNoteCode"/>, as a sentence; null otherwise.</summary>
        public string EasyAuthNote { get { return Get(EasyAuthNoteTextField); } }

        /// <summary>The <c>user_security_context</c> object (SPEC 2.1) as compact JSON: keys in the
        /// order <c>application_name</c>, <c>end_user_id</c>, <c>end_user_tenant_id</c>,
        /// <c>source_ip</c>; absent values omitted. Rendered by the native library during
        /// <c>Resolve</c>: reading it makes no native call.</summary>
        /// <returns>Compact JSON text, e.g. <c>{"application_name":"chat","source_ip":"203.0.113.7"}</c>.</returns>
        public string ToUserSecurityContextJson()
        {
            string json = userSecurityContextJson;
            if (json == null)
            {
                json = Decode(UserSecurityContextJsonField) ?? "{}";
                userSecurityContextJson = json;
            }
            return json;
        }

        /// <summary>The legacy <c>user</c> document (SPEC 2.2) as compact JSON: <c>EndUserId</c>,
        /// <c>EndUserIdType</c>, <c>EndUserTenantId</c>, <c>SourceIP</c> (the peer),
        /// <c>SourceRequestHeaders</c>, <c>ApplicationName</c>.</summary>
        /// <returns>Compact JSON text (send it as the request's <c>user</c> string).</returns>
        /// <exception cref="SecCtxException"><c>missing_end_user_id_type</c>: there is an
        /// <c>EndUserId</c> but no <c>EndUserIdType</c>.</exception>
        public string ToLegacyUserJson()
        {
            return Native.LegacyUserJson(data);
        }

        /// <summary>The request-body field an api-version takes (SPEC 2.3):
        /// <c>user_security_context</c> for <c>v1</c>, <c>latest</c>, <c>preview</c> and previews
        /// from 2024-12-01; the legacy <c>user</c> string for GA versions and earlier previews.</summary>
        /// <param name="apiVersion">The Azure OpenAI api-version of the request, e.g. <c>2024-10-21</c>.</param>
        /// <returns>The field's name and JSON value.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="apiVersion"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="apiVersion"/> holds a lone surrogate.</exception>
        /// <exception cref="SecCtxException"><c>invalid_api_version</c> for anything else (surrounding
        /// spaces included); <c>missing_end_user_id_type</c> when the legacy form is chosen and
        /// cannot be rendered.</exception>
        public BodyField ForApiVersion(string apiVersion)
        {
            if (apiVersion == null) throw new ArgumentNullException(nameof(apiVersion));
            try
            {
                return Native.ForApiVersion(data, apiVersion);
            }
            catch (System.Text.EncoderFallbackException e)
            {
                throw new ArgumentException("apiVersion holds a lone surrogate", nameof(apiVersion), e);
            }
        }

        /// <summary>The full record for logs, as one JSON object: the fields, <c>peer</c>,
        /// <c>source_request_headers</c>, <c>reason</c> (<c>{"code", "hop"?, "text"}</c>),
        /// <c>identity_source</c> and <c>easy_auth_note</c>.</summary>
        /// <returns>Compact JSON text.</returns>
        public string ToJson()
        {
            return Native.RecordJson(data);
        }

        /// <summary>The <c>user_security_context</c> JSON (see <see cref="ToUserSecurityContextJson"/>).</summary>
        /// <returns>Compact JSON text.</returns>
        public override string ToString()
        {
            return ToUserSecurityContextJson();
        }

        // --- reading the packed result ------------------------------------------------------------

        /// <summary>A copy of the packed result (for tests).</summary>
        internal byte[] ResultBytes
        {
            get { return (byte[])data.Clone(); }
        }

        /// <summary>How many string fields have been decoded so far (for tests of lazy decoding).</summary>
        internal int DecodedFields
        {
            get
            {
                string[] decoded = strings;
                int n = userSecurityContextJson == null ? 0 : 1;
                if (decoded != null)
                {
                    foreach (string s in decoded) if (s != null) n++;
                }
                return n;
            }
        }

        /// <summary>Field <paramref name="field"/>, decoded on first use and kept.</summary>
        string Get(int field)
        {
            string[] decoded = strings;
            if (decoded == null)
            {
                decoded = new string[Fields];
                strings = decoded;
            }
            string s = decoded[field];
            if (s == null)
            {
                s = Decode(field) ?? AbsentValue;
                decoded[field] = s;
            }
            return ReferenceEquals(s, AbsentValue) ? null : s;
        }

        string Decode(int field)
        {
            int at = Skip(0, field);
            uint n = ReadLength(at);
            if (n == Native.Absent) return null;
            if (n > (uint)(resultLength - at - 4)) throw Malformed();
            return Native.Decode(data, at + 4, (int)n);
        }

        IReadOnlyList<KeyValuePair<string, string>> DecodeHeaders()
        {
            int at = Skip(0, Fields);
            int count = 0;
            for (int pos = at; pos < resultLength; count++) pos = Skip(pos, 2);
            var headers = new KeyValuePair<string, string>[count];
            for (int i = 0; i < count; i++)
            {
                string name = ReadString(ref at) ?? "";
                string value = ReadString(ref at) ?? "";
                headers[i] = new KeyValuePair<string, string>(name, value);
            }
            return Array.AsReadOnly(headers);
        }

        string ReadString(ref int at)
        {
            uint n = ReadLength(at);
            at += 4;
            if (n == Native.Absent) return null;
            if (n > (uint)(resultLength - at)) throw Malformed();
            string s = Native.Decode(data, at, (int)n);
            at += (int)n;
            return s;
        }

        /// <summary>The position after <paramref name="count"/> fields from <paramref name="at"/>
        /// (field indices counted from the start, the reason hop included when passed).</summary>
        unsafe int Skip(int at, int count)
        {
            bool fromStart = at == 0;
            int end = resultLength;
            fixed (byte* p = data)
            {
                for (int field = 0; field < count; field++)
                {
                    if (at > end - 4) throw Malformed();
                    uint n = *(uint*)(p + at);
                    at += 4;
                    if (n != Native.Absent)
                    {
                        if (n > (uint)(end - at)) throw Malformed();
                        at += (int)n;
                    }
                    if (fromStart && field == ReasonTextField) at += 4;
                }
            }
            return at;
        }

        unsafe uint ReadLength(int at)
        {
            if (at < 0 || at > resultLength - 4) throw Malformed();
            fixed (byte* p = data)
            {
                return *(uint*)(p + at);
            }
        }

        static Exception Malformed()
        {
            return new InvalidOperationException("secctx returned a malformed result (a native library of another version?)");
        }
    }
}
