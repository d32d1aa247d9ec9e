/*
 * desired: the desired.conf parser and printer (the contract is desired.h).
 *
 * Table driven, after wireguard-tools' src/config.c: a section table and a
 * key table. A key row names its section, the field it fills (an offset into
 * struct desired), its type, its default in config syntax and its checks.
 * Parsing, defaults, printing, comparing and freeing all walk the same table,
 * so adding a key (or a section such as [dns]) is adding rows.
 *
 * Lexical rules: one "key = value" or "[section]" or "[section NAME]" per
 * line; '#' and ';' start a comment only as the first non-blank character
 * of a line (a value followed by " # ..." is an error, so that a comment is
 * never silently taken as part of a value); values are not quoted; blanks
 * around keys, values and list entries are dropped; CRLF line endings and a
 * UTF-8 byte order mark at the start of the file are accepted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "desired.h"
#include "wgkey.h"

#define LINE_MAX_LEN	4096		/* bytes, without the newline */
#define FILE_MAX_LEN	(1024 * 1024)	/* desired_load refuses larger files */
#define ERRORS_MAX	100		/* listed; later ones are only counted */
#define ERRORS_MAX_LEN	(64 * 1024)	/* bytes of error text */
#define PRINT_MAX_LEN	(256 * 1024)	/* bytes of desired_print output */
#define QUOTE_MAX	80		/* bytes of a value quoted in a message */

#define SEC_MS		1000LL
#define MIN_MS		(60 * SEC_MS)
#define HOUR_MS		(60 * MIN_MS)
#define DAY_MS		(24 * HOUR_MS)

enum section {
	SEC_NONE = -1,
	SEC_AWS,
	SEC_CONTROLLER,
	SEC_ENDPOINT,
	SEC_ALERTS,
	SEC_DNS,
	SEC_PEER,
	SEC_COUNT
};

struct section_def {
	const char	*name;
	int		 named;		/* "[endpoint NAME]"; the NAME goes to d->endpoint */
	int		 required;
	int		 multi;		/* may appear more than once ([peer NAME]) */
};

static const struct section_def sections[SEC_COUNT] = {
	[SEC_AWS]	= { "aws",		0, 1, 0 },
	[SEC_CONTROLLER] = { "controller",	0, 0, 0 },
	[SEC_ENDPOINT]	= { "endpoint",		1, 1, 0 },
	[SEC_ALERTS]	= { "alerts",		0, 0, 0 },
	[SEC_DNS]	= { "dns",		0, 0, 0 },
	[SEC_PEER]	= { "peer",		1, 0, 1 },
};

enum key_type {
	KT_STRING,		/* char *, checked by check(); NULL when unset */
	KT_LIST,		/* char *[DESIRED_MAX_LIST] + size_t count, comma separated */
	KT_DURATION,		/* unsigned milliseconds, written with a unit */
	KT_UINT,		/* unsigned */
	KT_BOOL,		/* bool */
	KT_ENUM			/* an enum whose values index names[] */
};

#define K_REQUIRED	0x1	/* must appear in its section */
#define K_EMPTY_OK	0x2	/* "key =" sets empty_as (strings) or an empty list */
#define K_WHOLE_SEC	0x4	/* durations: a whole number of seconds */

/*
 * check: 1 when s is valid. On 0 it may write a hint into why (why may be
 * NULL) that follows "invalid KEY 'VALUE': " in the message.
 */
typedef int (*check_fn)(const char *s, char *why, size_t whylen);

struct key_def {
	enum section	 section;
	const char	*name;
	enum key_type	 type;
	size_t		 off;		/* the field in struct desired */
	size_t		 n_off;		/* KT_LIST: the count */
	int		 flags;
	const char	*def;		/* default in config syntax; NULL: none */
	check_fn	 check;		/* KT_STRING, KT_LIST entries */
	const char	*what;		/* KT_LIST: what one entry is */
	long long	 min, max;	/* KT_DURATION (ms), KT_UINT */
	const char	*empty_as;	/* KT_STRING with K_EMPTY_OK: "" becomes this (NULL: unset) */
	const char *const *names;	/* KT_ENUM: value i is names[i]; NULL-terminated */
};

static const char *const rebalance_names[] = { "replace", "mark", NULL };
static const char *const provider_names[] = { "none", "cloudflare", "route53",
    NULL };

static int check_region(const char *, char *, size_t);
static int check_profile(const char *, char *, size_t);
static int check_queue_url(const char *, char *, size_t);
static int check_state_db(const char *, char *, size_t);
static int check_listen(const char *, char *, size_t);
static int check_launch_template(const char *, char *, size_t);
static int check_lt_version(const char *, char *, size_t);
static int check_instance_type(const char *, char *, size_t);
static int check_subnet(const char *, char *, size_t);
static int check_eipalloc(const char *, char *, size_t);
static int check_ssm_prefix(const char *, char *, size_t);
static int check_cidr(const char *, char *, size_t);
static int check_sns_topic(const char *, char *, size_t);
static int check_dns_name(const char *, char *, size_t);
static int check_zone_id(const char *, char *, size_t);
static int check_record_id(const char *, char *, size_t);
static int check_api_url(const char *, char *, size_t);
static int check_wg_key(const char *, char *, size_t);
static int has_trailing_comment(const char *);
static int check_ipv4(const char *, char *, size_t);

#define F(field)	offsetof(struct desired, field)

