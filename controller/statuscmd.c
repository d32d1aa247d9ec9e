/*
 * statuscmd: `stingy-vpn status`. Fetches the daemon's /status with the
 * project's HTTP client on a private event base and prints it. The answer is
 * untrusted: every value is checked for its type, cut to a size and cleaned
 * of control characters before it reaches the terminal.
 */
#include <event2/event.h>
#include <getopt.h>
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cost.h"
#include "desired.h"
#include "http.h"
#include "log.h"
#include "statuscmd.h"

/* Must match controller/main.c. */
#define DEFAULT_CONF	DESIRED_DEFAULT_PATH

#define NCOL		10			/* cells in a table row, at most */
#define CELL_BYTES	(STATUSCMD_MAX_CELL * 4 + 4)	/* UTF-8, "...", NUL */
#define LABEL_WIDTH	11			/* "replacement" */
#define MAX_TIME	253402300799LL		/* 9999-12-31 23:59:59 UTC */
#define RENDER_MAX	(1024 * 1024)		/* bytes of table text */

static const char usage_text[] =
"usage: stingy-vpn status [-c FILE] [-j|--json] [-u|--url URL]\n"
"\n"
"Asks the running daemon for its status (GET /status on the address that\n"
"desired.conf gives as listen) and prints it.\n"
"\n"
"  -c, --config FILE  desired.conf (default $STINGY_VPN_CONF, else\n"
"                     " DEFAULT_CONF ")\n"
"  -j, --json         print the JSON answer as received\n"
"  -u, --url URL      ask URL instead of reading desired.conf\n"
"                     (http://HOST:PORT or http://HOST:PORT/status)\n"
"  -h, --help         this text\n"
"\n"
"exit status: 0 healthy, 1 unhealthy or a bad answer, 2 usage or\n"
"configuration error, 3 the daemon cannot be reached\n";

/* ---- cleaning untrusted strings ---- */

/*
 * utf8_decode: the length (1..4) of the well-formed UTF-8 character at
 * p[0..n) with its code point in *cp, or 0 when it is not one.
 */
static size_t
utf8_decode(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* dropped: 1 for a character a terminal may act on rather than show. */
static int
dropped(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t
statuscmd_clean(const char *s, size_t len, size_t max, char *out,
    size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *src;
	size_t i = 0, o = 0, chars = 0, n, nb;
	unsigned long cp = 0;
	int cut = 0;

	if (outlen == 0)
		return 0;
	while (s != NULL && i < len) {
		if ((n = utf8_decode(p + i, len - i, &cp)) == 0) {
			src = "?";
			nb = 1;
			n = 1;
		} else if (cp == '\t' || cp == '\n' || cp == '\r') {
			src = " ";
			nb = 1;
		} else if (dropped(cp)) {
			i += n;
			continue;
		} else {
			src = (const char *)p + i;
			nb = n;
		}
		/* Keep room for "..." and the NUL. */
		if (chars == max || o + nb + 4 > outlen) {
			cut = 1;
			break;
		}
		memcpy(out + o, src, nb);
		o += nb;
		chars++;
		i += n;
	}
	if (cut && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
		chars += 3;
	}
	out[o] = '\0';
	return chars;
}

/* ---- reading the answer ---- */

/*
 * parse: json[0..len) as one JSON object and nothing after it but white
 * space. Returns the object (json_object_put it) or NULL with err filled.
 */
static json_object *
parse(const char *json, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = NULL;
	json_object *root = NULL;
	size_t end;

	if (json == NULL || len == 0) {
		snprintf(err, errlen, "the answer is empty");
		goto fail;
	}
	if (len > STATUSCMD_MAX_ANSWER) {
		snprintf(err, errlen, "the answer is larger than %d bytes",
		    STATUSCMD_MAX_ANSWER);
		goto fail;
	}
	if (memchr(json, '\0', len) != NULL) {
		snprintf(err, errlen, "the answer is not JSON: it holds a NUL byte");
		goto fail;
	}
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
		/* All was taken: a space ends a bare literal or number. */
		root = json_tokener_parse_ex(tok, " ", 1);
		end = len;
	}
	if (root == NULL) {
		enum json_tokener_error je = json_tokener_get_error(tok);

		if (je == json_tokener_success)		/* null */
			snprintf(err, errlen, "the answer is not a JSON object");
		else
			snprintf(err, errlen, "the answer is not JSON: %s",
			    je == json_tokener_continue ? "it ends too soon" :
			    json_tokener_error_desc(je));
		goto fail;
	}
	for (; end < len; end++)
		if (json[end] != ' ' && json[end] != '\t' && json[end] != '\r' &&
		    json[end] != '\n') {
			snprintf(err, errlen, "the answer is not JSON: data after "
			    "the end at byte %zu", end);
			goto fail;
		}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "the answer is not a JSON object");
		goto fail;
	}
	json_tokener_free(tok);
	return root;
