// All interop with libsecctx (bindings-c/include/secctx.h) lives in this file.
//
// Strings cross the boundary as UTF-8 (pointer, length) pairs that this file encodes and decodes
// itself: no string is marshalled by the runtime. The resolver is owned by a SafeHandle whose
// ReleaseHandle calls secctx_resolver_free. A resolve copies its whole result out of the library
// in the same call (secctx_resolve_packed_into), so no native object outlives it; the other forms
// are rendered later from that copy (secctx_result_*), with no context and no resolver.
// Errors and returned strings are freed here, in finally blocks, right after they are read.

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

    internal static unsafe class Native
    {
        const string Lib = "secctx";

        // Field length in the packed request meaning "absent".
        internal const uint Absent = 0xFFFFFFFF;

        // The library's error codes (enum secctx_error_code).
        internal const uint CodeInvalidArgument = 100;

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
        internal static extern IntPtr secctx_resolve_packed_into(
            IntPtr resolver, byte* request, UIntPtr requestLen, byte* output, UIntPtr outputCap, UIntPtr* outputLen);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_resolver_read_header_names(IntPtr resolver, out byte* names, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_result_legacy_user_json(byte* result, UIntPtr resultLen, out byte* json, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_result_for_api_version(
            byte* result, UIntPtr resultLen, byte* apiVersion, UIntPtr len, out byte* fieldName, out byte* valueJson, out UIntPtr valueLen);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr secctx_result_to_json(byte* result, UIntPtr resultLen, out byte* json, out UIntPtr len);

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
            // Lengths and ASCII text are read and written a word at a time, little-endian.
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("SecCtx supports little-endian platforms only");
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

        /// <summary>Resolves the request packed in <paramref name="request"/> with ONE native call
        /// (<c>secctx_resolve_packed_into</c>), which writes the whole result into the thread's
        /// result buffer; nothing native outlives the call. Returns an exact-size copy of the
        /// result, which the context decodes and renders its other forms from.</summary>
        internal static byte[] Resolve(ResolverHandle resolver, Packer request)
        {
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
                IntPtr r = resolver.DangerousGetHandle();
                ulong needed = ResolveInto(r, request, request.Result);
                if (needed > (ulong)request.Result.Length)
                {
                    // Rare (a result over the buffer's size): resolve again into a big enough buffer.
                    // Resolution is deterministic, so the second answer has the size the first reported.
                    if (needed > int.MaxValue - 64) throw new InvalidOperationException("secctx returned a result larger than 2 GiB");
                    request.Result = new byte[needed];
                    needed = ResolveInto(r, request, request.Result);
                    if (needed > (ulong)request.Result.Length) throw new InvalidOperationException("secctx reported two sizes for one result");
                }
                int n = (int)needed;
                var data = new byte[n];
                Buffer.BlockCopy(request.Result, 0, data, 0, n);
                return data;
            }
            finally
            {
                if (added) resolver.DangerousRelease();
                request.Trim();
            }
        }

        static ulong ResolveInto(IntPtr resolver, Packer request, byte[] output)
        {
            UIntPtr needed;
            IntPtr err;
            fixed (byte* p = request.Buffer)
            fixed (byte* o = output)
            {
                err = secctx_resolve_packed_into(resolver, p, (UIntPtr)(uint)request.Length, o, (UIntPtr)(uint)output.Length, &needed);
            }
            if (err != IntPtr.Zero) throw TakeError(err);
            return needed.ToUInt64();
        }

        /// <summary>The header names a resolve with <paramref name="resolver"/> may read (lower case),
        /// or null if the library cannot say (then every header is passed).</summary>
        internal static string[] ReadHeaderNames(ResolverHandle resolver)
        {
            bool added = false;
            try
            {
                resolver.DangerousAddRef(ref added);
                byte* names;
                UIntPtr len;
                IntPtr err = secctx_resolver_read_header_names(resolver.DangerousGetHandle(), out names, out len);
                if (err != IntPtr.Zero)
                {
                    secctx_error_free(err);
                    return null;
                }
                string text = TakeString(names, len);
                return text.Length == 0 ? new string[0] : text.Split('\n');
            }
            finally
            {
                if (added) resolver.DangerousRelease();
            }
        }

        /// <summary>A secctx_result_* function that renders text the caller owns.</summary>
        delegate IntPtr RenderText(byte* result, UIntPtr resultLen, out byte* text, out UIntPtr len);

        /// <summary>Renders the packed result <paramref name="data"/> (a copy made by
        /// <see cref="Resolve"/>) with <paramref name="render"/>.</summary>
        static string Render(byte[] data, RenderText render)
        {
            byte* text;
            UIntPtr len;
            IntPtr err;
            fixed (byte* p = data)
            {
                err = render(p, (UIntPtr)(uint)data.Length, out text, out len);
            }
            if (err != IntPtr.Zero) throw TakeError(err);
            return TakeString(text, len);
        }

        /// <summary>secctx_result_legacy_user_json of a context's packed result.</summary>
        internal static string LegacyUserJson(byte[] data)
        {
            return Render(data, secctx_result_legacy_user_json);
        }

        /// <summary>secctx_result_to_json of a context's packed result.</summary>
        internal static string RecordJson(byte[] data)
        {
            return Render(data, secctx_result_to_json);
        }

        /// <summary>secctx_result_for_api_version of a context's packed result.</summary>
        internal static BodyField ForApiVersion(byte[] data, string apiVersion)
        {
            byte[] bytes = Utf8.GetBytes(apiVersion);
            byte* name;
            byte* value;
            UIntPtr len;
            IntPtr err;
            fixed (byte* r = data)
            fixed (byte* p = bytes)
            {
                err = secctx_result_for_api_version(r, (UIntPtr)(uint)data.Length, p, (UIntPtr)(uint)bytes.Length, out name, out value, out len);
            }
            if (err != IntPtr.Zero) throw TakeError(err);
            string valueJson = TakeString(value, len);
            return new BodyField(DecodeStatic(name), valueJson);
        }

        internal static string Decode(byte* p, UIntPtr len)
        {
            ulong n = len.ToUInt64();
            if (n == 0) return "";
            if (n > int.MaxValue) throw new InvalidOperationException("secctx returned a string longer than 2 GiB");
            int count = (int)n;
            // ASCII fast path (addresses, codes, most JSON): widen into a new string directly,
            // four bytes at a time.
            int i = 0;
            while (i + 8 <= count && (*(ulong*)(p + i) & 0x8080808080808080UL) == 0) i += 8;
            while (i < count && p[i] < 0x80) i++;
            if (i < count)
            {
                // The library only returns valid UTF-8.
                return Encoding.UTF8.GetString(p, count);
            }
            string s = new string('\0', count);
            fixed (char* d = s)
            {
                int j = 0;
                for (; j + 4 <= count; j += 4)
                {
                    ulong four = *(uint*)(p + j);
                    // 0xddccbbaa -> 0x00dd00cc00bb00aa
                    four = (four | (four << 16)) & 0x0000FFFF0000FFFFUL;
                    four = (four | (four << 8)) & 0x00FF00FF00FF00FFUL;
                    *(ulong*)(d + j) = four;
                }
                for (; j < count; j++) d[j] = (char)p[j];
            }
            return s;
        }

        /// <summary>Decodes <paramref name="count"/> UTF-8 bytes of <paramref name="data"/> from <paramref name="at"/>.</summary>
        internal static string Decode(byte[] data, int at, int count)
        {
            if (count == 0) return "";
            fixed (byte* p = &data[at])
            {
                return Decode(p, (UIntPtr)(uint)count);
            }
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
        /// <summary>Where <c>secctx_resolve_packed_into</c> writes the result before it is copied
        /// into the context's own array.</summary>
        internal byte[] Result = new byte[2048];
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
            if (Result.Length > KeepBytes) Result = new byte[2048];
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

        // Little-endian: the library's framing and every platform the package ships for (x64).
        unsafe void PutLength(int at, uint n)
        {
            fixed (byte* b = Buffer)
            {
                *(uint*)(b + at) = n;
            }
        }

        /// <summary>Appends four absent fields (no identity).</summary>
        internal unsafe void PutAbsent4()
        {
            if (Length + 16 > Buffer.Length) Reserve(16);
            fixed (byte* b = Buffer)
            {
                ulong* d = (ulong*)(b + Length);
                d[0] = ulong.MaxValue;
                d[1] = ulong.MaxValue;
            }
            Length += 16;
        }

        internal void PutAbsent()
        {
            if (Length + 4 > Buffer.Length) Reserve(4);
            PutLength(Length, Native.Absent);
            Length += 4;
        }

        /// <summary>Appends a present field. <paramref name="what"/> and <paramref name="header"/>
        /// name it in an error message, built only when there is an error.</summary>
        internal unsafe void Put(string s, string what, string header = null)
        {
            int chars = s.Length;
            if (Length + 4 + (long)chars * 3 > Buffer.Length) Reserve(4 + (long)chars * 3);
            int at = Length + 4;
            int n = 0;
            // ASCII fast path (header names and most values): four characters at a time, no encoder.
            fixed (char* src = s)
            fixed (byte* dst = Buffer)
            {
                byte* d = dst + at;
                while (n + 8 <= chars)
                {
                    ulong lo = *(ulong*)(src + n);
                    ulong hi = *(ulong*)(src + n + 4);
                    if (((lo | hi) & 0xFF80FF80FF80FF80UL) != 0) break;
                    lo |= lo >> 8;
                    lo &= 0x0000FFFF0000FFFFUL;
                    lo |= lo >> 16;
                    hi |= hi >> 8;
                    hi &= 0x0000FFFF0000FFFFUL;
                    hi |= hi >> 16;
                    *(ulong*)(d + n) = (uint)lo | ((ulong)(uint)hi << 32);
                    n += 8;
                }
                while (n + 4 <= chars)
                {
                    ulong four = *(ulong*)(src + n);
                    if ((four & 0xFF80FF80FF80FF80UL) != 0) break;
                    // 0x00dd00cc00bb00aa -> 0xddccbbaa
                    four |= four >> 8;
                    four &= 0x0000FFFF0000FFFFUL;
                    four |= four >> 16;
                    *(uint*)(d + n) = (uint)four;
                    n += 4;
                }
                while (n < chars)
                {
                    char c = src[n];
                    if (c >= 0x80) break;
                    d[n] = (byte)c;
                    n++;
                }
                if (n == chars)
                {
                    *(uint*)(d - 4) = (uint)n;
                    Length = at + n;
                    return;
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

    /// <summary>
    /// The header names a resolver may read (<c>secctx_resolver_read_header_names</c>), to drop other
    /// headers before packing: the library gives the same answer without them.
    /// </summary>
    /// <remarks>
    /// The test is a cheap superset of the library's ASCII case-insensitive match: a name is kept
    /// when its length is one of the listed lengths and its first four and last four characters,
    /// with bit 0x20 of each set (which maps ASCII capitals to lower case), equal those of a listed
    /// name of that length; names shorter than four characters of a listed length are all kept.
    /// Every header the library may read is kept; a few others may be too (harmless: the library
    /// ignores them). Two 64-bit compares per candidate, no per-character loop.
    /// </remarks>
    internal sealed class HeaderFilter
    {
        const ulong Fold = 0x0020002000200020UL;

        /// <summary>Keeps every header (for tests comparing filtered and unfiltered answers).</summary>
        internal static readonly HeaderFilter KeepEvery = new HeaderFilter(null);

        // Bit n set: some listed name has n characters (n < 64).
        readonly ulong lengths;
        // Per length n: keys[2 * i], keys[2 * i + 1] for i in [start[n], start[n + 1]) are the folded
        // first and last four characters of the listed names of length n.
        readonly int[] start;
        readonly ulong[] keys;
        // Keep every header: the library could not list its names, or listed one of 64 characters
        // or more, or one that is not lower-case ASCII.
        readonly bool keepAll;

        internal unsafe HeaderFilter(string[] names)
        {
            if (names == null)
            {
                keepAll = true;
                return;
            }
            foreach (string name in names)
            {
                if (name.Length >= 64) keepAll = true;
                foreach (char c in name)
                {
                    if (c >= 0x80 || (c >= 'A' && c <= 'Z')) keepAll = true;
                }
            }
            if (keepAll) return;
            start = new int[65];
            keys = new ulong[2 * names.Length];
            int k = 0;
            for (int n = 0; n < 64; n++)
            {
                start[n] = k;
                foreach (string name in names)
                {
                    if (name.Length != n) continue;
                    lengths |= 1UL << n;
                    if (n >= 4)
                    {
                        fixed (char* p = name)
                        {
                            keys[2 * k] = *(ulong*)p | Fold;
                            keys[2 * k + 1] = *(ulong*)(p + n - 4) | Fold;
                        }
                    }
                    k++;
                }
            }
            start[64] = k;
        }

        /// <summary>False only when the resolver never reads a header named <paramref name="name"/> (not null).</summary>
        internal unsafe bool Keeps(string name)
        {
            if (keepAll) return true;
            int n = name.Length;
            if (n >= 64 || (lengths & (1UL << n)) == 0) return false;
            if (n < 4) return true;
            ulong head, tail;
            fixed (char* p = name)
            {
                head = *(ulong*)p | Fold;
                tail = *(ulong*)(p + n - 4) | Fold;
            }
            ulong[] k = keys;
            for (int i = start[n], end = start[n + 1]; i < end; i++)
            {
                if (k[2 * i] == head && k[2 * i + 1] == tail) return true;
            }
            return false;
        }
    }
}
