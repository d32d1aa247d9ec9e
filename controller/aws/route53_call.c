/*
 * route53_call: the asynchronous Route 53 calls through aws_call(). aws_call
 * copies the request, so path, query and body are built on the stack and
 * freed at once; a call's context holds only what its done callback needs
 * and is freed there, after the caller's callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "route53.h"

#define R53_MAX_REQUEST	(16 * 1024)	/* request bytes: path, query or body */
#define R53_MAX_ID	32		/* zone and change ids: "Z0123456789ABCDEFGHIJ" */
#define R53_COMMENT	"stingy-vpn"

enum r53_kind { R53_UPSERT, R53_GET_CHANGE, R53_GET_RECORD };

struct r53_call {
	enum r53_kind	 kind;
	r53_change_cb	 change;
	r53_record_cb	 record;
	void		*arg;
	char		*name;		/* R53_GET_RECORD: the name, lowercased */
};

static const char *const r53_what[] = {
	[R53_UPSERT] = "route53 ChangeResourceRecordSets",
	[R53_GET_CHANGE] = "route53 GetChange",
	[R53_GET_RECORD] = "route53 ListResourceRecordSets",
};

static void
r53_call_free(struct r53_call *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c);
}

/*
 * Drops prefix ("/hostedzone/", "/change/") from id and checks what is
 * left: 1 to R53_MAX_ID letters and digits, so that it can go into a path
 * as it is. NULL when it cannot.
 */
static const char *
r53_id(const char *id, const char *prefix)
{
	size_t n, i;

	if (id == NULL)
		return NULL;
	n = strlen(prefix);
	if (strncmp(id, prefix, n) == 0)
		id += n;
	n = strlen(id);
	if (n == 0 || n > R53_MAX_ID)
		return NULL;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9')))
			return NULL;
	return id;
}

/* ASCII letters lowercased in place, whatever the locale; returns s. */
static char *
r53_lower(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	return s;
}

static void
r53_malformed(struct aws_error *e, long status, const char *why)
{
	memset(e, 0, sizeof(*e));
	e->http_status = status;
	snprintf(e->code, sizeof(e->code), "MalformedResponse");
	snprintf(e->message, sizeof(e->message), "%s", why);
}

static void
r53_change_done_cb(const struct aws_response *res, void *arg)
{
	struct r53_call *c = arg;
	struct aws_error e;
	char id[64], status[32], why[256];

	if (!res->ok)
		c->change(&res->err, NULL, NULL, c->arg);
	else if (r53_parse_change(res->body, res->body_len, id, sizeof(id),
	    status, sizeof(status), why, sizeof(why)) == -1) {
		r53_malformed(&e, res->status, why);
		c->change(&e, NULL, NULL, c->arg);
	} else
		c->change(NULL, id, status, c->arg);
	r53_call_free(c);
}

static void
r53_record_done_cb(const struct aws_response *res, void *arg)
{
	struct r53_call *c = arg;
	struct r53_rrset rr;
	struct aws_error e;
	char why[256];
	int found;

	if (!res->ok)
		c->record(&res->err, NULL, c->arg);
	else if (r53_parse_list(res->body, res->body_len, &rr, &found, why,
	    sizeof(why)) == -1) {
		r53_malformed(&e, res->status, why);
		c->record(&e, NULL, c->arg);
	} else if (found && r53_name_equal(rr.name, c->name) &&
	    strcmp(rr.type, "A") == 0)
		c->record(NULL, &rr, c->arg);
	else {
		/* none, or the next name or type in Route 53's order */
		c->record(NULL, NULL, c->arg);
	}
	r53_call_free(c);
}

