package openaiopt_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mockAddr is the address of the `secctx mock` endpoint TestMain started ("127.0.0.1:PORT").
var mockAddr string

// TestMain starts the project's mock Azure OpenAI endpoint (target/debug/secctx mock, built
// with cargo when missing) on a free loopback port for every test and example of the package;
// --max-lifetime makes it exit by itself should this process die.
func TestMain(m *testing.M) {
	stop, err := startMock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start secctx mock:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func startMock() (func(), error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(root, "target", "debug", "secctx")
	if _, err := os.Stat(bin); err != nil {
		build := exec.Command("cargo", "build", "-p", "secctx-cli")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("cargo build -p secctx-cli: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "secctx-mock")
	if err != nil {
		return nil, err
	}
	portFile := filepath.Join(dir, "port")
	cmd := exec.Command(bin, "mock", "--listen", "127.0.0.1:0", "--port-file", portFile, "--max-lifetime", "300")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(portFile); err == nil && strings.HasSuffix(string(data), "\n") {
			mockAddr = strings.TrimSpace(string(data))
			return stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("the mock wrote no port file within 60s")
}

// recorded is one request as the mock recorded it.
type recorded struct {
	Method              string            `json:"method"`
	Path                string            `json:"path"`
	APIVersion          *string           `json:"api_version"`
	Deployment          *string           `json:"deployment"`
	Headers             map[string]string `json:"headers"`
	Body                json.RawMessage   `json:"body"`
	UserSecurityContext json.RawMessage   `json:"user_security_context"`
	User                json.RawMessage   `json:"user"`
	Findings            []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"findings"`
}

func mockRequests() ([]recorded, error) {
	resp, err := http.Get("http://" + mockAddr + "/_secctx/requests")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []recorded
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

func clearMock() error {
	req, _ := http.NewRequest(http.MethodDelete, "http://"+mockAddr+"/_secctx/requests", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
