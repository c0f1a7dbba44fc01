/* The C ABI's test: every case of the shared conformance corpus (SPEC section 7) through the C
 * API, then error paths, NULL inputs, free-NULL and threads. Prints `N passed, N failed`.
 *
 * The corpus directory is $SECCTX_VECTORS (the Makefile sets it to tests/vectors when unset).
 * Built with -Wall -Wextra -Werror -fsanitize=address,undefined, and run again without
 * sanitizers under valgrind. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "secctx.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static secctx_str S(const char *s) { return (secctx_str){(const uint8_t *)s, strlen(s)}; }

static int str_is(secctx_str v, const char *want) {
    if (want == NULL) return v.ptr == NULL && v.len == 0;
    return v.ptr != NULL && v.len == strlen(want) && memcmp(v.ptr, want, v.len) == 0 && v.ptr[v.len] == '\0';
}

static int same_str(secctx_str a, secctx_str b) {
    if (a.ptr == NULL || b.ptr == NULL) return a.ptr == b.ptr;
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static const char *code_of(secctx_error *err) { return secctx_error_code_str(secctx_error_get_code(err)); }

/* Reads a whole file; NULL on failure. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) { free(buf); buf = NULL; }
        else buf = nb;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- packed requests (secctx_resolve_packed) ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf_t;

static void buf_put(buf_t *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t nc = (b->cap ? b->cap : 64);
        while (nc < b->len + n) nc *= 2;
        uint8_t *np = realloc(b->p, nc);
        if (!np) abort();
        b->p = np;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_field(buf_t *b, const uint8_t *ptr, size_t n) {
    uint8_t le[4];
    uint32_t v = ptr ? (uint32_t)n : 0xFFFFFFFFu;
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(v >> (8 * i));
    buf_put(b, le, 4);
    if (ptr) buf_put(b, ptr, n);
}

/* ---- one corpus case ---- */

typedef struct {
    char *kind;   /* error kind when nothing could be built (owned), else NULL */
    jval *usc;    /* user_security_context */
    jval *user;   /* legacy document, or NULL */
    char *user_error;
} result_t;

static void result_free(result_t *r) {
    free(r->kind);
    json_free(r->usc);
    json_free(r->user);
    free(r->user_error);
}

static const char *case_name;

/* Checks that the view, the accessors and both renderings agree; fills `r`. */
static void inspect(secctx_context *ctx, const secctx_context_view *pv, result_t *r) {
    char err[128];
    secctx_context_view v;
    secctx_error *e = secctx_context_get_view(ctx, &v);
    CHECK(e == NULL, "%s: get_view failed", case_name);
    secctx_error_free(e);
    CHECK(same_str(v.user_security_context_json, pv->user_security_context_json) &&
              same_str(v.source_ip, pv->source_ip) && same_str(v.peer, pv->peer) &&
              same_str(v.reason_code, pv->reason_code) && v.reason_hop == pv->reason_hop &&
              v.n_source_request_headers == pv->n_source_request_headers,
          "%s: secctx_resolve and secctx_resolve_packed disagree", case_name);
    /* Accessors return the very views of get_view. */
    CHECK(secctx_context_application_name(ctx).ptr == v.application_name.ptr &&
              secctx_context_end_user_id(ctx).ptr == v.end_user_id.ptr &&
              secctx_context_end_user_id_type(ctx).ptr == v.end_user_id_type.ptr &&
              secctx_context_end_user_tenant_id(ctx).ptr == v.end_user_tenant_id.ptr &&
              secctx_context_source_ip(ctx).ptr == v.source_ip.ptr && secctx_context_peer(ctx).ptr == v.peer.ptr &&
              secctx_context_reason_code(ctx).ptr == v.reason_code.ptr &&
              secctx_context_reason_text(ctx).ptr == v.reason_text.ptr &&
              secctx_context_reason_hop(ctx) == v.reason_hop &&
              secctx_context_identity_source(ctx).ptr == v.identity_source.ptr &&
              secctx_context_easy_auth_note_code(ctx).ptr == v.easy_auth_note_code.ptr &&
              secctx_context_easy_auth_note_text(ctx).ptr == v.easy_auth_note_text.ptr &&
              secctx_context_user_security_context_json(ctx).ptr == v.user_security_context_json.ptr,
          "%s: an accessor disagrees with the view", case_name);
    size_t nh = 99;
    const secctx_header *hs = secctx_context_source_request_headers(ctx, &nh);
    CHECK(hs == v.source_request_headers && nh == v.n_source_request_headers, "%s: headers accessor", case_name);
    CHECK(v.reason_code.ptr != NULL && v.reason_text.ptr != NULL && v.identity_source.ptr != NULL,
          "%s: reason/identity source missing", case_name);

    r->usc = json_parse((const char *)v.user_security_context_json.ptr, v.user_security_context_json.len, err);
    CHECK(r->usc != NULL && r->usc->type == J_OBJ, "%s: user_security_context is not a JSON object: %s", case_name,
          err);
    /* source_ip in the view is the one in the JSON. */
    const jval *sip = json_get(r->usc, "source_ip");
    CHECK(sip ? str_is(v.source_ip, sip->str) : v.source_ip.ptr == NULL, "%s: view source_ip vs JSON", case_name);

    char *legacy = NULL;
    size_t legacy_len = 0;
    e = secctx_context_legacy_user_json(ctx, &legacy, &legacy_len);
    if (e) {
        r->user_error = strdup(code_of(e));
        CHECK(legacy == NULL, "%s: out-parameter written on failure", case_name);
        secctx_error_free(e);
    } else {
        CHECK(strlen(legacy) == legacy_len, "%s: legacy length", case_name);
        r->user = json_parse(legacy, legacy_len, err);
        CHECK(r->user != NULL && r->user->type == J_OBJ, "%s: legacy user is not a JSON object: %s", case_name, err);
    }

    /* for_api_version: current format is the same text; legacy format is a JSON string of it. */
    const char *field = NULL;
    char *value = NULL;
    size_t value_len = 0;
    e = secctx_context_for_api_version(ctx, (const uint8_t *)"v1", 2, &field, &value, &value_len);
    CHECK(e == NULL && field && strcmp(field, "user_security_context") == 0 && value &&
              str_is(v.user_security_context_json, value),
          "%s: for_api_version(v1)", case_name);
    secctx_error_free(e);
    secctx_string_free(value);
    value = NULL;
    e = secctx_context_for_api_version(ctx, (const uint8_t *)"2024-10-21", 10, &field, &value, &value_len);
    if (legacy) {
        jval *s = e ? NULL : json_parse(value, value_len, err);
        CHECK(e == NULL && strcmp(field, "user") == 0 && s && s->type == J_STR && s->str_len == legacy_len &&
                  memcmp(s->str, legacy, legacy_len) == 0,
              "%s: for_api_version(2024-10-21) is not the legacy document as a JSON string", case_name);
        json_free(s);
    } else {
        CHECK(e != NULL && r->user_error && strcmp(code_of(e), r->user_error) == 0,
              "%s: for_api_version(2024-10-21) should fail like the legacy rendering", case_name);
    }
    secctx_error_free(e);
    secctx_string_free(value);
    secctx_string_free(legacy);

    char *record = NULL;
    size_t record_len = 0;
    e = secctx_context_to_json(ctx, &record, &record_len);
    jval *rec = e ? NULL : json_parse(record, record_len, err);
    const jval *reason = json_get(rec, "reason");
    const jval *code = json_get(reason, "code");
    CHECK(rec && code && code->type == J_STR && str_is(v.reason_code, code->str), "%s: to_json record", case_name);
    json_free(rec);
    secctx_error_free(e);
    secctx_string_free(record);
}

