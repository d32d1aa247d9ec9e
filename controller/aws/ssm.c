/* ssm: SSM JSON request builders and answer parsers (no I/O). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "buf.h"
#include "ssm.h"

#define SSM_MAX_VERSION	(1LL << 53)

int
ssm_build_get(struct buf *out, const char *name, int with_decryption)
{
	if (name == NULL || name[0] == '\0')
		return -1;
	if (buf_adds(out, "{\"Name\":") == -1 || buf_add_json_str(out, name) == -1 ||
	    buf_addf(out, ",\"WithDecryption\":%s}",
	    with_decryption ? "true" : "false") == -1)
		return -1;
	return 0;
}

int
ssm_build_put(struct buf *out, const char *name, const char *value,
    const char *type, int overwrite)
{
	if (name == NULL || name[0] == '\0' || value == NULL)
		return -1;
	if (buf_adds(out, "{\"Name\":") == -1 || buf_add_json_str(out, name) == -1 ||
	    buf_adds(out, ",\"Value\":") == -1 ||
	    buf_add_json_str(out, value) == -1 ||
	    buf_adds(out, ",\"Type\":") == -1 ||
	    buf_add_json_str(out, type ? type : "String") == -1 ||
	    buf_addf(out, ",\"Overwrite\":%s}", overwrite ? "true" : "false") == -1)
		return -1;
	return 0;
}

void
ssm_parameter_free(struct ssm_parameter *p)
{
	if (p == NULL)
		return;
	if (p->value)
		explicit_bzero(p->value, strlen(p->value));
	free(p->value);
	free(p->name);
	free(p->type);
	memset(p, 0, sizeof(*p));
}

/*
 * Wipes the bytes of a json-c string in place. json-c hands out const
 * pointers, but the object is ours and about to be put: go through
 * uintptr_t to drop the qualifier deliberately.
 */
static void
ssm_wipe_json_str(struct json_object *v)
{
	int n;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return;
	n = json_object_get_string_len(v);
	if (n > 0)
		explicit_bzero((char *)(uintptr_t)json_object_get_string(v),
		    (size_t)n);
}

/*
 * Wipes and frees the tokener: its print buffer holds the last string it
 * read, which may be the value. (json-c 0.16 still exposes the struct.)
 */
static void
ssm_tokener_free(struct json_tokener *tok)
{
	if (tok == NULL)
		return;
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
}

/*
 * Parses a whole JSON document: one value and nothing but whitespace after
 * it. The caller puts the object. *tokp gets the tokener for the caller to
 * wipe and free.
 */
static struct json_object *
ssm_json_parse(const char *s, size_t len, struct json_tokener **tokp,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	*tokp = NULL;
	if (len > INT_MAX) {
		snprintf(err, errlen, "answer too big (%zu bytes)", len);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*tokp = tok;
	o = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL) {
		snprintf(err, errlen, "%s", jerr == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(jerr));
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", s[end]) == NULL || s[end] == '\0') {
			snprintf(err, errlen, "data after the JSON value at "
			    "byte %zu", end);
			json_object_put(o);
			return NULL;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "answer is not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A malloc'd copy of string member key of o, bounded and free of NULs; NULL with err set. */
static char *
ssm_member(struct json_object *o, const char *key, size_t max, char *err,
    size_t errlen)
{
	struct json_object *v;
	const char *s;
	char *copy;
	int n;

	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(err, errlen, "no %s", key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s is not a string", key);
		return NULL;
	}
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (n < 0 || (size_t)n > max || strlen(s) != (size_t)n) {
		snprintf(err, errlen, "%s too long or holds a NUL", key);
		return NULL;
	}
	if ((copy = strdup(s)) == NULL)
		snprintf(err, errlen, "out of memory");
	return copy;
}

/* Version: an integer in 1..2^53 (json-c saturates bigger ones: refuse those). */
static int
ssm_version(struct json_object *o, long long *version, char *err,
    size_t errlen)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, "Version", &v)) {
		snprintf(err, errlen, "no Version");
		return -1;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "Version is not an integer");
		return -1;
	}
	n = json_object_get_int64(v);
	if (n < 1 || n > SSM_MAX_VERSION) {
		snprintf(err, errlen, "Version out of range");
		return -1;
	}
	*version = (long long)n;
	return 0;
}

int
ssm_parse_get(const char *json, size_t len, struct ssm_parameter *out,
    char *err, size_t errlen)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *param, *value = NULL;
	char why[128];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = ssm_json_parse(json, len, &tok, why, sizeof(why))) == NULL)
		goto done;
	if (!json_object_object_get_ex(root, "Parameter", &param) ||
	    !json_object_is_type(param, json_type_object)) {
		snprintf(why, sizeof(why), "no Parameter object");
		goto done;
	}
	(void)json_object_object_get_ex(param, "Value", &value);
	if ((out->name = ssm_member(param, "Name", SSM_MAX_NAME, why,
	    sizeof(why))) == NULL ||
	    (out->type = ssm_member(param, "Type", SSM_MAX_TYPE, why,
	    sizeof(why))) == NULL ||
	    (out->value = ssm_member(param, "Value", SSM_MAX_VALUE, why,
	    sizeof(why))) == NULL ||
	    ssm_version(param, &out->version, why, sizeof(why)) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		snprintf(err, errlen, "ssm GetParameter: %s", why);
		ssm_parameter_free(out);
	}
	ssm_wipe_json_str(value);
	json_object_put(root);
	ssm_tokener_free(tok);
	return rc;
}

int
ssm_parse_put(const char *json, size_t len, long long *version, char *err,
    size_t errlen)
{
	struct json_tokener *tok = NULL;
	struct json_object *root;
	char why[128];
	int rc = -1;

	if ((root = ssm_json_parse(json, len, &tok, why, sizeof(why))) == NULL ||
	    ssm_version(root, version, why, sizeof(why)) == -1)
		snprintf(err, errlen, "ssm PutParameter: %s", why);
	else
		rc = 0;
	json_object_put(root);
	ssm_tokener_free(tok);
	return rc;
}