static const struct key_def keys[] = {
	{ SEC_AWS, "region", KT_STRING, F(region), 0, K_REQUIRED, NULL,
	    check_region, NULL, 0, 0, NULL, NULL },
	{ SEC_AWS, "profile", KT_STRING, F(profile), 0, K_EMPTY_OK, NULL,
	    check_profile, NULL, 0, 0, NULL, NULL },
	{ SEC_AWS, "queue_url", KT_STRING, F(queue_url), 0, K_REQUIRED, NULL,
	    check_queue_url, NULL, 0, 0, NULL, NULL },

	{ SEC_CONTROLLER, "state_db", KT_STRING, F(state_db), 0, 0,
	    "/var/lib/stingy-vpn/state.db", check_state_db, NULL, 0, 0, NULL, NULL },
	{ SEC_CONTROLLER, "listen", KT_STRING, F(listen), 0, K_EMPTY_OK,
	    "127.0.0.1:9851", check_listen, NULL, 0, 0, "off", NULL },
	{ SEC_CONTROLLER, "describe_interval", KT_DURATION, F(describe_interval_ms), 0, 0,
	    "60s", NULL, NULL, 10 * SEC_MS, HOUR_MS, NULL, NULL },
	{ SEC_CONTROLLER, "sqs_wait", KT_DURATION, F(sqs_wait_ms), 0, K_WHOLE_SEC,
	    "20s", NULL, NULL, SEC_MS, 20 * SEC_MS, NULL, NULL },
	{ SEC_CONTROLLER, "health_max_age", KT_DURATION, F(health_max_age_ms), 0, 0,
	    "180s", NULL, NULL, 30 * SEC_MS, DAY_MS, NULL, NULL },

	{ SEC_ENDPOINT, "enabled", KT_BOOL, F(enabled), 0, 0,
	    "yes", NULL, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "launch_template", KT_STRING, F(launch_template), 0, K_REQUIRED,
	    NULL, check_launch_template, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "launch_template_version", KT_STRING, F(launch_template_version), 0, 0,
	    "$Latest", check_lt_version, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "instance_types", KT_LIST, F(instance_types), F(n_instance_types), 0,
	    "t4g.nano", check_instance_type, "instance type", 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "subnets", KT_LIST, F(subnets), F(n_subnets), K_EMPTY_OK,
	    NULL, check_subnet, "subnet", 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "max_instances", KT_UINT, F(max_instances), 0, 0,
	    "2", NULL, NULL, 1, 4, NULL, NULL },
	{ SEC_ENDPOINT, "launch_budget", KT_UINT, F(launch_budget), 0, 0,
	    "4", NULL, NULL, 1, 20, NULL, NULL },
	{ SEC_ENDPOINT, "elastic_ip", KT_STRING, F(elastic_ip), 0, K_EMPTY_OK,
	    NULL, check_eipalloc, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "ssm_prefix", KT_STRING, F(ssm_prefix), 0, 0,
	    "/stingy-vpn", check_ssm_prefix, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "wireguard_cidr", KT_STRING, F(wireguard_cidr), 0, 0,
	    "10.8.0.0/24", check_cidr, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "wait_ready", KT_BOOL, F(wait_ready), 0, 0,
	    "yes", NULL, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "ready_timeout", KT_DURATION, F(ready_timeout_ms), 0, 0,
	    "5m", NULL, NULL, 30 * SEC_MS, 30 * MIN_MS, NULL, NULL },
	{ SEC_ENDPOINT, "rebalance", KT_ENUM, F(rebalance), 0, 0,
	    "replace", NULL, NULL, 0, 0, NULL, rebalance_names },
	{ SEC_ENDPOINT, "capacity_cooldown", KT_DURATION, F(capacity_cooldown_ms), 0, 0,
	    "30m", NULL, NULL, MIN_MS, DAY_MS, NULL, NULL },
	{ SEC_ENDPOINT, "wireguard_port", KT_UINT, F(wireguard_port), 0, 0,
	    "51820", NULL, NULL, 1, 65535, NULL, NULL },
	{ SEC_ENDPOINT, "server_public_key", KT_STRING, F(server_public_key), 0, K_EMPTY_OK,
	    NULL, check_wg_key, NULL, 0, 0, NULL, NULL },
	{ SEC_ENDPOINT, "client_dns", KT_LIST, F(client_dns), F(n_client_dns), K_EMPTY_OK,
	    "1.1.1.1", check_ipv4, "IPv4 address", 0, 0, NULL, NULL },

	{ SEC_ALERTS, "sns_topic", KT_STRING, F(sns_topic), 0, K_EMPTY_OK,
	    NULL, check_sns_topic, NULL, 0, 0, NULL, NULL },
	{ SEC_ALERTS, "max_interruptions_per_day", KT_UINT, F(max_interruptions_per_day), 0, 0,
	    "3", NULL, NULL, 1, 100, NULL, NULL },
	{ SEC_ALERTS, "alert_interval", KT_DURATION, F(alert_interval_ms), 0, 0,
	    "1h", NULL, NULL, MIN_MS, DAY_MS, NULL, NULL },

	{ SEC_DNS, "provider", KT_ENUM, F(dns_provider), 0, 0,
	    "none", NULL, NULL, 0, 0, NULL, provider_names },
	{ SEC_DNS, "name", KT_STRING, F(dns_name), 0, 0,
	    NULL, check_dns_name, NULL, 0, 0, NULL, NULL },
	{ SEC_DNS, "zone_id", KT_STRING, F(dns_zone_id), 0, 0,
	    NULL, check_zone_id, NULL, 0, 0, NULL, NULL },
	{ SEC_DNS, "record_id", KT_STRING, F(dns_record_id), 0, K_EMPTY_OK,
	    NULL, check_record_id, NULL, 0, 0, NULL, NULL },
	{ SEC_DNS, "create", KT_BOOL, F(dns_create), 0, 0,
	    "no", NULL, NULL, 0, 0, NULL, NULL },
	{ SEC_DNS, "ttl", KT_UINT, F(dns_ttl), 0, 0,
	    "60", NULL, NULL, 1, 86400, NULL, NULL },
	{ SEC_DNS, "token_parameter", KT_STRING, F(dns_token_parameter), 0, K_EMPTY_OK,
	    NULL, check_ssm_prefix, NULL, 0, 0, NULL, NULL },
	{ SEC_DNS, "api_url", KT_STRING, F(dns_api_url), 0, 0,
	    DESIRED_CF_API, check_api_url, NULL, 0, 0, NULL, NULL },
};

#undef F

#define N_KEYS	(sizeof(keys) / sizeof(keys[0]))

/*
 * [peer NAME] keys. A peer section may appear DESIRED_MAX_PEERS times, so
 * its keys are not rows of keys[] (whose fields are in struct desired) but
 * of this table, parsed by parse_peer_key into struct desired_peer.
 */
enum peer_key { PK_PUBLIC_KEY, PK_ADDRESS, PK_KEEPALIVE, PK_COUNT };

static const struct {
	const char	*name;
	int		 required;
} peer_keys[PK_COUNT] = {
	[PK_PUBLIC_KEY]	= { "public_key", 1 },
	[PK_ADDRESS]	= { "address", 1 },
	[PK_KEEPALIVE]	= { "keepalive", 0 },
};

/* Where each peer's header and keys were, for the cross checks. */
struct peer_lines {
	unsigned	 header;
	unsigned	 key[PK_COUNT];		/* 0: not set */
	unsigned char	 bad[PK_COUNT];		/* its value was rejected */
};

struct desired_parser {
	char		*file;
	struct desired	*d;
	struct buf	 errors;
	unsigned	 n_errors;
	unsigned	 lineno;
	enum section	 section;	/* SEC_NONE before the first header */
	int		 skip;		/* the current header was bad: ignore its keys */
	unsigned	 section_line[SEC_COUNT];	/* 0: not seen */
	unsigned	 key_line[N_KEYS];		/* 0: not set */
	unsigned char	 key_bad[N_KEYS];		/* its value was rejected */
	struct peer_lines peer[DESIRED_MAX_PEERS];	/* d->peers[i] in file order */
};

/* Field access through a key row. */
#define FIELD(d, k, type)	((type *)(void *)((char *)(d) + (k)->off))
#define CFIELD(d, k, type)	((type const *)(const void *)((const char *)(d) + (k)->off))
#define COUNT(d, k)		((size_t *)(void *)((char *)(d) + (k)->n_off))
#define CCOUNT(d, k)		((const size_t *)(const void *)((const char *)(d) + (k)->n_off))