/* Reads one framed field of a packed result; returns the position after it, or 0 on error. */
static size_t next_field(const uint8_t *b, size_t len, size_t pos, secctx_str *out) {
    if (pos + 4 > len) return 0;
    uint32_t n = (uint32_t)b[pos] | (uint32_t)b[pos + 1] << 8 | (uint32_t)b[pos + 2] << 16 | (uint32_t)b[pos + 3] << 24;
    pos += 4;
    if (n == 0xFFFFFFFFu) { *out = (secctx_str){NULL, 0}; return pos; }
    if (n > len - pos) return 0;
    *out = (secctx_str){b + pos, n};
    return pos + n;
}

static void check_result_render(const secctx_context *ctx, const uint8_t *out, size_t got, size_t fixed_end);

/* secctx_resolve_packed_into gives the same values as the view, and reports the size needed
 * when the buffer is too small. */
static void check_packed_into(secctx_resolver *r, const buf_t *packed, const secctx_context *ctx,
                              const secctx_context_view *v) {
    size_t need = 0;
    secctx_error *e = secctx_resolve_packed_into(r, packed->p, packed->len, NULL, 0, &need);
    CHECK(e == NULL && need > 0, "%s: packed_into size query", case_name);
    secctx_error_free(e);
    uint8_t *out = malloc(need);
    size_t got = 0;
    e = secctx_resolve_packed_into(r, packed->p, packed->len, out, need, &got);
    CHECK(e == NULL && got == need, "%s: packed_into", case_name);
    secctx_error_free(e);
    secctx_str f[12];
    size_t pos = 0;
    int ok = e == NULL;
    for (int i = 0; ok && i < 8; i++) ok = (pos = next_field(out, got, pos, &f[i])) != 0;
    uint32_t hop = 0;
    if (ok && pos + 4 <= got) {
        hop = (uint32_t)out[pos] | (uint32_t)out[pos + 1] << 8 | (uint32_t)out[pos + 2] << 16 | (uint32_t)out[pos + 3] << 24;
        pos += 4;
    } else ok = 0;
    for (int i = 8; ok && i < 12; i++) ok = (pos = next_field(out, got, pos, &f[i])) != 0;
    size_t fixed_end = pos;
    size_t pairs = 0;
    while (ok && pos < got) {
        secctx_str n, val;
        ok = (pos = next_field(out, got, pos, &n)) != 0 && (pos = next_field(out, got, pos, &val)) != 0;
        if (ok && pairs < v->n_source_request_headers)
            ok = same_str(n, v->source_request_headers[pairs].name) && same_str(val, v->source_request_headers[pairs].value);
        pairs++;
    }
    CHECK(ok && same_str(f[0], v->application_name) && same_str(f[1], v->end_user_id) &&
              same_str(f[2], v->end_user_id_type) && same_str(f[3], v->end_user_tenant_id) &&
              same_str(f[4], v->source_ip) && same_str(f[5], v->peer) && same_str(f[6], v->reason_code) &&
              same_str(f[7], v->reason_text) && hop == v->reason_hop && same_str(f[8], v->identity_source) &&
              same_str(f[9], v->easy_auth_note_code) && same_str(f[10], v->easy_auth_note_text) &&
              same_str(f[11], v->user_security_context_json) && pairs == v->n_source_request_headers,
          "%s: packed_into result differs from the view", case_name);
    if (ok) check_result_render(ctx, out, got, fixed_end);
    free(out);
}

