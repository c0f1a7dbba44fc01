package secctx

// Test-only helpers for bench_test.go (cgo cannot be used in _test.go files).

/*
#include "secctx.h"
static void secctx_test_noop(void) {}
*/
import "C"
import "unsafe"

func callInto(r *Resolver, buf, out []byte) int {
	var n C.size_t
	C.secctx_resolve_packed_into(r.ptr, (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(buf))), C.size_t(len(buf)),
		(*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(out))), C.size_t(len(out)), &n)
	return int(n)
}

func noop() { C.secctx_test_noop() }