fail:
	json_object_put(root);
	if (tok != NULL)	/* json-c 0.16 does not take NULL */
		json_tokener_free(tok);
	return NULL;
}

/* jget: o[key], NULL when o is not an object, key is missing or null. */
static json_object *
jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* jnull: 1 when o has key and its value is null. */
static int
jnull(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) && v == NULL;
}

/* jstr: o[key] when it is a non-empty string, else NULL; *len its length. */
static const char *
jstr(json_object *o, const char *key, size_t *len)
{
	json_object *v = jget(o, key);
	int n;

	if (v == NULL || !json_object_is_type(v, json_type_string) ||
	    (n = json_object_get_string_len(v)) <= 0)
		return NULL;
	if (len)
		*len = (size_t)n;
	return json_object_get_string(v);
}

/* jint: 1 and *out when o[key] is a JSON integer, else 0. */
static int
jint(json_object *o, const char *key, long long *out)
{
	json_object *v = jget(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return 0;
	*out = (long long)json_object_get_int64(v);
	return 1;
}

/* jbool: 1 or 0 when o[key] is a JSON boolean, else -1. */
static int
jbool(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

/* jarr: o[key] when it is an array, else NULL. */
static json_object *
jarr(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* text: o[key] cleaned into out, "-" when it is not a non-empty string. */
static const char *
text(json_object *o, const char *key, char *out, size_t outlen)
{
	const char *s;
	size_t len = 0;

	if ((s = jstr(o, key, &len)) == NULL ||
	    statuscmd_clean(s, len, STATUSCMD_MAX_CELL, out, outlen) == 0)
		snprintf(out, outlen, "-");
	return out;
}

/* fmt_time: Unix seconds as "2026-11-25 03:12:45" (UTC), "-" if unusable. */
static const char *
fmt_time(long long t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt;

	snprintf(out, outlen, "-");
	if (t <= 0 || t > MAX_TIME)
		return out;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, outlen, "-");
	return out;
}

/* jtime: o[key] formatted by fmt_time. */
static const char *
jtime(json_object *o, const char *key, char *out, size_t outlen)
{
	long long t = 0;

	if (!jint(o, key, &t))
		t = 0;
	return fmt_time(t, out, outlen);
}

/* fmt_age: seconds as "40s", "3m05s", "2h13m", "4d07h"; "-" when negative. */
static const char *
fmt_age(long long s, char *out, size_t outlen)
{
	if (s < 0)
		snprintf(out, outlen, "-");
	else if (s < 60)
		snprintf(out, outlen, "%llds", s);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, outlen, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, outlen, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return out;
}

/* ---- the table ---- */

/*
 * A render: the text so far and one table of rows that are filled twice,
 * once to measure the columns and once to print them.
 */
struct render {
	struct buf	 out;
	int		 bad;		/* an append failed */
	json_object	*root;
	long long	 now;		/* the answer's "now", -1 unknown */
	int		 printing;	/* 0: measuring */
	char		 cell[NCOL][CELL_BYTES];
	size_t		 chars[NCOL];
	size_t		 ncell;
	size_t		 width[NCOL];
};

static void
emit(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct render *r, const char *fmt, ...)
{
	char line[CELL_BYTES * 4];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || buf_adds(&r->out, line) == -1)
		r->bad = 1;
}

static void
row_begin(struct render *r)
{
	r->ncell = 0;
}

/* cell: a cell already clean (made here or by text()). */
static void
cell(struct render *r, const char *s)
{
	if (r->ncell == NCOL)
		return;
	r->chars[r->ncell] = statuscmd_clean(s, strlen(s), STATUSCMD_MAX_CELL,
	    r->cell[r->ncell], CELL_BYTES);
	r->ncell++;
}

static void
cellf(struct render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
cellf(struct render *r, const char *fmt, ...)
{
	char tmp[CELL_BYTES * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	cell(r, tmp);
}

/* row_end: measures or prints the row, indented by indent spaces. */
static void
row_end(struct render *r, int indent)
{
	size_t c, pad;

	if (!r->printing) {
		/* A short row ("none", "(not observed)") sets no column. */
		for (c = 0; c < r->ncell && (c == 0 || r->ncell > 2); c++)
			if (r->chars[c] > r->width[c])
				r->width[c] = r->chars[c];
		return;
	}
	emit(r, "%*s", indent, "");
	for (c = 0; c < r->ncell; c++) {
		emit(r, "%s", r->cell[c]);
		if (c + 1 < r->ncell) {
			pad = r->width[c] > r->chars[c] ?
			    r->width[c] - r->chars[c] + 2 : 2;
			emit(r, "%*s", (int)pad, "");
		}
	}
	emit(r, "\n");
}

static void
table_reset(struct render *r, size_t label_width)
{
	memset(r->width, 0, sizeof(r->width));
	r->width[0] = label_width;
	r->printing = 0;
}

/* ---- the sections ---- */

static void
endpoint_line(struct render *r)
{
	json_object *root = r->root;
	char name[CELL_BYTES], region[CELL_BYTES], reason[CELL_BYTES];
	char health[CELL_BYTES + 16];

	text(root, "endpoint", name, sizeof(name));
	text(root, "region", region, sizeof(region));
	switch (jbool(root, "healthy")) {
	case 1:
		snprintf(health, sizeof(health), "healthy");
		break;
	case 0:
		if (jstr(root, "reason", NULL) != NULL)
			snprintf(health, sizeof(health), "UNHEALTHY: %s",
			    text(root, "reason", reason, sizeof(reason)));
		else
			snprintf(health, sizeof(health), "UNHEALTHY");
		break;
	default:
		snprintf(health, sizeof(health), "health unknown");
	}
	emit(r, "%-*s  %s", LABEL_WIDTH, "endpoint", name);
	if (strcmp(region, "-") != 0)
		emit(r, " (%s)", region);
	if (jbool(root, "enabled") == 0)
		emit(r, "  disabled");
	emit(r, "  %s\n", health);
}

/* notes: the blocker (when the reason does not say it) and a reload error. */
static void
notes(struct render *r)
{
	json_object *es = jget(r->root, "endpoint_state");
	json_object *conf = jget(r->root, "config");
	char s[CELL_BYTES], reason[CELL_BYTES];

	if (jstr(es, "blocker", NULL) != NULL) {
		text(es, "blocker", s, sizeof(s));
		text(r->root, "reason", reason, sizeof(reason));
		if (strstr(reason, s) == NULL)
			emit(r, "%-*s  %s\n", LABEL_WIDTH, "blocked", s);
	}
	if (jstr(conf, "last_reload_error", NULL) != NULL)
		emit(r, "%-*s  reload failed: %s\n", LABEL_WIDTH, "config",
		    text(conf, "last_reload_error", s, sizeof(s)));
}

/*
 * instance_row: one instance as a row. in is the instance object (anything
 * else prints as missing); when it is not an object, es_key names the
 * endpoint_state id to show instead, and is_null says it was null ("none").
 */
static void
instance_row(struct render *r, const char *label, json_object *in,
    const char *es_key, int is_null)
{
	json_object *es = jget(r->root, "endpoint_state");
	char s[CELL_BYTES], t[32];
	long long age;

	row_begin(r);
	cell(r, label);
	if (in == NULL || !json_object_is_type(in, json_type_object)) {
		if (es_key != NULL && jstr(es, es_key, NULL) != NULL)
			cellf(r, "%s (not observed)", text(es, es_key, s, sizeof(s)));
		else
			cell(r, is_null ? "none" : "-");
		row_end(r, 0);
		return;
	}
	cell(r, text(in, "id", s, sizeof(s)));
	cell(r, text(in, "type", s, sizeof(s)));
	cell(r, text(in, "az", s, sizeof(s)));
	cell(r, text(in, "public_ip", s, sizeof(s)));
	cell(r, text(in, "state", s, sizeof(s)));
	switch (jbool(in, "ready")) {
	case 1:
		cell(r, "ready");
		break;
	case 0:
		cell(r, "not ready");
		break;
	default:
		cell(r, "-");
	}
	if (!jint(in, "age_s", &age))
		age = -1;
	cellf(r, "age %s", fmt_age(age, t, sizeof(t)));
	if (jstr(in, "doomed", NULL) != NULL)
		cellf(r, "doomed: %s", text(in, "doomed", s, sizeof(s)));
	row_end(r, 0);
}

/* same_id: 1 when a and b are instance objects with the same string id. */
static int
same_id(json_object *a, json_object *b)
{
	size_t la = 0, lb = 0;
	const char *ia = jstr(a, "id", &la), *ib = jstr(b, "id", &lb);

	return ia != NULL && ib != NULL && la == lb && memcmp(ia, ib, la) == 0;
}

/*
 * instances: the primary, the replacement, then every other instance of the
 * endpoint (an old one shutting down, one not adopted yet) as "other".
 */
static void
instances(struct render *r)
{
	json_object *p = jget(r->root, "primary");
	json_object *rep = jget(r->root, "replacement");
	json_object *all = jarr(r->root, "instances"), *in;
	size_t n = all ? json_object_array_length(all) : 0, i = 0, shown = 0;

	table_reset(r, LABEL_WIDTH);
	for (int pass = 0; pass < 2; pass++) {
		r->printing = pass;
		instance_row(r, "primary", p, "primary", jnull(r->root, "primary"));
		instance_row(r, "replacement", rep, "replacement",
		    jnull(r->root, "replacement"));
		for (i = 0, shown = 0; i < n && shown < STATUSCMD_MAX_ROWS; i++) {
			in = json_object_array_get_idx(all, i);
			if (in == NULL || !json_object_is_type(in, json_type_object) ||
			    same_id(in, p) || same_id(in, rep))
				continue;
			instance_row(r, "other", in, NULL, 0);
			shown++;
		}
	}
	if (shown == STATUSCMD_MAX_ROWS && i < n)
		emit(r, "%*s... more in --json\n", LABEL_WIDTH + 2, "");
}

/* more: the "... N more" line for a list cut at STATUSCMD_MAX_ROWS. */
static void
more(struct render *r, size_t n, int indent)
{
	if (n > STATUSCMD_MAX_ROWS)
		emit(r, "%*s... %zu more\n", indent, "", n - STATUSCMD_MAX_ROWS);
}

static void
launch_row(struct render *r, json_object *l, size_t i)
{
	char s[CELL_BYTES], sub[CELL_BYTES], t[32];
	long long created;

	row_begin(r);
	cell(r, i == 0 ? "in flight" : "");
	cellf(r, "launch %s", text(l, "launch_id", s, sizeof(s)));
	text(l, "type", s, sizeof(s));
	if (jstr(l, "subnet", NULL) != NULL)
		cellf(r, "%s/%s", s, text(l, "subnet", sub, sizeof(sub)));
	else
		cell(r, s);
	text(l, "state", s, sizeof(s));
	if (r->now > 0 && jint(l, "created_at", &created) && created > 0 &&
	    created <= r->now)
		cellf(r, "%s %s ago", s, fmt_age(r->now - created, t, sizeof(t)));
	else
		cell(r, s);
	if (jstr(l, "instance_id", NULL) != NULL)
		cellf(r, "-> %s", text(l, "instance_id", s, sizeof(s)));
	row_end(r, 0);
}

static void
launches(struct render *r)
{
	json_object *arr = jarr(r->root, "launches_in_flight");
	size_t n = arr ? json_object_array_length(arr) : 0, i;

	if (n == 0)
		return;
	table_reset(r, LABEL_WIDTH);
	for (int pass = 0; pass < 2; pass++) {
		r->printing = pass;
		for (i = 0; i < n && i < STATUSCMD_MAX_ROWS; i++)
			launch_row(r, json_object_array_get_idx(arr, i), i);
	}
	more(r, n, LABEL_WIDTH + 2);
}

/* dns_state: "dns  vpn.example.com A 203.0.113.10 (cloudflare, confirmed 2m ago)". */
static void
dns_state(struct render *r)
{
	json_object *dns = jget(r->root, "dns");
	char a[CELL_BYTES], b[CELL_BYTES], c[CELL_BYTES], t[32];
	long long at;

	if (dns == NULL)
		return;
	emit(r, "%-*s  %s A %s (%s", LABEL_WIDTH, "dns",
	    text(dns, "name", a, sizeof(a)), text(dns, "value", b, sizeof(b)),
	    text(dns, "provider", c, sizeof(c)));
	if (jint(dns, "synced_at", &at))
		emit(r, ", confirmed %s ago", fmt_age(r->now - (time_t)at, t,
		    sizeof(t)));
	else
		emit(r, ", never confirmed");
	if (json_object_get_boolean(jget(dns, "in_sync")) == 0 &&
	    jstr(dns, "want", NULL) != NULL)
		emit(r, ", syncing to %s: %s", text(dns, "want", a, sizeof(a)),
		    text(dns, "state", b, sizeof(b)));
	emit(r, ")\n");
	if (jstr(dns, "config_error", NULL) != NULL)
		emit(r, "%-*s  %s\n", LABEL_WIDTH, "dns error",
		    text(dns, "config_error", a, sizeof(a)));
	else if (jstr(dns, "last_error", NULL) != NULL &&
	    !json_object_get_boolean(jget(dns, "in_sync")))
		emit(r, "%-*s  %s\n", LABEL_WIDTH, "dns error",
		    text(dns, "last_error", a, sizeof(a)));
}

/*
 * peers_state: "peers  2 in /stingy-vpn/home/wireguard/peers (in sync,
 * confirmed 3m ago)"; "(not in sync: ERROR)" when not.
 */
static void
peers_state(struct render *r)
{
	json_object *p = jget(r->root, "peers");
	char a[CELL_BYTES], t[32];
	long long n = 0, at;

	if (p == NULL)
		return;
	jint(p, "count", &n);
	emit(r, "%-*s  %lld in %s (", LABEL_WIDTH, "peers", n,
	    text(p, "parameter", a, sizeof(a)));
	if (json_object_get_boolean(jget(p, "synced")))
		emit(r, "in sync");
	else if (jstr(p, "last_error", NULL) != NULL)
		emit(r, "not in sync: %s", text(p, "last_error", a, sizeof(a)));
	else
		emit(r, "syncing");
	if (jint(p, "last_synced_at", &at) && at > 0 && at <= r->now)
		emit(r, ", confirmed %s ago", fmt_age(r->now - (time_t)at, t,
		    sizeof(t)));
	emit(r, ")\n");
}

/* money: o[key "_micro"] (micro-dollars) as dollars with 2 decimals, "?" when absent. */
static const char *
money(json_object *o, const char *key, char *out, size_t outlen)
{
	char k[64];
	long long micro;

	snprintf(k, sizeof(k), "%s_micro", key);
	if (!jint(o, k, &micro) || micro < 0) {
		snprintf(out, outlen, "?");
		return out;
	}
	return cost_usd((int64_t)micro, 2, out, outlen);
}

/* cost_state: "cost  ~$2.69/month (on-demand $5.11)". */
static void
cost_state(struct render *r)
{
	json_object *c = jget(r->root, "cost");
	char a[CELL_BYTES], b[CELL_BYTES];

	if (c == NULL)
		return;
	emit(r, "%-*s  ~$%s/month", LABEL_WIDTH, "cost",
	    money(c, "total", a, sizeof(a)));
	if (jget(c, "on_demand") != NULL)
		emit(r, " (on-demand $%s)", money(c, "on_demand", b, sizeof(b)));
	emit(r, "\n");
}

static void
endpoint_state(struct render *r)
{
	json_object *es = jget(r->root, "endpoint_state");
	char a[CELL_BYTES], b[CELL_BYTES], c[CELL_BYTES];

	if (jstr(es, "elastic_ip", NULL) != NULL) {
		emit(r, "%-*s  %s -> %s", LABEL_WIDTH, "elastic ip",
		    text(es, "elastic_ip", a, sizeof(a)),
		    text(es, "eip_instance", b, sizeof(b)));
		if (jstr(es, "eip_address", NULL) != NULL)
			emit(r, "  (%s)", text(es, "eip_address", c, sizeof(c)));
		emit(r, "\n");
	}
	emit(r, "%-*s  %s = %s\n", LABEL_WIDTH, "ssm",
	    text(es, "ssm_parameter", a, sizeof(a)),
	    text(es, "ssm_value", b, sizeof(b)));
	dns_state(r);
	peers_state(r);
	cost_state(r);
	if (jstr(es, "waiting", NULL) != NULL)
		emit(r, "%-*s  %s\n", LABEL_WIDTH, "waiting",
		    text(es, "waiting", a, sizeof(a)));
}

static void
counts(struct render *r)
{
	long long n;

	if (jint(r->root, "interruptions_24h", &n))
		emit(r, "interruptions (24h)  %lld\n", n);
	else
		emit(r, "interruptions (24h)  -\n");
	if (jint(r->root, "launches_past_hour", &n))
		emit(r, "launches (1h)        %lld\n", n);
	else
		emit(r, "launches (1h)        -\n");
}

static void
event_row(struct render *r, json_object *ev)
{
	char s[CELL_BYTES];
	long long t;

	row_begin(r);
	if (jint(ev, "time", &t))
		cell(r, jtime(ev, "time", s, sizeof(s)));
	else
		cell(r, jtime(ev, "received_at", s, sizeof(s)));
	cell(r, text(ev, "kind", s, sizeof(s)));
	cell(r, text(ev, "instance_id", s, sizeof(s)));
	cell(r, text(ev, "detail", s, sizeof(s)));
	row_end(r, 2);
}

static void
error_row(struct render *r, json_object *e)
{
	char s[CELL_BYTES];

	row_begin(r);
	cell(r, jtime(e, "at", s, sizeof(s)));
	cell(r, text(e, "action", s, sizeof(s)));
	cell(r, text(e, "target", s, sizeof(s)));
	if (jstr(e, "result", NULL) != NULL)
		cell(r, text(e, "result", s, sizeof(s)));
	else
		cell(r, text(e, "detail", s, sizeof(s)));
	row_end(r, 2);
}

/* list: a titled section of rows, "none" when empty, "-" when missing. */
static void
list(struct render *r, const char *title, const char *key,
    void (*row)(struct render *, json_object *))
{
	json_object *arr = jarr(r->root, key);
	size_t n = arr ? json_object_array_length(arr) : 0, i;

	if (arr == NULL || n == 0) {
		emit(r, "%s  %s\n", title, arr ? "none" : "-");
		return;
	}
	emit(r, "%s\n", title);
	table_reset(r, 0);
	for (int pass = 0; pass < 2; pass++) {
		r->printing = pass;
		for (i = 0; i < n && i < STATUSCMD_MAX_ROWS; i++)
			row(r, json_object_array_get_idx(arr, i));
	}
	more(r, n, 2);
}

char *
statuscmd_render(const char *json, size_t len, char *err, size_t errlen)
{
	struct render *r = NULL;
	char *text_out = NULL;
	char dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	buf_init(&r->out, RENDER_MAX);
	if ((r->root = parse(json, len, err, errlen)) == NULL)
		goto done;
	if (!jint(r->root, "now", &r->now))
		r->now = -1;
	endpoint_line(r);
	notes(r);
	instances(r);
	launches(r);
	endpoint_state(r);
	counts(r);
	list(r, "recent events", "recent_events", event_row);
	list(r, "last errors", "last_errors", error_row);
	if (r->bad) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	text_out = buf_detach(&r->out);
	if (text_out == NULL)
		snprintf(err, errlen, "out of memory");
done:
	if (r != NULL) {
		json_object_put(r->root);
		buf_free(&r->out);
		free(r);
	}
	return text_out;
}

int
statuscmd_healthy(const char *json, size_t len)
{
	json_object *root;
	char err[8];
	int h;

	if ((root = parse(json, len, err, sizeof(err))) == NULL)
		return -1;
	h = jbool(root, "healthy") == 1;
	json_object_put(root);
	return h;
}

/* ---- URLs ---- */

int
statuscmd_url_listen(const char *listen, char *url, size_t len, char *err,
    size_t errlen)
{
	const char *colon, *host, *port;
	size_t hostlen;
	long p;
	char *end;
	int n;

	if (listen == NULL || *listen == '\0' || strcmp(listen, "off") == 0) {
		snprintf(err, errlen, "listen is off");
		return -1;
	}
	if ((colon = strrchr(listen, ':')) == NULL || colon == listen) {
		snprintf(err, errlen, "listen %s: not HOST:PORT", listen);
		return -1;
	}
	port = colon + 1;
	p = strtol(port, &end, 10);
	if (*port < '0' || *port > '9' || *end != '\0' || p < 0 || p > 65535) {
		snprintf(err, errlen, "listen %s: bad port", listen);
		return -1;
	}
	if (p == 0) {
		snprintf(err, errlen, "listen %s: port 0 is picked at start and "
		    "unknown here", listen);
		return -1;
	}
	host = listen;
	hostlen = (size_t)(colon - listen);
	if (hostlen == 7 && strncmp(host, "0.0.0.0", 7) == 0) {
		host = "127.0.0.1";
		hostlen = 9;
	} else if (hostlen == 4 && strncmp(host, "[::]", 4) == 0) {
		host = "[::1]";
		hostlen = 5;
	}
	for (size_t i = 0; i < hostlen; i++)
		if ((unsigned char)host[i] <= ' ' || host[i] == '/' ||
		    host[i] == 0x7f) {
			snprintf(err, errlen, "listen %s: bad host", listen);
			return -1;
		}
	n = snprintf(url, len, "http://%.*s:%ld/status", (int)hostlen, host, p);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "listen %s: too long", listen);
		return -1;
	}
	return 0;
}

int
statuscmd_url_arg(const char *arg, char *url, size_t len, char *err,
    size_t errlen)
{
	const char *scheme = "", *rest, *sep;
	int n;

	if (arg == NULL || *arg == '\0') {
		snprintf(err, errlen, "--url: empty");
		return -1;
	}
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "--url: spaces or control characters");
			return -1;
		}
	if ((sep = strstr(arg, "://")) != NULL) {
		if (!((sep - arg == 4 && strncmp(arg, "http", 4) == 0) ||
		    (sep - arg == 5 && strncmp(arg, "https", 5) == 0))) {
			snprintf(err, errlen, "--url %.64s: not http or https", arg);
			return -1;
		}
		rest = sep + 3;
	} else {
		scheme = "http://";
		rest = arg;
	}
	if (*rest == '\0' || *rest == '/') {
		snprintf(err, errlen, "--url %.64s: no host", arg);
		return -1;
	}
	n = snprintf(url, len, "%s%s%s", scheme, arg,
	    strchr(rest, '/') ? "" : "/status");
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "--url: longer than %zu bytes", len - 1);
		return -1;
	}
	return 0;
}