static void parse_error(struct desired_parser *, unsigned, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void
parse_error(struct desired_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	p->n_errors++;
	if (p->n_errors > ERRORS_MAX + 1)
		return;
	if (p->n_errors == ERRORS_MAX + 1) {
		buf_addf(&p->errors, "%s:%u: too many errors, only the first %d are listed\n",
		    p->file, line, ERRORS_MAX);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A full error buffer loses text, never the failure: n_errors counts. */
	buf_addf(&p->errors, "%s:%u: %s\n", p->file, line, msg);
}

/*
 * quote: s made safe to print between quotes in a message: at most QUOTE_MAX
 * bytes, bytes outside printable ASCII as \xNN, "..." when cut short.
 */
static const char *
quote(char *dst, size_t dstlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; s[i] && i < QUOTE_MAX && o + 5 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (s[i] && o + 4 <= dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

#define QBUF	(QUOTE_MAX * 4 + 8)

static void
whyf(char *why, size_t whylen, const char *s)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", s);
}

static int
all_in(const char *s, const char *set)
{
	for (; *s; s++)
		if (strchr(set, *s) == NULL)
			return 0;
	return 1;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT	"0123456789"
#define HEX	"0123456789abcdef"

/* printable ASCII other than the blank: 0x21..0x7e */
static int
all_graph(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* 1 when s is one to max of [a-z]; n bytes of s are looked at. */
static int
lower_word(const char *s, size_t n, size_t min, size_t max)
{
	size_t i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

/*
 * Regions are checked by shape, not against a list that would age: a
 * partition prefix of 2 to 4 letters ("eu", "us", "eusc"), an optional
 * qualifier ("gov", "iso", "isob", "de"), a compass word and a number. The
 * compass word is what catches "eu-wset-1".
 */
int
desired_valid_region(const char *s)
{
	static const char *const compass[] = { "north", "south", "east", "west",
	    "central", "northeast", "northwest", "southeast", "southwest" };
	const char *part[5];
	size_t plen[5], n = 0, i, len = strlen(s);
	const char *c = s;
	int found = 0;

	if (len == 0 || len > 32)
		return 0;
	for (;;) {
		const char *dash = strchr(c, '-');
		size_t l = dash ? (size_t)(dash - c) : strlen(c);

		if (n == 5)
			return 0;
		part[n] = c;
		plen[n++] = l;
		if (dash == NULL)
			break;
		c = dash + 1;
	}
	if (n != 3 && n != 4)
		return 0;
	if (!lower_word(part[0], plen[0], 2, 4))
		return 0;
	if (n == 4 && !lower_word(part[1], plen[1], 2, 4))
		return 0;
	for (i = 0; i < sizeof(compass) / sizeof(compass[0]); i++)
		if (strlen(compass[i]) == plen[n - 2] &&
		    memcmp(compass[i], part[n - 2], plen[n - 2]) == 0)
			found = 1;
	if (!found)
		return 0;
	/* 1 to 99, no leading zero */
	if (plen[n - 1] < 1 || plen[n - 1] > 2 || part[n - 1][0] == '0')
		return 0;
	for (i = 0; i < plen[n - 1]; i++)
		if (part[n - 1][i] < '0' || part[n - 1][i] > '9')
			return 0;
	return 1;
}

static int
check_region(const char *s, char *why, size_t whylen)
{
	if (desired_valid_region(s))
		return 1;
	whyf(why, whylen, "expected a region like eu-west-1");
	return 0;
}

static int
check_profile(const char *s, char *why, size_t whylen)
{
	if (strlen(s) <= 64 && all_in(s, LOWER UPPER DIGIT "_.+@-"))
		return 1;
	whyf(why, whylen, "use up to 64 of A-Z, a-z, 0-9 and _.+@-");
	return 0;
}

/* "https://host[:port]/path" or "http://..."; the path names the queue. */
static int
check_queue_url(const char *s, char *why, size_t whylen)
{
	const char *host, *slash;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else {
		whyf(why, whylen, "expected an https:// or http:// url");
		return 0;
	}
	if (strlen(s) > 1024 || !all_graph(s)) {
		whyf(why, whylen, "expected an url of at most 1024 printable characters");
		return 0;
	}
	slash = strchr(host, '/');
	if (slash == host || (slash == NULL && *host == '\0')) {
		whyf(why, whylen, "the url has no host");
		return 0;
	}
	if (slash == NULL || slash[1] == '\0') {
		whyf(why, whylen, "the url has no path naming the queue");
		return 0;
	}
	for (; host < slash; host++)
		if (strchr(LOWER UPPER DIGIT ".-_:[]", *host) == NULL) {
			whyf(why, whylen, "the url has a bad host");
			return 0;
		}
	return 1;
}

static int
check_state_db(const char *s, char *why, size_t whylen)
{
	size_t len = strlen(s);

	if (s[0] != '/') {
		whyf(why, whylen, "use an absolute path");
		return 0;
	}
	if (s[len - 1] == '/') {
		whyf(why, whylen, "the path names a directory");
		return 0;
	}
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			whyf(why, whylen, "control character in path");
			return 0;
		}
	if (len > 1024) {
		whyf(why, whylen, "path longer than 1024 bytes");
		return 0;
	}
	return 1;
}

/* A decimal port 1..65535 without a leading zero. */
static int
valid_port(const char *s)
{
	long v = 0;

	if (*s < '1' || *s > '9' || strlen(s) > 5 || !all_in(s, DIGIT))
		return 0;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	return v <= 65535;
}

/* "off", "host:port" (IPv4 or a name) or "[v6]:port". */
static int
check_listen(const char *s, char *why, size_t whylen)
{
	char host[256];
	const char *colon;
	struct in6_addr a6;
	struct in_addr a4;
	size_t hl;

	if (strcmp(s, "off") == 0)
		return 1;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':' || (hl = (size_t)(end - s - 1)) == 0 ||
		    hl >= sizeof(host)) {
			whyf(why, whylen, "use [address]:port, host:port or off");
			return 0;
		}
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			whyf(why, whylen, "bad IPv6 address");
			return 0;
		}
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s) {
			whyf(why, whylen, "use host:port, [address]:port or off");
			return 0;
		}
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host)) {
			whyf(why, whylen, "host name too long");
			return 0;
		}
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (strchr(host, ':') != NULL) {
			whyf(why, whylen, "put an IPv6 address in brackets, like [::1]:9851");
			return 0;
		}
		if (!all_in(host, LOWER UPPER DIGIT ".-")) {
			whyf(why, whylen, "bad host name");
			return 0;
		}
		if (all_in(host, DIGIT ".") && inet_pton(AF_INET, host, &a4) != 1) {
			whyf(why, whylen, "bad IPv4 address");
			return 0;
		}
	}
	if (!valid_port(colon + 1)) {
		whyf(why, whylen, "port must be 1 to 65535");
		return 0;
	}
	return 1;
}

/* prefix followed by 8 to 17 lower-case hex digits: AWS resource ids. */
static int
hex_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix), n;

	if (strncmp(s, prefix, pl) != 0)
		return 0;
	n = strlen(s + pl);
	return n >= 8 && n <= 17 && all_in(s + pl, HEX);
}

static int
check_launch_template(const char *s, char *why, size_t whylen)
{
	if (hex_id(s, "lt-"))
		return 1;
	whyf(why, whylen, "expected lt- and 8 to 17 hex digits");
	return 0;
}

static int
check_lt_version(const char *s, char *why, size_t whylen)
{
	if (strcmp(s, "$Latest") == 0 || strcmp(s, "$Default") == 0)
		return 1;
	if (s[0] >= '1' && s[0] <= '9' && strlen(s) <= 10 && all_in(s, DIGIT))
		return 1;
	whyf(why, whylen, "use $Latest, $Default or a version number");
	return 0;
}

/* family.size: "t4g.nano", "c7gn.metal", "u-6tb1.metal". */
static int
check_instance_type(const char *s, char *why, size_t whylen)
{
	const char *dot = strchr(s, '.');

	(void)why;
	(void)whylen;
	if (strlen(s) > 32 || dot == NULL || dot == s || dot[1] == '\0')
		return 0;
	if (s[0] < 'a' || s[0] > 'z')
		return 0;
	for (; s < dot; s++)
		if (strchr(LOWER DIGIT "-", *s) == NULL)
			return 0;
	return all_in(dot + 1, LOWER DIGIT);
}

static int
check_subnet(const char *s, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return hex_id(s, "subnet-");
}

static int
check_eipalloc(const char *s, char *why, size_t whylen)
{
	if (hex_id(s, "eipalloc-"))
		return 1;
	whyf(why, whylen, "expected eipalloc- and 8 to 17 hex digits");
	return 0;
}

/*
 * An SSM parameter path: "/a/b", no trailing or doubled '/', and not in the
 * namespaces SSM reserves (names starting with "aws" or "ssm", any case).
 */
static int
check_ssm_prefix(const char *s, char *why, size_t whylen)
{
	size_t len = strlen(s);

	if (s[0] != '/' || len < 2) {
		whyf(why, whylen, "start with '/' and name something, like /stingy-vpn");
		return 0;
	}
	if (s[len - 1] == '/' || strstr(s, "//") != NULL) {
		whyf(why, whylen, "no trailing or doubled '/'");
		return 0;
	}
	if (len > 512 || !all_in(s, LOWER UPPER DIGIT "_./-")) {
		whyf(why, whylen, "use up to 512 of A-Z, a-z, 0-9 and _./-");
		return 0;
	}
	if (strncasecmp(s + 1, "aws", 3) == 0 || strncasecmp(s + 1, "ssm", 3) == 0) {
		whyf(why, whylen, "ssm reserves names starting with aws or ssm");
		return 0;
	}
	return 1;
}

/* 0..255 in decimal without a leading zero; returns the bytes used, 0 if bad. */
static size_t
octet(const char *s, unsigned *v)
{
	size_t n = 0;

	*v = 0;
	while (n < 4 && s[n] >= '0' && s[n] <= '9')
		*v = *v * 10 + (unsigned)(s[n++] - '0');
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0') || *v > 255)
		return 0;
	return n;
}

static int
check_cidr(const char *s, char *why, size_t whylen)
{
	uint32_t addr = 0, mask;
	unsigned v, prefix;
	size_t n;
	int i;

	for (i = 0; i < 4; i++) {
		if ((n = octet(s, &v)) == 0 || s[n] != (i < 3 ? '.' : '/'))
			goto syntax;
		addr = addr << 8 | v;
		s += n + 1;
	}
	if ((n = octet(s, &prefix)) == 0 || s[n] != '\0')
		goto syntax;
	if (prefix < 8 || prefix > 30) {
		whyf(why, whylen, "prefix length must be 8 to 30");
		return 0;
	}
	mask = (uint32_t)0xffffffffu << (32 - prefix);
	if (addr & ~mask) {
		if (why != NULL && whylen > 0) {
			uint32_t net = addr & mask;

			snprintf(why, whylen, "host bits set, did you mean %u.%u.%u.%u/%u?",
			    net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255, prefix);
		}
		return 0;
	}
	return 1;
syntax:
	whyf(why, whylen, "expected an IPv4 network like 10.8.0.0/24");
	return 0;
}

int
desired_valid_cidr(const char *s)
{
	return check_cidr(s, NULL, 0);
}

int
desired_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	unsigned v;
	size_t n;
	int i;

	for (i = 0; i < 4; i++) {
		if ((n = octet(s, &v)) == 0 || s[n] != (i < 3 ? '.' : '\0'))
			return -1;
		a = a << 8 | v;
		s += n + 1;
	}
	*addr = a;
	return 0;
}

int
desired_parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	char addr[16];
	const char *slash;

	if (!check_cidr(s, NULL, 0) || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(addr))
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (desired_parse_ipv4(addr, net) == -1 || octet(slash + 1, prefix) == 0)
		return -1;
	return 0;
}

