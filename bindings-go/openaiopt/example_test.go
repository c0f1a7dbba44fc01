package openaiopt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	secctx "github.com/secctx/secctx/bindings-go"
	"github.com/secctx/secctx/bindings-go/openaiopt"
)

// Send a chat completion to Azure OpenAI carrying the end user's security context. The
// endpoint here is the project's mock (started by TestMain); in production it is
// https://YOUR-RESOURCE.openai.azure.com with azure.WithAPIKey or azure.WithTokenCredential.
func ExampleOption() {
	resolver, err := secctx.NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	if err != nil {
		panic(err)
	}
	defer resolver.Close()

	// An incoming request that came through Application Gateway.
	in := httptest.NewRequest(http.MethodPost, "/chat", nil)
	in.RemoteAddr = "10.1.0.4:61000"
	in.Header.Set("X-Forwarded-For", "203.0.113.7")
	sc, err := resolver.FromRequest(in, &secctx.Identity{EndUserID: "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", EndUserIDType: "aad"})
	if err != nil {
		panic(err)
	}

	_ = clearMock()
	client := openai.NewClient(
		azure.WithEndpoint("http://"+mockAddr, "2025-04-01-preview"),
		azure.WithAPIKey("test-key"),
		azure.WithUnsafeAllowHTTP(), // the loopback mock only
	)
	_, err = client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	}, openaiopt.Option(sc))
	if err != nil {
		panic(err)
	}

	recs, _ := mockRequests()
	fmt.Println("the mock received user_security_context:", string(recs[0].UserSecurityContext))
	// Output:
	// the mock received user_security_context: {"application_name":"contoso-chat","end_user_id":"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10","source_ip":"203.0.113.7"}
}
