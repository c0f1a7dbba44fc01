using System;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using SecCtx.AzureOpenAI;

// AzureOpenAIPromptExecutionSettings.UserSecurityContext is [Experimental("SKEXP0010")] and its type
// is [Experimental("AOAI001")].
#pragma warning disable AOAI001, SKEXP0010

namespace SecCtx.SemanticKernel
{
    /// <summary>
    /// Hands a <see cref="SecurityContext"/> to Semantic Kernel's Azure OpenAI connector through
    /// <c>AzureOpenAIPromptExecutionSettings.UserSecurityContext</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// var settings = new AzureOpenAIPromptExecutionSettings().WithUserSecurityContext(ctx);
    /// var reply = await chat.GetChatMessageContentAsync(history, settings, kernel);
    /// </code>
    /// </example>
    public static class SemanticKernelExtensions
    {
        /// <summary>Sets <c>settings.UserSecurityContext</c> from <paramref name="context"/>.</summary>
        /// <param name="settings">The execution settings (not yet frozen).</param>
        /// <param name="context">The resolved context.</param>
        /// <returns><paramref name="settings"/>, for chaining.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="settings"/> or <paramref name="context"/> is null.</exception>
        public static AzureOpenAIPromptExecutionSettings WithUserSecurityContext(this AzureOpenAIPromptExecutionSettings settings, SecurityContext context)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            settings.UserSecurityContext = context.ToAzureUserSecurityContext();
            return settings;
        }
    }
}
