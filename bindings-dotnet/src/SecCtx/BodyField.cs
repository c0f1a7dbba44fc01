namespace SecCtx
{
    /// <summary>Which request-body field an api-version takes (SPEC 2.3).</summary>
    public enum WireFormat
    {
        /// <summary>The <c>user_security_context</c> object (current API versions).</summary>
        UserSecurityContext,

        /// <summary>The legacy JSON document in the <c>user</c> string (older API versions).</summary>
        LegacyUser,
    }

    /// <summary>
    /// The request-body field to merge into a chat-completions request for one api-version, from
    /// <see cref="SecurityContext.ForApiVersion(string)"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// BodyField field = ctx.ForApiVersion("2024-10-21");
    /// // field.FieldName == "user"; field.ValueJson is a JSON string holding the legacy document
    /// string body = "{\"messages\":[...]," + "\"" + field.FieldName + "\":" + field.ValueJson + "}";
    /// </code>
    /// </example>
    public sealed class BodyField
    {
        internal BodyField(string fieldName, string valueJson)
        {
            FieldName = fieldName;
            ValueJson = valueJson;
            Format = fieldName == "user" ? WireFormat.LegacyUser : WireFormat.UserSecurityContext;
        }

        /// <summary>The format the api-version takes.</summary>
        public WireFormat Format { get; }

        /// <summary>The field's name: <c>user_security_context</c> or <c>user</c>.</summary>
        public string FieldName { get; }

        /// <summary>The field's value as JSON text: an object, or a JSON string holding the legacy document.</summary>
        public string ValueJson { get; }

        /// <summary>A JSON object holding just this field, e.g. <c>{"user_security_context":{…}}</c>.</summary>
        /// <returns>Compact JSON text.</returns>
        public string ToJson()
        {
            return "{\"" + FieldName + "\":" + ValueJson + "}";
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            return ToJson();
        }
    }
}