static int
check_ipv4(const char *s, char *why, size_t whylen)
{
	uint32_t a;

	if (desired_parse_ipv4(s, &a) == 0)
		return 1;
	whyf(why, whylen, "expected an IPv4 address like 1.1.1.1");
	return 0;
}

/* A WireGuard key as wg prints it: 44 base64 characters, one '=', canonical. */
static int
check_wg_key(const char *s, char *why, size_t whylen)
{
	if (wgkey_valid_base64(s))
		return 1;
	whyf(why, whylen, "expected a WireGuard key: 44 base64 characters "
	    "ending in '=', as wg pubkey prints it");
	return 0;
}

/* arn:aws[-partition]:sns:REGION:ACCOUNT:NAME */
static int
check_sns_topic(const char *s, char *why, size_t whylen)
{
	char region[40];
	const char *c = s, *colon;
	size_t n;

	if (strlen(s) > 512 || strncmp(c, "arn:aws", 7) != 0)
		goto bad;
	c += 7;
	for (n = 0; n < 16 && (*c == '-' || (*c >= 'a' && *c <= 'z')); n++)
		c++;
	if (strncmp(c, ":sns:", 5) != 0)
		goto bad;
	c += 5;
	if ((colon = strchr(c, ':')) == NULL || (n = (size_t)(colon - c)) >= sizeof(region))
		goto bad;
	memcpy(region, c, n);
	region[n] = '\0';
	if (!desired_valid_region(region))
		goto bad;
	c = colon + 1;
	for (n = 0; n < 12; n++)
		if (c[n] < '0' || c[n] > '9')
			goto bad;
	if (c[12] != ':')
		goto bad;
	c += 13;
	n = strlen(c);
	if (n < 1 || n > 256 || !all_in(c, LOWER UPPER DIGIT "_.-"))
		goto bad;
	return 1;
bad:
	whyf(why, whylen, "expected arn:aws:sns:REGION:ACCOUNT:NAME");
	return 0;
}

/*
 * A host name for an A record: 2 to 127 labels of 1 to 63 of [A-Za-z0-9_-],
 * not starting or ending with '-', 253 bytes at most, no trailing dot.
 */
static int
check_dns_name(const char *s, char *why, size_t whylen)
{
	size_t len = strlen(s), label = 0, labels = 1;

	if (len == 0 || len > 253 || s[len - 1] == '.') {
		whyf(why, whylen, "expected a name like vpn.example.com, without "
		    "a trailing dot");
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-' ||
			    s[i - label] == '-')
				goto bad;
			if (s[i] == '.')
				labels++;
			label = 0;
			continue;
		}
		if (strchr(LOWER UPPER DIGIT "-_", s[i]) == NULL)
			goto bad;
		label++;
	}
	if (labels < 2)
		goto bad;
	return 1;
bad:
	whyf(why, whylen, "expected a name like vpn.example.com: labels of 1 to "
	    "63 letters, digits, '-' or '_'");
	return 0;
}

/*
 * A zone id by shape: Cloudflare's are 32 lowercase hex, Route 53's
 * upper-case letters and digits (a "/hostedzone/" prefix is allowed).
 * Which one the provider needs is a cross check.
 */
static int
check_zone_id(const char *s, char *why, size_t whylen)
{
	if (strncmp(s, "/hostedzone/", 12) == 0)
		s += 12;
	if (*s == '\0' || strlen(s) > 32 || !all_in(s, LOWER UPPER DIGIT)) {
		whyf(why, whylen, "expected a zone id: 32 hex (Cloudflare) or "
		    "Z and letters and digits (Route 53)");
		return 0;
	}
	return 1;
}

static int
is_cf_id(const char *s)
{
	return strlen(s) == 32 && all_in(s, HEX);
}

/* A Cloudflare record id: 32 lowercase hex. */
static int
check_record_id(const char *s, char *why, size_t whylen)
{
	if (!is_cf_id(s)) {
		whyf(why, whylen, "expected 32 lowercase hex digits");
		return 0;
	}
	return 1;
}

/*
 * The Cloudflare API base: https://, or http:// to a loopback address only
 * (a test's fake), since the token travels with every request.
 */
static int
check_api_url(const char *s, char *why, size_t whylen)
{
	static const char *const loopback[] = { "http://127.0.0.1:",
	    "http://127.0.0.1/", "http://localhost:", "http://localhost/",
	    "http://[::1]:", "http://[::1]/", NULL };
	const char *host;
	int ok = 0;

	if (strncmp(s, "https://", 8) == 0)
		ok = 1;
	for (size_t i = 0; !ok && loopback[i]; i++)
		ok = strncmp(s, loopback[i], strlen(loopback[i])) == 0;
	if (!ok) {
		whyf(why, whylen, "expected an https:// url (http:// only to "
		    "127.0.0.1, localhost or [::1])");
		return 0;
	}
	host = strstr(s, "//") + 2;
	if (strlen(s) > 512 || !all_graph(s) || *host == '/' || *host == '\0' ||
	    s[strlen(s) - 1] == '/' || strchr(s, '?') || strchr(s, '#')) {
		whyf(why, whylen, "expected an url like " DESIRED_CF_API
		    ", no trailing '/', query or fragment");
		return 0;
	}
	return 1;
}

enum dur_status { DUR_OK, DUR_SYNTAX, DUR_RANGE };

/* "500ms", "30s", "5m", "2h", "1d", "45" (seconds) -> milliseconds. */
static enum dur_status
duration_parse(const char *s, long long *ms)
{
	static const struct { const char *unit; long long ms; } units[] = {
		{ "", SEC_MS }, { "ms", 1 }, { "s", SEC_MS }, { "m", MIN_MS },
		{ "h", HOUR_MS }, { "d", DAY_MS },
	};
	long long v = 0;
	size_t i;

	if (*s < '0' || *s > '9')
		return DUR_SYNTAX;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10) {
			/* keep reading: "99999...x" is a syntax error first */
			while (*s >= '0' && *s <= '9')
				s++;
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
				if (strcmp(s, units[i].unit) == 0)
					return DUR_RANGE;
			return DUR_SYNTAX;
		}
		v = v * 10 + (*s - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].unit) != 0)
			continue;
		if (v > LLONG_MAX / units[i].ms)
			return DUR_RANGE;
		*ms = v * units[i].ms;
		return DUR_OK;
	}
	return DUR_SYNTAX;
}

long long
desired_parse_duration(const char *s)
{
	long long ms;

	if (s == NULL || duration_parse(s, &ms) != DUR_OK)
		return -1;
	return ms;
}

/* ms in its largest exact unit: 60000 -> "1m", 1500 -> "1500ms", 0 -> "0s". */
static const char *
duration_format(char *dst, size_t len, long long ms)
{
	if (ms == 0)
		snprintf(dst, len, "0s");
	else if (ms % DAY_MS == 0)
		snprintf(dst, len, "%lldd", ms / DAY_MS);
	else if (ms % HOUR_MS == 0)
		snprintf(dst, len, "%lldh", ms / HOUR_MS);
	else if (ms % MIN_MS == 0)
		snprintf(dst, len, "%lldm", ms / MIN_MS);
	else if (ms % SEC_MS == 0)
		snprintf(dst, len, "%llds", ms / SEC_MS);
	else
		snprintf(dst, len, "%lldms", ms);
	return dst;
}

