/*
 * events: EventBridge event bodies into struct eb_event (see events.h).
 *
 * The body comes from an SQS queue anyone in the account can write to, so it
 * is untrusted: its size is capped, the JSON nesting bounded, strings are
 * length-checked before they are copied into the fixed fields, and every
 * field that routes a decision (kind, instance ids, action, state) must have
 * a known shape.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "events.h"

#define QUOTE_MAX	64	/* bytes of a bad value quoted in a message */

static const char *const kind_names[] = {
	[EVENT_SPOT_INTERRUPTION] = "spot-interruption",
	[EVENT_REBALANCE] = "rebalance",
	[EVENT_STATE_CHANGE] = "state-change",
	[EVENT_HEALTH_SCHEDULED] = "health-scheduled",
	[EVENT_OTHER] = "other",
};

/* The envelope's (source, detail-type) pairs with a kind of their own. */
static const struct {
	const char	*source;
	const char	*detail_type;
	enum event_kind	 kind;
} routes[] = {
	{ "aws.ec2", "EC2 Spot Instance Interruption Warning", EVENT_SPOT_INTERRUPTION },
	{ "aws.ec2", "EC2 Instance Rebalance Recommendation", EVENT_REBALANCE },
	{ "aws.ec2", "EC2 Instance State-change Notification", EVENT_STATE_CHANGE },
	{ "aws.health", "AWS Health Event", EVENT_HEALTH_SCHEDULED },
};

static const char *const spot_actions[] = { "terminate", "stop", "hibernate", NULL };
static const char *const states[] = { "pending", "running", "stopping", "stopped",
	"shutting-down", "terminated", NULL };

