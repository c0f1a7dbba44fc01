using System;

namespace SecCtx
{
    /// <summary>The kinds of error the specification names, as a typed enum.
    /// <see cref="SecCtxException.Code"/> holds the same kind as the specification's string.</summary>
    public enum ErrorKind
    {
        /// <summary>A kind this version of the package does not know (a newer native library).</summary>
        Unknown = 0,

        /// <summary><c>invalid_config</c>: the configuration document is not valid (an unknown key, a
        /// wrong type, an unparsable address or range, a denied header name, …).</summary>
        InvalidConfig = 1,

        /// <summary><c>invalid_identity</c>: a per-request identity value is not valid (an unknown
        /// <c>end_user_id_type</c>).</summary>
        InvalidIdentity = 2,

        /// <summary><c>missing_end_user_id_type</c>: the legacy <c>user</c> document was asked for with
        /// an <c>EndUserId</c> but no <c>EndUserIdType</c>.</summary>
        MissingEndUserIdType = 3,

        /// <summary><c>invalid_api_version</c>: an api-version that is neither <c>v1</c>,
        /// <c>latest</c>, <c>preview</c>, nor a dated version.</summary>
        InvalidApiVersion = 4,

        /// <summary><c>invalid_argument</c> or <c>panic</c>: the native library reported a misuse of its
        /// ABI or caught a bug of its own. Not a specification error kind; please report it.</summary>
        Internal = 100,
    }

    /// <summary>
    /// An error reported by secctx: <see cref="Code"/> is the specification's error kind
    /// (<c>invalid_config</c>, <c>invalid_identity</c>, <c>missing_end_user_id_type</c>,
    /// <c>invalid_api_version</c>), stable for programs; <see cref="Exception.Message"/> is for
    /// people and, for configuration errors, starts with the key at fault.
    /// </summary>
    /// <remarks>Argument errors of the .NET API itself (a null collection, a null header name) are
    /// <see cref="ArgumentNullException"/> / <see cref="ArgumentException"/>, not this type.</remarks>
    /// <example>
    /// <code>
    /// try { Resolver.FromJson("{\"trusted_proxy\": []}"); }
    /// catch (SecCtxException e) when (e.Kind == ErrorKind.InvalidConfig) { Console.Error.WriteLine(e.Message); }
    /// </code>
    /// </example>
    public sealed class SecCtxException : Exception
    {
        /// <summary>Creates an exception of <paramref name="code"/> with <paramref name="message"/>.</summary>
        /// <param name="code">The specification's error kind string.</param>
        /// <param name="message">What went wrong.</param>
        public SecCtxException(string code, string message)
            : base(message)
        {
            Code = code ?? "";
            Kind = KindOf(Code);
        }

        /// <summary>The specification's error kind: <c>invalid_config</c>, <c>invalid_identity</c>,
        /// <c>missing_end_user_id_type</c> or <c>invalid_api_version</c>.</summary>
        public string Code { get; }

        /// <summary>The same kind as <see cref="Code"/>, typed.</summary>
        public ErrorKind Kind { get; }

        /// <summary>The kind of a specification error string (<see cref="ErrorKind.Unknown"/> for others).</summary>
        /// <param name="code">An error kind string such as <c>invalid_config</c>.</param>
        /// <returns>The typed kind.</returns>
        public static ErrorKind KindOf(string code)
        {
            switch (code)
            {
                case "invalid_config": return ErrorKind.InvalidConfig;
                case "invalid_identity": return ErrorKind.InvalidIdentity;
                case "missing_end_user_id_type": return ErrorKind.MissingEndUserIdType;
                case "invalid_api_version": return ErrorKind.InvalidApiVersion;
                case "invalid_argument":
                case "panic":
                    return ErrorKind.Internal;
                default: return ErrorKind.Unknown;
            }
        }
    }
}
