package bench

import (
	"testing"
)

func BenchmarkSecctxFromRequest(b *testing.B) {
	f, _, err := Secctx()
	if err != nil {
		b.Fatal(err)
	}
	f(b)
}

func BenchmarkRealclientipRightmostTrustedRange(b *testing.B) {
	f, _, err := Peer()
	if err != nil {
		b.Fatal(err)
	}
	f(b)
}

// TestSameOutput checks that both sides produce byte-identical JSON for the request.
func TestSameOutput(t *testing.T) {
	_, ours, err := Secctx()
	if err != nil {
		t.Fatal(err)
	}
	_, theirs, err := Peer()
	if err != nil {
		t.Fatal(err)
	}
	if ours != theirs {
		t.Fatalf("outputs differ:\nsecctx:       %s\nrealclientip: %s", ours, theirs)
	}
}
