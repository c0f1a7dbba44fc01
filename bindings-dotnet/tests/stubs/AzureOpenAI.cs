// TEST-ONLY STUB, never shipped. The Azure.AI.OpenAI (>= 2.2.0-beta.1) and OpenAI members that
// src/SecCtx.AzureOpenAI uses, with the public API's names, namespaces and types:
//   OpenAI.Chat.ChatCompletionOptions                       (class, public parameterless ctor)
//   Azure.AI.OpenAI.UserSecurityContext                     [Experimental("AOAI001")], four string properties
//   Azure.AI.OpenAI.Chat.AzureChatExtensions                [Experimental("AOAI001")]
//     static void SetUserSecurityContext(this ChatCompletionOptions, UserSecurityContext)
//     static UserSecurityContext GetUserSecurityContext(this ChatCompletionOptions)
// The real extension writes `user_security_context` into the options' additional raw data; this
// stub keeps the object so the tests can read back what the shim set.

using System;

namespace OpenAI.Chat
{
    public class ChatCompletionOptions
    {
        public ChatCompletionOptions() { }

        // Stands in for the SDK's SerializedAdditionalRawData["user_security_context"].
        internal object StubUserSecurityContext;
    }
}

namespace Azure.AI.OpenAI
{
    [System.Diagnostics.CodeAnalysis.Experimental("AOAI001")]
    public partial class UserSecurityContext
    {
        public UserSecurityContext() { }

        public string ApplicationName { get; set; }

        public string EndUserId { get; set; }

        public string EndUserTenantId { get; set; }

        public string SourceIP { get; set; }
    }
}

namespace Azure.AI.OpenAI.Chat
{
    using global::OpenAI.Chat;

    [System.Diagnostics.CodeAnalysis.Experimental("AOAI001")]
    public static partial class AzureChatExtensions
    {
        [System.Diagnostics.CodeAnalysis.Experimental("AOAI001")]
        public static void SetUserSecurityContext(this ChatCompletionOptions options, UserSecurityContext userSecurityContext)
        {
            options.StubUserSecurityContext = userSecurityContext;
        }

        [System.Diagnostics.CodeAnalysis.Experimental("AOAI001")]
        public static UserSecurityContext GetUserSecurityContext(this ChatCompletionOptions options)
        {
            return options.StubUserSecurityContext as UserSecurityContext;
        }
    }
}