/* Two renderings agree: both errors of the same code, or both strings equal. */
static void same_render(secctx_error *ea, char *a, size_t na, secctx_error *eb, char *b, size_t nb, const char *what) {
    if (ea || eb) {
        CHECK(ea && eb && strcmp(code_of(ea), code_of(eb)) == 0 && a == NULL && b == NULL,
              "%s: %s: result and context disagree on the error", case_name, what);
    } else {
        CHECK(a && b && na == nb && strlen(a) == na && memcmp(a, b, na) == 0, "%s: %s: result renders %s, context %s",
              case_name, what, a ? a : "(null)", b ? b : "(null)");
    }
    secctx_error_free(ea);
    secctx_error_free(eb);
    secctx_string_free(a);
    secctx_string_free(b);
}

/* The secctx_result_* functions render a packed result exactly as the context renders itself. */
static void check_result_render(const secctx_context *ctx, const uint8_t *out, size_t got, size_t fixed_end) {
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    secctx_error *ea = secctx_result_legacy_user_json(out, got, &a, &na);
    secctx_error *eb = secctx_context_legacy_user_json(ctx, &b, &nb);
    same_render(ea, a, na, eb, b, nb, "legacy");
    a = b = NULL;
    ea = secctx_result_to_json(out, got, &a, &na);
    eb = secctx_context_to_json(ctx, &b, &nb);
    same_render(ea, a, na, eb, b, nb, "record");
    static const char *versions[] = {"v1", "2024-12-01-preview", "2024-10-21", "2024-11-01-preview", "bogus"};
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
        const char *fa = NULL, *fb = NULL;
        a = b = NULL;
        const uint8_t *v = (const uint8_t *)versions[i];
        ea = secctx_result_for_api_version(out, got, v, strlen(versions[i]), &fa, &a, &na);
        eb = secctx_context_for_api_version(ctx, v, strlen(versions[i]), &fb, &b, &nb);
        CHECK((fa == NULL && fb == NULL) || (fa && fb && strcmp(fa, fb) == 0), "%s: %s: field names differ", case_name,
              versions[i]);
        same_render(ea, a, na, eb, b, nb, versions[i]);
    }
    /* A result cut anywhere before the end of its fixed fields is malformed. */
    for (size_t cut = 0; cut < fixed_end; cut += 1 + fixed_end / 16) {
        a = NULL;
        ea = secctx_result_to_json(out, cut, &a, &na);
        CHECK(ea && secctx_error_get_code(ea) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && a == NULL,
              "%s: a result cut at %zu of %zu bytes is accepted", case_name, cut, got);
        secctx_error_free(ea);
    }
}

/* Whether `name` is one of the '\n'-separated lower-case `names` (ASCII case-insensitively). */
static int name_listed(const char *names, secctx_str name) {
    for (const char *p = names; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == name.len && strncasecmp(p, (const char *)name.ptr, n) == 0) return 1;
        p += n + (end ? 1 : 0);
    }
    return 0;
}

static size_t packed_into_alloc(secctx_resolver *r, const buf_t *packed, uint8_t **out) {
    size_t need = 0;
    secctx_error *e = secctx_resolve_packed_into(r, packed->p, packed->len, NULL, 0, &need);
    if (e) { secctx_error_free(e); *out = NULL; return 0; }
    *out = malloc(need ? need : 1);
    e = secctx_resolve_packed_into(r, packed->p, packed->len, *out, need, &need);
    if (e) { secctx_error_free(e); free(*out); *out = NULL; return 0; }
    return need;
}

/* Passing only the headers secctx_resolver_read_header_names lists gives a byte-identical
 * result (what the Go and .NET bindings rely on when they filter before packing). */
static void check_filtered(secctx_resolver *r, const buf_t *full, size_t head_len, const secctx_header *hs, size_t nh) {
    char *names = NULL;
    size_t names_len = 0;
    secctx_error *e = secctx_resolver_read_header_names(r, &names, &names_len);
    CHECK(e == NULL && names && strlen(names) == names_len, "%s: read_header_names", case_name);
    secctx_error_free(e);
    if (!names) return;
    buf_t filtered = {0};
    buf_put(&filtered, full->p, head_len);
    for (size_t i = 0; i < nh; i++) {
        if (!name_listed(names, hs[i].name)) continue;
        buf_field(&filtered, hs[i].name.ptr ? hs[i].name.ptr : (const uint8_t *)"", hs[i].name.len);
        buf_field(&filtered, hs[i].value.ptr ? hs[i].value.ptr : (const uint8_t *)"", hs[i].value.len);
    }
    uint8_t *a = NULL, *b = NULL;
    size_t na = packed_into_alloc(r, full, &a), nb = packed_into_alloc(r, &filtered, &b);
    CHECK(a && b && na == nb && memcmp(a, b, na) == 0, "%s: filtered headers (%s) change the result", case_name, names);
    free(a);
    free(b);
    free(filtered.p);
    secctx_string_free(names);
}