const char *
event_kind_name(enum event_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

static int fail(char *, size_t, const char *, ...) __attribute__((format(printf, 3, 4)));

/* fail: the message into err (when there is one); returns -1. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* quote: s[0..len) printable: at most QUOTE_MAX bytes, others as \xNN. */
static const char *
quote(char *dst, size_t dstlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < len && i < QUOTE_MAX && o + 5 < dstlen; i++) {
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
	if (i < len && o + 4 <= dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

#define QBUF	(QUOTE_MAX * 4 + 8)

/* ^i-[0-9a-f]{8,17}$ */
static int
valid_instance_id(const char *s, size_t len)
{
	size_t i;

	if (len < 10 || len > 19 || s[0] != 'i' || s[1] != '-')
		return 0;
	for (i = 2; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* s is one of the NULL-terminated list. */
static int
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/*
 * get_string: the string member `key` of obj (named `path` in messages) into
 * dst. Missing is an error when required, else dst is "" and 0 is returned.
 * The value must fit in dst, be non-empty and hold no control characters
 * (nor, when no_blank, spaces).
 */
static int
get_string(json_object *obj, const char *key, const char *path, int required,
    int no_blank, char *dst, size_t dstlen, char *err, size_t errlen)
{
	json_object *v;
	const char *s;
	char q[QBUF];
	size_t len, i;

	dst[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (!required)
			return 0;
		return fail(err, errlen, "event: missing '%s'", path);
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(err, errlen, "event: '%s' is not a string", path);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0)
		return fail(err, errlen, "event: '%s' is empty", path);
	if (len >= dstlen)
		return fail(err, errlen, "event: '%s' is too long (%zu bytes, at most %zu)",
		    path, len, dstlen - 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (no_blank && c == ' '))
			return fail(err, errlen, "event: '%s' value '%s' has a %s", path,
			    quote(q, sizeof(q), s, len), c == ' ' ? "blank" :
			    "control character");
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * parse_time: "2026-11-24T03:12:45Z" (optionally with a fraction of a second,
 * which is dropped, or "+00:00" for "Z") -> seconds since the epoch, UTC.
 */
static int
parse_time(const char *s, time_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, leap;
	size_t len = strlen(s), i = 19;

	if (len < 20 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) ||
	    s[7] != '-' || !is_digits(s + 8, 2) || s[10] != 'T' ||
	    !is_digits(s + 11, 2) || s[13] != ':' || !is_digits(s + 14, 2) ||
	    s[16] != ':' || !is_digits(s + 17, 2))
		return -1;
	if (s[i] == '.') {
		size_t start = ++i;

		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return -1;
	}
	if (strcmp(s + i, "Z") != 0 && strcmp(s + i, "+00:00") != 0)
		return -1;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	h = num(s + 11, 2);
	mi = num(s + 14, 2);
	sec = num(s + 17, 2);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (sec == 60)
		sec = 59;	/* a leap second: close enough for ordering */
	*t = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec);
	return 0;
}

/* One instance id into ev, skipping duplicates; ids past the cap are dropped. */
static void
add_instance(struct eb_event *ev, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < ev->n_instances; i++)
		if (strcmp(ev->instance_ids[i], id) == 0)
			return;
	if (ev->n_instances == EVENT_MAX_INSTANCES)
		return;
	memcpy(ev->instance_ids[ev->n_instances], id, len);
	ev->instance_ids[ev->n_instances][len] = '\0';
	ev->n_instances++;
}

/* The three EC2 kinds: detail.instance-id and the kind's own field. */
static int
parse_ec2_detail(json_object *detail, struct eb_event *ev, char *err, size_t errlen)
{
	char id[64], q[QBUF];

	if (get_string(detail, "instance-id", "detail.instance-id", 1, 1, id,
	    sizeof(id), err, errlen) == -1)
		return -1;
	if (!valid_instance_id(id, strlen(id)))
		return fail(err, errlen, "event: detail.instance-id '%s' is not an "
		    "instance id", quote(q, sizeof(q), id, strlen(id)));
	add_instance(ev, id, strlen(id));
	if (ev->kind == EVENT_SPOT_INTERRUPTION) {
		if (get_string(detail, "instance-action", "detail.instance-action", 1, 1,
		    ev->action, sizeof(ev->action), err, errlen) == -1)
			return -1;
		if (!one_of(ev->action, spot_actions))
			return fail(err, errlen, "event: detail.instance-action '%s' is not "
			    "terminate, stop or hibernate",
			    quote(q, sizeof(q), ev->action, strlen(ev->action)));
	}
	if (ev->kind == EVENT_STATE_CHANGE) {
		if (get_string(detail, "state", "detail.state", 1, 1, ev->state,
		    sizeof(ev->state), err, errlen) == -1)
			return -1;
		if (!one_of(ev->state, states))
			return fail(err, errlen, "event: detail.state '%s' is not an "
			    "instance state", quote(q, sizeof(q), ev->state, strlen(ev->state)));
	}
	return 0;
}

/* The instance ids among the string values of arr (or of arr[].member). */
static void
collect_instances(json_object *arr, const char *member, struct eb_event *ev)
{
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *v = e;

		if (member != NULL && (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, member, &v)))
			continue;
		if (!json_object_is_type(v, json_type_string))
			continue;
		if (valid_instance_id(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v)))
			add_instance(ev, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
	}
}

/*
 * AWS Health: only EC2 scheduled changes are ours; other services and
 * categories are EVENT_OTHER. Instances come from detail.affectedEntities,
 * or from the envelope's resources when a sender left that out.
 */
static void
parse_health_detail(json_object *root, json_object *detail, struct eb_event *ev)
{
	json_object *v;

	if (!json_object_object_get_ex(detail, "service", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "EC2") != 0 ||
	    !json_object_object_get_ex(detail, "eventTypeCategory", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "scheduledChange") != 0) {
		ev->kind = EVENT_OTHER;
		return;
	}
	if (json_object_object_get_ex(detail, "affectedEntities", &v)) {
		if (json_object_is_type(v, json_type_array))
			collect_instances(v, "entityValue", ev);
	} else if (json_object_object_get_ex(root, "resources", &v) &&
	    json_object_is_type(v, json_type_array)) {
		collect_instances(v, NULL, ev);
	}
}

/* tokenize: text[0..len) (NUL at text[len]) into an object; off is for messages. */
static json_object *
tokenize(const char *text, size_t len, size_t off, char *err, size_t errlen)
{
	json_tokener *tok = NULL;
	json_object *root = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if ((tok = json_tokener_new_ex(EVENT_MAX_DEPTH)) == NULL) {
		fail(err, errlen, "event: out of memory");
		goto done;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* len + 1: the NUL tells the tokenizer the input ends here. */
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_error_depth)
		fail(err, errlen, "event: JSON nested deeper than %d at offset %zu",
		    EVENT_MAX_DEPTH, off + end);
	else if (jerr == json_tokener_continue || (jerr != json_tokener_success &&
	    end >= len))
		fail(err, errlen, "event: truncated JSON at offset %zu", off + len);
	else if (jerr != json_tokener_success)
		fail(err, errlen, "event: not JSON at offset %zu: %s", off + end,
		    json_tokener_error_desc(jerr));
	else if (end < len) {
		fail(err, errlen, "event: data after the JSON at offset %zu", off + end);
		json_object_put(root);
		root = NULL;
	} else if (root == NULL)
		fail(err, errlen, "event: not a JSON object (null)");
	if (jerr != json_tokener_success && root != NULL) {
		json_object_put(root);
		root = NULL;
	}
done:
	if (tok != NULL)
		json_tokener_free(tok);
	return root;
}

static int
parse_envelope(json_object *root, struct eb_event *ev, char *err, size_t errlen)
{
	char timebuf[40], q[QBUF];
	size_t i;

	if (get_string(root, "id", "id", 1, 1, ev->id, sizeof(ev->id), err, errlen) == -1 ||
	    get_string(root, "source", "source", 1, 1, ev->source, sizeof(ev->source),
	    err, errlen) == -1 ||
	    get_string(root, "detail-type", "detail-type", 1, 0, ev->detail_type,
	    sizeof(ev->detail_type), err, errlen) == -1 ||
	    get_string(root, "region", "region", 0, 1, ev->region, sizeof(ev->region),
	    err, errlen) == -1 ||
	    get_string(root, "time", "time", 1, 0, timebuf, sizeof(timebuf),
	    err, errlen) == -1)
		return -1;
	for (i = 0; ev->region[i]; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", ev->region[i]) == NULL)
			return fail(err, errlen, "event: invalid region '%s'",
			    quote(q, sizeof(q), ev->region, strlen(ev->region)));
	if (parse_time(timebuf, &ev->time) == -1)
		return fail(err, errlen, "event: invalid time '%s'",
		    quote(q, sizeof(q), timebuf, strlen(timebuf)));
	ev->kind = EVENT_OTHER;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(ev->source, routes[i].source) == 0 &&
		    strcmp(ev->detail_type, routes[i].detail_type) == 0)
			ev->kind = routes[i].kind;
	return 0;
}

int
event_parse(const char *body, size_t len, struct eb_event *ev, char *err, size_t errlen)
{
	struct eb_event tmp;
	json_object *root = NULL, *detail;
	char *text = NULL;
	size_t start = 0;
	int rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&tmp, 0, sizeof(tmp));
	if (body == NULL)
		len = 0;
	if (len > EVENT_MAX_BODY) {
		fail(err, errlen, "event: body too large (%zu bytes, at most %d)",
		    len, EVENT_MAX_BODY);
		goto done;
	}
	while (start < len && strchr(" \t\r\n", body[start]) != NULL && body[start])
		start++;
	while (len > start && strchr(" \t\r\n", body[len - 1]) != NULL && body[len - 1])
		len--;
	if (len == start) {
		fail(err, errlen, "event: empty body");
		goto done;
	}
	if ((text = malloc(len - start + 1)) == NULL) {
		fail(err, errlen, "event: out of memory");
		goto done;
	}
	memcpy(text, body + start, len - start);
	text[len - start] = '\0';
	if ((root = tokenize(text, len - start, start, err, errlen)) == NULL)
		goto done;
	if (!json_object_is_type(root, json_type_object)) {
		fail(err, errlen, "event: not a JSON object (%s)",
		    json_type_to_name(json_object_get_type(root)));
		goto done;
	}
	if (parse_envelope(root, &tmp, err, errlen) == -1)
		goto done;
	if (tmp.kind != EVENT_OTHER) {
		if (!json_object_object_get_ex(root, "detail", &detail)) {
			fail(err, errlen, "event: missing 'detail'");
			goto done;
		}
		if (!json_object_is_type(detail, json_type_object)) {
			fail(err, errlen, "event: 'detail' is not an object");
			goto done;
		}
		if (tmp.kind == EVENT_HEALTH_SCHEDULED)
			parse_health_detail(root, detail, &tmp);
		else if (parse_ec2_detail(detail, &tmp, err, errlen) == -1)
			goto done;
	}
	*ev = tmp;
	rc = 0;
done:
	if (root != NULL)
		json_object_put(root);
	free(text);
	return rc;
}
