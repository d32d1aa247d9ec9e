/* sqs: SQS JSON request builders and answer parsers (no I/O). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "sqs.h"

int
sqs_build_receive(struct buf *out, const char *queue_url, int max_messages,
    int wait_s, int visibility_s)
{
	if (queue_url == NULL || queue_url[0] == '\0' || max_messages < 1 ||
	    max_messages > 10 || wait_s < 0 || wait_s > 20 ||
	    visibility_s < 0 || visibility_s > 43200)
		return -1;
	if (buf_adds(out, "{\"QueueUrl\":") == -1 ||
	    buf_add_json_str(out, queue_url) == -1 ||
	    buf_addf(out, ",\"MaxNumberOfMessages\":%d,\"WaitTimeSeconds\":%d,"
	    "\"VisibilityTimeout\":%d}", max_messages, wait_s,
	    visibility_s) == -1)
		return -1;
	return 0;
}

int
sqs_build_delete(struct buf *out, const char *queue_url,
    const char *receipt_handle)
{
	if (queue_url == NULL || queue_url[0] == '\0' ||
	    receipt_handle == NULL || receipt_handle[0] == '\0')
		return -1;
	if (buf_adds(out, "{\"QueueUrl\":") == -1 ||
	    buf_add_json_str(out, queue_url) == -1 ||
	    buf_adds(out, ",\"ReceiptHandle\":") == -1 ||
	    buf_add_json_str(out, receipt_handle) == -1 ||
	    buf_adds(out, "}") == -1)
		return -1;
	return 0;
}

void
sqs_messages_free(struct sqs_messages *msgs)
{
	size_t i;

	if (msgs == NULL)
		return;
	for (i = 0; i < msgs->n; i++) {
		free(msgs->v[i].message_id);
		free(msgs->v[i].receipt_handle);
		free(msgs->v[i].body);
	}
	free(msgs->v);
	msgs->v = NULL;
	msgs->n = 0;
	msgs->skipped = 0;
}

/*
 * A string member of o no longer than max bytes and, unless nul_ok, free of
 * NULs; NULL otherwise.
 */
static const char *
sqs_member(struct json_object *o, const char *key, size_t max, int nul_ok,
    size_t *len)
{
	struct json_object *v;
	const char *s;
	int n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (n < 0 || (size_t)n > max || (!nul_ok && strlen(s) != (size_t)n))
		return NULL;
	*len = (size_t)n;
	return s;
}

/* A malloc'd copy of s[0..len) plus a NUL; "" for NULL. */
static char *
sqs_dup(const char *s, size_t len)
{
	char *p;

	if (s == NULL) {
		s = "";
		len = 0;
	}
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* One element of Messages: 1 kept, 0 skipped, -1 out of memory. */
static int
sqs_message(struct json_object *m, struct sqs_message *out)
{
	const char *handle, *id, *body;
	size_t hlen = 0, idlen = 0, blen = 0;

	if (!json_object_is_type(m, json_type_object))
		return 0;
	handle = sqs_member(m, "ReceiptHandle", SQS_MAX_HANDLE, 0, &hlen);
	if (handle == NULL || hlen == 0)
		return 0;
	id = sqs_member(m, "MessageId", SQS_MAX_ID, 0, &idlen);
	body = sqs_member(m, "Body", SQS_MAX_BODY, 1, &blen);
	memset(out, 0, sizeof(*out));
	out->receipt_handle = sqs_dup(handle, hlen);
	out->message_id = sqs_dup(id, idlen);
	out->body = sqs_dup(body, body ? blen : 0);
	out->body_len = body ? blen : 0;
	if (out->receipt_handle == NULL || out->message_id == NULL ||
	    out->body == NULL) {
		free(out->receipt_handle);
		free(out->message_id);
		free(out->body);
		return -1;
	}
	return 1;
}

/*
 * Parses a whole JSON document: one value and nothing but whitespace after
 * it. The caller puts the object.
 */
static struct json_object *
sqs_json_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (len > INT_MAX) {
		snprintf(err, errlen, "answer too big (%zu bytes)", len);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL) {
		snprintf(err, errlen, "%s", jerr == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(jerr));
		goto done;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", s[end]) == NULL || s[end] == '\0') {
			snprintf(err, errlen, "data after the JSON value at "
			    "byte %zu", end);
			json_object_put(o);
			o = NULL;
			goto done;
		}
	}
done:
	json_tokener_free(tok);
	return o;
}

int
sqs_parse_receive(const char *json, size_t len, struct sqs_messages *out,
    char *err, size_t errlen)
{
	struct json_object *root = NULL, *list;
	struct sqs_message *v;
	char why[128];
	size_t i, n;
	int rc = -1, r;

	memset(out, 0, sizeof(*out));
	if ((root = sqs_json_parse(json, len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "sqs ReceiveMessage: %s", why);
		goto done;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "sqs ReceiveMessage: answer is not a "
		    "JSON object");
		goto done;
	}
	if (!json_object_object_get_ex(root, "Messages", &list) ||
	    json_object_is_type(list, json_type_null)) {
		rc = 0;
		goto done;
	}
	if (!json_object_is_type(list, json_type_array)) {
		snprintf(err, errlen, "sqs ReceiveMessage: Messages is not an "
		    "array");
		goto done;
	}
	n = json_object_array_length(list);
	if (n > SQS_MAX_MESSAGES) {
		out->skipped = n - SQS_MAX_MESSAGES;
		n = SQS_MAX_MESSAGES;
	}
	if (n > 0 && (out->v = calloc(n, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "sqs ReceiveMessage: out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		r = sqs_message(json_object_array_get_idx(list, i),
		    &out->v[out->n]);
		if (r == -1) {
			snprintf(err, errlen, "sqs ReceiveMessage: out of memory");
			goto done;
		}
		if (r == 0)
			out->skipped++;
		else
			out->n++;
	}
	rc = 0;
done:
	json_object_put(root);
	if (rc == -1)
		sqs_messages_free(out);
	return rc;
}