static void
list_clear(char **list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void
set_string(struct desired_parser *p, const struct key_def *k, char *val, unsigned line)
{
	char **field = FIELD(p->d, k, char *);
	char why[128] = "", q[QBUF];
	char *copy = NULL;

	if (*val == '\0') {
		if (k->empty_as != NULL && (copy = strdup(k->empty_as)) == NULL)
			goto oom;
	} else if (!k->check(val, why, sizeof(why))) {
		parse_error(p, line, "invalid %s '%s'%s%s", k->name,
		    quote(q, sizeof(q), val), why[0] ? ": " : "", why);
		p->key_bad[k - keys] = 1;
		return;
	} else if ((copy = strdup(val)) == NULL)
		goto oom;
	free(*field);
	*field = copy;
	return;
oom:
	parse_error(p, line, "out of memory");
}

static void
set_list(struct desired_parser *p, const struct key_def *k, char *val, unsigned line)
{
	char *items[DESIRED_MAX_LIST], **list = FIELD(p->d, k, char *);
	char q[QBUF], *next;
	size_t n = 0, i, j, total = 0;
	int bad = 0;

	if (*val == '\0') {	/* K_EMPTY_OK checked by the caller */
		list_clear(list, COUNT(p->d, k));
		return;
	}
	for (; val != NULL; val = next) {
		char *item;

		if ((next = strchr(val, ',')) != NULL)
			*next++ = '\0';
		item = trim(val);
		total++;
		if (*item == '\0') {
			parse_error(p, line, "empty entry in %s", k->name);
			bad = 1;
			continue;
		}
		if (!k->check(item, NULL, 0)) {
			parse_error(p, line, "invalid %s '%s' in %s", k->what,
			    quote(q, sizeof(q), item), k->name);
			bad = 1;
			continue;
		}
		for (j = 0; j < n; j++)
			if (strcmp(items[j], item) == 0)
				break;
		if (j < n) {
			parse_error(p, line, "duplicate entry '%s' in %s",
			    quote(q, sizeof(q), item), k->name);
			bad = 1;
			continue;
		}
		if (n < DESIRED_MAX_LIST)
			items[n++] = item;
	}
	if (total > DESIRED_MAX_LIST) {
		parse_error(p, line, "too many entries in %s: %zu, at most %d",
		    k->name, total, DESIRED_MAX_LIST);
		bad = 1;
	}
	if (bad) {
		p->key_bad[k - keys] = 1;
		return;
	}
	list_clear(list, COUNT(p->d, k));
	for (i = 0; i < n; i++) {
		if ((list[i] = strdup(items[i])) == NULL) {
			parse_error(p, line, "out of memory");
			break;
		}
		(*COUNT(p->d, k))++;
	}
}

static void
set_duration(struct desired_parser *p, const struct key_def *k, const char *val,
    unsigned line)
{
	char q[QBUF], lo[32], hi[32];
	long long ms = 0;
	enum dur_status st = duration_parse(val, &ms);

	if (st == DUR_SYNTAX) {
		parse_error(p, line, "invalid duration '%s' for %s: use a number with "
		    "a unit ms, s, m, h or d", quote(q, sizeof(q), val), k->name);
		goto bad;
	}
	if (st == DUR_RANGE || ms < k->min || ms > k->max) {
		parse_error(p, line, "%s '%s' out of range (%s to %s)", k->name,
		    quote(q, sizeof(q), val), duration_format(lo, sizeof(lo), k->min),
		    duration_format(hi, sizeof(hi), k->max));
		goto bad;
	}
	if ((k->flags & K_WHOLE_SEC) && ms % SEC_MS != 0) {
		parse_error(p, line, "%s '%s' must be a whole number of seconds",
		    k->name, quote(q, sizeof(q), val));
		goto bad;
	}
	*FIELD(p->d, k, unsigned) = (unsigned)ms;
	return;
bad:
	p->key_bad[k - keys] = 1;
}

static void
set_uint(struct desired_parser *p, const struct key_def *k, const char *val,
    unsigned line)
{
	char q[QBUF];
	long long v = 0;
	const char *c;

	if (*val == '\0' || !all_in(val, DIGIT)) {
		parse_error(p, line, "invalid number '%s' for %s",
		    quote(q, sizeof(q), val), k->name);
		goto bad;
	}
	for (c = val; *c && v <= k->max; c++)
		v = v * 10 + (*c - '0');
	if (v < k->min || v > k->max) {
		parse_error(p, line, "%s '%s' out of range (%lld to %lld)", k->name,
		    quote(q, sizeof(q), val), k->min, k->max);
		goto bad;
	}
	*FIELD(p->d, k, unsigned) = (unsigned)v;
	return;
bad:
	p->key_bad[k - keys] = 1;
}

static void
set_bool(struct desired_parser *p, const struct key_def *k, const char *val,
    unsigned line)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char q[QBUF];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(val, yes[i]) == 0) {
			*FIELD(p->d, k, bool) = true;
			return;
		}
		if (strcasecmp(val, no[i]) == 0) {
			*FIELD(p->d, k, bool) = false;
			return;
		}
	}
	parse_error(p, line, "invalid boolean '%s' for %s: use yes or no",
	    quote(q, sizeof(q), val), k->name);
	p->key_bad[k - keys] = 1;
}

