/*
 * awserr: aws_error_parse(), the one reader of AWS error answers, for every
 * shape the services use (see aws.h). It never fails: an answer it cannot
 * read becomes "HTTP<status>" with a printable excerpt.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "aws.h"
#include "xml.h"

#define AWSERR_EXCERPT	120	/* bytes of an unreadable body kept in message */

/*
 * Copies src[0..len) into dst (dstlen bytes, dstlen > 0) for logs: control
 * characters become ' ', and with ascii set every byte outside printable
 * ASCII becomes '?'. Otherwise UTF-8 is kept, and a cut never splits a
 * multi-byte sequence.
 */
static void
awserr_copy(char *dst, size_t dstlen, const char *src, size_t len, int ascii)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c >= 0x80 && ascii)
			c = '?';
		dst[n++] = (char)c;
	}
	/* A cut inside a UTF-8 sequence: drop its lead and continuation bytes. */
	if (!ascii && i < len && ((unsigned char)src[i] & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)dst[n - 1] & 0xc0) == 0xc0)
			n--;
	}
	dst[n] = '\0';
}

/*
 * Sets the code from a __type as Smithy's awsJson protocols say: drop
 * everything from the first ':' ("InvalidSignatureException:http://internal.
 * amazon.com/coral/com.amazon.coral.service/"), then keep what follows the
 * last '#' ("com.amazonaws.sqs#QueueDoesNotExist").
 */
static void
awserr_set_type(struct aws_error *e, const char *type, size_t len)
{
	const char *hash, *colon;

	if ((colon = memchr(type, ':', len)) != NULL)
		len = (size_t)(colon - type);
	if ((hash = memrchr(type, '#', len)) != NULL) {
		len -= (size_t)(hash + 1 - type);
		type = hash + 1;
	}
	awserr_copy(e->code, sizeof(e->code), type, len, 1);
}

/* A JSON string member of o, or NULL. */
static const char *
awserr_json_str(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* JSON: {"__type": ..., "message"|"Message": ...}. 0 when the body is a JSON object. */
static int
awserr_json(const char *body, size_t len, struct aws_error *e)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	const char *s;
	size_t n;
	int rc = -1;

	if (len > 1024 * 1024 || (tok = json_tokener_new_ex(16)) == NULL)
		goto done;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto done;
	if ((s = awserr_json_str(o, "__type", &n)) != NULL ||
	    (s = awserr_json_str(o, "code", &n)) != NULL ||
	    (s = awserr_json_str(o, "Code", &n)) != NULL)
		awserr_set_type(e, s, n);
	if ((s = awserr_json_str(o, "message", &n)) != NULL ||
	    (s = awserr_json_str(o, "Message", &n)) != NULL ||
	    (s = awserr_json_str(o, "errorMessage", &n)) != NULL)
		awserr_copy(e->message, sizeof(e->message), s, n, 0);
	rc = 0;
done:
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	return rc;
}

/* XML: the first <Error> with <Code>/<Message>, wherever it sits. */
struct awserr_xml_ctx {
	struct aws_error	*e;
	int			 errors;	/* <Error> elements closed */
	int			 got_code;
	int			 got_message;
};

static int
awserr_xml_end(void *arg, const struct xml_path *p, const char *text,
    size_t len, int truncated)
{
	struct awserr_xml_ctx *c = arg;
	const char *el = p->el[p->depth - 1];

	(void)truncated;
	if (strcmp(el, "Error") == 0) {
		c->errors++;
		return 0;
	}
	if (c->errors > 0 || p->depth < 2 ||
	    strcmp(p->el[p->depth - 2], "Error") != 0)
		return 0;
	if (strcmp(el, "Code") == 0 && !c->got_code) {
		awserr_copy(c->e->code, sizeof(c->e->code), text, len, 1);
		c->got_code = 1;
	} else if (strcmp(el, "Message") == 0 && !c->got_message) {
		awserr_copy(c->e->message, sizeof(c->e->message), text, len, 0);
		c->got_message = 1;
	}
	return 0;
}

static void
awserr_xml(const char *body, size_t len, struct aws_error *e)
{
	static const struct xml_handler h = { NULL, awserr_xml_end };
	struct awserr_xml_ctx c;
	char xerr[128];

	memset(&c, 0, sizeof(c));
	c.e = e;
	/* A broken document may still have given the code before the break. */
	(void)xml_parse(body, len, &h, &c, xerr, sizeof(xerr));
}

void
aws_error_parse(const char *body, size_t len, long status,
    struct aws_error *e)
{
	size_t i = 0;

	e->http_status = status;
	e->code[0] = '\0';
	e->message[0] = '\0';
	if (body == NULL)
		len = 0;
	while (i < len && strchr(" \t\r\n", body[i]) != NULL && body[i] != '\0')
		i++;
	if (i < len && body[i] == '{')
		(void)awserr_json(body, len, e);
	else if (i < len && body[i] == '<')
		awserr_xml(body, len, e);
	if (e->code[0] != '\0')
		return;
	snprintf(e->code, sizeof(e->code), "HTTP%ld", status);
	if (e->message[0] == '\0') {
		awserr_copy(e->message, sizeof(e->message), body + i,
		    len - i < AWSERR_EXCERPT ? len - i : AWSERR_EXCERPT, 1);
	}
}
