/*
 * cloudflare: the request body builder and the answer parser of the
 * Cloudflare DNS API v4 adapter (no I/O; json-c stays in this file).
 *
 * The parser trusts nothing: the body may be an HTML page from a proxy, a
 * truncated answer or a hostile one. Types are checked strictly, every
 * string kept must fit its field, and whatever reaches cf_answer.message is
 * printable ASCII.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "cloudflare.h"

#define CF_JSON_DEPTH	16	/* envelope, result, record, meta, ... */
#define CF_MAX_TTL	2147483647L	/* seconds; anything above is hostile */

int
cf_build_record(struct buf *out, const char *name, const char *content,
    long ttl)
{
	size_t start;

	if (out == NULL || name == NULL || name[0] == '\0' ||
	    content == NULL || content[0] == '\0')
		return -1;
	start = out->len;
	if (buf_adds(out, "{\"type\":\"A\",\"name\":") == -1 ||
	    buf_add_json_str(out, name) == -1 ||
	    buf_adds(out, ",\"content\":") == -1 ||
	    buf_add_json_str(out, content) == -1 ||
	    buf_addf(out, ",\"ttl\":%ld,\"proxied\":false}", ttl) == -1) {
		/* leave out as it was */
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Copies n bytes of s into dst (size dstlen > 0) as printable ASCII: every
 * other byte becomes '?', a UTF-8 sequence one '?' for all its bytes.
 * Truncates to dstlen - 1 bytes; always NUL-terminates.
 */
static void
cf_printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, j = 0;
	int in_seq = 0;

	for (i = 0; i < n && j + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			dst[j++] = (char)c;
			in_seq = 0;
		} else if (c >= 0x80 && c < 0xc0 && in_seq) {
			continue;	/* a continuation byte of the same '?' */
		} else {
			dst[j++] = '?';
			in_seq = c >= 0xc0;
		}
	}
	dst[j] = '\0';
}

/*
 * Parses a whole JSON document, strictly (valid UTF-8, nothing after the
 * value but whitespace), with at most CF_JSON_DEPTH levels of nesting. The
 * caller puts the object. NULL with a reason in why.
 */
static struct json_object *
cf_json_parse(const char *s, size_t len, char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	if (len > INT_MAX) {
		snprintf(why, whylen, "answer too big (%zu bytes)", len);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(CF_JSON_DEPTH)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL) {
		snprintf(why, whylen, "not JSON: %s", jerr ==
		    json_tokener_continue ? "truncated" :
		    json_tokener_error_desc(jerr));
		goto done;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (s[end] == '\0' || strchr(" \t\r\n", s[end]) == NULL) {
			snprintf(why, whylen, "not JSON: data after the value "
			    "at byte %zu", end);
			json_object_put(o);
			o = NULL;
			goto done;
		}
	}
done:
	json_tokener_free(tok);
	return o;
}

/*
 * Copies string member key of record o into dst (size dstlen): it must be
 * a non-empty string that fits, of printable ASCII without spaces (ids, the
 * type, a Punycode name and an address are). -1 with a reason in why.
 */
static int
cf_field(struct json_object *o, const char *key, char *dst, size_t dstlen,
    char *why, size_t whylen)
{
	struct json_object *v;
	const char *s;
	int i, n;

	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(why, whylen, "no %s", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, whylen, "%s is not a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (n <= 0 || (size_t)n >= dstlen) {
		snprintf(why, whylen, "%s is empty or too long", key);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) {
			snprintf(why, whylen, "%s holds a byte that is not "
			    "printable ASCII", key);
			return -1;
		}
	}
	memcpy(dst, s, (size_t)n);
	dst[n] = '\0';
	return 0;
}