/* enum_choices: "a or b", "a, b or c" from a NULL-terminated table. */
static const char *
enum_choices(char *dst, size_t len, const char *const *names)
{
	size_t n = 0, i, o = 0;

	while (names[n])
		n++;
	dst[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(dst + o, len - o, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	return dst;
}

static void
set_enum(struct desired_parser *p, const struct key_def *k, const char *val,
    unsigned line)
{
	char q[QBUF], choices[128];

	for (int i = 0; k->names[i] != NULL; i++)
		if (strcmp(val, k->names[i]) == 0) {
			*FIELD(p->d, k, int) = i;
			return;
		}
	parse_error(p, line, "invalid value '%s' for %s: use %s",
	    quote(q, sizeof(q), val), k->name,
	    enum_choices(choices, sizeof(choices), k->names));
	p->key_bad[k - keys] = 1;
}

/* set_value: val (trimmed, writable) into k's field, or an error on line. */
static void
set_value(struct desired_parser *p, const struct key_def *k, char *val, unsigned line)
{
	switch (k->type) {
	case KT_STRING:
		set_string(p, k, val, line);
		break;
	case KT_LIST:
		set_list(p, k, val, line);
		break;
	case KT_DURATION:
		set_duration(p, k, val, line);
		break;
	case KT_UINT:
		set_uint(p, k, val, line);
		break;
	case KT_BOOL:
		set_bool(p, k, val, line);
		break;
	case KT_ENUM:
		set_enum(p, k, val, line);
		break;
	}
}

static const struct key_def *
key_find(enum section sec, const char *name)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if ((sec == SEC_NONE || keys[i].section == sec) &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

struct desired_parser *
desired_parse_init(const char *file)
{
	struct desired_parser *p = NULL;
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto fail;
	p->section = SEC_NONE;
	buf_init(&p->errors, ERRORS_MAX_LEN);
	if ((p->file = strdup(file ? file : "desired.conf")) == NULL ||
	    (p->d = calloc(1, sizeof(*p->d))) == NULL)
		goto fail;
	/* Defaults go through the same setters as the file does. */
	for (i = 0; i < N_KEYS; i++) {
		char val[64];

		if (keys[i].def == NULL)
			continue;
		snprintf(val, sizeof(val), "%s", keys[i].def);
		set_value(p, &keys[i], val, 0);
	}
	if (p->n_errors != 0)	/* a bad default or out of memory */
		goto fail;
	return p;
fail:
	if (p != NULL) {
		desired_free(p->d);
		buf_free(&p->errors);
		free(p->file);
		free(p);
	}
	return NULL;
}

/* peer_header: "[peer NAME]" starts d->peers[n_peers], or is refused (skip). */
static void
peer_header(struct desired_parser *p, const char *name)
{
	struct desired_peer *pe;
	char q[QBUF];
	size_t i, n = p->d->n_peers;

	if (strlen(name) > 32 || !all_in(name, LOWER DIGIT "-")) {
		parse_error(p, p->lineno, "invalid peer name '%s': use 1 to 32 of "
		    "a-z, 0-9 and '-'", quote(q, sizeof(q), name));
		return;
	}
	for (i = 0; i < n; i++)
		if (strcmp(p->d->peers[i].name, name) == 0) {
			parse_error(p, p->lineno, "duplicate section [peer %s], "
			    "first on line %u", name, p->peer[i].header);
			return;
		}
	if (n == DESIRED_MAX_PEERS) {
		parse_error(p, p->lineno, "too many [peer] sections: at most %d",
		    DESIRED_MAX_PEERS);
		return;
	}
	pe = &p->d->peers[n];
	memset(pe, 0, sizeof(*pe));
	pe->keepalive = -1;
	if ((pe->name = strdup(name)) == NULL) {
		parse_error(p, p->lineno, "out of memory");
		return;
	}
	memset(&p->peer[n], 0, sizeof(p->peer[n]));
	p->peer[n].header = p->lineno;
	p->d->n_peers++;
	if (p->section_line[SEC_PEER] == 0)
		p->section_line[SEC_PEER] = p->lineno;
	p->section = SEC_PEER;
	p->skip = 0;
}

/* peer_address: "10.8.0.2" or "10.8.0.2/32" as a malloc'd "10.8.0.2"; NULL with why. */
static char *
peer_address(const char *val, char *why, size_t whylen)
{
	char addr[16];
	const char *slash = strchr(val, '/');
	size_t n = slash ? (size_t)(slash - val) : strlen(val);
	uint32_t a;
	char *copy;

	if (slash != NULL && strcmp(slash, "/32") != 0) {
		whyf(why, whylen, "a peer has one address, a /32: write 10.8.0.2 "
		    "or 10.8.0.2/32");
		return NULL;
	}
	if (n < sizeof(addr)) {
		memcpy(addr, val, n);
		addr[n] = '\0';
	}
	if (n >= sizeof(addr) || desired_parse_ipv4(addr, &a) == -1) {
		whyf(why, whylen, "expected an IPv4 address like 10.8.0.2 (or "
		    "10.8.0.2/32)");
		return NULL;
	}
	if ((copy = strdup(addr)) == NULL)
		whyf(why, whylen, "out of memory");
	return copy;
}

/* peer_keepalive: "0".."65535" into *v; -1 with why. */
static int
peer_keepalive(const char *val, int *v, char *why, size_t whylen)
{
	long n = 0;

	if (!all_in(val, DIGIT)) {
		whyf(why, whylen, "expected a number of seconds, 0 to 65535");
		return -1;
	}
	for (; *val && n <= 65535; val++)
		n = n * 10 + (*val - '0');
	if (n > 65535) {
		whyf(why, whylen, "out of range (0 to 65535 seconds)");
		return -1;
	}
	*v = (int)n;
	return 0;
}

/* parse_peer_key: "key = value" inside the last [peer NAME]. */
static void
parse_peer_key(struct desired_parser *p, const char *name, char *val)
{
	struct desired_peer *pe = &p->d->peers[p->d->n_peers - 1];
	struct peer_lines *pl = &p->peer[p->d->n_peers - 1];
	const struct key_def *elsewhere;
	char q[QBUF], why[128] = "";
	int k, ok = 0;

	for (k = 0; k < PK_COUNT; k++)
		if (strcmp(peer_keys[k].name, name) == 0)
			break;
	if (k == PK_COUNT) {
		if ((elsewhere = key_find(SEC_NONE, name)) != NULL)
			parse_error(p, p->lineno, "unknown key '%s' in [peer %s], "
			    "it belongs in [%s]", name, pe->name,
			    sections[elsewhere->section].name);
		else
			parse_error(p, p->lineno, "unknown key '%s' in [peer %s]",
			    quote(q, sizeof(q), name), pe->name);
		return;
	}
	if (pl->key[k] != 0) {
		parse_error(p, p->lineno, "duplicate key '%s' in [peer %s], first "
		    "set on line %u", name, pe->name, pl->key[k]);
		return;
	}
	pl->key[k] = p->lineno;
	if (*val == '\0') {
		parse_error(p, p->lineno, "empty value for key '%s'", name);
		pl->bad[k] = 1;
		return;
	}
	if (has_trailing_comment(val)) {
		parse_error(p, p->lineno, "comment after the value of '%s': put "
		    "comments on lines of their own", name);
		pl->bad[k] = 1;
		return;
	}
	switch (k) {
	case PK_PUBLIC_KEY:
		if (!check_wg_key(val, why, sizeof(why)))
			break;
		ok = (pe->public_key = strdup(val)) != NULL;
		if (!ok)
			snprintf(why, sizeof(why), "out of memory");
		break;
	case PK_ADDRESS:
		ok = (pe->address = peer_address(val, why, sizeof(why))) != NULL;
		break;
	case PK_KEEPALIVE:
		ok = peer_keepalive(val, &pe->keepalive, why, sizeof(why)) == 0;
		break;
	}
	if (!ok) {
		parse_error(p, p->lineno, "invalid %s '%s': %s", name,
		    quote(q, sizeof(q), val), why);
		pl->bad[k] = 1;
	}
}

static void
parse_header(struct desired_parser *p, char *s)
{
	char q[QBUF], *end, *name, *arg;
	const struct section_def *sd = NULL;
	enum section sec;

	p->section = SEC_NONE;
	p->skip = 1;	/* until the header proves good */
	if ((end = strchr(s, ']')) == NULL) {
		parse_error(p, p->lineno, "unterminated section header '%s'",
		    quote(q, sizeof(q), s));
		return;
	}
	*end++ = '\0';
	if (*trim(end) != '\0') {
		parse_error(p, p->lineno, "unexpected '%s' after section header",
		    quote(q, sizeof(q), trim(end)));
		return;
	}
	name = trim(s + 1);
	arg = name + strcspn(name, " \t");
	if (*arg != '\0') {
		*arg++ = '\0';
		arg = trim(arg);
	}
	if (*name == '\0') {
		parse_error(p, p->lineno, "empty section header");
		return;
	}
	for (sec = 0; sec < SEC_COUNT; sec++)
		if (strcmp(sections[sec].name, name) == 0)
			break;
	if (sec == SEC_COUNT) {
		parse_error(p, p->lineno, "unknown section '%s'", quote(q, sizeof(q), name));
		return;
	}
	sd = &sections[sec];
	if (sd->named && *arg == '\0') {
		parse_error(p, p->lineno, "section [%s] needs a name: [%s NAME]",
		    sd->name, sd->name);
		return;
	}
	if (!sd->named && *arg != '\0') {
		parse_error(p, p->lineno, "section [%s] takes no name, got '%s'",
		    sd->name, quote(q, sizeof(q), arg));
		return;
	}
	if (sd->multi) {	/* SEC_PEER, the only one */
		peer_header(p, arg);
		return;
	}
	if (p->section_line[sec] != 0) {
		if (sd->named)
			parse_error(p, p->lineno, "only one [%s] section is supported",
			    sd->name);
		else
			parse_error(p, p->lineno, "duplicate section [%s], first on line %u",
			    sd->name, p->section_line[sec]);
		return;
	}
	p->section_line[sec] = p->lineno;
	/* From here the section is known: its keys are parsed even if the name is bad. */
	p->section = sec;
	p->skip = 0;
	if (sd->named) {
		if (strlen(arg) > 32 || !all_in(arg, LOWER DIGIT "-")) {
			parse_error(p, p->lineno, "invalid %s name '%s': use 1 to 32 of "
			    "a-z, 0-9 and '-'", sd->name, quote(q, sizeof(q), arg));
			return;
		}
		/* SEC_ENDPOINT is the only named section that is not multi. */
		free(p->d->endpoint);
		if ((p->d->endpoint = strdup(arg)) == NULL)
			parse_error(p, p->lineno, "out of memory");
	}
}

/* "key = value": whitespace followed by '#' or ';' inside the value. */
static int
has_trailing_comment(const char *v)
{
	for (; *v; v++)
		if ((*v == ' ' || *v == '\t') && (v[1] == '#' || v[1] == ';'))
			return 1;
	return 0;
}

static void
parse_keyval(struct desired_parser *p, char *s)
{
	const struct key_def *k, *elsewhere;
	char q[QBUF], *eq, *name, *val;
	size_t idx;

	if ((eq = strchr(s, '=')) == NULL) {
		parse_error(p, p->lineno, "expected 'key = value' or '[section]', got '%s'",
		    quote(q, sizeof(q), s));
		return;
	}
	*eq = '\0';
	name = trim(s);
	val = trim(eq + 1);
	if (*name == '\0') {
		parse_error(p, p->lineno, "missing key before '='");
		return;
	}
	if (p->section == SEC_NONE) {
		parse_error(p, p->lineno, "key '%s' outside any section",
		    quote(q, sizeof(q), name));
		return;
	}
	if (p->section == SEC_PEER) {
		parse_peer_key(p, name, val);
		return;
	}
	if ((k = key_find(p->section, name)) == NULL) {
		if ((elsewhere = key_find(SEC_NONE, name)) != NULL)
			parse_error(p, p->lineno, "unknown key '%s' in [%s], it belongs in [%s]",
			    name, sections[p->section].name, sections[elsewhere->section].name);
		else
			parse_error(p, p->lineno, "unknown key '%s' in [%s]",
			    quote(q, sizeof(q), name), sections[p->section].name);
		return;
	}
	idx = (size_t)(k - keys);
	if (p->key_line[idx] != 0) {
		parse_error(p, p->lineno, "duplicate key '%s' in [%s], first set on line %u",
		    k->name, sections[k->section].name, p->key_line[idx]);
		return;
	}
	p->key_line[idx] = p->lineno;
	if (*val == '\0' && !(k->flags & K_EMPTY_OK)) {
		parse_error(p, p->lineno, "empty value for key '%s'", k->name);
		p->key_bad[idx] = 1;
		return;
	}
	if (has_trailing_comment(val)) {
		parse_error(p, p->lineno, "comment after the value of '%s': put comments "
		    "on lines of their own", k->name);
		p->key_bad[idx] = 1;
		return;
	}
	set_value(p, k, val, p->lineno);
}

void
desired_parse_line(struct desired_parser *p, const char *line, size_t len)
{
	char copy[LINE_MAX_LEN + 1], *s;

	p->lineno++;
	if (p->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;	/* UTF-8 byte order mark */
		len -= 3;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > LINE_MAX_LEN) {
		parse_error(p, p->lineno, "line too long: %zu bytes, at most %d",
		    len, LINE_MAX_LEN);
		return;
	}
	if (memchr(line, '\0', len) != NULL) {
		parse_error(p, p->lineno, "line contains a NUL byte");
		return;
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	s = trim(copy);
	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	if (*s == '[')
		parse_header(p, s);
	else if (p->skip)
		return;		/* inside a rejected section: said once already */
	else
		parse_keyval(p, s);
}

/* key_line_of: where key NAME of [dns] was set, else the section's line. */
static unsigned
dns_line(const struct desired_parser *p, const char *name)
{
	const struct key_def *k = key_find(SEC_DNS, name);

	return p->key_line[k - keys] ? p->key_line[k - keys] :
	    p->section_line[SEC_DNS];
}

static int
dns_set(const struct desired_parser *p, const char *name)
{
	return p->key_line[key_find(SEC_DNS, name) - keys] != 0;
}

/* [dns]: which keys each provider needs or refuses. */
static void
dns_checks(struct desired_parser *p)
{
	static const char *const cf_only[] = { "record_id", "create",
	    "token_parameter", "api_url", NULL };
	static const char *const need[] = { "name", "zone_id", NULL };
	const struct desired *d = p->d;
	const char *prov = provider_names[d->dns_provider];
	const char *zone;

	if (p->section_line[SEC_DNS] == 0 ||
	    p->key_bad[key_find(SEC_DNS, "provider") - keys])
		return;
	if (d->dns_provider == DNS_NONE) {
		for (const struct key_def *k = keys; k < keys + N_KEYS; k++)
			/* Keys at their defaults are what `check` prints. */
			if (k->section == SEC_DNS && p->key_line[k - keys] &&
			    (k->def == NULL || (k->type == KT_BOOL &&
			    *CFIELD(d, k, bool)))) {
				parse_error(p, p->key_line[k - keys], "%s in [dns] "
				    "needs a provider: set provider = cloudflare "
				    "or route53", k->name);
				return;
			}
		return;
	}
	for (size_t i = 0; need[i]; i++)
		if (!dns_set(p, need[i]))
			parse_error(p, p->section_line[SEC_DNS], "missing required "
			    "key '%s' in [dns] (provider = %s)", need[i], prov);
	if (d->dns_provider == DNS_ROUTE53) {
		for (size_t i = 0; cf_only[i]; i++)
			if (dns_set(p, cf_only[i]))
				parse_error(p, dns_line(p, cf_only[i]), "%s applies "
				    "to provider = cloudflare only", cf_only[i]);
		zone = d->dns_zone_id;
		if (zone && strncmp(zone, "/hostedzone/", 12) == 0)
			zone += 12;
		if (zone && !all_in(zone, UPPER DIGIT))
			parse_error(p, dns_line(p, "zone_id"), "invalid zone_id "
			    "for route53: a hosted zone id is upper-case letters "
			    "and digits, like Z0123456789ABCDEFGHIJ");
		return;
	}
	if (!dns_set(p, "token_parameter") || d->dns_token_parameter == NULL)
		parse_error(p, dns_line(p, "token_parameter"), "missing required "
		    "key 'token_parameter' in [dns] (provider = cloudflare): "
		    "the SSM SecureString that holds the API token");
	if (d->dns_zone_id && !is_cf_id(d->dns_zone_id))
		parse_error(p, dns_line(p, "zone_id"), "invalid zone_id for "
		    "cloudflare: a zone id is 32 lowercase hex digits");
	if (!p->key_bad[key_find(SEC_DNS, "ttl") - keys] && d->dns_ttl != 1 &&
	    d->dns_ttl < 60)
		parse_error(p, dns_line(p, "ttl"), "invalid ttl %u for "
		    "cloudflare: use 1 (automatic) or 60 to 86400 seconds",
		    d->dns_ttl);
	if (d->dns_record_id && d->dns_create)
		parse_error(p, dns_line(p, "create"), "create = yes and "
		    "record_id exclude each other: a record with an id exists");
}

/* peer_in_cidr: why address a cannot be a peer's in net/prefix, or NULL. */
static const char *
peer_in_cidr(uint32_t a, uint32_t net, unsigned prefix)
{
	uint32_t mask = (uint32_t)0xffffffffu << (32 - prefix);

	if ((a & mask) != net)
		return "is outside";
	if (a == net)
		return "is the network address of";
	if (a == (net | ~mask))
		return "is the broadcast address of";
	if (a == net + 1)
		return "is the server's address (the first host) in";
	return NULL;
}

/* [peer NAME]: required keys, addresses in wireguard_cidr, nothing shared. */
static void
peer_checks(struct desired_parser *p)
{
	const struct key_def *ck = key_find(SEC_ENDPOINT, "wireguard_cidr");
	const struct desired *d = p->d;
	uint32_t net = 0, a;
	unsigned prefix = 0;
	const char *why;
	int have_net;
	size_t i, j, k;

	have_net = !p->key_bad[ck - keys] && d->wireguard_cidr != NULL &&
	    desired_parse_cidr(d->wireguard_cidr, &net, &prefix) == 0;
	for (i = 0; i < d->n_peers; i++) {
		const struct desired_peer *pe = &d->peers[i];
		const struct peer_lines *pl = &p->peer[i];

		for (k = 0; k < PK_COUNT; k++)
			if (peer_keys[k].required && pl->key[k] == 0)
				parse_error(p, pl->header, "missing required key "
				    "'%s' in [peer %s]", peer_keys[k].name, pe->name);
		if (pe->address != NULL && have_net &&
		    desired_parse_ipv4(pe->address, &a) == 0 &&
		    (why = peer_in_cidr(a, net, prefix)) != NULL)
			parse_error(p, pl->key[PK_ADDRESS], "address %s of [peer "
			    "%s] %s wireguard_cidr %s", pe->address, pe->name, why,
			    d->wireguard_cidr);
		for (j = 0; j < i; j++) {
			const struct desired_peer *o = &d->peers[j];

			if (pe->public_key && o->public_key &&
			    strcmp(pe->public_key, o->public_key) == 0)
				parse_error(p, pl->key[PK_PUBLIC_KEY], "public_key "
				    "of [peer %s] is also that of [peer %s] (line %u)",
				    pe->name, o->name, p->peer[j].key[PK_PUBLIC_KEY]);
			if (pe->address && o->address &&
			    strcmp(pe->address, o->address) == 0)
				parse_error(p, pl->key[PK_ADDRESS], "address %s of "
				    "[peer %s] is also that of [peer %s] (line %u)",
				    pe->address, pe->name, o->name,
				    p->peer[j].key[PK_ADDRESS]);
		}
	}
}

static int
peer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct desired_peer *)a)->name,
	    ((const struct desired_peer *)b)->name);
}

