/*
 * confedit: desired.conf edited as text (the contract is confedit.h).
 *
 * A text is cut into lines once (struct ce_text): where each starts, where
 * its content ends (before "\r\n" or "\n") and where the next starts. The
 * edits then copy byte ranges of the original around the lines they
 * change, so that what they do not touch stays exactly as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "confedit.h"
#include "desired.h"
#include "fileio.h"
#include "wgkey.h"

#define CE_LINE_MAX	4096	/* bytes of a line looked at, as the parser's limit */
#define CE_LOCK_TRIES	20	/* reopen rounds when the file is replaced meanwhile */
#define CE_MARK		"added by stingy-vpn"

enum ce_kind { CE_BLANK, CE_COMMENT, CE_HEADER, CE_OTHER };

struct ce_line {
	size_t		 start;		/* first byte */
	size_t		 end;		/* past the content, before "\r\n" or "\n" */
	size_t		 next;		/* the next line's start (len for the last) */
};

struct ce_text {
	const char	*s;
	size_t		 len;
	struct ce_line	*lines;
	size_t		 n;
	const char	*eol;		/* "\r\n" when the first line ends so, else "\n" */
};

static void
ce_text_free(struct ce_text *t)
{
	free(t->lines);
	t->lines = NULL;
	t->n = 0;
}

/* ce_split: t's lines; -1 when out of memory. */
static int
ce_split(struct ce_text *t, const char *s, size_t len)
{
	size_t n = 0, i, cap = 1;
	const char *nl;

	memset(t, 0, sizeof(*t));
	t->s = s;
	t->len = len;
	t->eol = "\n";
	for (i = 0; i < len; i++)
		cap += s[i] == '\n';
	if ((t->lines = calloc(cap, sizeof(*t->lines))) == NULL)
		return -1;
	for (i = 0; i < len; i = t->lines[n++].next) {
		nl = memchr(s + i, '\n', len - i);
		t->lines[n].start = i;
		t->lines[n].next = nl ? (size_t)(nl - s) + 1 : len;
		t->lines[n].end = nl ? (size_t)(nl - s) : len;
		if (t->lines[n].end > i && s[t->lines[n].end - 1] == '\r')
			t->lines[n].end--;
	}
	t->n = n;
	if (n > 0 && t->lines[0].end + 1 < t->lines[0].next)
		t->eol = "\r\n";
	return 0;
}

/*
 * ce_content: line i, BOM (first line) and surrounding blanks dropped, into
 * dst (CE_LINE_MAX + 1 bytes); NULL for a line the parser refuses anyway
 * (too long, a NUL byte).
 */
