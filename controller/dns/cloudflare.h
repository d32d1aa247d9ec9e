/*
 * cloudflare: the Cloudflare DNS API v4 adapter, for the one A record the
 * VPN endpoint keeps (https://api.cloudflare.com/client/v4).
 *
 * cloudflare.c holds the pure builders and parsers (json-c stays inside);
 * cloudflare_call.c the asynchronous calls through the http client. Every
 * request carries "Authorization: Bearer TOKEN"; the token is copied into
 * the request's headers only, wiped when the call ends, and never logged,
 * never put into a cf_answer, never into an error message.
 *
 * The envelope: {"success":bool,"errors":[{"code":n,"message":s}],
 * "messages":[],"result":{...} or [...], "result_info":{...}}.
 */
#ifndef CLOUDFLARE_H
#define CLOUDFLARE_H

#include <stddef.h>

struct buf;
struct http_client;

#define CF_DEFAULT_API		"https://api.cloudflare.com/client/v4"
#define CF_MAX_RECORDS		8	/* records kept from one list answer */

/* Error codes Cloudflare documents that the sync acts on. */
#define CF_ERR_RECORD_MISSING	81044	/* "Record does not exist." */
#define CF_ERR_AUTH		10000	/* "Authentication error" */
#define CF_ERR_AUTH_TOKEN	9109	/* "Invalid access token" / unauthorized */

struct cf_record {
	char	id[64];		/* 32 hex in practice */
	char	type[16];	/* "A" */
	char	name[256];	/* "vpn.example.com" */
	char	content[64];	/* "203.0.113.10" */
	long	ttl;		/* 1 = automatic, else seconds */
	int	proxied;	/* 0 or 1 */
};

/*
 * One answer, as the sync needs it. For a list, records[] holds the first
 * CF_MAX_RECORDS records and total how many the answer said there are
 * (result_info.total_count when present, else the length of the result
 * array). For a get, patch or create, n_records is 1 on success.
 */
struct cf_answer {
	int		 transport;	/* 1: no HTTP answer (connect, timeout, too big) */
	long		 http_status;	/* 0 when transport */
	long		 retry_after_s;	/* Retry-After in seconds, -1 when absent */
	int		 success;	/* 2xx and "success": true and a result that parsed */
	int		 code;		/* the first errors[].code, 0 when none */
	char		 message[256];	/* the first errors[].message, a transport or
					   parse reason, "" on success; printable ASCII */
	struct cf_record records[CF_MAX_RECORDS];
	size_t		 n_records;
	size_t		 total;
};

/*
 * cf_build_record: {"type":"A","name":NAME,"content":IP,"ttl":TTL,
 * "proxied":false} into out (JSON-escaped). proxied is always false: a
 * WireGuard endpoint is UDP. Returns 0, or -1 when an argument is NULL or
 * empty or out's cap is reached.
 */
int cf_build_record(struct buf *out, const char *name, const char *content,
    long ttl);

/*
 * cf_parse: fills *out (overwritten) from an answer body of HTTP status
 * `status`. list is 1 when "result" is expected to be an array of records
 * (a list), 0 when one record object (get, patch, create). Never fails:
 * a body that is not the envelope leaves success 0 with a reason in
 * message ("not JSON", "no success field", ...); an error envelope copies
 * the first error's code and message; a record whose fields are missing or
 * of the wrong type, or too long for struct cf_record, makes the answer a
 * failure ("malformed record"). retry_after_s is set to -1 and transport to
 * 0 (the caller fills them from the HTTP layer).
 */
void cf_parse(const char *json, size_t len, long status, int list,
    struct cf_answer *out);

/* cf_done_cb: a is valid during the call only. Called exactly once. */
typedef void (*cf_done_cb)(const struct cf_answer *a, void *arg);

/*
 * The calls. api is the API base without a trailing slash
 * (CF_DEFAULT_API, or a test's fake); zone and record ids and the name are
 * URL-encoded into the path and query. Each copies everything it is given
 * (the token too, wiped when the call ends) and returns 0, then later calls
 * cb exactly once from the event loop; or -1 (cb never called) when the
 * request cannot be built or started. Timeouts: connect 5 s, total 20 s;
 * answers are capped at 256 KiB.
 *
 * cf_get_record:    GET   {api}/zones/{zone}/dns_records/{id}
 * cf_list_records:  GET   {api}/zones/{zone}/dns_records?type=A&name={name}
 * cf_update_record: PATCH {api}/zones/{zone}/dns_records/{id}, cf_build_record body
 * cf_create_record: POST  {api}/zones/{zone}/dns_records, cf_build_record body
 */
int cf_get_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *id, cf_done_cb cb, void *arg);
int cf_list_records(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *name, cf_done_cb cb, void *arg);
int cf_update_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *id, const char *name, const char *content,
    long ttl, cf_done_cb cb, void *arg);
int cf_create_record(struct http_client *h, const char *api, const char *token,
    const char *zone, const char *name, const char *content, long ttl,
    cf_done_cb cb, void *arg);

#endif