static int run_case(const jval *c) {
    char err[128];
    const jval *name = json_get(c, "name");
    case_name = name && name->type == J_STR ? name->str : "<unnamed>";
    const jval *expect = json_get(c, "expect");
    const jval *config = json_get(c, "config");
    const jval *request = json_get(c, "request");
    const jval *peer = json_get(request, "peer");
    const jval *headers = json_get(request, "headers");
    const jval *identity = json_get(c, "identity");
    if (!expect || expect->type != J_OBJ) {
        fprintf(stderr, "FAIL %s: no expect\n", case_name);
        return 0;
    }
    result_t r = {0};
    const char *cfg = config ? config->raw : "{}";
    size_t cfg_len = config ? config->raw_len : 2;

    secctx_resolver *resolver = NULL;
    secctx_error *e = secctx_resolver_new((const uint8_t *)cfg, cfg_len, &resolver);
    if (e) {
        r.kind = strdup(code_of(e));
        size_t mlen = 0;
        const char *msg = secctx_error_message(e, &mlen);
        CHECK(resolver == NULL && mlen > 0 && strlen(msg) == mlen, "%s: error message / untouched out", case_name);
        secctx_error_free(e);
    } else {
        size_t nh = headers && headers->type == J_ARR ? headers->n : 0;
        secctx_header *hs = calloc(nh ? nh : 1, sizeof *hs);
        buf_t packed = {0};
        const uint8_t *peer_ptr = peer && peer->type == J_STR ? (const uint8_t *)peer->str : NULL;
        size_t peer_len = peer_ptr ? peer->str_len : 0;
        buf_field(&packed, peer_ptr, peer_len);
        secctx_identity id = {{0}, {0}, {0}, {0}};
        secctx_str *slots[4] = {&id.end_user_id, &id.end_user_id_type, &id.end_user_tenant_id, &id.application_name};
        const char *keys[4] = {"end_user_id", "end_user_id_type", "end_user_tenant_id", "application_name"};
        for (int i = 0; i < 4; i++) {
            const jval *f = json_get(identity, keys[i]);
            if (f && f->type == J_STR) *slots[i] = (secctx_str){(const uint8_t *)f->str, f->str_len};
            buf_field(&packed, slots[i]->ptr, slots[i]->len);
        }
        size_t head_len = packed.len;
        for (size_t i = 0; i < nh; i++) {
            const jval *pair = headers->items[i];
            if (pair->type != J_ARR || pair->n != 2 || pair->items[0]->type != J_STR || pair->items[1]->type != J_STR) {
                fprintf(stderr, "FAIL %s: malformed header pair\n", case_name);
                free(hs);
                free(packed.p);
                secctx_resolver_free(resolver);
                return 0;
            }
            hs[i].name = (secctx_str){(const uint8_t *)pair->items[0]->str, pair->items[0]->str_len};
            hs[i].value = (secctx_str){(const uint8_t *)pair->items[1]->str, pair->items[1]->str_len};
            buf_field(&packed, hs[i].name.ptr ? hs[i].name.ptr : (const uint8_t *)"", hs[i].name.len);
            buf_field(&packed, hs[i].value.ptr ? hs[i].value.ptr : (const uint8_t *)"", hs[i].value.len);
        }
        secctx_context *ctx = NULL, *ctx2 = NULL;
        secctx_context_view pv;
        e = secctx_resolve(resolver, peer_ptr, peer_len, hs, nh, identity ? &id : NULL, &ctx);
        secctx_error *e2 = secctx_resolve_packed(resolver, packed.p, packed.len, &ctx2, &pv);
        if (!e2) {
            check_packed_into(resolver, &packed, ctx2, &pv);
            check_filtered(resolver, &packed, head_len, hs, nh);
        }
        if (e) {
            r.kind = strdup(code_of(e));
            CHECK(e2 && strcmp(code_of(e2), r.kind) == 0 && ctx == NULL && ctx2 == NULL,
                  "%s: packed and unpacked resolve disagree on the error", case_name);
        } else {
            CHECK(e2 == NULL && ctx && ctx2, "%s: packed resolve failed where unpacked succeeded", case_name);
            if (!e2) inspect(ctx, &pv, &r);
        }
        secctx_error_free(e);
        secctx_error_free(e2);
        secctx_context_free(ctx2); /* the views from the packed call die here; inspect is done */
        secctx_context_free(ctx);
        free(hs);
        free(packed.p);
        secctx_resolver_free(resolver);
    }

    /* Compare with expect by SPEC section 7. */
    int ok = 1;
    const jval *want_error = json_get(expect, "error");
    if (want_error) {
        ok = r.kind && want_error->type == J_STR && strcmp(want_error->str, r.kind) == 0;
        if (!ok) fprintf(stderr, "FAIL %s: expected error %.*s, got %s\n", case_name, (int)want_error->raw_len,
                         want_error->raw, r.kind ? r.kind : "no error");
    } else if (r.kind) {
        ok = 0;
        fprintf(stderr, "FAIL %s: unexpected error %s\n", case_name, r.kind);
    } else {
        const jval *want_usc = json_get(expect, "user_security_context");
        const jval *want_user = json_get(expect, "user");
        const jval *want_user_error = json_get(expect, "user_error");
        if (!json_equal(want_usc, r.usc)) {
            ok = 0;
            fprintf(stderr, "FAIL %s: user_security_context: expected %.*s, got %.*s\n", case_name,
                    want_usc ? (int)want_usc->raw_len : 7, want_usc ? want_usc->raw : "nothing",
                    r.usc ? (int)r.usc->raw_len : 7, r.usc ? r.usc->raw : "nothing");
        }
        if (want_user && !json_equal(want_user, r.user)) {
            ok = 0;
            fprintf(stderr, "FAIL %s: user: expected %.*s, got %.*s\n", case_name, (int)want_user->raw_len,
                    want_user->raw, r.user ? (int)r.user->raw_len : (int)strlen(r.user_error ? r.user_error : "-"),
                    r.user ? r.user->raw : (r.user_error ? r.user_error : "-"));
        }
        if (want_user_error &&
            !(r.user_error && want_user_error->type == J_STR && strcmp(want_user_error->str, r.user_error) == 0)) {
            ok = 0;
            fprintf(stderr, "FAIL %s: user_error: expected %.*s, got %s\n", case_name, (int)want_user_error->raw_len,
                    want_user_error->raw, r.user_error ? r.user_error : "no error");
        }
    }
    (void)err;
    result_free(&r);
    return ok;
}

