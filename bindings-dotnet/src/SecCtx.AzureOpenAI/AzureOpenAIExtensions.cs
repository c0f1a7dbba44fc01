using System;
using Azure.AI.OpenAI;
using Azure.AI.OpenAI.Chat;
using OpenAI.Chat;

// UserSecurityContext and SetUserSecurityContext are [Experimental("AOAI001")] in Azure.AI.OpenAI.
#pragma warning disable AOAI001

namespace SecCtx.AzureOpenAI
{
    /// <summary>
    /// Hands a <see cref="SecurityContext"/> to the Azure OpenAI .NET SDK (Azure.AI.OpenAI 2.2.0-beta.1
    /// or later), which sends it as the <c>user_security_context</c> request-body field.
    /// </summary>
    /// <remarks>
    /// The SDK's <c>UserSecurityContext</c> and <c>SetUserSecurityContext</c> are marked
    /// <c>[Experimental("AOAI001")]</c>: add <c>AOAI001</c> to <c>NoWarn</c> where you name them.
    /// The SDK always sends the current <c>user_security_context</c> form; for a GA api-version that
    /// only takes the legacy <c>user</c> field, use <see cref="SecurityContext.ForApiVersion"/>.
    /// </remarks>
    /// <example>
    /// <code>
    /// var options = new ChatCompletionOptions();
    /// options.SetUserSecurityContext(ctx);
    /// ChatCompletion reply = chatClient.CompleteChat(messages, options);
    /// </code>
    /// </example>
    public static class AzureOpenAIExtensions
    {
        /// <summary>The SDK's <c>UserSecurityContext</c> holding the context's four fields; absent
        /// fields stay null, so the SDK omits them.</summary>
        /// <param name="context">The resolved context.</param>
        /// <returns>A new <c>Azure.AI.OpenAI.UserSecurityContext</c>.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
        public static UserSecurityContext ToAzureUserSecurityContext(this SecurityContext context)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            return new UserSecurityContext
            {
                ApplicationName = context.ApplicationName,
                EndUserId = context.EndUserId,
                EndUserTenantId = context.EndUserTenantId,
                SourceIP = context.SourceIp,
            };
        }

        /// <summary>Sets <paramref name="context"/> on the chat request:
        /// <c>options.SetUserSecurityContext(context.ToAzureUserSecurityContext())</c>.</summary>
        /// <param name="options">The chat-completion options to send.</param>
        /// <param name="context">The resolved context.</param>
        /// <returns><paramref name="options"/>, for chaining.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="context"/> is null.</exception>
        public static ChatCompletionOptions SetUserSecurityContext(this ChatCompletionOptions options, SecurityContext context)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            AzureChatExtensions.SetUserSecurityContext(options, context.ToAzureUserSecurityContext());
            return options;
        }
    }
}
