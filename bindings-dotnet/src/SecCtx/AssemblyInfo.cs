using System.Runtime.CompilerServices;

// The tests compare Native.cs's struct layouts with the C header's (tests/layout.c).
[assembly: InternalsVisibleTo("SecCtx.Tests")]
