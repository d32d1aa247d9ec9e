/*
 * statuscmd: `stingy-vpn status`, the operator's view of a running daemon.
 * It reads desired.conf only to learn `listen`, asks the daemon for
 * /status over HTTP and prints the answer as a table (or as it came with
 * --json). The daemon's answer is untrusted input: any JSON at all renders
 * without a crash, what is missing or of the wrong type prints as "-", and
 * control characters never reach the terminal.
 *
 * The pure parts (URL building, rendering) are exported so the unit tests
 * and the fuzzer drive them with strings.
 */
#ifndef STATUSCMD_H
#define STATUSCMD_H

#include <stddef.h>

#define STATUSCMD_TIMEOUT_MS	5000		/* connect and total, ms */
#define STATUSCMD_MAX_ANSWER	(4 * 1024 * 1024)	/* bytes of /status read */
#define STATUSCMD_MAX_ROWS	20		/* rows per list in the table */
#define STATUSCMD_MAX_CELL	160		/* characters of one value shown */
#define STATUSCMD_MAX_URL	2048		/* bytes, NUL included */

/*
 * statuscmd_main: the `status` subcommand; argv[0] is "status".
 *
 *   stingy-vpn status [-c FILE] [-j|--json] [-u|--url URL]
 *
 *   -c, --config FILE  desired.conf, read for [controller] listen (default
 *                      $STINGY_VPN_CONF, else /etc/stingy-vpn/desired.conf,
 *                      as for run and check); not read when --url is given
 *   -j, --json         print the /status body as received (after checking
 *                      that it is one JSON object) instead of the table
 *   -u, --url URL      ask this URL instead: "http://HOST:PORT" (/status is
 *                      appended when URL has no path), a full
 *                      "http://HOST:PORT/status", or "HOST:PORT"
 *   -h, --help         usage on stdout, exit 0
 *
 * Exit status: 0 when the daemon answers healthy; 1 when it answers but is
 * unhealthy (the table is printed anyway), or the answer is not a status
 * (an HTTP error, not JSON, too big); 2 on usage errors, an unreadable or
 * invalid desired.conf, or listen = off without --url; 3 when the daemon
 * cannot be reached (refused, timed out after STATUSCMD_TIMEOUT_MS).
 * Messages go to stderr, "stingy-vpn status: ...". Nothing else is written.
 */
int statuscmd_main(int argc, char **argv);

/*
 * statuscmd_render: the table for the /status answer json[0..len) (need not
 * be NUL-terminated; no clock is read: ages come from the answer's "now"
 * and age_s). Returns a malloc'd NUL-terminated text the caller frees, or
 * NULL with a one-line reason in err (errlen bytes, always NUL-terminated
 * when errlen > 0) when json is not one JSON object, or out of memory.
 * Every string shown is cut at STATUSCMD_MAX_CELL characters and every list
 * at STATUSCMD_MAX_ROWS rows.
 */
char *statuscmd_render(const char *json, size_t len, char *err, size_t errlen);

/*
 * statuscmd_healthy: 1 when json[0..len) is a JSON object whose "healthy" is
 * true, 0 when it is an object otherwise, -1 when it is not a JSON object.
 */
int statuscmd_healthy(const char *json, size_t len);

/*
 * statuscmd_url_listen: the /status URL for a desired.conf `listen` value:
 * "127.0.0.1:9851" -> "http://127.0.0.1:9851/status"; a wildcard host
 * (0.0.0.0, [::]) is asked on loopback (127.0.0.1, [::1]). Writes url
 * (len bytes) and returns 0; returns -1 with the reason in err when listen
 * is NULL, "", "off", has port 0 or is not HOST:PORT, or url is too small.
 */
int statuscmd_url_listen(const char *listen, char *url, size_t len,
    char *err, size_t errlen);

/*
 * statuscmd_url_arg: the /status URL for --url arg (see statuscmd_main):
 * adds "http://" when arg has no scheme and "/status" when it has no path.
 * Returns 0, or -1 with the reason in err for another scheme than http or
 * https, an empty host, spaces or control characters, or a URL too long.
 */
int statuscmd_url_arg(const char *arg, char *url, size_t len, char *err,
    size_t errlen);

/*
 * statuscmd_clean: copies s[0..len) into out (outlen bytes, always
 * NUL-terminated when outlen > 0) fit for a terminal: tab, CR and LF become
 * a space; other C0 and C1 controls, DEL and the bidirectional overrides
 * (U+202A..U+202E, U+2066..U+2069) are dropped; bytes that are not UTF-8
 * become '?'. At most max characters are kept; a longer string ends in
 * "...". Returns the number of characters written (for column widths).
 */
size_t statuscmd_clean(const char *s, size_t len, size_t max, char *out,
    size_t outlen);

#endif
