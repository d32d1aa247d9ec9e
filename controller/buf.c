/* buf: growable byte buffer with a hard cap. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int
buf_grow(struct buf *b, size_t need)
{
	size_t a;
	char *p;

	if (need > b->max || need + 1 < need)
		return -1;
	if (need + 1 <= b->alloc)
		return 0;
	a = b->alloc ? b->alloc : 64;
	while (a < need + 1)
		a = a * 2 < a ? need + 1 : a * 2;
	if (a > b->max + 1)
		a = b->max + 1;
	if ((p = realloc(b->data, a)) == NULL)
		return -1;
	b->data = p;
	b->alloc = a;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len || buf_grow(b, b->len + n) == -1)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *big;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	if ((big = malloc((size_t)n + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

int
buf_add_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = b->len;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
			if (buf_add(b, s, 1) == -1)
				goto fail;
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		if (buf_add(b, enc, 3) == -1)
			goto fail;
	}
	return 0;
fail:
	b->len = start;
	if (b->data)
		b->data[start] = '\0';
	return -1;
}

char *
buf_detach(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = strdup("");
	buf_init(b, b->max);
	return p;
}

const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

int
buf_add_json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = b->len;
	char esc[7];

	if (buf_add(b, "\"", 1) == -1)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			if (buf_add(b, esc, 2) == -1)
				goto fail;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			if (buf_add(b, esc, 6) == -1)
				goto fail;
		} else if (buf_add(b, s, 1) == -1)
			goto fail;
	}
	if (buf_add(b, "\"", 1) == -1)
		goto fail;
	explicit_bzero(esc, sizeof(esc));
	return 0;
fail:
	b->len = start;
	if (b->data)
		b->data[start] = '\0';
	explicit_bzero(esc, sizeof(esc));
	return -1;
}
