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
    /// <para>The context holds a small native object, freed when the context is garbage collected.
    /// <see cref="Dispose"/> frees it at once (optional); afterwards members that still need it
    /// throw <see cref="ObjectDisposedException"/>. A context may be read from several threads.</para>
    /// </remarks>
    public sealed class SecurityContext : IDisposable
    {
        readonly ContextHandle handle;
        readonly Native.ContextView view;
        volatile ContextFields fields;
        volatile string userSecurityContextJson;

        internal SecurityContext(ContextHandle handle, Native.ContextView view)
        {
            this.handle = handle;
            this.view = view;
        }

        /// <summary>The application's name (per request, else the configuration's).</summary>
        public string ApplicationName { get { return Fields.ApplicationName; } }

        /// <summary>The end user's id.</summary>
        public string EndUserId { get { return Fields.EndUserId; } }

        /// <summary>The identity provider behind the id: <c>AAD</c>, <c>Google</c> or <c>Other</c>.</summary>
        public string EndUserIdType { get { return Fields.EndUserIdType; } }

        /// <summary>The end user's tenant id.</summary>
        public string EndUserTenantId { get { return Fields.EndUserTenantId; } }

        /// <summary>The original client's address, canonical (<c>source_ip</c>, SPEC section 4);
        /// null when it cannot be known.</summary>
        public string SourceIp { get { return Fields.SourceIp; } }

        /// <summary>The immediate peer's address, canonical (the legacy <c>SourceIP</c>); null when unknown.</summary>
        public string Peer { get { return Fields.Peer; } }

        /// <summary>The allow-listed request headers (the legacy <c>SourceRequestHeaders</c>), in
        /// allow-list order, with the spellings SPEC section 5 prescribes.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> SourceRequestHeaders { get { return Fields.SourceRequestHeaders; } }

        /// <summary>Why <see cref="SourceIp"/> is what it is, as a sentence for logs.</summary>
        public string Reason { get { return Fields.Reason; } }

        /// <summary>Why <see cref="SourceIp"/> is what it is, as a stable code: <c>peer_unknown</c>,
        /// <c>peer_untrusted</c>, <c>chosen_at_hop</c>, <c>invalid_entry</c>, <c>too_many_hops</c>, …</summary>
        public string ReasonCode { get { return Fields.ReasonCode; } }

        /// <summary>The hop the reason is about (<c>chosen_at_hop</c>, <c>invalid_entry</c>), counted
        /// from the right starting at 1; null for other reasons.</summary>
        public int? ReasonHop { get { return Fields.ReasonHop; } }

        /// <summary>Where the end user's identity came from: <c>explicit</c>, <c>easy_auth</c> or <c>none</c>.</summary>
        public string IdentitySource { get { return Fields.IdentitySource; } }

        /// <summary>Set when App Service authentication headers were present but (partly) ignored:
        /// a stable code (<c>easy_auth_malformed</c>, <c>easy_auth_repeated</c>); null otherwise.</summary>
        public string EasyAuthNoteCode { get { return Fields.EasyAuthNoteCode; } }

        /// <summary>The same note as <see cref="EasyAuthNoteCode"/>, as a sentence; null otherwise.</summary>
        public string EasyAuthNote { get { return Fields.EasyAuthNote; } }

        ContextFields Fields
        {
            get
            {
                ContextFields f = fields;
                if (f != null) return f;
                bool added = false;
                try
                {
                    Native.Enter(handle, ref added);
                    var v = view;
                    f = Native.DecodeFields(ref v);
                }
                finally
                {
                    if (added) handle.DangerousRelease();
                }
                fields = f;
                return f;
            }
        }

        /// <summary>The <c>user_security_context</c> object (SPEC 2.1) as compact JSON: keys in the
        /// order <c>application_name</c>, <c>end_user_id</c>, <c>end_user_tenant_id</c>,
        /// <c>source_ip</c>; absent values omitted. Rendered by the native library when the
        /// context was resolved: reading it makes no native call.</summary>
        /// <returns>Compact JSON text, e.g. <c>{"application_name":"chat","source_ip":"203.0.113.7"}</c>.</returns>
        /// <exception cref="ObjectDisposedException">The context was disposed before this was first read.</exception>
        public string ToUserSecurityContextJson()
        {
            string json = userSecurityContextJson;
            if (json != null) return json;
            bool added = false;
            try
            {
                Native.Enter(handle, ref added);
                var v = view;
                json = Native.UserSecurityContextJson(ref v);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
            userSecurityContextJson = json;
            return json;
        }

        /// <summary>The legacy <c>user</c> document (SPEC 2.2) as compact JSON: <c>EndUserId</c>,
        /// <c>EndUserIdType</c>, <c>EndUserTenantId</c>, <c>SourceIP</c> (the peer),
        /// <c>SourceRequestHeaders</c>, <c>ApplicationName</c>.</summary>
        /// <returns>Compact JSON text (send it as the request's <c>user</c> string).</returns>
        /// <exception cref="SecCtxException"><c>missing_end_user_id_type</c>: there is an
        /// <c>EndUserId</c> but no <c>EndUserIdType</c>.</exception>
        /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
        public string ToLegacyUserJson()
        {
            bool added = false;
            try
            {
                Native.Enter(handle, ref added);
                return Native.LegacyUserJson(handle);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>The request-body field an api-version takes (SPEC 2.3):
        /// <c>user_security_context</c> for <c>v1</c>, <c>latest</c>, <c>preview</c> and previews
        /// from 2024-12-01; the legacy <c>user</c> string for GA versions and earlier previews.</summary>
        /// <param name="apiVersion">The Azure OpenAI api-version of the request, e.g. <c>2024-10-21</c>.</param>
        /// <returns>The field's name and JSON value.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="apiVersion"/> is null.</exception>
        /// <exception cref="SecCtxException"><c>invalid_api_version</c> for anything else (surrounding
        /// spaces included); <c>missing_end_user_id_type</c> when the legacy form is chosen and
        /// cannot be rendered.</exception>
        /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
        public BodyField ForApiVersion(string apiVersion)
        {
            if (apiVersion == null) throw new ArgumentNullException(nameof(apiVersion));
            bool added = false;
            try
            {
                Native.Enter(handle, ref added);
                try
                {
                    return Native.ForApiVersion(handle, apiVersion);
                }
                catch (System.Text.EncoderFallbackException e)
                {
                    throw new ArgumentException("apiVersion holds a lone surrogate", nameof(apiVersion), e);
                }
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>The full record for logs, as one JSON object: the fields, <c>peer</c>,
        /// <c>source_request_headers</c>, <c>reason</c> (<c>{"code", "hop"?, "text"}</c>),
        /// <c>identity_source</c> and <c>easy_auth_note</c>.</summary>
        /// <returns>Compact JSON text.</returns>
        /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
        public string ToJson()
        {
            bool added = false;
            try
            {
                Native.Enter(handle, ref added);
                return Native.RecordJson(handle);
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }

        /// <summary>The <c>user_security_context</c> JSON (see <see cref="ToUserSecurityContextJson"/>).</summary>
        /// <returns>Compact JSON text.</returns>
        public override string ToString()
        {
            return ToUserSecurityContextJson();
        }

        /// <summary>Frees the native context now instead of at garbage collection. Safe to call
        /// more than once and while other threads read the context.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }
    }
}