/* ---- the command ---- */

/* What the request brought back; body is malloc'd. */
struct fetch {
	struct event_base	*base;
	int			 done;
	enum http_err		 err;
	char			 errmsg[256];
	long			 status;
	char			*body;
	size_t			 len;
};

static void
fetch_done_cb(const struct http_response *res, void *arg)
{
	struct fetch *f = arg;

	f->done = 1;
	f->err = res->err;
	f->status = res->status;
	if (res->errmsg != NULL)
		statuscmd_clean(res->errmsg, strlen(res->errmsg),
		    sizeof(f->errmsg), f->errmsg, sizeof(f->errmsg));
	if (res->err == HTTP_ERR_NONE) {
		if ((f->body = malloc(res->body_len + 1)) == NULL) {
			f->err = HTTP_ERR_TRANSPORT;
			snprintf(f->errmsg, sizeof(f->errmsg), "out of memory");
		} else {
			memcpy(f->body, res->body, res->body_len);
			f->body[res->body_len] = '\0';
			f->len = res->body_len;
		}
	}
	event_base_loopbreak(f->base);
}

/*
 * fetch: GET url into *f. Returns 0 when the request ran to its end
 * (f->err says how), -1 when it could not be started (f->errmsg says why).
 */
static int
fetch(const char *url, struct fetch *f)
{
	struct http_client *c = NULL;
	struct http_request req = {
		.method = "GET",
		.url = url,
		.connect_timeout_ms = STATUSCMD_TIMEOUT_MS,
		.timeout_ms = STATUSCMD_TIMEOUT_MS,
		.max_response = STATUSCMD_MAX_ANSWER,
	};
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if ((f->base = event_base_new()) == NULL ||
	    (c = http_client_new(f->base)) == NULL) {
		snprintf(f->errmsg, sizeof(f->errmsg), "cannot set up the HTTP client");
		goto done;
	}
	if (http_start(c, &req, fetch_done_cb, f) == -1) {
		snprintf(f->errmsg, sizeof(f->errmsg), "cannot start the request");
		goto done;
	}
	/* 0: our loopbreak; 1: nothing left to wait for; -1: failure. */
	while (!f->done)
		if (event_base_dispatch(f->base) != 0)
			break;
	if (!f->done) {
		/* The loop failed: freeing the client completes the request. */
		http_client_free(c);
		c = NULL;
	}
	rc = 0;
done:
	http_client_free(c);
	if (f->base)
		event_base_free(f->base);
	f->base = NULL;
	return rc;
}

