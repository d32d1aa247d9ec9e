/*
 * sigv4: AWS Signature Version 4 for the Authorization header, on OpenSSL
 * libcrypto (HMAC(EVP_sha256()) and SHA-256). No I/O and no clock: the
 * caller passes the time, so the official vectors are reproducible.
 *
 * Canonicalization, as aws-c-auth does it for every service but S3:
 *  - the path, normalized when asked (empty and "." segments dropped, ".."
 *    removing the one before, a trailing '/' kept), then URI-encoded with
 *    '/' kept: the path as it goes on the wire is encoded once more;
 *  - the query split on '&', each key and value percent-decoded and
 *    re-encoded (RFC 3986 unreserved kept, '+' is a literal plus), sorted by
 *    key then value, "k=" for a parameter without '=';
 *  - header names lowercased and sorted, values trimmed with internal
 *    whitespace runs (line folds included) collapsed to one space,
 *    duplicate names joined with ',' in the order given;
 *  - the payload hash is the SHA-256 of the body.
 *
 * Signed and added by the signer: X-Amz-Date, X-Amz-Security-Token (when a
 * session token is given) and x-amz-content-sha256 (when asked).
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_MAX_HEADERS	32	/* headers per request, added ones included */
#define SIGV4_MAX_CANONICAL	(256 * 1024)	/* bytes of canonical request */

struct sigv4_header {
	const char	*name;
	const char	*value;
};

struct sigv4_request {
	const char			*method;	/* "GET", "POST" */
	const char			*path;		/* as on the wire; NULL or "": "/" */
	const char			*query;		/* NULL or "a=b&c=d", no '?' */
	const struct sigv4_header	*headers;	/* must hold Host */
	size_t				 nheaders;
	const char			*body;		/* may be NULL when body_len is 0 */
	size_t				 body_len;
	int				 normalize_path;	/* 1 for every service but S3 */
	int				 add_content_sha256;	/* send and sign x-amz-content-sha256 */
};

struct sigv4_key {
	const char	*access_key_id;
	const char	*secret_access_key;
	const char	*session_token;		/* NULL: none */
	const char	*region;		/* signing region: "eu-west-1" */
	const char	*service;		/* signing name: "sqs", "route53" */
};

/*
 * struct sigv4_result: what signing produced. headers[] are the headers to
 * add to the request, after the caller's: their names are static strings,
 * their values point into this struct, except X-Amz-Security-Token's, which
 * is key->session_token itself (the caller keeps it alive while it uses
 * them). canonical_request and string_to_sign are for debug logs after a
 * SignatureDoesNotMatch; the canonical request holds the session token, so
 * log it through sigv4_redacted_canonical().
 */
struct sigv4_result {
	char			 amz_date[17];		/* "20150830T123600Z" */
	char			 payload_hash[65];
	char			 signature[65];		/* lowercase hex */
	char			*authorization;		/* the Authorization value */
	char			*signed_headers;	/* "host;x-amz-date" */
	char			*canonical_request;
	char			*string_to_sign;
	struct sigv4_header	 headers[4];
	size_t			 nheaders;
};

/*
 * sigv4_sign: signs req with key at time `when` (UTC seconds). Fills *res,
 * which the caller releases with sigv4_result_free() whether or not this
 * succeeded. Returns 0, or -1 with a message in err (a required field
 * missing, Host absent, X-Amz-Date or Authorization already present, too
 * many headers, a canonical request over SIGV4_MAX_CANONICAL, out of memory).
 * Secrets are wiped from the stack before it returns.
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_key *key,
    time_t when, struct sigv4_result *res, char *err, size_t errlen);

/* sigv4_result_free: frees what res holds and zeroes it. */
void sigv4_result_free(struct sigv4_result *res);

/*
 * sigv4_redacted_canonical: a malloc'd copy of the canonical request in res
 * with the x-amz-security-token value replaced by "<redacted>", for logs.
 * NULL when out of memory or res holds none.
 */
char *sigv4_redacted_canonical(const struct sigv4_result *res);

/*
 * sigv4_canonical_path: the canonical URI of path into a malloc'd string
 * (exported for tests). NULL when out of memory.
 */
char *sigv4_canonical_path(const char *path, int normalize);

/* sigv4_canonical_query: the canonical query string of query (NULL: ""), malloc'd. */
char *sigv4_canonical_query(const char *query);

/* sigv4_sha256_hex: the SHA-256 of data in lowercase hex into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