static struct r53_call *
r53_call_new(enum r53_kind kind, r53_change_cb change, r53_record_cb record,
    void *arg)
{
	struct r53_call *c;

	if ((change == NULL && record == NULL) ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kind = kind;
	c->change = change;
	c->record = record;
	c->arg = arg;
	return c;
}

/*
 * Sends one call (built is the builders' 0 or -1); frees c and returns -1
 * when it does not start. The bufs are the caller's, freed here either way.
 */
static int
r53_start(struct aws *a, struct r53_call *c, int built, const char *method,
    struct buf *path, struct buf *query, struct buf *body)
{
	struct aws_request req;
	aws_done_cb done;
	int rc = -1;

	if (built == -1)
		goto out;
	done = c->kind == R53_GET_RECORD ? r53_record_done_cb :
	    r53_change_done_cb;
	memset(&req, 0, sizeof(req));
	req.service = "route53";
	req.method = method;
	req.path = buf_str(path);
	req.query = query->len ? buf_str(query) : NULL;
	if (body->len) {
		req.content_type = "application/xml";
		req.body = body->data;
		req.body_len = body->len;
	}
	req.what = r53_what[c->kind];
	rc = aws_call(a, &req, done, c);
out:
	if (rc == -1) {
		log_debug("%s: request not started", r53_what[c->kind]);
		r53_call_free(c);
	}
	buf_free(path);
	buf_free(query);
	buf_free(body);
	return rc;
}

int
r53_upsert(struct aws *a, const char *zone, const char *name,
    const char *value, long ttl, r53_change_cb cb, void *arg)
{
	struct buf path, query, body;
	struct r53_call *c;
	const char *z;
	int built;

	if (cb == NULL ||
	    (c = r53_call_new(R53_UPSERT, cb, NULL, arg)) == NULL)
		return -1;
	buf_init(&path, R53_MAX_REQUEST);
	buf_init(&query, R53_MAX_REQUEST);
	buf_init(&body, R53_MAX_REQUEST);
	built = ((z = r53_id(zone, "/hostedzone/")) == NULL ||
	    buf_addf(&path, "/2013-04-01/hostedzone/%s/rrset/", z) == -1 ||
	    r53_build_upsert(&body, name, value, ttl, R53_COMMENT) == -1) ?
	    -1 : 0;
	return r53_start(a, c, built, "POST", &path, &query, &body);
}

int
r53_get_change(struct aws *a, const char *id, r53_change_cb cb, void *arg)
{
	struct buf path, query, body;
	struct r53_call *c;
	const char *cid;
	int built;

	if (cb == NULL ||
	    (c = r53_call_new(R53_GET_CHANGE, cb, NULL, arg)) == NULL)
		return -1;
	buf_init(&path, R53_MAX_REQUEST);
	buf_init(&query, R53_MAX_REQUEST);
	buf_init(&body, R53_MAX_REQUEST);
	built = ((cid = r53_id(id, "/change/")) == NULL ||
	    buf_addf(&path, "/2013-04-01/change/%s", cid) == -1) ? -1 : 0;
	return r53_start(a, c, built, "GET", &path, &query, &body);
}

/*
 * The query is written in the header's order; sigv4.c sorts it for the
 * canonical request, and the URL may carry it in any order. The name goes
 * in lowercased: Route 53 keeps names lowercase and compares them so, but
 * moto starts its listing with a case-sensitive comparison.
 */
int
r53_get_record(struct aws *a, const char *zone, const char *name,
    r53_record_cb cb, void *arg)
{
	struct buf path, query, body;
	struct r53_call *c;
	const char *z;
	int built;

	if (cb == NULL ||
	    (c = r53_call_new(R53_GET_RECORD, NULL, cb, arg)) == NULL)
		return -1;
	buf_init(&path, R53_MAX_REQUEST);
	buf_init(&query, R53_MAX_REQUEST);
	buf_init(&body, R53_MAX_REQUEST);
	built = ((z = r53_id(zone, "/hostedzone/")) == NULL || name == NULL ||
	    name[0] == '\0' || (c->name = strdup(name)) == NULL ||
	    buf_addf(&path, "/2013-04-01/hostedzone/%s/rrset", z) == -1 ||
	    r53_lower(c->name) == NULL ||
	    buf_adds(&query, "name=") == -1 ||
	    buf_add_urlenc(&query, c->name) == -1 ||
	    buf_adds(&query, "&type=A&maxitems=1") == -1) ? -1 : 0;
	return r53_start(a, c, built, "GET", &path, &query, &body);
}