/* json_ok: the --json check: one JSON object, no raw C0 control bytes. */
static int
json_ok(const char *body, size_t len, char *err, size_t errlen)
{
	json_object *root;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
			snprintf(err, errlen, "the answer is not JSON: control "
			    "character 0x%02x at byte %zu", ch, i);
			return 0;
		}
	}
	if ((root = parse(body, len, err, errlen)) == NULL)
		return 0;
	json_object_put(root);
	return 1;
}

/* resolve_url: the URL to ask, from --url or desired.conf; 0 or exit status 2. */
static int
resolve_url(const char *conf, const char *url_arg, char *url, size_t len)
{
	struct desired *d = NULL;
	char *errors = NULL, err[512];
	int rc = 2;

	if (url_arg != NULL) {
		if (statuscmd_url_arg(url_arg, url, len, err, sizeof(err)) == -1) {
			fprintf(stderr, "stingy-vpn status: %s\n", err);
			goto done;
		}
		rc = 0;
		goto done;
	}
	if ((d = desired_load(conf, &errors)) == NULL) {
		fputs(errors ? errors : "desired.conf: invalid\n", stderr);
		fprintf(stderr, "stingy-vpn status: %s: cannot learn listen from "
		    "it; fix it or pass --url URL\n", conf);
		goto done;
	}
	if (statuscmd_url_listen(d->listen, url, len, err, sizeof(err)) == -1) {
		fprintf(stderr, "stingy-vpn status: %s: %s; the status is served "
		    "by the daemon's HTTP listener: set listen in [controller] "
		    "(e.g. listen = 127.0.0.1:9851) or pass --url URL\n", conf, err);
		goto done;
	}
	rc = 0;
done:
	free(errors);
	desired_free(d);
	return rc;
}