/* Rules that involve more than one key, for keys that parsed. */
static void
cross_checks(struct desired_parser *p)
{
	const struct key_def *age = key_find(SEC_CONTROLLER, "health_max_age");
	const struct key_def *interval = key_find(SEC_CONTROLLER, "describe_interval");
	const struct desired *d = p->d;
	char a[32], b[32];
	unsigned line;

	dns_checks(p);
	peer_checks(p);
	if (p->key_bad[age - keys] || p->key_bad[interval - keys])
		return;
	/* Health counts the newest describe; it must outlive one interval. */
	if (d->health_max_age_ms < d->describe_interval_ms) {
		line = p->key_line[age - keys] ? p->key_line[age - keys] :
		    p->key_line[interval - keys];
		parse_error(p, line, "health_max_age '%s' is shorter than "
		    "describe_interval '%s'",
		    duration_format(a, sizeof(a), d->health_max_age_ms),
		    duration_format(b, sizeof(b), d->describe_interval_ms));
	}
}

struct desired *
desired_parse_finish(struct desired_parser *p, char **errors)
{
	struct desired *d = NULL;
	enum section sec;
	size_t i;

	if (errors != NULL)
		*errors = NULL;
	if (p == NULL) {
		if (errors != NULL)
			*errors = strdup("desired: out of memory\n");
		return NULL;
	}
	for (sec = 0; sec < SEC_COUNT; sec++) {
		if (p->section_line[sec] == 0) {
			if (sections[sec].required)
				parse_error(p, 0, "missing [%s%s] section", sections[sec].name,
				    sections[sec].named ? " NAME" : "");
			continue;
		}
		for (i = 0; i < N_KEYS; i++)
			if (keys[i].section == sec && (keys[i].flags & K_REQUIRED) &&
			    p->key_line[i] == 0)
				parse_error(p, p->section_line[sec],
				    "missing required key '%s' in [%s]", keys[i].name,
				    sections[sec].name);
	}
	cross_checks(p);
	if (p->n_errors == 0) {
		d = p->d;
		p->d = NULL;
		/* names are unique: the order is total */
		qsort(d->peers, d->n_peers, sizeof(d->peers[0]), peer_cmp);
	} else if (errors != NULL) {
		*errors = p->errors.len ? buf_detach(&p->errors) :
		    strdup("desired: out of memory\n");
	}
	desired_free(p->d);
	buf_free(&p->errors);
	free(p->file);
	free(p);
	return d;
}

