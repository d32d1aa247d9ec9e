/*
 * t.h: the unit-test harness. Header only; every tests/unit/test_*.c is its
 * own program.
 *
 *   #include "t.h"
 *   static void test_something(void) { T_OK(1 + 1 == 2, "arithmetic"); }
 *   int main(void) { T_RUN(test_something); return t_done("test_example"); }
 *
 * Each T_* macro is one check; a failed check prints file:line and the
 * message and the test continues. t_done() prints "NAME: N passed, N failed"
 * and returns the exit status (0 only when nothing failed). tests/run.sh adds
 * those lines up.
 */
#ifndef T_H
#define T_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed;
static const char *t_current = "";

static void t_check(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));
static void
t_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t_passed++;
		return;
	}
	t_failed++;
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, t_current);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* T_OK(cond, fmt, ...): cond must hold. */
#define T_OK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* T_EQ_INT(a, b): two integers are equal. */
#define T_EQ_INT(a, b) do { long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	t_check(t_a_ == t_b_, __FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, t_a_, t_b_); \
} while (0)
/* T_EQ_STR(a, b): two strings are equal; NULL equals only NULL. */
#define T_EQ_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
	int t_ok_ = (t_a_ == NULL || t_b_ == NULL) ? t_a_ == t_b_ : strcmp(t_a_, t_b_) == 0; \
	t_check(t_ok_, __FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
	    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
} while (0)

#define T_RUN(fn) do { t_current = #fn; fn(); } while (0)

static int t_done(const char *name) __attribute__((unused));
static int
t_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, t_passed, t_failed);
	return t_failed ? 1 : 0;
}

/*
 * t_read_file: the whole file at path, NUL-terminated, in a malloc'd buffer
 * the caller frees; *len gets its length when len is not NULL. NULL when the
 * file cannot be read.
 */
static char *t_read_file(const char *path, size_t *len) __attribute__((unused));
static char *
t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* SHARED_DIR: where ../shared is; tests/run.sh sets STINGY_SHARED. */
static const char *t_shared_dir(void) __attribute__((unused));
static const char *
t_shared_dir(void)
{
	const char *s = getenv("STINGY_SHARED");
	return s ? s : "../shared";
}

#endif
