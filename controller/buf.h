/*
 * buf: a growable byte buffer with a hard size cap, after curl's dynbuf.
 *
 * Invariants: data is NULL or NUL-terminated at data[len]; len <= max.
 * A failed append (cap reached or out of memory) leaves the buffer as it was
 * and returns -1. buf_free() releases the memory and leaves an empty buffer
 * with the same cap, ready for reuse.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 alloc;
	size_t	 max;	/* hard cap on len, in bytes */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);		/* len = 0, memory kept */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_add_urlenc: append s percent-encoded per RFC 3986 (unreserved kept). */
int buf_add_urlenc(struct buf *b, const char *s);
/*
 * buf_add_json_str: append s as a JSON string, quotes included: '"', '\\'
 * and the controls (and DEL) escaped, other bytes (UTF-8) kept. Its own
 * scratch bytes are wiped, since s may be a secret; on failure the buffer
 * is left as it was.
 */
int buf_add_json_str(struct buf *b, const char *s);
/* buf_detach: hand the string to the caller (who frees it); b becomes empty. */
char *buf_detach(struct buf *b);
/* buf_str: the contents, "" when empty; valid until the next change. */
const char *buf_str(const struct buf *b);

#endif
