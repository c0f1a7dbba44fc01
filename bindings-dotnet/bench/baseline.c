/* The baseline of bench/Bench.cs: the same request resolved and rendered through the C ABI from
 * C, with no managed runtime in between. Prints one line per variant:
 *   <name> <ns per call>
 * Usage: bench-baseline ITERATIONS ROUNDS (the best round is reported). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "secctx.h"

#define S(text) { (const uint8_t *)(text), sizeof(text) - 1 }

static const char CONFIG[] = "{\"application_name\": \"contoso-chat\", \"trusted_proxies\": [\"10.0.0.0/8\"]}";
static const char PEER[] = "10.1.0.4:61000";

/* The typical request: peer, 3-entry X-Forwarded-For, a Forwarded, User-Agent, 8 other headers. */
static const secctx_header HEADERS[] = {
    { S("Host"), S("contoso-chat.azurewebsites.net") },
    { S("User-Agent"), S("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36") },
    { S("Accept"), S("application/json, text/plain, */*") },
    { S("Accept-Encoding"), S("gzip, deflate, br") },
    { S("Accept-Language"), S("en-US,en;q=0.9") },
    { S("Content-Type"), S("application/json") },
    { S("Content-Length"), S("512") },
    { S("X-Forwarded-For"), S("198.51.100.23, 203.0.113.7, 10.1.0.9") },
    { S("Forwarded"), S("for=203.0.113.7;proto=https;by=10.1.0.9") },
    { S("X-Forwarded-Proto"), S("https") },
    { S("Origin"), S("https://contoso-chat.azurewebsites.net") },
    { S("Traceparent"), S("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") },
};
#define N_HEADERS (sizeof HEADERS / sizeof HEADERS[0])

/* CPU time of the whole process: the machine is shared, and wall time would count waiting for a
 * core. Bench.cs measures the .NET side the same way (all threads, GC and finalizer included). */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(secctx_error *err) {
    fprintf(stderr, "secctx error %u: %s\n", (unsigned)secctx_error_get_code(err), secctx_error_message(err, NULL));
    secctx_error_free(err);
    exit(1);
}

static size_t sink;

/* secctx_resolve with a header array, then the user_security_context JSON view. */
static void direct(const secctx_resolver *r) {
    secctx_context *ctx = NULL;
    secctx_error *err = secctx_resolve(r, (const uint8_t *)PEER, sizeof PEER - 1, HEADERS, N_HEADERS, NULL, &ctx);
    if (err) die(err);
    secctx_str usc = secctx_context_user_security_context_json(ctx);
    sink += usc.len;
    secctx_context_free(ctx);
}

/* A packed request (the format of secctx_resolve_packed): all 12 headers, or only the 3 whose
 * names secctx_resolver_read_header_names lists (what the .NET binding passes). */
struct packed {
    uint8_t bytes[4096];
    size_t len;
};
static struct packed all_headers, read_headers;
static uint8_t result[4096];

static void put(struct packed *b, const uint8_t *p, size_t n, int absent) {
    uint32_t len = absent ? 0xFFFFFFFFu : (uint32_t)n;
    for (int i = 0; i < 4; i++) b->bytes[b->len++] = (uint8_t)(len >> (8 * i));
    if (!absent) {
        memcpy(b->bytes + b->len, p, n);
        b->len += n;
    }
}

static void pack(struct packed *b, const char *names) {
    put(b, (const uint8_t *)PEER, sizeof PEER - 1, 0);
    for (int i = 0; i < 4; i++) put(b, NULL, 0, 1);
    for (size_t i = 0; i < N_HEADERS; i++) {
        if (names) {
            /* Keep a header whose name is one of the '\n'-separated lower-case names. */
            int keep = 0;
            for (const char *s = names; *s && !keep;) {
                size_t n = strcspn(s, "\n");
                if (n == HEADERS[i].name.len && strncasecmp(s, (const char *)HEADERS[i].name.ptr, n) == 0) keep = 1;
                s += n + (s[n] == '\n');
            }
            if (!keep) continue;
        }
        put(b, HEADERS[i].name.ptr, HEADERS[i].name.len, 0);
        put(b, HEADERS[i].value.ptr, HEADERS[i].value.len, 0);
    }
}

/* The previous .NET path: one packed buffer, a native context and its view, then free. */
static void packed_call(const secctx_resolver *r) {
    secctx_context *ctx = NULL;
    secctx_context_view view;
    secctx_error *err = secctx_resolve_packed(r, all_headers.bytes, all_headers.len, &ctx, &view);
    if (err) die(err);
    sink += view.user_security_context_json.len;
    secctx_context_free(ctx);
}

static void packed_into(const secctx_resolver *r, const struct packed *b) {
    size_t n = 0;
    secctx_error *err = secctx_resolve_packed_into(r, b->bytes, b->len, result, sizeof result, &n);
    if (err) die(err);
    if (n > sizeof result) exit(1);
    sink += n;
}

/* The whole result copied out in the call, every header passed. */
static void packed_into_all(const secctx_resolver *r) { packed_into(r, &all_headers); }

/* The .NET binding's native call: the whole result copied out, only the headers it may read. */
static void packed_into_read(const secctx_resolver *r) { packed_into(r, &read_headers); }

static double best(const char *name, void (*f)(const secctx_resolver *), const secctx_resolver *r, long iters, int rounds) {
    for (long i = 0; i < iters / 10; i++) f(r);
    double best_ns = 1e18;
    for (int round = 0; round < rounds; round++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) f(r);
        double per = (now_ns() - t0) / (double)iters;
        if (per < best_ns) best_ns = per;
    }
    printf("%s %.1f\n", name, best_ns);
    return best_ns;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    secctx_resolver *r = NULL;
    secctx_error *err = secctx_resolver_new((const uint8_t *)CONFIG, sizeof CONFIG - 1, &r);
    if (err) die(err);

    char *names = NULL;
    err = secctx_resolver_read_header_names(r, &names, NULL);
    if (err) die(err);
    pack(&all_headers, NULL);
    pack(&read_headers, names);
    secctx_string_free(names);

    best("c_resolve", direct, r, iters, rounds);
    best("c_resolve_packed", packed_call, r, iters, rounds);
    best("c_resolve_packed_into", packed_into_all, r, iters, rounds);
    best("c_resolve_packed_into_read", packed_into_read, r, iters, rounds);
    secctx_resolver_free(r);
    return sink == 0;
}
