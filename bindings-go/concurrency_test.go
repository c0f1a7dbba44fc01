package secctx

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentResolves: 64 goroutines × 10,000 resolves on one resolver give identical
// results (each goroutine's requests differ, so a mix-up would show).
func TestConcurrentResolves(t *testing.T) {
	const goroutines, iterations = 64, 10000
	r := mustResolver(t, `{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}`)
	expected := make([]string, goroutines)
	for g := range expected {
		expected[g] = fmt.Sprintf(`{"application_name":"chat","end_user_id":"user-%d","source_ip":"203.0.113.%d"}`, g, g)
	}
	var wg sync.WaitGroup
	mismatches := make([]int, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			h := http.Header{"X-Forwarded-For": {fmt.Sprintf("6.6.6.6, 203.0.113.%d", g)}}
			id := &Identity{EndUserID: fmt.Sprintf("user-%d", g), EndUserIDType: "aad"}
			for i := 0; i < iterations; i++ {
				ctx, err := r.Resolve("10.0.0.2:1234", h, id)
				if err != nil || ctx.UserSecurityContextJSON() != expected[g] || ctx.ReasonHop != 1 {
					mismatches[g]++
				}
			}
		}(g)
	}
	wg.Wait()
	total := 0
	for _, m := range mismatches {
		total += m
	}
	if total != 0 {
		t.Fatalf("%d of %d resolves differed", total, goroutines*iterations)
	}
}
