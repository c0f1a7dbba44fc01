// TEST-ONLY STUB, never shipped. The Semantic Kernel member that src/SecCtx.SemanticKernel uses,
// with the public API's names, namespace and type:
//   Microsoft.SemanticKernel.Connectors.AzureOpenAI.AzureOpenAIPromptExecutionSettings
//     [Experimental("SKEXP0010")] Azure.AI.OpenAI.UserSecurityContext UserSecurityContext { get; set; }
// (Azure.AI.OpenAI.UserSecurityContext comes from the Azure.AI.OpenAI stub.)

namespace Microsoft.SemanticKernel.Connectors.AzureOpenAI
{
    public sealed class AzureOpenAIPromptExecutionSettings
    {
        public AzureOpenAIPromptExecutionSettings() { }

        [System.Diagnostics.CodeAnalysis.Experimental("SKEXP0010")]
        public Azure.AI.OpenAI.UserSecurityContext UserSecurityContext { get; set; }
    }
}
