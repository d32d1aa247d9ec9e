/* sigv4: AWS Signature Version 4 (header signing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "sigv4.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"

struct sigv4_canon_header {
	char	*name;		/* lowercase */
	char	*value;		/* trimmed, blanks collapsed */
	size_t	 order;		/* position given, for a stable sort */
};

static const char sigv4_hex[] = "0123456789abcdef";

static void
sigv4_to_hex(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = sigv4_hex[in[i] >> 4];
		out[2 * i + 1] = sigv4_hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen != 32) {
		/* cannot happen with a working libcrypto; sign nothing valid */
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	sigv4_to_hex(md, 32, out);
}

static int
sigv4_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* enc: n bytes of s percent-encoded (uppercase hex), '/' kept if keep_slash. */
static int
sigv4_enc(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3];

		if (sigv4_unreserved(c) || (keep_slash && c == '/')) {
			if (buf_add(b, &s[i], 1) == -1)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (buf_add(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

static int
sigv4_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* reenc: n bytes of s percent-decoded, then encoded again. */
static int
sigv4_reenc(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		int hi, lo;

		/* a '%' without two hex digits is a literal '%' */
		if (c == '%' && n - i > 2 &&
		    (hi = sigv4_hexval(s[i + 1])) >= 0 &&
		    (lo = sigv4_hexval(s[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (sigv4_enc(b, &c, 1, 0) == -1)
			return -1;
	}
	return 0;
}

char *
sigv4_canonical_path(const char *path, int normalize)
{
	struct buf out, norm;
	const char *p, *seg, *end;
	size_t *starts = NULL, nseg = 0, n, len;
	char *ret = NULL;

	buf_init(&out, SIGV4_MAX_CANONICAL);
	buf_init(&norm, SIGV4_MAX_CANONICAL);
	if (path == NULL || *path == '\0')
		path = "/";
	len = strlen(path);
	if (!normalize) {
		if (sigv4_enc(&out, path, len, 1) == -1)
			goto out;
		ret = buf_detach(&out);
		goto out;
	}
	/*
	 * Remove dot segments and empty segments. starts[] holds where each
	 * kept segment begins in norm, so ".." can cut it off again.
	 */
	if ((starts = calloc(len + 1, sizeof(*starts))) == NULL)
		goto out;
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		seg = p;
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (nseg > 0) {
				norm.len = starts[--nseg];
				norm.data[norm.len] = '\0';
			}
			continue;
		}
		starts[nseg++] = norm.len;
		if (buf_add(&norm, "/", 1) == -1 || buf_add(&norm, seg, n) == -1)
			goto out;
	}
	if (nseg == 0 || path[len - 1] == '/')
		if (buf_add(&norm, "/", 1) == -1)
			goto out;
	if (sigv4_enc(&out, norm.data, norm.len, 1) == -1)
		goto out;
	ret = buf_detach(&out);
out:
	free(starts);
	buf_free(&norm);
	buf_free(&out);
	return ret;
}

struct sigv4_param {
	char	*key;	/* encoded */
	char	*value;	/* encoded */
};

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param *x = a, *y = b;
	int c;

	if ((c = strcmp(x->key, y->key)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

char *
sigv4_canonical_query(const char *query)
{
	struct sigv4_param *params = NULL;
	struct buf out, tmp;
	const char *p, *end, *eq;
	size_t n = 0, cap = 0, i;
	char *ret = NULL;

	buf_init(&out, SIGV4_MAX_CANONICAL);
	buf_init(&tmp, SIGV4_MAX_CANONICAL);
	if (query == NULL)
		query = "";
	for (p = query; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct sigv4_param *np;

			if ((np = reallocarray(params, nc, sizeof(*np))) == NULL)
				goto out;
			params = np;
			cap = nc;
		}
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			eq = end;
		params[n].key = params[n].value = NULL;
		n++;
		if (sigv4_reenc(&tmp, p, (size_t)(eq - p)) == -1 ||
		    (params[n - 1].key = buf_detach(&tmp)) == NULL)
			goto out;
		if (eq < end && sigv4_reenc(&tmp, eq + 1,
		    (size_t)(end - eq - 1)) == -1)
			goto out;
		if ((params[n - 1].value = buf_detach(&tmp)) == NULL)
			goto out;
	}
	if (n > 0)
		qsort(params, n, sizeof(*params), sigv4_param_cmp);
	for (i = 0; i < n; i++)
		if (buf_addf(&out, "%s%s=%s", i ? "&" : "", params[i].key,
		    params[i].value) == -1)
			goto out;
	ret = buf_detach(&out);
out:
	for (i = 0; i < n; i++) {
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	buf_free(&tmp);
	buf_free(&out);
	return ret;
}

static int
sigv4_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* canon_value: v trimmed, every run of blanks made one space; malloc'd. */
static char *
sigv4_canon_value(const char *v)
{
	char *out, *d;
	int blank = 0;

	if ((out = malloc(strlen(v) + 1)) == NULL)
		return NULL;
	for (d = out; *v != '\0'; v++) {
		if (sigv4_blank(*v)) {
			blank = 1;
			continue;
		}
		if (blank && d != out)
			*d++ = ' ';
		blank = 0;
		*d++ = *v;
	}
	*d = '\0';
	return out;
}

static int
sigv4_header_cmp(const void *a, const void *b)
{
	const struct sigv4_canon_header *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
sigv4_canon_headers_free(struct sigv4_canon_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].name);
		if (h[i].value != NULL) {
			OPENSSL_cleanse(h[i].value, strlen(h[i].value));
			free(h[i].value);
		}
	}
}

/*
 * canon_headers: appends the canonical headers block of all (the caller's
 * then the added ones) to cr and the signed header list to sh.
 */
static int
sigv4_canon_headers(const struct sigv4_header *all, size_t nall,
    struct buf *cr, struct buf *sh, char *err, size_t errlen)
{
	struct sigv4_canon_header h[SIGV4_MAX_HEADERS];
	size_t i, j, n = 0;
	char *c;
	int rc = -1;

	for (i = 0; i < nall; i++) {
		if (all[i].name == NULL || all[i].name[0] == '\0' ||
		    all[i].value == NULL) {
			snprintf(err, errlen, "sigv4: header %zu has no name or "
			    "value", i);
			goto out;
		}
		h[n].order = i;
		h[n].name = strdup(all[i].name);
		h[n].value = sigv4_canon_value(all[i].value);
		n++;
		if (h[n - 1].name == NULL || h[n - 1].value == NULL) {
			snprintf(err, errlen, "sigv4: out of memory");
			goto out;
		}
		for (c = h[n - 1].name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	qsort(h, n, sizeof(h[0]), sigv4_header_cmp);
	snprintf(err, errlen, "sigv4: canonical request larger than %d bytes",
	    SIGV4_MAX_CANONICAL);
	for (i = 0; i < n; i = j) {
		if (buf_addf(cr, "%s:%s", h[i].name, h[i].value) == -1 ||
		    buf_addf(sh, "%s%s", i ? ";" : "", h[i].name) == -1)
			goto out;
		for (j = i + 1; j < n && strcmp(h[j].name, h[i].name) == 0; j++)
			if (buf_addf(cr, ",%s", h[j].value) == -1)
				goto out;
		if (buf_add(cr, "\n", 1) == -1)
			goto out;
	}
	err[0] = '\0';
	rc = 0;
out:
	sigv4_canon_headers_free(h, n);
	return rc;
}

static int
sigv4_hmac(const void *key, size_t keylen, const char *msg,
    unsigned char out[32])
{
	unsigned int len = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &len) == NULL || len != 32)
		return -1;
	return 0;
}

/* signature: hex HMAC chain over the string to sign into out[65]. */
static int
sigv4_signature(const struct sigv4_key *key, const char *date,
    const char *sts, char out[65])
{
	unsigned char k[32], sig[32];
	char secret[256];
	size_t slen = strlen(key->secret_access_key);
	int rc = -1;

	if (slen + 5 > sizeof(secret))
		goto out;
	memcpy(secret, "AWS4", 4);
	memcpy(secret + 4, key->secret_access_key, slen + 1);
	if (sigv4_hmac(secret, slen + 4, date, k) == -1 ||
	    sigv4_hmac(k, sizeof(k), key->region, k) == -1 ||
	    sigv4_hmac(k, sizeof(k), key->service, k) == -1 ||
	    sigv4_hmac(k, sizeof(k), "aws4_request", k) == -1 ||
	    sigv4_hmac(k, sizeof(k), sts, sig) == -1)
		goto out;
	sigv4_to_hex(sig, sizeof(sig), out);
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(sig, sizeof(sig));
	return rc;
}

static int
sigv4_check(const struct sigv4_request *req, const struct sigv4_key *key,
    char *err, size_t errlen)
{
	size_t i;
	int host = 0;

	if (req->method == NULL || req->method[0] == '\0' ||
	    key->access_key_id == NULL || key->access_key_id[0] == '\0' ||
	    key->secret_access_key == NULL ||
	    key->secret_access_key[0] == '\0' || key->region == NULL ||
	    key->region[0] == '\0' || key->service == NULL ||
	    key->service[0] == '\0') {
		snprintf(err, errlen, "sigv4: method, access key, secret, "
		    "region and service are required");
		return -1;
	}
	if (strlen(key->secret_access_key) > 200) {
		snprintf(err, errlen, "sigv4: secret access key too long");
		return -1;
	}
	if (req->body == NULL && req->body_len != 0) {
		snprintf(err, errlen, "sigv4: body_len without a body");
		return -1;
	}
	if (req->nheaders > SIGV4_MAX_HEADERS - 3) {
		snprintf(err, errlen, "sigv4: more than %d headers",
		    SIGV4_MAX_HEADERS - 3);
		return -1;
	}
	for (i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name;

		if (n == NULL)
			continue;
		if (strcasecmp(n, "host") == 0)
			host = 1;
		if (strcasecmp(n, "x-amz-date") == 0 ||
		    strcasecmp(n, "authorization") == 0 ||
		    (key->session_token != NULL &&
		    strcasecmp(n, "x-amz-security-token") == 0) ||
		    (req->add_content_sha256 &&
		    strcasecmp(n, "x-amz-content-sha256") == 0)) {
			snprintf(err, errlen, "sigv4: header %s is the "
			    "signer's to add", n);
			return -1;
		}
	}
	if (!host) {
		snprintf(err, errlen, "sigv4: no Host header");
		return -1;
	}
	return 0;
}

int
sigv4_sign(const struct sigv4_request *req, const struct sigv4_key *key,
    time_t when, struct sigv4_result *res, char *err, size_t errlen)
{
	struct sigv4_header all[SIGV4_MAX_HEADERS];
	struct buf cr, sh, sts, auth;
	char *path = NULL, *query = NULL, date[9], crhash[65];
	struct tm tm;
	size_t nall = 0, i;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	buf_init(&cr, SIGV4_MAX_CANONICAL);
	buf_init(&sh, SIGV4_MAX_CANONICAL);
	buf_init(&sts, SIGV4_MAX_CANONICAL);
	buf_init(&auth, SIGV4_MAX_CANONICAL);
	if (sigv4_check(req, key, err, errlen) == -1)
		goto out;
	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(res->amz_date, sizeof(res->amz_date), "%Y%m%dT%H%M%SZ",
	    &tm) != 16) {
		snprintf(err, errlen, "sigv4: time %lld out of range",
		    (long long)when);
		goto out;
	}
	memcpy(date, res->amz_date, 8);
	date[8] = '\0';
	sigv4_sha256_hex(req->body, req->body_len, res->payload_hash);

	/* the headers the signer adds, in the order they are sent */
	res->headers[res->nheaders].name = "X-Amz-Date";
	res->headers[res->nheaders++].value = res->amz_date;
	if (key->session_token != NULL) {
		res->headers[res->nheaders].name = "X-Amz-Security-Token";
		res->headers[res->nheaders++].value = key->session_token;
	}
	if (req->add_content_sha256) {
		res->headers[res->nheaders].name = "x-amz-content-sha256";
		res->headers[res->nheaders++].value = res->payload_hash;
	}
	for (i = 0; i < req->nheaders; i++)
		all[nall++] = req->headers[i];
	for (i = 0; i < res->nheaders; i++)
		all[nall++] = res->headers[i];

	if ((path = sigv4_canonical_path(req->path, req->normalize_path)) ==
	    NULL || (query = sigv4_canonical_query(req->query)) == NULL) {
		snprintf(err, errlen, "sigv4: path or query too long");
		goto out;
	}
	if (buf_addf(&cr, "%s\n%s\n%s\n", req->method, path, query) == -1) {
		snprintf(err, errlen, "sigv4: path or query too long");
		goto out;
	}
	if (sigv4_canon_headers(all, nall, &cr, &sh, err, errlen) == -1)
		goto out;
	if (buf_addf(&cr, "\n%s\n%s", buf_str(&sh), res->payload_hash) == -1) {
		snprintf(err, errlen, "sigv4: canonical request too long");
		goto out;
	}
	sigv4_sha256_hex(cr.data, cr.len, crhash);
	if (buf_addf(&sts, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s",
	    res->amz_date, date, key->region, key->service, crhash) == -1) {
		snprintf(err, errlen, "sigv4: string to sign too long");
		goto out;
	}
	if (sigv4_signature(key, date, sts.data, res->signature) == -1) {
		snprintf(err, errlen, "sigv4: hmac failed");
		goto out;
	}
	if (buf_addf(&auth, SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", key->access_key_id, date,
	    key->region, key->service, buf_str(&sh), res->signature) == -1) {
		snprintf(err, errlen, "sigv4: authorization too long");
		goto out;
	}
	res->headers[res->nheaders].name = "Authorization";
	if ((res->authorization = buf_detach(&auth)) == NULL ||
	    (res->signed_headers = buf_detach(&sh)) == NULL ||
	    (res->canonical_request = buf_detach(&cr)) == NULL ||
	    (res->string_to_sign = buf_detach(&sts)) == NULL) {
		snprintf(err, errlen, "sigv4: out of memory");
		goto out;
	}
	res->headers[res->nheaders++].value = res->authorization;
	rc = 0;
out:
	if (cr.data != NULL)
		OPENSSL_cleanse(cr.data, cr.len);
	buf_free(&cr);
	buf_free(&sh);
	buf_free(&sts);
	buf_free(&auth);
	free(path);
	free(query);
	return rc;
}

void
sigv4_result_free(struct sigv4_result *res)
{
	if (res == NULL)
		return;
	free(res->authorization);
	free(res->signed_headers);
	if (res->canonical_request != NULL) {
		/* it holds the session token */
		OPENSSL_cleanse(res->canonical_request,
		    strlen(res->canonical_request));
		free(res->canonical_request);
	}
	free(res->string_to_sign);
	memset(res, 0, sizeof(*res));
}

char *
sigv4_redacted_canonical(const struct sigv4_result *res)
{
	static const char tok[] = "x-amz-security-token:";
	struct buf b;
	const char *p, *nl;

	if (res->canonical_request == NULL)
		return NULL;
	buf_init(&b, SIGV4_MAX_CANONICAL + 64);
	for (p = res->canonical_request; *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		else
			nl++;
		if (strncmp(p, tok, sizeof(tok) - 1) == 0) {
			if (buf_adds(&b, tok) == -1 ||
			    buf_adds(&b, "<redacted>") == -1 ||
			    (nl[-1] == '\n' && buf_add(&b, "\n", 1) == -1))
				goto fail;
			continue;
		}
		if (buf_add(&b, p, (size_t)(nl - p)) == -1)
			goto fail;
	}
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}
