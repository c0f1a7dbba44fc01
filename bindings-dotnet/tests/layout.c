/* Prints the sizes and field offsets of the C ABI's structs as the C compiler lays them out from
 * bindings-c/include/secctx.h, one "name value" per line. LayoutTests.cs compares them with the
 * C# declarations in src/SecCtx/Native.cs, so a change of the header fails `make test`. */
#include <stddef.h>
#include <stdio.h>

#include "secctx.h"

#define SIZE(t) printf("sizeof:%s %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offset:%s.%s %zu\n", #t, #f, offsetof(struct t, f))

int main(void) {
    SIZE(secctx_str);
    OFF(secctx_str, ptr);
    OFF(secctx_str, len);
    SIZE(secctx_header);
    OFF(secctx_header, name);
    OFF(secctx_header, value);
    SIZE(secctx_context_view);
    OFF(secctx_context_view, application_name);
    OFF(secctx_context_view, end_user_id);
    OFF(secctx_context_view, end_user_id_type);
    OFF(secctx_context_view, end_user_tenant_id);
    OFF(secctx_context_view, source_ip);
    OFF(secctx_context_view, peer);
    OFF(secctx_context_view, reason_code);
    OFF(secctx_context_view, reason_text);
    OFF(secctx_context_view, reason_hop);
    OFF(secctx_context_view, identity_source);
    OFF(secctx_context_view, easy_auth_note_code);
    OFF(secctx_context_view, easy_auth_note_text);
    OFF(secctx_context_view, user_security_context_json);
    OFF(secctx_context_view, source_request_headers);
    OFF(secctx_context_view, n_source_request_headers);
    printf("value:SECCTX_ERROR_CODE_INVALID_CONFIG %d\n", (int)SECCTX_ERROR_CODE_INVALID_CONFIG);
    printf("value:SECCTX_ERROR_CODE_INVALID_ARGUMENT %d\n", (int)SECCTX_ERROR_CODE_INVALID_ARGUMENT);
    return 0;
}
