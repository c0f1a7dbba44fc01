// TEST-ONLY STUB, never shipped. The few ASP.NET Core types and members that
// src/SecCtx.AspNetCore uses, declared with the names, namespaces and types of the public API
// of Microsoft.AspNetCore.Http.Abstractions / Microsoft.Extensions.Primitives, so that `make test`
// compiles the shim with Mono (where ASP.NET Core cannot be restored) and a wrong name fails the
// build. Bodies are trivial; the tests subclass the abstract classes to drive the shim.

using System.Collections;
using System.Collections.Generic;
using System.Net;

namespace Microsoft.Extensions.Primitives
{
    /// <summary>Stub of StringValues: zero, one or several strings; enumerates as strings.</summary>
    public readonly struct StringValues : IEnumerable<string>
    {
        readonly string[] values;

        public StringValues(string value) { values = value == null ? new string[0] : new[] { value }; }

        public StringValues(string[] values) { this.values = values ?? new string[0]; }

        public int Count { get { return values == null ? 0 : values.Length; } }

        public IEnumerator<string> GetEnumerator()
        {
            return ((IEnumerable<string>)(values ?? new string[0])).GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

        public static implicit operator StringValues(string value) { return new StringValues(value); }

        public static implicit operator StringValues(string[] values) { return new StringValues(values); }
    }
}

namespace Microsoft.AspNetCore.Http
{
    using Microsoft.Extensions.Primitives;

    /// <summary>Stub of IHeaderDictionary (an IDictionary of StringValues).</summary>
    public interface IHeaderDictionary : IDictionary<string, StringValues>
    {
    }

    /// <summary>Stub of ConnectionInfo: only the remote end point.</summary>
    public abstract class ConnectionInfo
    {
        public abstract IPAddress RemoteIpAddress { get; set; }

        public abstract int RemotePort { get; set; }
    }

    /// <summary>Stub of HttpRequest: only the headers.</summary>
    public abstract class HttpRequest
    {
        public abstract IHeaderDictionary Headers { get; }
    }

    /// <summary>Stub of HttpContext: only the connection and the request.</summary>
    public abstract class HttpContext
    {
        public abstract ConnectionInfo Connection { get; }

        public abstract HttpRequest Request { get; }

    }
}