static char *
ce_content(const struct ce_text *t, size_t i, char *dst)
{
	const char *s = t->s + t->lines[i].start;
	size_t n = t->lines[i].end - t->lines[i].start;
	char *b, *e;

	if (i == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n > CE_LINE_MAX || memchr(s, '\0', n) != NULL)
		return NULL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	for (b = dst; *b == ' ' || *b == '\t'; b++)
		;
	for (e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r'); e--)
		;
	*e = '\0';
	return b;
}

static enum ce_kind
ce_kind(const struct ce_text *t, size_t i)
{
	char tmp[CE_LINE_MAX + 1], *c = ce_content(t, i, tmp);

	if (c == NULL)
		return CE_OTHER;
	if (*c == '\0')
		return CE_BLANK;
	if (*c == '#' || *c == ';')
		return CE_COMMENT;
	return *c == '[' ? CE_HEADER : CE_OTHER;
}

/*
 * ce_header: 1 when line i is a well-formed "[sec]" or "[sec arg]" (split
 * as the parser splits it); sec and arg (each CE_LINE_MAX + 1 bytes) get
 * the two words, arg "" when there is none.
 */
static int
ce_header(const struct ce_text *t, size_t i, char *sec, char *arg)
{
	char tmp[CE_LINE_MAX + 1], *c = ce_content(t, i, tmp), *close, *a, *e;

	if (c == NULL || *c != '[' || (close = strchr(c, ']')) == NULL)
		return 0;
	for (e = close + 1; *e == ' ' || *e == '\t'; e++)
		;
	if (*e != '\0')
		return 0;
	*close = '\0';
	for (c++; *c == ' ' || *c == '\t'; c++)
		;
	for (e = c + strlen(c); e > c && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	a = c + strcspn(c, " \t");
	if (*a != '\0') {
		*a++ = '\0';
		a += strspn(a, " \t");
	}
	strcpy(sec, c);
	strcpy(arg, a);
	return *sec != '\0';
}

/* ce_find: the lines that are "[sec arg]" (arg NULL: any); their count, the first in *at. */
static size_t
ce_find(const struct ce_text *t, const char *sec, const char *arg, size_t *at)
{
	char s[CE_LINE_MAX + 1], a[CE_LINE_MAX + 1];
	size_t i, found = 0;

	for (i = 0; i < t->n; i++) {
		if (ce_kind(t, i) != CE_HEADER || !ce_header(t, i, s, a) ||
		    strcmp(s, sec) != 0 || (arg != NULL && strcmp(a, arg) != 0))
			continue;
		if (found++ == 0)
			*at = i;
	}
	return found;
}

/* ce_next_header: the first header line after line i, or t->n. */
static size_t
ce_next_header(const struct ce_text *t, size_t i)
{
	for (i++; i < t->n; i++)
		if (ce_kind(t, i) == CE_HEADER)
			break;
	return i;
}

static int
ce_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") == n;
}

/* ce_printable: 1 when s is printable ASCII (blanks allowed). */
static int
ce_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* ce_fail: err, out reset, -1. */
static int ce_fail(struct buf *, char *, size_t, const char *, ...)
	__attribute__((format(printf, 4, 5)));

static int
ce_fail(struct buf *out, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	buf_reset(out);
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
confedit_add_peer(struct buf *out, const char *text, size_t len,
    const char *name, const char *public_key, const char *address,
    int keepalive, const char *when, char *err, size_t errlen)
{
	struct ce_text t;
	uint32_t a;
	size_t at = 0;
	const char *eol;
	int rc = 0;

	buf_reset(out);
	if (!ce_valid_name(name))
		return ce_fail(out, err, errlen, "confedit: invalid peer name: use "
		    "1 to 32 of a-z, 0-9 and '-'");
	if (!wgkey_valid_base64(public_key) || desired_parse_ipv4(address, &a) ||
	    keepalive > 65535 || (when != NULL && !ce_printable(when)))
		return ce_fail(out, err, errlen, "confedit: [peer %s]: invalid "
		    "public key, address, keepalive or note", name);
	if (ce_split(&t, text, len) == -1)
		return ce_fail(out, err, errlen, "confedit: out of memory");
	if (ce_find(&t, "peer", name, &at) > 0) {
		ce_text_free(&t);
		return ce_fail(out, err, errlen, "confedit: [peer %s] exists "
		    "already, on line %zu", name, at + 1);
	}
	eol = t.eol;
	ce_text_free(&t);
	rc |= buf_add(out, text, len);
	if (len > 0 && text[len - 1] != '\n')
		rc |= buf_adds(out, eol);
	if (len > 0)
		rc |= buf_adds(out, eol);
	rc |= buf_addf(out, "# peer %s: " CE_MARK " peer add%s%s%s", name,
	    when ? " on " : "", when ? when : "", eol);
	rc |= buf_addf(out, "[peer %s]%spublic_key = %s%saddress = %s%s", name,
	    eol, public_key, eol, address, eol);
	if (keepalive >= 0)
		rc |= buf_addf(out, "keepalive = %d%s", keepalive, eol);
	if (rc != 0)
		return ce_fail(out, err, errlen, "confedit: the file would be too "
		    "big");
	return 0;
}

/* ce_is_mark: 1 when line i is the comment confedit_add_peer writes for name. */
static int
ce_is_mark(const struct ce_text *t, size_t i, const char *name)
{
	char tmp[CE_LINE_MAX + 1], want[96], *c = ce_content(t, i, tmp);
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "# peer %s: " CE_MARK, name);
	return c != NULL && strncmp(c, want, n) == 0 &&
	    (c[n] == '\0' || c[n] == ' ');
}

int
confedit_remove_peer(struct buf *out, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct ce_text t;
	size_t h = 0, found, s, e, b, from, to;
	int rc;

	buf_reset(out);
	if (!ce_valid_name(name))
		return ce_fail(out, err, errlen, "confedit: invalid peer name: use "
		    "1 to 32 of a-z, 0-9 and '-'");
	if (ce_split(&t, text, len) == -1)
		return ce_fail(out, err, errlen, "confedit: out of memory");
	if ((found = ce_find(&t, "peer", name, &h)) != 1) {
		ce_text_free(&t);
		return found == 0 ?
		    ce_fail(out, err, errlen, "confedit: no [peer %s] in the "
		    "file", name) :
		    ce_fail(out, err, errlen, "confedit: [peer %s] is there %zu "
		    "times (first on line %zu): fix the file by hand", name,
		    found, h + 1);
	}
	/* from: our comment block above, then one blank line above that */
	s = h;
	for (b = h; b > 0 && ce_kind(&t, b - 1) == CE_COMMENT; b--)
		;
	if (b < h && ce_is_mark(&t, b, name))
		s = b;
	if (s > 0 && ce_kind(&t, s - 1) == CE_BLANK)
		s--;
	/* to: the next header, less the comments right above it and our trailing blanks */
	e = ce_next_header(&t, h);
	if (e < t.n)
		while (e > h + 1 && ce_kind(&t, e - 1) == CE_COMMENT)
			e--;
	while (e > h + 1 && ce_kind(&t, e - 1) == CE_BLANK)
		e--;
	from = t.lines[s].start;
	to = e < t.n ? t.lines[e].start : len;
	ce_text_free(&t);
	rc = buf_add(out, text, from);
	rc |= buf_add(out, text + to, len - to);
	if (rc != 0)
		return ce_fail(out, err, errlen, "confedit: out of memory");
	return 0;
}

/* ce_key_is: 1 when line i is "key = ..." for key. */
static int
ce_key_is(const struct ce_text *t, size_t i, const char *key)
{
	char tmp[CE_LINE_MAX + 1], *c = ce_content(t, i, tmp), *eq, *e;

	if (c == NULL || (eq = strchr(c, '=')) == NULL)
		return 0;
	for (e = eq; e > c && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	return (size_t)(e - c) == strlen(key) && strncmp(c, key, strlen(key)) == 0;
}

int
confedit_set_endpoint_key(struct buf *out, const char *text, size_t len,
    const char *key, const char *value, char *err, size_t errlen)
{
	struct ce_text t;
	size_t h = 0, found, e, i;
	int rc = 0;

	buf_reset(out);
	if (*key == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz_") !=
	    strlen(key) || *value == '\0' || !ce_printable(value) ||
	    value[0] == ' ' || value[strlen(value) - 1] == ' ')
		return ce_fail(out, err, errlen, "confedit: invalid key or value "
		    "for [endpoint]");
	if (ce_split(&t, text, len) == -1)
		return ce_fail(out, err, errlen, "confedit: out of memory");
	if ((found = ce_find(&t, "endpoint", NULL, &h)) != 1) {
		ce_text_free(&t);
		return ce_fail(out, err, errlen, found == 0 ?
		    "confedit: no [endpoint NAME] section in the file" :
		    "confedit: more than one [endpoint NAME] section");
	}
	e = ce_next_header(&t, h);
	for (i = h + 1; i < e; i++)
		if (ce_kind(&t, i) == CE_OTHER && ce_key_is(&t, i, key))
			break;
	if (i < e) {		/* replace the line, keep its ending */
		rc |= buf_add(out, text, t.lines[i].start);
		rc |= buf_addf(out, "%s = %s", key, value);
		rc |= buf_add(out, text + t.lines[i].end, len - t.lines[i].end);
	} else {		/* a new line right after the header */
		rc |= buf_add(out, text, t.lines[h].next);
		if (t.lines[h].next == t.lines[h].end)
			rc |= buf_adds(out, t.eol);	/* the header ended the file */
		rc |= buf_addf(out, "%s = %s%s", key, value, t.eol);
		rc |= buf_add(out, text + t.lines[h].next, len - t.lines[h].next);
	}
	ce_text_free(&t);
	if (rc != 0)
		return ce_fail(out, err, errlen, "confedit: out of memory");
	return 0;
}

/* ---- the file ---- */

/*
 * ce_open_locked: path opened and flock'ed, and still the file at path
 * (not replaced while we waited). Returns the fd with *st filled, or -1
 * with err.
 */
static int
ce_open_locked(const char *path, struct stat *st, char *err, size_t errlen)
{
	struct stat now;
	int fd, tries;

	for (tries = 0; tries < CE_LOCK_TRIES; tries++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, st) == -1) {
			snprintf(err, errlen, "%s: lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (!S_ISREG(st->st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", path);
			close(fd);
			return -1;
		}
		if (stat(path, &now) == 0 && now.st_dev == st->st_dev &&
		    now.st_ino == st->st_ino)
			return fd;
		close(fd);	/* replaced while we waited: read the new one */
	}
	snprintf(err, errlen, "%s: keeps being replaced; try again", path);
	return -1;
}

