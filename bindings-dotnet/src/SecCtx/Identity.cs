namespace SecCtx
{
    /// <summary>
    /// Identity values the application knows for one request. They win over anything derived
    /// from the request (App Service authentication headers). Null or empty means absent.
    /// </summary>
    /// <remarks>
    /// The user's identity is one unit: when <see cref="EndUserId"/> is set, nothing at all is
    /// taken from Easy Auth headers.
    /// </remarks>
    /// <example>
    /// <code>
    /// var identity = new Identity
    /// {
    ///     EndUserId = "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
    ///     EndUserIdType = "aad",
    ///     EndUserTenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
    /// };
    /// </code>
    /// </example>
    public sealed class Identity
    {
        /// <summary>The end user's id (for Microsoft Entra ID, the user's object id).</summary>
        public string EndUserId { get; set; }

        /// <summary>The identity provider: <c>aad</c>, <c>google</c> or <c>other</c>, in any case.
        /// Anything else makes <see cref="Resolver.Resolve(string, System.Collections.Generic.IEnumerable{System.Collections.Generic.KeyValuePair{string, string}}, Identity)"/>
        /// throw a <see cref="SecCtxException"/> with code <c>invalid_identity</c>.</summary>
        public string EndUserIdType { get; set; }

        /// <summary>The end user's tenant id.</summary>
        public string EndUserTenantId { get; set; }

        /// <summary>A per-request application name, over the configuration's <c>application_name</c>.</summary>
        public string ApplicationName { get; set; }
    }
}