static int has_json_suffix(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void run_corpus(void) {
    const char *dir = getenv("SECCTX_VECTORS");
    if (!dir || !*dir) dir = "tests/vectors";
    struct dirent **files = NULL;
    int nfiles = scandir(dir, &files, has_json_suffix, alphasort);
    CHECK(nfiles > 0, "no *.json vector files in %s", dir);
    int cases = 0, case_failures = 0;
    for (int i = 0; i < nfiles; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]->d_name);
        size_t len = 0;
        char *text = read_file(path, &len);
        char err[128];
        jval *doc = text ? json_parse(text, len, err) : NULL;
        CHECK(doc != NULL, "%s: cannot read: %s", path, text ? err : "I/O error");
        if (doc) {
            size_t n = doc->type == J_ARR ? doc->n : 1;
            for (size_t k = 0; k < n; k++) {
                const jval *c = doc->type == J_ARR ? doc->items[k] : doc;
                cases++;
                if (run_case(c)) passed++;
                else { failed++; case_failures++; }
            }
        }
        json_free(doc);
        free(text);
        free(files[i]);
    }
    free(files);
    CHECK(cases > 0, "no cases in %s", dir);
    printf("corpus: %d cases from %s, %d failed\n", cases, dir, case_failures);
}

/* ---- error paths, NULL inputs, free-NULL ---- */

static secctx_resolver *make_resolver(const char *cfg) {
    secctx_resolver *r = NULL;
    secctx_error *e = secctx_resolver_new((const uint8_t *)cfg, strlen(cfg), &r);
    CHECK(e == NULL && r != NULL, "resolver for %s", cfg);
    secctx_error_free(e);
    return r;
}

