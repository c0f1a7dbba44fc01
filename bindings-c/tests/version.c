/* `make demo` for bindings-c: prints the library version and one resolution through the C ABI. */
#include <stdio.h>
#include <string.h>

#include "secctx.h"

int main(void) {
    printf("libsecctx %s\n", secctx_version());
    const char *cfg = "{\"trusted_proxies\": [\"10.0.0.0/8\"], \"application_name\": \"demo\"}";
    secctx_resolver *r = NULL;
    secctx_error *e = secctx_resolver_new((const uint8_t *)cfg, strlen(cfg), &r);
    if (e) {
        fprintf(stderr, "%s: %s\n", secctx_error_code_str(secctx_error_get_code(e)), secctx_error_message(e, NULL));
        secctx_error_free(e);
        return 1;
    }
    secctx_header h[] = {{{(const uint8_t *)"X-Forwarded-For", 15}, {(const uint8_t *)"6.6.6.6, 203.0.113.7", 20}}};
    secctx_context *ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.2:51234", 14, h, 1, NULL, &ctx);
    if (e) {
        fprintf(stderr, "%s\n", secctx_error_message(e, NULL));
        secctx_error_free(e);
        secctx_resolver_free(r);
        return 1;
    }
    secctx_str usc = secctx_context_user_security_context_json(ctx);
    secctx_str why = secctx_context_reason_text(ctx);
    printf("user_security_context: %.*s\nreason: %.*s\n", (int)usc.len, (const char *)usc.ptr, (int)why.len,
           (const char *)why.ptr);
    secctx_context_free(ctx);
    secctx_resolver_free(r);
    return 0;
}
