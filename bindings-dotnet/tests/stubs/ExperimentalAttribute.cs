// TEST-ONLY STUB, never shipped: compiled into each SDK stub assembly (as the SDKs carry their own
// copy for older frameworks).

using System;

namespace System.Diagnostics.CodeAnalysis
{
    // Present in .NET 8; declared here because Mono's class library predates it.
    [AttributeUsage(AttributeTargets.All, Inherited = false)]
    internal sealed class ExperimentalAttribute : Attribute
    {
        public ExperimentalAttribute(string diagnosticId) { DiagnosticId = diagnosticId; }

        public string DiagnosticId { get; }
    }
}