static void test_errors(void) {
    secctx_resolver *const SENTINEL_R = (secctx_resolver *)(uintptr_t)0x1234;
    secctx_context *const SENTINEL_C = (secctx_context *)(uintptr_t)0x5678;

    /* Version. */
    const char *ver = secctx_version();
    CHECK(ver && strchr(ver, '.') != NULL, "version %s", ver ? ver : "(null)");

    /* Code strings. */
    CHECK(strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_INVALID_CONFIG), "invalid_config") == 0 &&
              strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_INVALID_IDENTITY), "invalid_identity") == 0 &&
              strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_MISSING_END_USER_ID_TYPE), "missing_end_user_id_type") ==
                  0 &&
              strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_INVALID_API_VERSION), "invalid_api_version") == 0 &&
              strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_INVALID_ARGUMENT), "invalid_argument") == 0 &&
              strcmp(secctx_error_code_str(SECCTX_ERROR_CODE_PANIC), "panic") == 0 &&
              strcmp(secctx_error_code_str(999), "unknown") == 0,
          "error code strings");

    /* Free NULL, NULL errors. */
    secctx_error_free(NULL);
    secctx_string_free(NULL);
    secctx_resolver_free(NULL);
    secctx_context_free(NULL);
    size_t mlen = 7;
    CHECK(secctx_error_get_code(NULL) == SECCTX_ERROR_CODE_INVALID_ARGUMENT &&
              strcmp(secctx_error_message(NULL, &mlen), "") == 0 && mlen == 0,
          "NULL error accessors");

    /* resolver_new. */
    secctx_resolver *r = SENTINEL_R;
    secctx_error *e = secctx_resolver_new(NULL, 5, &r);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && r == SENTINEL_R,
          "resolver_new(NULL, 5)");
    secctx_error_free(e);
    e = secctx_resolver_new((const uint8_t *)"{}", 2, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "resolver_new(out NULL)");
    secctx_error_free(e);
    e = secctx_resolver_new(NULL, 0, &r);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_CONFIG && r == SENTINEL_R,
          "empty config is not a JSON document");
    secctx_error_free(e);
    const char *typo = "{\"trusted_proxy\": [\"10.0.0.0/8\"]}";
    e = secctx_resolver_new((const uint8_t *)typo, strlen(typo), &r);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_CONFIG && r == SENTINEL_R &&
              strstr(secctx_error_message(e, NULL), "trusted_proxy") != NULL,
          "unknown key names the key: %s", e ? secctx_error_message(e, NULL) : "(no error)");
    secctx_error_free(e);
    const char *bad_utf8 = "{\"application_name\": \"\xff\xfe\"}";
    e = secctx_resolver_new((const uint8_t *)bad_utf8, strlen(bad_utf8), &r);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_CONFIG && r == SENTINEL_R,
          "invalid UTF-8 config");
    secctx_error_free(e);
    const char *denied = "{\"request_headers\": [\"Authorization\"]}";
    e = secctx_resolver_new((const uint8_t *)denied, strlen(denied), &r);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_CONFIG, "denied request header");
    secctx_error_free(e);

    r = make_resolver("{\"trusted_proxies\": [\"10.0.0.0/8\"], \"application_name\": \"app\"}");
    secctx_header xff[] = {{S("User-Agent"), S("curl/8")}, {S("X-Forwarded-For"), S("6.6.6.6, 203.0.113.7")},
                           {S("Authorization"), S("Bearer secret")}};

    /* read_header_names: the configured names, lower case; NULL arguments. */
    char *names = (char *)SENTINEL_C;
    size_t names_len = 0;
    e = secctx_resolver_read_header_names(r, &names, &names_len);
    CHECK(e == NULL && names && strncmp(names, "x-forwarded-for\nuser-agent\n", 27) == 0 &&
              strstr(names, "\nx-real-ip") && !strstr(names, "authorization") && !strstr(names, "X") &&
              names_len == strlen(names),
          "read_header_names: %s", e ? secctx_error_message(e, NULL) : names);
    secctx_error_free(e);
    secctx_string_free(names);
    names = (char *)SENTINEL_C;
    e = secctx_resolver_read_header_names(NULL, &names, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && names == (char *)SENTINEL_C,
          "read_header_names(NULL)");
    secctx_error_free(e);
    e = secctx_resolver_read_header_names(r, NULL, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "read_header_names(out NULL)");
    secctx_error_free(e);

    /* resolve: NULL arguments. */
    secctx_context *ctx = SENTINEL_C;
    e = secctx_resolve(NULL, NULL, 0, NULL, 0, NULL, &ctx);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C, "resolve(NULL)");
    secctx_error_free(e);
    e = secctx_resolve(r, NULL, 0, NULL, 0, NULL, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "resolve(out NULL)");
    secctx_error_free(e);
    e = secctx_resolve(r, NULL, 0, NULL, 2, NULL, &ctx);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C,
          "resolve(headers NULL, n 2)");
    secctx_error_free(e);
    secctx_header null_name[] = {{{NULL, 3}, S("x")}};
    e = secctx_resolve(r, NULL, 0, null_name, 1, NULL, &ctx);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C,
          "resolve(header name NULL with length)");
    secctx_error_free(e);
    secctx_identity bad_type = {S("u1"), S("github"), {0}, {0}};
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.2", 8, xff, 3, &bad_type, &ctx);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_IDENTITY && ctx == SENTINEL_C &&
              strstr(secctx_error_message(e, NULL), "github") != NULL,
          "unknown end_user_id_type");
    secctx_error_free(e);
    secctx_identity bad_id = {{(const uint8_t *)"\xc3", 1}, {0}, {0}, {0}};
    e = secctx_resolve(r, NULL, 0, NULL, 0, &bad_id, &ctx);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_IDENTITY && ctx == SENTINEL_C,
          "identity not UTF-8");
    secctx_error_free(e);

    /* resolve: the happy path through a trusted proxy, and identity. */
    secctx_identity id = {S("u1"), S("AaD"), S("t1"), {0}};
    ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.2:51234", 14, xff, 3, &id, &ctx);
    CHECK(e == NULL && ctx, "resolve happy path");
    if (ctx) {
        CHECK(str_is(secctx_context_source_ip(ctx), "203.0.113.7") && str_is(secctx_context_peer(ctx), "10.0.0.2") &&
                  str_is(secctx_context_reason_code(ctx), "chosen_at_hop") && secctx_context_reason_hop(ctx) == 1 &&
                  str_is(secctx_context_end_user_id_type(ctx), "AAD") &&
                  str_is(secctx_context_identity_source(ctx), "explicit") &&
                  str_is(secctx_context_application_name(ctx), "app") &&
                  str_is(secctx_context_easy_auth_note_code(ctx), NULL),
              "happy path fields");
        CHECK(str_is(secctx_context_user_security_context_json(ctx),
                     "{\"application_name\":\"app\",\"end_user_id\":\"u1\",\"end_user_tenant_id\":\"t1\","
                     "\"source_ip\":\"203.0.113.7\"}"),
              "happy path JSON: %s", (const char *)secctx_context_user_security_context_json(ctx).ptr);
        size_t n = 0;
        const secctx_header *h = secctx_context_source_request_headers(ctx, &n);
        CHECK(n == 2 && str_is(h[0].name, "User-Agent") && str_is(h[1].name, "X-Forwarded-For") &&
                  str_is(h[1].value, "6.6.6.6, 203.0.113.7"),
              "SourceRequestHeaders (Authorization never forwarded)");
        /* for_api_version errors leave out-parameters untouched. */
        const char *field = "untouched";
        char *value = (char *)"untouched";
        size_t vlen = 42;
        e = secctx_context_for_api_version(ctx, (const uint8_t *)"someday", 7, &field, &value, &vlen);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_API_VERSION &&
                  strcmp(field, "untouched") == 0 && strcmp(value, "untouched") == 0 && vlen == 42,
              "invalid api-version");
        secctx_error_free(e);
        e = secctx_context_for_api_version(ctx, (const uint8_t *)"\xff", 1, NULL, &value, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_API_VERSION, "api-version not UTF-8");
        secctx_error_free(e);
        e = secctx_context_for_api_version(ctx, (const uint8_t *)"v1", 2, NULL, NULL, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "for_api_version(value NULL)");
        secctx_error_free(e);
        e = secctx_context_legacy_user_json(ctx, NULL, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "legacy(out NULL)");
        secctx_error_free(e);
        e = secctx_context_get_view(ctx, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "get_view(out NULL)");
        secctx_error_free(e);
        secctx_context_free(ctx);
    }

    /* Legacy without a type. */
    secctx_identity no_type = {S("u1"), {0}, {0}, {0}};
    ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"192.0.2.1", 9, NULL, 0, &no_type, &ctx);
    CHECK(e == NULL && ctx, "resolve without type");
    if (ctx) {
        char *out = (char *)"untouched";
        size_t len = 42;
        secctx_error *le = secctx_context_legacy_user_json(ctx, &out, &len);
        CHECK(le && secctx_error_get_code(le) == SECCTX_ERROR_CODE_MISSING_END_USER_ID_TYPE &&
                  strcmp(out, "untouched") == 0 && len == 42,
              "missing_end_user_id_type");
        secctx_error_free(le);
        secctx_context_free(ctx);
    }

    /* Not UTF-8: peer → unknown; chain entry → invalid; forwarded value → U+FFFD. */
    secctx_header bad_vals[] = {{S("User-Agent"), S("ok \xff ok")}, {S("X-Forwarded-For"), S("203.0.113.\xff")},
                                {{(const uint8_t *)"X-\xff", 3}, S("x")}};
    ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.\xff", 8, bad_vals, 3, NULL, &ctx);
    CHECK(e == NULL && ctx && str_is(secctx_context_reason_code(ctx), "peer_unknown") &&
              str_is(secctx_context_peer(ctx), NULL),
          "peer not UTF-8 is unknown");
    secctx_context_free(ctx);
    ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.3", 8, bad_vals, 3, NULL, &ctx);
    CHECK(e == NULL && ctx && str_is(secctx_context_reason_code(ctx), "invalid_entry") &&
              str_is(secctx_context_source_ip(ctx), NULL),
          "chain entry not UTF-8 is invalid");
    if (ctx) {
        size_t n = 0;
        const secctx_header *h = secctx_context_source_request_headers(ctx, &n);
        CHECK(n >= 1 && str_is(h[0].value, "ok \xef\xbf\xbd ok"), "User-Agent not UTF-8 is forwarded with U+FFFD");
    }
    secctx_context_free(ctx);

    /* Packed: malformed buffers. */
    uint8_t truncated[] = {5, 0, 0, 0, '1', '2'};
    ctx = SENTINEL_C;
    secctx_context_view view;
    memset(&view, 0xAB, sizeof view);
    e = secctx_resolve_packed(r, truncated, sizeof truncated, &ctx, &view);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C &&
              ((const uint8_t *)&view)[0] == 0xAB,
          "packed: truncated field");
    secctx_error_free(e);
    buf_t b = {0};
    for (int i = 0; i < 5; i++) buf_field(&b, NULL, 0);
    buf_field(&b, NULL, 0); /* absent header name */
    buf_field(&b, (const uint8_t *)"v", 1);
    e = secctx_resolve_packed(r, b.p, b.len, &ctx, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C,
          "packed: absent header name");
    secctx_error_free(e);
    e = secctx_resolve_packed(r, b.p, 3, &ctx, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == SENTINEL_C,
          "packed: truncated length");
    secctx_error_free(e);
    e = secctx_resolve_packed(NULL, b.p, b.len, &ctx, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "packed: NULL resolver");
    secctx_error_free(e);
    free(b.p);
    ctx = NULL;
    e = secctx_resolve_packed(r, NULL, 0, &ctx, NULL);
    /* An empty buffer lacks the peer field: that is malformed. */
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && ctx == NULL,
          "packed: empty buffer is malformed");
    secctx_error_free(e);

    /* packed_into: NULL arguments. */
    size_t need = 77;
    uint8_t small[4];
    e = secctx_resolve_packed_into(NULL, NULL, 0, NULL, 0, &need);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && need == 77, "packed_into(NULL)");
    secctx_error_free(e);
    e = secctx_resolve_packed_into(r, truncated, sizeof truncated, small, sizeof small, &need);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && need == 77,
          "packed_into: malformed request");
    secctx_error_free(e);
    e = secctx_resolve_packed_into(r, truncated, sizeof truncated, NULL, 4, &need);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && need == 77,
          "packed_into: out NULL with a capacity");
    secctx_error_free(e);
    e = secctx_resolve_packed_into(r, truncated, sizeof truncated, small, sizeof small, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "packed_into: out_len NULL");
    secctx_error_free(e);

    /* Rendering a packed result: NULL arguments and malformed results. */
    {
        char *o = NULL;
        const char *fname = NULL;
        e = secctx_result_legacy_user_json(NULL, 0, &o, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && o == NULL, "result: empty");
        secctx_error_free(e);
        e = secctx_result_to_json(NULL, 5, &o, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && o == NULL, "result: NULL with a length");
        secctx_error_free(e);
        e = secctx_result_for_api_version(truncated, sizeof truncated, (const uint8_t *)"v1", 2, &fname, NULL, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && fname == NULL,
              "result: value_json NULL");
        secctx_error_free(e);
        /* Six absent fields, then a reason code that is not UTF-8. */
        uint8_t bad[6 * 4 + 4 + 1];
        memset(bad, 0xFF, sizeof bad);
        bad[24] = 1;
        bad[25] = bad[26] = bad[27] = 0;
        bad[28] = 0xC3;
        e = secctx_result_to_json(bad, sizeof bad, &o, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && o == NULL &&
                  strstr(secctx_error_message(e, NULL), "reason_code is not UTF-8") != NULL,
              "result: a field that is not UTF-8 is named");
        secctx_error_free(e);
        e = secctx_result_to_json(bad, sizeof bad, NULL, NULL);
        CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "result: out NULL");
        secctx_error_free(e);
    }

    /* Accessors on NULL. */
    secctx_context_view v;
    size_t n = 5;
    CHECK(secctx_context_source_ip(NULL).ptr == NULL && secctx_context_reason_code(NULL).ptr == NULL &&
              secctx_context_user_security_context_json(NULL).ptr == NULL && secctx_context_reason_hop(NULL) == 0 &&
              secctx_context_source_request_headers(NULL, &n) == NULL && n == 0,
          "accessors on NULL context");
    e = secctx_context_get_view(NULL, &v);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT, "get_view(NULL)");
    secctx_error_free(e);
    char *s = NULL;
    e = secctx_context_legacy_user_json(NULL, &s, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && s == NULL, "legacy(NULL)");
    secctx_error_free(e);
    e = secctx_context_to_json(NULL, &s, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && s == NULL, "to_json(NULL)");
    secctx_error_free(e);
    e = secctx_context_for_api_version(NULL, (const uint8_t *)"v1", 2, NULL, &s, NULL);
    CHECK(e && secctx_error_get_code(e) == SECCTX_ERROR_CODE_INVALID_ARGUMENT && s == NULL,
          "for_api_version(NULL)");
    secctx_error_free(e);

    /* A context outlives its resolver. */
    ctx = NULL;
    e = secctx_resolve(r, (const uint8_t *)"10.0.0.2", 8, xff, 3, NULL, &ctx);
    secctx_resolver_free(r);
    CHECK(e == NULL && ctx && str_is(secctx_context_source_ip(ctx), "203.0.113.7"), "context outlives resolver");
    secctx_context_free(ctx);
}

