/*
 * json.h: just enough JSON for the conformance suite's expectations (tests/conformance),
 * for the C and C++ tests: parses a whole document into a tree of json_value, strings
 * decoded to bytes (with \uXXXX escapes and surrogate pairs as UTF-8), numbers as
 * int64_t (the suite has no others). Not a general parser: on malformed input it returns
 * NULL. Compiles as C11 and as C++17.
 */
#ifndef CSVR_TESTS_JSON_H
#define CSVR_TESTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json_value {
    json_kind kind;
    bool boolean;
    int64_t number;
    char *string; /* JSON_STRING: the bytes (NUL-terminated too), len of them */
    size_t len;
    struct json_value **items; /* JSON_ARRAY, JSON_OBJECT: len items */
    char **keys;               /* JSON_OBJECT: len keys */
} json_value;

typedef struct {
    const char *at, *end;
} json_cursor;

static json_value *json_parse_value(json_cursor *c);

static void json_skip_space(json_cursor *c) {
    while (c->at < c->end && (*c->at == ' ' || *c->at == '\n' || *c->at == '\r' || *c->at == '\t')) {
        c->at++;
    }
}

static json_value *json_new(json_kind kind) {
    json_value *v = (json_value *)calloc(1, sizeof *v);
    if (v != NULL) {
        v->kind = kind;
    }
    return v;
}

static void json_free(json_value *v) {
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; v->items != NULL && i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

static void json_put_utf8(char *out, size_t *n, uint32_t cp) {
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static bool json_hex4(json_cursor *c, uint32_t *out) {
    if (c->end - c->at < 4) {
        return false;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char h = *c->at++;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (uint32_t)(h - 'A' + 10);
        else return false;
    }
    *out = v;
    return true;
}

/* A string at c (past its opening quote): its bytes, malloc'ed, in *out and *len. */
static bool json_parse_string(json_cursor *c, char **out, size_t *len) {
    /* Decoded, a string is never longer than its escaped form: find where that ends. */
    const char *close = c->at;
    while (close < c->end && *close != '"') {
        close += *close == '\\' ? 2 : 1;
    }
    if (close >= c->end) {
        return false;
    }
    char *s = (char *)malloc((size_t)(close - c->at) + 1);
    size_t n = 0;
    if (s == NULL) {
        return false;
    }
    while (c->at < c->end && *c->at != '"') {
        char ch = *c->at++;
        if (ch != '\\') {
            s[n++] = ch;
            continue;
        }
        if (c->at == c->end) {
            break;
        }
        char e = *c->at++;
        uint32_t cp = 0;
        switch (e) {
        case '"': s[n++] = '"'; break;
        case '\\': s[n++] = '\\'; break;
        case '/': s[n++] = '/'; break;
        case 'b': s[n++] = '\b'; break;
        case 'f': s[n++] = '\f'; break;
        case 'n': s[n++] = '\n'; break;
        case 'r': s[n++] = '\r'; break;
        case 't': s[n++] = '\t'; break;
        case 'u':
            if (!json_hex4(c, &cp)) {
                free(s);
                return false;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && c->end - c->at >= 6 && c->at[0] == '\\' && c->at[1] == 'u') {
                uint32_t low = 0;
                c->at += 2;
                if (!json_hex4(c, &low)) {
                    free(s);
                    return false;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            json_put_utf8(s, &n, cp);
            break;
        default:
            free(s);
            return false;
        }
    }
    if (c->at == c->end) {
        free(s);
        return false;
    }
    c->at++; /* the closing quote */
    s[n] = '\0';
    *out = s;
    *len = n;
    return true;
}

static bool json_push(json_value *v, json_value *item, char *key) {
    json_value **items = (json_value **)realloc(v->items, (v->len + 1) * sizeof *items);
    if (items == NULL) {
        return false;
    }
    v->items = items;
    if (v->kind == JSON_OBJECT) {
        char **keys = (char **)realloc(v->keys, (v->len + 1) * sizeof *keys);
        if (keys == NULL) {
            return false;
        }
        v->keys = keys;
        v->keys[v->len] = key;
    }
    v->items[v->len++] = item;
    return true;
}

static json_value *json_parse_container(json_cursor *c, json_kind kind, char close) {
    json_value *v = json_new(kind);
    json_skip_space(c);
    if (c->at < c->end && *c->at == close) {
        c->at++;
        return v;
    }
    while (v != NULL) {
        char *key = NULL;
        json_skip_space(c);
        if (kind == JSON_OBJECT) {
            size_t key_len;
            if (c->at == c->end || *c->at++ != '"' || !json_parse_string(c, &key, &key_len)) {
                break;
            }
            json_skip_space(c);
            if (c->at == c->end || *c->at++ != ':') {
                free(key);
                break;
            }
        }
        json_value *item = json_parse_value(c);
        if (item == NULL || !json_push(v, item, key)) {
            json_free(item);
            free(key);
            break;
        }
        json_skip_space(c);
        if (c->at < c->end && *c->at == ',') {
            c->at++;
            continue;
        }
        if (c->at < c->end && *c->at == close) {
            c->at++;
            return v;
        }
        break;
    }
    json_free(v);
    return NULL;
}

static json_value *json_parse_value(json_cursor *c) {
    json_skip_space(c);
    if (c->at == c->end) {
        return NULL;
    }
    char ch = *c->at;
    if (ch == '{' || ch == '[') {
        c->at++;
        return json_parse_container(c, ch == '{' ? JSON_OBJECT : JSON_ARRAY, ch == '{' ? '}' : ']');
    }
    if (ch == '"') {
        c->at++;
        json_value *v = json_new(JSON_STRING);
        if (v != NULL && !json_parse_string(c, &v->string, &v->len)) {
            json_free(v);
            return NULL;
        }
        return v;
    }
    const char *words[] = {"null", "true", "false"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(c->end - c->at) >= n && memcmp(c->at, words[i], n) == 0) {
            c->at += n;
            json_value *v = json_new(i == 0 ? JSON_NULL : JSON_BOOL);
            if (v != NULL) {
                v->boolean = i == 1;
            }
            return v;
        }
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        bool negative = ch == '-';
        if (negative) {
            c->at++;
        }
        int64_t n = 0;
        while (c->at < c->end && *c->at >= '0' && *c->at <= '9') {
            n = n * 10 + (*c->at++ - '0');
        }
        json_value *v = json_new(JSON_NUMBER);
        if (v != NULL) {
            v->number = negative ? -n : n;
        }
        return v;
    }
    return NULL;
}

/* The document in the file at path, or NULL (unreadable or malformed). */
static json_value *json_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    char *text = (char *)malloc(cap);
    while (text != NULL && (got = fread(text + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *grown = (char *)realloc(text, cap *= 2);
            if (grown == NULL) {
                free(text);
            }
            text = grown;
        }
    }
    fclose(f);
    if (text == NULL) {
        return NULL;
    }
    json_cursor c = {text, text + n};
    json_value *v = json_parse_value(&c);
    free(text);
    return v;
}

/* The member `key` of object v, or NULL. */
static const json_value *json_get(const json_value *v, const char *key) {
    for (size_t i = 0; v != NULL && v->kind == JSON_OBJECT && i < v->len; i++) {
        if (strcmp(v->keys[i], key) == 0) {
            return v->items[i];
        }
    }
    return NULL;
}

#endif
