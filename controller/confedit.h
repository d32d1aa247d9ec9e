/*
 * confedit: edits desired.conf as text, for `stingy-vpn peer add|remove`
 * and `keys init`. Every line the edit is not about stays byte for byte,
 * comments, blank lines and line endings (CRLF files get CRLF lines)
 * included.
 *
 * The edits are pure functions from text to text (confedit_add_peer,
 * confedit_remove_peer, confedit_set_endpoint_key), which tests and the
 * fuzzer drive with strings. confedit_update does the I/O around one edit:
 * lock, read, edit, run the result through the real config parser, and
 * only then replace the file atomically. Lines are recognised as the
 * parser does: a header is a line whose first non-blank character is '[',
 * a comment one whose first non-blank character is '#' or ';'.
 *
 * A peer that `peer add` appends is preceded by a blank line and a comment
 * line of its own,
 *
 *   # peer NAME: added by stingy-vpn peer add on 2026-12-01
 *   [peer NAME]
 *   public_key = ...
 *   address = 10.8.0.2
 *
 * which confedit_remove_peer recognises and removes with the section, so
 * that adding a peer and removing it gives back the file as it was.
 */
#ifndef CONFEDIT_H
#define CONFEDIT_H

#include <stddef.h>

struct buf;
struct desired;

#define CONFEDIT_MAX_FILE	(1024 * 1024)	/* bytes, as desired_load */

/*
 * confedit_add_peer: text with a [peer name] section appended at its end:
 * a newline first when text does not end with one, then a blank line, the
 * comment line above (" on WHEN" when when is not NULL), the header,
 * public_key, address and, when keepalive >= 0, keepalive. name must be
 * 1 to 32 of a-z, 0-9 and '-', public_key a WireGuard key, address an
 * IPv4 address, when printable ASCII; a [peer name] header already in
 * text is refused. out is reset, then filled. Returns 0, or -1 with the
 * reason in err (out reset).
 */
int confedit_add_peer(struct buf *out, const char *text, size_t len,
    const char *name, const char *public_key, const char *address,
    int keepalive, const char *when, char *err, size_t errlen);

/*
 * confedit_remove_peer: text without its [peer name] section: the header
 * through the line before the next header (or the end), less the blank
 * lines at its end and the comment lines directly above the next header
 * (they describe what follows); with it go the comment block directly
 * above the header when its first line is the one confedit_add_peer
 * writes for this name, and one blank line above those. No such header,
 * or two, is an error. out is reset, then filled. Returns 0, or -1 with
 * the reason in err.
 */
int confedit_remove_peer(struct buf *out, const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/*
 * confedit_set_endpoint_key: "key = value" in the [endpoint NAME]
 * section: the first line setting key there is replaced (its line ending
 * kept), else the line goes right after the header. key is [a-z_]+, value
 * printable ASCII without blanks at its ends. No [endpoint ...] header,
 * or two, is an error. out is reset, then filled. Returns 0, or -1 with
 * the reason in err.
 */
int confedit_set_endpoint_key(struct buf *out, const char *text, size_t len,
    const char *key, const char *value, char *err, size_t errlen);

/*
 * confedit_fn: one edit for confedit_update: out from text (len bytes, as
 * read from the file), 0 or -1 with err. arg is the caller's.
 */
typedef int (*confedit_fn)(struct buf *out, const char *text, size_t len,
    void *arg, char *err, size_t errlen);

#define CONFEDIT_DRY_RUN	0x1	/* everything but the write */

/*
 * confedit_update: applies edit to the file at path, under an exclusive
 * flock(2) on it (held from the read to the rename; a process that waited
 * on the old file opens the new one and starts over, so two concurrent
 * edits both land). The edited text must pass desired_parse_string, or
 * nothing is written and err holds "PATH: the edited file would not
 * check: " and the parser's first message. It replaces path through a
 * temporary file in the same directory (".NAME.edit-XXXXXX"), written
 * with the file's mode (and owner, when allowed), fsync'd, renamed over
 * path, then the directory fsync'd. With CONFEDIT_DRY_RUN it stops before
 * the temporary file.
 *
 * On success returns 0 and, when result is not NULL, the parsed edited
 * configuration in *result (the caller frees it with desired_free). On
 * any failure returns -1 with the reason in err, the file untouched and
 * no temporary file left.
 */
int confedit_update(const char *path, confedit_fn edit, void *arg,
    int flags, struct desired **result, char *err, size_t errlen);

#endif