/* ---- threads: one resolver, several threads ---- */

typedef struct {
    secctx_resolver *r;
    int mismatches;
} thread_arg;

static void *worker(void *p) {
    thread_arg *a = p;
    secctx_header hs[] = {{S("X-Forwarded-For"), S("198.51.100.9, 10.1.2.3")}, {S("User-Agent"), S("t")}};
    for (int i = 0; i < 500; i++) {
        secctx_context *ctx = NULL;
        secctx_error *e = secctx_resolve(a->r, (const uint8_t *)"10.0.0.1", 8, hs, 2, NULL, &ctx);
        if (e || !str_is(secctx_context_user_security_context_json(ctx), "{\"source_ip\":\"198.51.100.9\"}"))
            a->mismatches++;
        secctx_error_free(e);
        secctx_context_free(ctx);
    }
    return NULL;
}

static void test_threads(void) {
    secctx_resolver *r = make_resolver("{\"trusted_proxies\": [\"10.0.0.0/8\"]}");
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){r, 0};
        pthread_create(&t[i], NULL, worker, &args[i]);
    }
    int mismatches = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        mismatches += args[i].mismatches;
    }
    CHECK(mismatches == 0, "threads: %d mismatches", mismatches);
    secctx_resolver_free(r);
}

int main(void) {
    run_corpus();
    test_errors();
    test_threads();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
