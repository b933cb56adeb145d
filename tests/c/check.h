/*
 * check.h: the tiny assertion framework of the C tests. Every check is counted (atomic
 * counters: checks also run on other threads); a failed one prints its file, line, test
 * and what was expected, and the program ends with "N passed, M failed" (check_summary).
 * Set g_test to the running test's name.
 */
#ifndef CSVR_TESTS_CHECK_H
#define CSVR_TESTS_CHECK_H

#include <csvr.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>


static atomic_int g_passed;
static atomic_int g_failed;
static const char *g_test = "";

static inline const char *status_name(csvr_status s) { return csvr_status_name((int)s); }

static inline const char *last_message(void) {
    const char *m = csvr_last_error_message();
    return m != NULL ? m : "(NULL)";
}

__attribute__((format(printf, 4, 5)))
static inline bool check_at(bool ok, const char *file, int line, const char *fmt, ...) {
    if (ok) {
        atomic_fetch_add(&g_passed, 1);
        return true;
    }
    atomic_fetch_add(&g_failed, 1);
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "FAIL %s:%d [%s]: %s\n", file, line, g_test, text);
    return false;
}

#define CHECK(cond) check_at((cond), __FILE__, __LINE__, "%s", #cond)

static inline bool check_status(csvr_status got, csvr_status want, const char *expr, const char *file,
                         int line) {
    if (got == want) {
        return check_at(true, file, line, "%s", expr);
    }
    /* Read the message only on failure, and only for the report. */
    return check_at(false, file, line, "%s: got %s (%d), want %s (%d); last error: %s", expr,
                    status_name(got), (int)got, status_name(want), (int)want,
                    got < 0 ? last_message() : "(call succeeded)");
}
#define CHECK_ST(expr, want) check_status((expr), (want), #expr, __FILE__, __LINE__)

static inline bool check_u64(uint64_t got, uint64_t want, const char *expr, const char *file, int line) {
    return check_at(got == want, file, line, "%s: got %" PRIu64 ", want %" PRIu64, expr, got, want);
}
#define CHECK_U64(expr, want) check_u64((uint64_t)(expr), (uint64_t)(want), #expr, __FILE__, __LINE__)

/* The last error message contains `needle` (and exists). */
static inline bool check_message_has(const char *needle, const char *file, int line) {
    const char *m = csvr_last_error_message();
    return check_at(m != NULL && strstr(m, needle) != NULL, file, line,
                    "last error message should contain \"%s\", is: %s", needle,
                    m != NULL ? m : "(NULL)");
}
#define CHECK_MSG_HAS(needle) check_message_has((needle), __FILE__, __LINE__)

/* Prints "[name: ]N passed, M failed" and returns the exit status: 0 if nothing failed. */
static inline int check_summary(const char *name) {
    int passed = atomic_load(&g_passed), failed = atomic_load(&g_failed);
    printf("%s%s%d passed, %d failed\n", name, *name ? ": " : "", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif /* CSVR_TESTS_CHECK_H */
