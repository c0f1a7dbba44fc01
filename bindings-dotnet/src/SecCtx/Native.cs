// All interop with libsecctx (bindings-c/include/secctx.h) lives in this file.
//
// Strings cross the boundary as UTF-8 (pointer, length) pairs that this file encodes and decodes
// itself: no string is marshalled by the runtime. Native handles are owned by SafeHandle
// subclasses whose ReleaseHandle calls the library's _free function; errors and returned strings
// are freed here, in finally blocks, right after they are read.

using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SecCtx
{
    /// <summary>Owns a <c>secctx_resolver*</c>; released with <c>secctx_resolver_free</c>.</summary>
    internal sealed class ResolverHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ResolverHandle() : base(true) { }

        internal void Adopt(IntPtr ptr) { SetHandle(ptr); }

        protected override bool ReleaseHandle()
        {
            Native.secctx_resolver_free(handle);
            return true;
        }
    }

    /// <summary>Owns a <c>secctx_context*</c>; released with <c>secctx_context_free</c>.</summary>
    internal sealed class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public ContextHandle() : base(true) { }

        internal void Adopt(IntPtr ptr) { SetHandle(ptr); }

        protected override bool ReleaseHandle()
        {
            Native.secctx_context_free(handle);
            return true;
        }
    }

    internal static unsafe class Native
    {
        const string Lib = "secctx";

        // Field length in the packed request meaning "absent".
        internal const uint Absent = 0xFFFFFFFF;

        // The library's error codes (enum secctx_error_code).
        internal const uint CodeInvalidArgument = 100;

        [StructLayout(LayoutKind.Sequential)]
        internal struct Str
        {
            public byte* Ptr;
            public UIntPtr Len;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct Header
        {
            public Str Name;
            public Str Value;
        }

        /// <summary>struct secctx_context_view: every field of a context, borrowed from it.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct ContextView
        {
            public Str ApplicationName;
            public Str EndUserId;
            public Str EndUserIdType;
            public Str EndUserTenantId;
            public Str SourceIp;
            public Str Peer;
            public Str ReasonCode;
            public Str ReasonText;
            public uint ReasonHop;
            public Str IdentitySource;
            public Str EasyAuthNoteCode;
            public Str EasyAuthNoteText;
            public Str UserSecurityContextJson;
            public Header* SourceRequestHeaders;
            public UIntPtr NSourceRequestHeaders;
        }

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern byte* secctx_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint secctx_error_get_code(IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern byte* secctx_error_code_str(uint code);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern byte* secctx_error_message(IntPtr err, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void secctx_error_free(IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void secctx_string_free(byte* s);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_resolver_new(byte* configJson, UIntPtr len, out IntPtr resolver);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void secctx_resolver_free(IntPtr resolver);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_resolve_packed(
            IntPtr resolver, byte* request, UIntPtr requestLen, out IntPtr context, ContextView* view);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void secctx_context_free(IntPtr context);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_context_legacy_user_json(IntPtr context, out byte* json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_context_for_api_version(
            IntPtr context, byte* apiVersion, UIntPtr len, out byte* fieldName, out byte* valueJson, out UIntPtr valueLen);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_context_to_json(IntPtr context, out byte* json, out UIntPtr len);

        // Strict UTF-8: a string holding a lone surrogate cannot be encoded and is an argument
        // error, never silently altered.
        internal static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);

        internal static string Version
        {
            get { return DecodeStatic(secctx_version()); }
        }

        /// <summary>Compiles a resolver (one native call).</summary>
        internal static ResolverHandle NewResolver(string configJson)
        {
            byte[] bytes = Utf8.GetBytes(configJson);
            var handle = new ResolverHandle();
            IntPtr ptr;
            IntPtr err;
            fixed (byte* p = bytes)
            {
                err = secctx_resolver_new(p, (UIntPtr)(ulong)bytes.Length, out ptr);
            }
            if (err != IntPtr.Zero)
            {
                handle.Dispose();
                throw TakeError(err);
            }
            handle.Adopt(ptr);
            return handle;
        }

        /// <summary>Resolves the request packed in <paramref name="request"/> with ONE native call,
        /// which also fills the view of the new context.</summary>
        internal static ContextHandle Resolve(ResolverHandle resolver, Packer request, out ContextView view)
        {
            var context = new ContextHandle();
            bool added = false;
            try
            {
                try
                {
                    resolver.DangerousAddRef(ref added);
                }
                catch (ObjectDisposedException)
                {
                    throw new ObjectDisposedException(nameof(Resolver), "the Resolver has been disposed");
                }
                IntPtr ptr;
                IntPtr err;
                ContextView v;
                fixed (byte* p = request.Buffer)
                {
                    err = secctx_resolve_packed(resolver.DangerousGetHandle(), p, (UIntPtr)(ulong)request.Length, out ptr, &v);
                }
                if (err != IntPtr.Zero)
                {
                    context.Dispose();
                    throw TakeError(err);
                }
                context.Adopt(ptr);
                view = v;
                return context;
            }
            finally
            {
                if (added) resolver.DangerousRelease();
                request.Trim();
            }
        }

        /// <summary>Takes a reference on <paramref name="context"/> so that it cannot be freed while
        /// it is read; release with <c>DangerousRelease</c> when <paramref name="added"/> is set.</summary>
        internal static void Enter(ContextHandle context, ref bool added)
        {
            try
            {
                context.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(SecurityContext), "the SecurityContext has been disposed");
            }
        }

        /// <summary>Every field of the view, decoded. Call between <see cref="Enter"/> and DangerousRelease.</summary>
        internal static ContextFields DecodeFields(ref ContextView v)
        {
            var f = new ContextFields
            {
                ApplicationName = Decode(v.ApplicationName),
                EndUserId = Decode(v.EndUserId),
                EndUserIdType = Decode(v.EndUserIdType),
                EndUserTenantId = Decode(v.EndUserTenantId),
                SourceIp = Decode(v.SourceIp),
                Peer = Decode(v.Peer),
                ReasonCode = Decode(v.ReasonCode),
                Reason = Decode(v.ReasonText),
                ReasonHop = v.ReasonHop == 0 ? (int?)null : (int)v.ReasonHop,
                IdentitySource = Decode(v.IdentitySource),
                EasyAuthNoteCode = Decode(v.EasyAuthNoteCode),
                EasyAuthNote = Decode(v.EasyAuthNoteText),
            };
            ulong n = v.NSourceRequestHeaders.ToUInt64();
            var headers = new System.Collections.Generic.KeyValuePair<string, string>[n];
            for (ulong i = 0; i < n; i++)
            {
                Header h = v.SourceRequestHeaders[i];
                headers[i] = new System.Collections.Generic.KeyValuePair<string, string>(Decode(h.Name) ?? "", Decode(h.Value) ?? "");
            }
            f.SourceRequestHeaders = Array.AsReadOnly(headers);
            return f;
        }

        internal static string UserSecurityContextJson(ref ContextView v)
        {
            return Decode(v.UserSecurityContextJson);
        }

        /// <summary>secctx_context_legacy_user_json. Call between <see cref="Enter"/> and DangerousRelease.</summary>
        internal static string LegacyUserJson(ContextHandle context)
        {
            byte* json;
            UIntPtr len;
            IntPtr err = secctx_context_legacy_user_json(context.DangerousGetHandle(), out json, out len);
            if (err != IntPtr.Zero) throw TakeError(err);
            return TakeString(json, len);
        }

        /// <summary>secctx_context_to_json. Call between <see cref="Enter"/> and DangerousRelease.</summary>
        internal static string RecordJson(ContextHandle context)
        {
            byte* json;
            UIntPtr len;
            IntPtr err = secctx_context_to_json(context.DangerousGetHandle(), out json, out len);
            if (err != IntPtr.Zero) throw TakeError(err);
            return TakeString(json, len);
        }

        /// <summary>secctx_context_for_api_version. Call between <see cref="Enter"/> and DangerousRelease.</summary>
        internal static BodyField ForApiVersion(ContextHandle context, string apiVersion)
        {
            byte[] bytes = Utf8.GetBytes(apiVersion);
            byte* name;
            byte* value;
            UIntPtr len;
            IntPtr err;
            fixed (byte* p = bytes)
            {
                err = secctx_context_for_api_version(context.DangerousGetHandle(), p, (UIntPtr)(ulong)bytes.Length, out name, out value, out len);
            }
            if (err != IntPtr.Zero) throw TakeError(err);
            string valueJson = TakeString(value, len);
            return new BodyField(DecodeStatic(name), valueJson);
        }

        /// <summary>Decodes a view (NULL = absent → null).</summary>
        internal static string Decode(Str s)
        {
            if (s.Ptr == null) return null;
            return Decode(s.Ptr, s.Len);
        }

        internal static string Decode(byte* p, UIntPtr len)
        {
            ulong n = len.ToUInt64();
            if (n == 0) return "";
            if (n > int.MaxValue) throw new InvalidOperationException("secctx returned a string longer than 2 GiB");
            int count = (int)n;
            // ASCII fast path (addresses, codes, most JSON): widen into a new string directly.
            int i = 0;
            while (i < count && p[i] < 0x80) i++;
            if (i < count)
            {
                // The library only returns valid UTF-8.
                return Encoding.UTF8.GetString(p, count);
            }
            string s = new string('\0', count);
            fixed (char* d = s)
            {
                for (int j = 0; j < count; j++) d[j] = (char)p[j];
            }
            return s;
        }

        /// <summary>Decodes a static NUL-terminated string of the library.</summary>
        internal static string DecodeStatic(byte* p)
        {
            if (p == null) return null;
            int n = 0;
            while (p[n] != 0) n++;
            return Encoding.UTF8.GetString(p, n);
        }

        /// <summary>Reads, frees and throws a non-NULL <c>secctx_error*</c>.</summary>
        internal static Exception TakeError(IntPtr err)
        {
            try
            {
                uint code = secctx_error_get_code(err);
                string name = DecodeStatic(secctx_error_code_str(code));
                UIntPtr len;
                byte* msg = secctx_error_message(err, out len);
                string message = msg == null ? "" : Decode(msg, len);
                return new SecCtxException(name, message);
            }
            finally
            {
                secctx_error_free(err);
            }
        }

        /// <summary>Copies and frees a string the library returned through a <c>char**</c>.</summary>
        internal static string TakeString(byte* s, UIntPtr len)
        {
            try
            {
                return s == null ? null : Decode(s, len);
            }
            finally
            {
                secctx_string_free(s);
            }
        }
    }

    /// <summary>The decoded fields of a context.</summary>
    internal sealed class ContextFields
    {
        public string ApplicationName, EndUserId, EndUserIdType, EndUserTenantId, SourceIp, Peer;
        public string ReasonCode, Reason, IdentitySource, EasyAuthNoteCode, EasyAuthNote;
        public int? ReasonHop;
        public System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, string>> SourceRequestHeaders;
    }

    /// <summary>
    /// Builds the packed request of <c>secctx_resolve_packed</c>: fields of a 4-byte little-endian
    /// length and that many UTF-8 bytes (<c>0xFFFFFFFF</c> = absent, no bytes): peer, the four
    /// identity values, then header name/value pairs. One reusable buffer per thread.
    /// </summary>
    internal sealed class Packer
    {
        const int KeepBytes = 64 * 1024;

        [ThreadStatic]
        static Packer current;

        internal byte[] Buffer = new byte[1024];
        internal int Length;
        bool busy;

        /// <summary>The calling thread's packer, emptied; release it with <see cref="Release"/>. If
        /// it is already in use (a header enumerator that itself resolves), a fresh one.</summary>
        internal static Packer Start()
        {
            Packer p = current;
            if (p == null)
            {
                p = new Packer();
                current = p;
            }
            else if (p.busy)
            {
                p = new Packer();
            }
            p.busy = true;
            p.Length = 0;
            return p;
        }

        internal void Release()
        {
            busy = false;
        }

        /// <summary>Drops a buffer that grew large for one big request.</summary>
        internal void Trim()
        {
            if (Buffer.Length > KeepBytes) Buffer = new byte[1024];
        }

        void Reserve(long more)
        {
            long need = Length + more;
            if (need <= Buffer.Length) return;
            if (need > int.MaxValue - 64) throw new ArgumentException("the request is too large to pass to secctx (more than 2 GiB)");
            long size = Math.Max(need, Math.Min((long)Buffer.Length * 2, int.MaxValue - 64));
            var bigger = new byte[size];
            System.Buffer.BlockCopy(Buffer, 0, bigger, 0, Length);
            Buffer = bigger;
        }

        void PutLength(int at, uint n)
        {
            Buffer[at] = (byte)n;
            Buffer[at + 1] = (byte)(n >> 8);
            Buffer[at + 2] = (byte)(n >> 16);
            Buffer[at + 3] = (byte)(n >> 24);
        }

        internal void PutAbsent()
        {
            Reserve(4);
            PutLength(Length, Native.Absent);
            Length += 4;
        }

        /// <summary>Appends a present field. <paramref name="what"/> and <paramref name="header"/>
        /// name it in an error message, built only when there is an error.</summary>
        internal unsafe void Put(string s, string what, string header = null)
        {
            int chars = s.Length;
            Reserve(4 + (long)chars * 3);
            int at = Length + 4;
            int n = 0;
            // ASCII fast path (header names and most values): four characters at a time, no encoder.
            fixed (char* src = s)
            fixed (byte* dst = &Buffer[0])
            {
                byte* d = dst + at;
                while (n + 4 <= chars)
                {
                    ulong four = *(ulong*)(src + n);
                    if ((four & 0xFF80FF80FF80FF80UL) != 0) break;
                    d[n] = (byte)four;
                    d[n + 1] = (byte)(four >> 16);
                    d[n + 2] = (byte)(four >> 32);
                    d[n + 3] = (byte)(four >> 48);
                    n += 4;
                }
                while (n < chars)
                {
                    char c = src[n];
                    if (c >= 0x80) break;
                    d[n] = (byte)c;
                    n++;
                }
            }
            if (n < chars)
            {
                try
                {
                    n = Native.Utf8.GetBytes(s, 0, chars, Buffer, at);
                }
                catch (EncoderFallbackException e)
                {
                    string subject = header == null ? what : what + " '" + (header.Length > 64 ? header.Substring(0, 64) + "…" : header) + "'";
                    throw new ArgumentException(subject + " is not valid UTF-16 (it holds a lone surrogate) and cannot be passed as UTF-8", e);
                }
            }
            PutLength(Length, (uint)n);
            Length += 4 + n;
        }

        /// <summary>Appends an optional field: null is absent.</summary>
        internal void PutOptional(string s, string what)
        {
            if (s == null) PutAbsent();
            else Put(s, what);
        }
    }
}
