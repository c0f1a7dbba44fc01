/* See json.h. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    size_t len, pos;
    char *err;
    int depth;
} parser;

static void fail(parser *p, const char *what) {
    if (p->err[0] == '\0') snprintf(p->err, 128, "%s at byte %zu", what, p->pos);
}

static void skip_ws(parser *p) {
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                               p->s[p->pos] == '\r'))
        p->pos++;
}

static jval *new_val(jtype t, parser *p) {
    jval *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->type = t;
    v->raw = p->s + p->pos;
    return v;
}

static int push(jval ***arr, size_t *n, size_t *cap, jval *item) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        jval **na = realloc(*arr, nc * sizeof *na);
        if (!na) return 0;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = item;
    return 1;
}

static int hex4(parser *p, unsigned *out) {
    if (p->pos + 4 > p->len) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos + i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    p->pos += 4;
    *out = v;
    return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

static jval *parse_string(parser *p) {
    jval *v = new_val(J_STR, p);
    if (!v) return NULL;
    size_t start = p->pos;
    p->pos++; /* opening quote */
    /* Unescaped output is never longer than the input. */
    char *out = malloc(p->len - start + 1);
    if (!out) { free(v); return NULL; }
    size_t o = 0;
    for (;;) {
        if (p->pos >= p->len) { fail(p, "unterminated string"); goto bad; }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') { p->pos++; break; }
        if (c < 0x20) { fail(p, "control character in string"); goto bad; }
        if (c != '\\') { out[o++] = (char)c; p->pos++; continue; }
        p->pos++;
        if (p->pos >= p->len) { fail(p, "bad escape"); goto bad; }
        char e = p->s[p->pos++];
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!hex4(p, &cp)) { fail(p, "bad \\u escape"); goto bad; }
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (p->pos + 2 <= p->len && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                    p->pos += 2;
                    if (!hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) { fail(p, "bad surrogate pair"); goto bad; }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                    cp = 0xFFFD; /* lone high surrogate */
                }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                cp = 0xFFFD; /* lone low surrogate */
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default: fail(p, "bad escape"); goto bad;
        }
    }
    out[o] = '\0';
    v->str = out;
    v->str_len = o;
    v->raw_len = p->pos - start;
    return v;
bad:
    free(out);
    free(v);
    return NULL;
}

static jval *parse_value(parser *p);

static jval *parse_container(parser *p, int object) {
    jval *v = new_val(object ? J_OBJ : J_ARR, p);
    if (!v) return NULL;
    size_t start = p->pos, cap = 0, kcap = 0, kn = 0;
    char close = object ? '}' : ']';
    p->pos++;
    if (++p->depth > 200) { fail(p, "nesting too deep"); goto bad; }
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; goto done; }
    for (;;) {
        skip_ws(p);
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') { fail(p, "expected a key"); goto bad; }
            jval *k = parse_string(p);
            if (!k || !push(&v->keys, &kn, &kcap, k)) { json_free(k); goto bad; }
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') { fail(p, "expected ':'"); goto bad; }
            p->pos++;
        }
        jval *item = parse_value(p);
        if (!item) goto bad;
        if (!push(&v->items, &v->n, &cap, item)) { json_free(item); goto bad; }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') { p->pos++; continue; }
        if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; break; }
        fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
    }
done:
    p->depth--;
    v->raw_len = p->pos - start;
    return v;
bad:
    /* Keys and items may differ in count by one: free them separately. */
    for (size_t i = 0; i < kn; i++) json_free(v->keys[i]);
    free(v->keys);
    v->keys = NULL;
    for (size_t i = 0; i < v->n; i++) json_free(v->items[i]);
    free(v->items);
    free(v);
    return NULL;
}

static int lit(parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->pos + n <= p->len && memcmp(p->s + p->pos, word, n) == 0) { p->pos += n; return 1; }
    return 0;
}

static jval *parse_value(parser *p) {
    skip_ws(p);
    if (p->pos >= p->len) { fail(p, "unexpected end"); return NULL; }
    char c = p->s[p->pos];
    if (c == '"') return parse_string(p);
    if (c == '{') return parse_container(p, 1);
    if (c == '[') return parse_container(p, 0);
    jval *v;
    size_t start = p->pos;
    if (lit(p, "null")) { v = new_val(J_NULL, p); }
    else if (lit(p, "true")) { v = new_val(J_BOOL, p); if (v) v->boolean = 1; }
    else if (lit(p, "false")) { v = new_val(J_BOOL, p); }
    else if (c == '-' || (c >= '0' && c <= '9')) {
        char buf[64];
        size_t n = 0;
        while (p->pos < p->len && n < sizeof buf - 1 && strchr("+-0123456789.eE", p->s[p->pos])) buf[n++] = p->s[p->pos++];
        buf[n] = '\0';
        char *end;
        double d = strtod(buf, &end);
        if (*end != '\0' || n == 0) { fail(p, "bad number"); return NULL; }
        v = new_val(J_NUM, p);
        if (v) v->num = d;
    } else {
        fail(p, "unexpected character");
        return NULL;
    }
    if (v) { v->raw = p->s + start; v->raw_len = p->pos - start; }
    return v;
}

jval *json_parse(const char *text, size_t len, char *err) {
    parser p = {text, len, 0, err, 0};
    err[0] = '\0';
    jval *v = parse_value(&p);
    if (!v) { fail(&p, "invalid JSON"); return NULL; }
    skip_ws(&p);
    if (p.pos != p.len) { fail(&p, "trailing characters"); json_free(v); return NULL; }
    return v;
}

void json_free(jval *v) {
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys) json_free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

const jval *json_get(const jval *obj, const char *key) {
    if (!obj || obj->type != J_OBJ) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i]->str_len == kl && memcmp(obj->keys[i]->str, key, kl) == 0) return obj->items[i];
    return NULL;
}

static const jval *get_n(const jval *obj, const char *key, size_t kl) {
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i]->str_len == kl && memcmp(obj->keys[i]->str, key, kl) == 0) return obj->items[i];
    return NULL;
}

int json_equal(const jval *a, const jval *b) {
    if (!a || !b) return a == b;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case J_NULL: return 1;
    case J_BOOL: return a->boolean == b->boolean;
    case J_NUM: return a->num == b->num;
    case J_STR: return a->str_len == b->str_len && memcmp(a->str, b->str, a->str_len) == 0;
    case J_ARR:
        if (a->n != b->n) return 0;
        for (size_t i = 0; i < a->n; i++)
            if (!json_equal(a->items[i], b->items[i])) return 0;
        return 1;
    case J_OBJ:
        /* Keys are unique in everything this test compares; equal counts and every key of `a`
         * matching in `b` means equal. */
        if (a->n != b->n) return 0;
        for (size_t i = 0; i < a->n; i++) {
            const jval *other = get_n(b, a->keys[i]->str, a->keys[i]->str_len);
            if (!other || !json_equal(a->items[i], other)) return 0;
        }
        return 1;
    }
    return 0;
}
