//go:build !race

package secctx

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// rss is the resident set size in bytes (Go heap and the native library's C heap alike).
func rss(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm on this system")
	}
	fields := strings.Fields(string(data))
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestMemoryStable: 1,000,000 resolves (with the legacy rendering on every 10th) leave the
// process's resident memory and the Go heap where they were after a warm-up. Not run under
// -race (the race detector's shadow memory grows by design); `make test` runs it separately.
func TestMemoryStable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	r := mustResolver(t, `{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}`)
	h, peer := benchReq()
	run := func(n int) {
		for i := 0; i < n; i++ {
			ctx, err := r.Resolve(peer, h, benchID)
			if err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				if _, err := ctx.LegacyUserJSON(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	run(100000)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := rss(t)
	run(1000000)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	rssAfter := rss(t)
	t.Logf("RSS %d KiB -> %d KiB; Go heap in use %d KiB -> %d KiB", rssBefore>>10, rssAfter>>10,
		before.HeapInuse>>10, after.HeapInuse>>10)
	if growth := rssAfter - rssBefore; growth > 16<<20 {
		t.Fatalf("RSS grew by %d KiB over 1M resolves", growth>>10)
	}
	if after.HeapInuse > before.HeapInuse+8<<20 {
		t.Fatalf("Go heap grew from %d to %d bytes", before.HeapInuse, after.HeapInuse)
	}
}
