/* A small JSON reader for the C conformance test: parses into a tree that remembers each
 * value's span in the source text, and compares trees as JSON values (object keys in any
 * order). Test code only. */
#ifndef SECCTX_TEST_JSON_H
#define SECCTX_TEST_JSON_H

#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype type;
    const char *raw; /* the value's text in the source */
    size_t raw_len;
    char *str; /* J_STR: unescaped UTF-8, NUL-terminated (may hold NULs: use str_len) */
    size_t str_len;
    int boolean;
    double num;
    size_t n;            /* J_ARR / J_OBJ: number of items */
    struct jval **items; /* values */
    struct jval **keys;  /* J_OBJ: keys, as J_STR values */
} jval;

/* Parses `len` bytes; returns NULL and writes a message to `err` (>= 128 bytes) on failure. */
jval *json_parse(const char *text, size_t len, char *err);
void json_free(jval *v);
/* The member `key` of an object, or NULL. */
const jval *json_get(const jval *obj, const char *key);
/* 1 when equal as JSON values. */
int json_equal(const jval *a, const jval *b);

#endif
