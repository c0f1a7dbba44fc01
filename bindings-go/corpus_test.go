package secctx

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// vectorsDir is $SECCTX_VECTORS when set, else the repository's tests/vectors.
func vectorsDir() string {
	if d := os.Getenv("SECCTX_VECTORS"); d != "" {
		return d
	}
	return filepath.Join("..", "tests", "vectors")
}

type vectorCase struct {
	Name    string          `json:"name"`
	Config  json.RawMessage `json:"config"`
	Request *struct {
		Peer    *string     `json:"peer"`
		Headers [][2]string `json:"headers"`
	} `json:"request"`
	Identity *struct {
		EndUserID       *string `json:"end_user_id"`
		EndUserIDType   *string `json:"end_user_id_type"`
		EndUserTenantID *string `json:"end_user_tenant_id"`
		ApplicationName *string `json:"application_name"`
	} `json:"identity"`
	Expect map[string]json.RawMessage `json:"expect"`
}

func loadCorpus(t *testing.T) []vectorCase {
	t.Helper()
	dir := vectorsDir()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.json vector files in %s", dir)
	}
	sort.Strings(files)
	var cases []vectorCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var many []vectorCase
		if err := json.Unmarshal(data, &many); err != nil {
			var one vectorCase
			if err2 := json.Unmarshal(data, &one); err2 != nil {
				t.Fatalf("%s: %v", f, err)
			}
			many = []vectorCase{one}
		}
		cases = append(cases, many...)
	}
	return cases
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not a *secctx.Error: " + err.Error()
}

// evalCase runs one case through the Go API and compares it with expect (SPEC section 7).
func evalCase(c vectorCase) []string {
	var problems []string
	config := []byte(c.Config)
	if len(config) == 0 {
		config = []byte("{}")
	}
	var gotErr string
	var ctx *Context
	resolver, err := NewResolver(config)
	if err != nil {
		gotErr = codeOf(err)
	} else {
		defer resolver.Close()
		var peer string
		var headers []Header
		if c.Request != nil {
			peer = str(c.Request.Peer)
			for _, h := range c.Request.Headers {
				headers = append(headers, Header{Name: h[0], Value: h[1]})
			}
		}
		var id *Identity
		if c.Identity != nil {
			id = &Identity{EndUserID: str(c.Identity.EndUserID), EndUserIDType: str(c.Identity.EndUserIDType),
				EndUserTenantID: str(c.Identity.EndUserTenantID), ApplicationName: str(c.Identity.ApplicationName)}
		}
		ctx, err = resolver.ResolveHeaders(peer, headers, id)
		if err != nil {
			gotErr = codeOf(err)
		}
		// The same request as an http.Header (what FromRequest reads) must resolve the same:
		// repeats of one name keep their order, which is all resolution depends on.
		h := http.Header{}
		for _, x := range headers {
			h.Add(x.Name, x.Value)
		}
		ctx2, err2 := resolver.Resolve(peer, h, id)
		switch {
		case (err == nil) != (err2 == nil):
			problems = append(problems, "Resolve(http.Header) and ResolveHeaders disagree on failing")
		case err == nil && ctx2.UserSecurityContextJSON() != ctx.UserSecurityContextJSON():
			problems = append(problems, "Resolve(http.Header) gives "+ctx2.UserSecurityContextJSON()+
				", ResolveHeaders gives "+ctx.UserSecurityContextJSON())
		}
	}
	if want, ok := c.Expect["error"]; ok {
		var w string
		_ = json.Unmarshal(want, &w)
		if gotErr != w {
			problems = append(problems, "expected error "+w+", got "+orNone(gotErr))
		}
		return problems
	}
	if gotErr != "" {
		return append(problems, "unexpected error "+gotErr)
	}
	if want := c.Expect["user_security_context"]; !jsonEqual(want, []byte(ctx.UserSecurityContextJSON())) {
		problems = append(problems, "user_security_context: expected "+string(want)+", got "+ctx.UserSecurityContextJSON())
	}
	legacy, lerr := ctx.LegacyUserJSON()
	if want, ok := c.Expect["user"]; ok {
		if lerr != nil {
			problems = append(problems, "user: expected "+string(want)+", got error "+codeOf(lerr))
		} else if !jsonEqual(want, []byte(legacy)) {
			problems = append(problems, "user: expected "+string(want)+", got "+legacy)
		}
	}
	if want, ok := c.Expect["user_error"]; ok {
		var w string
		_ = json.Unmarshal(want, &w)
		if lerr == nil || codeOf(lerr) != w {
			problems = append(problems, "user_error: expected "+w+", got "+orNone(errString(lerr)))
		}
	}
	return problems
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return codeOf(err)
}

// TestCorpus runs every case of the shared conformance corpus.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) == 0 {
		t.Fatalf("no cases in %s", vectorsDir())
	}
	failed := 0
	for _, c := range cases {
		if problems := evalCase(c); len(problems) > 0 {
			failed++
			t.Errorf("%s: %v", c.Name, problems)
		}
	}
	t.Logf("corpus: %d cases from %s, %d failed", len(cases), vectorsDir(), failed)
}