static int
ce_read_all(int fd, struct buf *b, const char *path, char *err, size_t errlen)
{
	char chunk[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (buf_add(b, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONFEDIT_MAX_FILE);
			return -1;
		}
	}
}

/* ce_replace: text over path through a temporary file, with st's mode and owner. */
static int
ce_replace(const char *path, const struct stat *st, const char *text,
    size_t len, char *err, size_t errlen)
{
	char *copy = NULL, *tmp = NULL, *dir;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int fd = -1, dfd, rc = -1;

	if ((copy = strdup(path)) == NULL || asprintf(&tmp, "%s/.%s.edit-XXXXXX",
	    (dir = dirname(copy)), base) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot create a file in %s: %s", path,
		    dir, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto done;
	}
	/* the owner first: fchown may clear set-id bits the mode then restores */
	if (fchown(fd, st->st_uid, st->st_gid) == -1 && errno != EPERM) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (fchmod(fd, st->st_mode & 07777) == -1 ||
	    fileio_write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(copy);
	return rc;
}

int
confedit_update(const char *path, confedit_fn edit, void *arg, int flags,
    struct desired **result, char *err, size_t errlen)
{
	struct desired *d = NULL;
	struct buf in, out;
	struct stat st;
	char *errors = NULL, *nl;
	int fd = -1, rc = -1;

	buf_init(&in, CONFEDIT_MAX_FILE);
	buf_init(&out, CONFEDIT_MAX_FILE);
	if (result != NULL)
		*result = NULL;
	if ((fd = ce_open_locked(path, &st, err, errlen)) == -1 ||
	    ce_read_all(fd, &in, path, err, errlen) == -1)
		goto done;
	if (edit(&out, buf_str(&in), in.len, arg, err, errlen) == -1)
		goto done;
	if ((d = desired_parse_string(path, buf_str(&out), out.len,
	    &errors)) == NULL) {
		if (errors != NULL && (nl = strchr(errors, '\n')) != NULL)
			*nl = '\0';
		snprintf(err, errlen, "%s: the edited file would not check: %s",
		    path, errors ? errors : "invalid");
		goto done;
	}
	if (!(flags & CONFEDIT_DRY_RUN) &&
	    ce_replace(path, &st, buf_str(&out), out.len, err, errlen) == -1)
		goto done;
	if (result != NULL) {
		*result = d;
		d = NULL;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);	/* the lock goes with it */
	desired_free(d);
	free(errors);
	buf_free(&in);
	buf_free(&out);
	return rc;
}