/* One record object: every field present, of its type, and fitting. */
static int
cf_record(struct json_object *o, struct cf_record *r, char *why,
    size_t whylen)
{
	struct json_object *v;
	int64_t ttl;

	memset(r, 0, sizeof(*r));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "not an object");
		return -1;
	}
	if (cf_field(o, "id", r->id, sizeof(r->id), why, whylen) == -1 ||
	    cf_field(o, "type", r->type, sizeof(r->type), why, whylen) == -1 ||
	    cf_field(o, "name", r->name, sizeof(r->name), why, whylen) == -1 ||
	    cf_field(o, "content", r->content, sizeof(r->content), why,
	    whylen) == -1)
		return -1;
	if (!json_object_object_get_ex(o, "ttl", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(why, whylen, "ttl is missing or not an integer");
		return -1;
	}
	/* json-c saturates out-of-range integers: the bound refuses those */
	ttl = json_object_get_int64(v);
	if (ttl < 1 || ttl > CF_MAX_TTL) {
		snprintf(why, whylen, "ttl out of range");
		return -1;
	}
	r->ttl = (long)ttl;
	if (!json_object_object_get_ex(o, "proxied", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		snprintf(why, whylen, "proxied is missing or not a boolean");
		return -1;
	}
	r->proxied = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/*
 * The first entry of errors: its code (0 unless an integer in 0..INT_MAX)
 * and its message made printable. An entry of the wrong shape gives code 0
 * and message "malformed error entry". Nothing when errors is empty.
 */
static void
cf_first_error(struct json_object *errors, struct cf_answer *out)
{
	struct json_object *e, *code, *msg;
	int64_t n;

	if (errors == NULL || json_object_array_length(errors) == 0)
		return;
	e = json_object_array_get_idx(errors, 0);
	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_is_type(code, json_type_int) ||
	    !json_object_object_get_ex(e, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string)) {
		snprintf(out->message, sizeof(out->message),
		    "malformed error entry");
		return;
	}
	n = json_object_get_int64(code);
	out->code = n >= 0 && n <= INT_MAX ? (int)n : 0;
	cf_printable(out->message, sizeof(out->message),
	    json_object_get_string(msg),
	    (size_t)json_object_get_string_len(msg));
}

/* result_info.total_count, when present, must be an integer >= count. */
static int
cf_total(struct json_object *root, size_t count, size_t *total)
{
	struct json_object *info, *tc;
	int64_t n;

	*total = count;
	if (!json_object_object_get_ex(root, "result_info", &info) ||
	    json_object_is_type(info, json_type_null))
		return 0;
	if (!json_object_is_type(info, json_type_object))
		return -1;
	if (!json_object_object_get_ex(info, "total_count", &tc))
		return 0;
	if (!json_object_is_type(tc, json_type_int))
		return -1;
	n = json_object_get_int64(tc);
	if (n < 0 || (uint64_t)n < count || (uint64_t)n > SIZE_MAX ||
	    n == INT64_MAX)
		return -1;
	*total = (size_t)n;
	return 0;
}

/* The records of a successful envelope; -1 with a reason in why. */
static int
cf_result(struct json_object *root, int list, struct cf_answer *out,
    char *why, size_t whylen)
{
	struct json_object *result;
	char what[128];
	size_t i, n;

	if (!json_object_object_get_ex(root, "result", &result))
		result = NULL;
	if (!list) {
		if (!json_object_is_type(result, json_type_object)) {
			snprintf(why, whylen, "result is not an object");
			return -1;
		}
		if (cf_record(result, &out->records[0], what,
		    sizeof(what)) == -1) {
			snprintf(why, whylen, "malformed record: %s", what);
			return -1;
		}
		out->n_records = 1;
		out->total = 1;
		return 0;
	}
	if (!json_object_is_type(result, json_type_array)) {
		snprintf(why, whylen, "result is not an array");
		return -1;
	}
	n = json_object_array_length(result);
	for (i = 0; i < n && i < CF_MAX_RECORDS; i++) {
		if (cf_record(json_object_array_get_idx(result, i),
		    &out->records[i], what, sizeof(what)) == -1) {
			snprintf(why, whylen, "malformed record %zu: %s", i,
			    what);
			return -1;
		}
	}
	out->n_records = i;
	if (cf_total(root, n, &out->total) == -1) {
		snprintf(why, whylen, "malformed result_info");
		return -1;
	}
	return 0;
}

void
cf_parse(const char *json, size_t len, long status, int list,
    struct cf_answer *out)
{
	struct json_object *root = NULL, *v, *errors = NULL;
	char why[sizeof(out->message)];
	int ok2xx = status >= 200 && status < 300;

	memset(out, 0, sizeof(*out));
	out->http_status = status;
	out->retry_after_s = -1;
	why[0] = '\0';
	if (json == NULL || len == 0) {
		snprintf(why, sizeof(why), "empty answer");
		goto fail;
	}
	if ((root = cf_json_parse(json, len, why, sizeof(why))) == NULL)
		goto fail;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, sizeof(why), "not a JSON object");
		goto fail;
	}
	if (json_object_object_get_ex(root, "errors", &errors) &&
	    !json_object_is_type(errors, json_type_null) &&
	    !json_object_is_type(errors, json_type_array)) {
		snprintf(why, sizeof(why), "errors is not an array");
		goto fail;
	}
	if (json_object_is_type(errors, json_type_null))
		errors = NULL;
	if (!json_object_object_get_ex(root, "success", &v)) {
		snprintf(why, sizeof(why), "no success field");
		goto fail;
	}
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(why, sizeof(why), "success is not a boolean");
		goto fail;
	}
	if (!json_object_get_boolean(v) || !ok2xx) {
		cf_first_error(errors, out);
		if (out->message[0] == '\0') {
			if (ok2xx)
				snprintf(why, sizeof(why), "success is false");
			else
				snprintf(why, sizeof(why), "HTTP %ld", status);
		}
		goto fail;
	}
	if (cf_result(root, list, out, why, sizeof(why)) == -1)
		goto fail;
	out->success = 1;
	json_object_put(root);
	return;
fail:
	/* a failure carries no records, only the code and the reason */
	memset(out->records, 0, sizeof(out->records));
	out->n_records = 0;
	out->total = 0;
	if (out->message[0] == '\0')
		cf_printable(out->message, sizeof(out->message), why,
		    strlen(why));
	json_object_put(root);
}
