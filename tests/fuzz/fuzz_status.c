/*
 * fuzz_status: statuscmd_render on arbitrary bytes, as the daemon's /status
 * answer. A table must hold no control character but '\n', only well-formed
 * UTF-8, and lines of bounded length; a refusal must say why and agree with
 * statuscmd_healthy. statuscmd_clean and the URL builders get the same bytes.
 * Seeds: tests/fuzz/seeds/status/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statuscmd.h"

/* The longest line: a label, ten cells of MAX_CELL characters and gaps. */
#define MAX_LINE	((STATUSCMD_MAX_CELL + 3 + 2) * 4 * 12)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* utf8_ok: 1 when s[0..n) is well-formed UTF-8 with no control but '\n'. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			return 0;
		i += len;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[256], out[64], url[STATUSCMD_MAX_URL], *table, *z;
	size_t n, linelen = 0;
	int h;

	err[0] = 'x';
	table = statuscmd_render(s, size, err, sizeof(err));
	h = statuscmd_healthy(s, size);
	if (table == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		if (h != -1 && strcmp(err, "out of memory") != 0)
			abort();
	} else {
		n = strlen(table);
		if (h == -1 || n == 0 || table[n - 1] != '\n' ||
		    !utf8_ok((const unsigned char *)table, n))
			abort();
		for (size_t i = 0; i < n; i++) {
			if (table[i] == '\n') {
				linelen = 0;
				continue;
			}
			if (++linelen > MAX_LINE)
				abort();
		}
		free(table);
	}

	n = statuscmd_clean(s, size, 10, out, sizeof(out));
	if (n > 13 || strlen(out) >= sizeof(out) ||
	    !utf8_ok((const unsigned char *)out, strlen(out)) ||
	    strchr(out, '\n') != NULL)
		abort();

	if ((z = malloc(size + 1)) == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	if (statuscmd_url_listen(z, url, sizeof(url), err, sizeof(err)) == 0 &&
	    (strncmp(url, "http://", 7) != 0 || strstr(url, "/status") == NULL))
		abort();
	if (statuscmd_url_arg(z, url, sizeof(url), err, sizeof(err)) == 0 &&
	    strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		abort();
	free(z);
	return 0;
}