/* show: prints the answer; returns the exit status. */
static int
show(const char *url, const struct fetch *f, int json)
{
	char err[512], *table = NULL, line[256];
	size_t n;
	int h;

	if (f->status != 200) {
		n = statuscmd_clean(f->body, f->len, 120, line, sizeof(line));
		while (n > 0 && line[strlen(line) - 1] == ' ') {
			line[strlen(line) - 1] = '\0';
			n--;
		}
		fprintf(stderr, "stingy-vpn status: %s answered HTTP %ld%s%s\n",
		    url, f->status, line[0] ? ": " : "", line);
		return 1;
	}
	if (json) {
		if (!json_ok(f->body, f->len, err, sizeof(err))) {
			fprintf(stderr, "stingy-vpn status: %s: %s\n", url, err);
			return 1;
		}
		fwrite(f->body, 1, f->len, stdout);
		if (f->len == 0 || f->body[f->len - 1] != '\n')
			fputc('\n', stdout);
	} else {
		if ((table = statuscmd_render(f->body, f->len, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "stingy-vpn status: %s: %s\n", url, err);
			return 1;
		}
		fputs(table, stdout);
		free(table);
	}
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "stingy-vpn status: cannot write the output\n");
		return 1;
	}
	h = statuscmd_healthy(f->body, f->len);
	return h == 1 ? 0 : 1;
}

int
statuscmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "url", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = getenv("STINGY_VPN_CONF"), *url_arg = NULL;
	char url[STATUSCMD_MAX_URL];
	struct fetch f;
	int ch, json = 0, rc;

	if (conf == NULL || *conf == '\0')
		conf = DEFAULT_CONF;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:ju:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'u':
			url_arg = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stingy-vpn status: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	log_init(0, 0);
	if ((rc = resolve_url(conf, url_arg, url, sizeof(url))) != 0)
		return rc;
	if (fetch(url, &f) == -1 || f.err != HTTP_ERR_NONE) {
		if (f.err == HTTP_ERR_TOO_BIG) {
			fprintf(stderr, "stingy-vpn status: %s: %s\n", url, f.errmsg);
			rc = 1;
		} else {
			fprintf(stderr, "stingy-vpn status: cannot reach the daemon "
			    "at %s: %s (is stingy-vpn run going?)\n", url, f.errmsg);
			rc = 3;
		}
		free(f.body);
		return rc;
	}
	rc = show(url, &f, json);
	free(f.body);
	return rc;
}
