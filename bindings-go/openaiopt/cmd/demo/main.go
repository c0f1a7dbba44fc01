// Command demo starts the project's mock Azure OpenAI endpoint, resolves a request that came
// through a proxy chain, sends a chat completion with openai-go v3 carrying the security
// context, and prints what the mock received. Run by `make -C bindings-go demo`.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	secctx "github.com/secctx/secctx/bindings-go"
	"github.com/secctx/secctx/bindings-go/openaiopt"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := os.Getenv("SECCTX_BIN")
	if bin == "" {
		return fmt.Errorf("set SECCTX_BIN to the secctx binary (target/debug/secctx)")
	}
	dir, err := os.MkdirTemp("", "secctx-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	portFile := filepath.Join(dir, "port")
	mock := exec.Command(bin, "mock", "--listen", "127.0.0.1:0", "--port-file", portFile, "--max-lifetime", "120")
	mock.Stderr = os.Stderr
	if err := mock.Start(); err != nil {
		return err
	}
	defer func() { _ = mock.Process.Kill(); _ = mock.Wait() }()
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if data, err := os.ReadFile(portFile); err == nil && strings.HasSuffix(string(data), "\n") {
			addr = strings.TrimSpace(string(data))
		}
	}
	if addr == "" {
		return fmt.Errorf("the mock did not start")
	}

	resolver, err := secctx.NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	if err != nil {
		return err
	}
	defer resolver.Close()
	in := httptest.NewRequest(http.MethodPost, "/chat", nil)
	in.RemoteAddr = "10.1.0.4:61000" // Application Gateway
	in.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123")
	in.Header.Set("User-Agent", "contoso-web/1.0")
	sc, err := resolver.FromRequest(in, &secctx.Identity{
		EndUserID: "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", EndUserIDType: "aad",
		EndUserTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
	})
	if err != nil {
		return err
	}
	fmt.Printf("secctx %s (Go binding): source_ip %s (%s)\n", secctx.Version(), sc.SourceIP, sc.Reason)

	client := openai.NewClient(azure.WithEndpoint("http://"+addr, "2025-04-01-preview"),
		azure.WithAPIKey("demo-key"), azure.WithUnsafeAllowHTTP())
	completion, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello from the Go demo")},
	}, openaiopt.Option(sc))
	if err != nil {
		return err
	}
	fmt.Printf("openai-go got: %q\n", completion.Choices[0].Message.Content)

	resp, err := http.Get("http://" + addr + "/_secctx/requests")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var recs []map[string]any
	if err := json.Unmarshal(raw, &recs); err != nil {
		return err
	}
	for _, rec := range recs {
		out, _ := json.MarshalIndent(map[string]any{
			"path": rec["path"], "api_version": rec["api_version"], "deployment": rec["deployment"],
			"user_security_context": rec["user_security_context"], "findings": rec["findings"],
		}, "", "  ")
		fmt.Printf("the mock received:\n%s\n", out)
	}
	return nil
}