struct desired *
desired_parse_string(const char *file, const char *text, size_t len, char **errors)
{
	struct desired_parser *p;
	const char *nl, *end = text + len;

	if ((p = desired_parse_init(file)) == NULL)
		return desired_parse_finish(NULL, errors);
	while (text < end) {
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		desired_parse_line(p, text, (size_t)(nl - text));
		text = nl + 1;
	}
	return desired_parse_finish(p, errors);
}

/* load_error: "FILE: cannot read: WHY" into *errors (when wanted). */
static void
load_error(char **errors, const char *path, const char *why)
{
	if (errors != NULL && asprintf(errors, "%s: cannot read: %s\n", path, why) == -1)
		*errors = NULL;
}

struct desired *
desired_load(const char *path, char **errors)
{
	struct desired *d = NULL;
	struct buf b;
	FILE *f = NULL;
	char chunk[8192], why[64];
	size_t n;

	buf_init(&b, FILE_MAX_LEN);
	if (errors != NULL)
		*errors = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		load_error(errors, path, strerror(errno));
		goto done;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&b, chunk, n) == -1) {
			snprintf(why, sizeof(why), "larger than %d bytes", FILE_MAX_LEN);
			load_error(errors, path, why);
			goto done;
		}
	}
	if (ferror(f)) {
		load_error(errors, path, strerror(errno ? errno : EIO));
		goto done;
	}
	d = desired_parse_string(path, buf_str(&b), b.len, errors);
done:
	if (f != NULL)
		fclose(f);
	buf_free(&b);
	return d;
}

/* print_key: "key = value\n" for k, or "# key =\n" when unset; -1 when b is full. */
static int
print_key(struct buf *b, const struct desired *d, const struct key_def *k)
{
	char tmp[32];
	const char *s;
	size_t i, n;
	int rc = 0;

	switch (k->type) {
	case KT_STRING:
		if ((s = *CFIELD(d, k, char *)) == NULL)
			return buf_addf(b, "# %s =\n", k->name);
		return buf_addf(b, "%s = %s\n", k->name, s);
	case KT_LIST:
		/* empty: "key =" where that differs from leaving the key out */
		if ((n = *CCOUNT(d, k)) == 0)
			return buf_addf(b, k->def ? "%s =\n" : "# %s =\n", k->name);
		rc |= buf_addf(b, "%s = ", k->name);
		for (i = 0; i < n; i++)
			rc |= buf_addf(b, "%s%s", i ? ", " : "", CFIELD(d, k, char *)[i]);
		rc |= buf_adds(b, "\n");
		return rc;
	case KT_DURATION:
		return buf_addf(b, "%s = %s\n", k->name, duration_format(tmp,
		    sizeof(tmp), *CFIELD(d, k, unsigned)));
	case KT_UINT:
		return buf_addf(b, "%s = %u\n", k->name, *CFIELD(d, k, unsigned));
	case KT_BOOL:
		return buf_addf(b, "%s = %s\n", k->name,
		    *CFIELD(d, k, bool) ? "yes" : "no");
	case KT_ENUM:
		return buf_addf(b, "%s = %s\n", k->name,
		    k->names[*CFIELD(d, k, int)]);
	}
	return -1;
}

/* print_peers: each [peer NAME] section, every key; -1 when b is full. */
static int
print_peers(struct buf *b, const struct desired *d)
{
	const struct desired_peer *pe;
	int rc = 0;

	for (pe = d->peers; pe < d->peers + d->n_peers; pe++) {
		rc |= buf_addf(b, "\n[peer %s]\npublic_key = %s\naddress = %s\n",
		    pe->name, pe->public_key, pe->address);
		if (pe->keepalive >= 0)
			rc |= buf_addf(b, "keepalive = %d\n", pe->keepalive);
		else
			rc |= buf_adds(b, "# keepalive =\n");
	}
	return rc;
}

/*
 * desired_print: sections in table order, keys in table order. NULL when out
 * of memory (or past PRINT_MAX_LEN, which a valid configuration cannot reach).
 */
char *
desired_print(const struct desired *d)
{
	struct buf b;
	enum section sec;
	size_t i;
	int rc = 0;

	buf_init(&b, PRINT_MAX_LEN);
	rc |= buf_adds(&b, "# stingy-vpn desired.conf, normalised: every key with "
	    "its effective value\n");
	for (sec = 0; sec < SEC_COUNT; sec++) {
		if (sec == SEC_PEER) {
			rc |= print_peers(&b, d);
			continue;
		}
		if (sections[sec].named)
			rc |= buf_addf(&b, "\n[%s %s]\n", sections[sec].name,
			    d->endpoint ? d->endpoint : "");
		else
			rc |= buf_addf(&b, "\n[%s]\n", sections[sec].name);
		for (i = 0; i < N_KEYS; i++)
			if (keys[i].section == sec)
				rc |= print_key(&b, d, &keys[i]);
	}
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
desired_equal(const struct desired *a, const struct desired *b)
{
	const struct key_def *k;
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (!str_eq(a->endpoint, b->endpoint))
		return 0;
	for (k = keys; k < keys + N_KEYS; k++) {
		switch (k->type) {
		case KT_STRING:
			if (!str_eq(*CFIELD(a, k, char *), *CFIELD(b, k, char *)))
				return 0;
			break;
		case KT_LIST:
			if (*CCOUNT(a, k) != *CCOUNT(b, k))
				return 0;
			for (i = 0; i < *CCOUNT(a, k); i++)
				if (!str_eq(CFIELD(a, k, char *)[i], CFIELD(b, k, char *)[i]))
					return 0;
			break;
		case KT_DURATION:
		case KT_UINT:
			if (*CFIELD(a, k, unsigned) != *CFIELD(b, k, unsigned))
				return 0;
			break;
		case KT_BOOL:
			if (*CFIELD(a, k, bool) != *CFIELD(b, k, bool))
				return 0;
			break;
		case KT_ENUM:
			if (*CFIELD(a, k, int) != *CFIELD(b, k, int))
				return 0;
			break;
		}
	}
	if (a->n_peers != b->n_peers)
		return 0;
	for (i = 0; i < a->n_peers; i++)
		if (!str_eq(a->peers[i].name, b->peers[i].name) ||
		    !str_eq(a->peers[i].public_key, b->peers[i].public_key) ||
		    !str_eq(a->peers[i].address, b->peers[i].address) ||
		    a->peers[i].keepalive != b->peers[i].keepalive)
			return 0;
	return 1;
}

const struct desired_peer *
desired_find_peer(const struct desired *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_peers; i++)
		if (strcmp(d->peers[i].name, name) == 0)
			return &d->peers[i];
	return NULL;
}

void
desired_free(struct desired *d)
{
	const struct key_def *k;

	if (d == NULL)
		return;
	for (k = keys; k < keys + N_KEYS; k++) {
		if (k->type == KT_STRING)
			free(*FIELD(d, k, char *));
		else if (k->type == KT_LIST)
			list_clear(FIELD(d, k, char *), COUNT(d, k));
	}
	for (size_t i = 0; i < d->n_peers; i++) {
		free(d->peers[i].name);
		free(d->peers[i].public_key);
		free(d->peers[i].address);
	}
	free(d->endpoint);
	free(d);
}

const char *
desired_dns_provider_name(enum dns_provider p)
{
	return (unsigned)p < sizeof(provider_names) / sizeof(provider_names[0]) - 1 ?
	    provider_names[p] : "unknown";
}

_Static_assert(sizeof(enum dns_provider) == sizeof(int) &&
    sizeof(enum rebalance_policy) == sizeof(int),
    "KT_ENUM fields are written as int");
