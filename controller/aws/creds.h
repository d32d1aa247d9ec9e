/*
 * creds: the AWS credential chain, as the SDKs walk it:
 *
 *  1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *     AWS_SESSION_TOKEN;
 *  2. the profile (creds_load's argument, else AWS_PROFILE, else "default")
 *     in the shared credentials file ([NAME] in AWS_SHARED_CREDENTIALS_FILE,
 *     default ~/.aws/credentials): aws_access_key_id, aws_secret_access_key,
 *     aws_session_token;
 *  3. the profile's credential_process (credentials file, then config file):
 *     run without a shell, it prints
 *     {"Version":1,"AccessKeyId","SecretAccessKey","SessionToken"?,"Expiration"?};
 *  4. the same keys in the config file ([profile NAME], or [default]; file
 *     AWS_CONFIG_FILE, default ~/.aws/config).
 *
 * A key id without its secret is an error, not a reason to look further.
 * Secrets never reach the logs, and every struct or buffer that held them is
 * wiped before it is freed.
 */
#ifndef CREDS_H
#define CREDS_H

#include <stddef.h>
#include <time.h>

#define CREDS_PROCESS_MAX_OUTPUT	(64 * 1024)	/* bytes of stdout read */
#define CREDS_PROCESS_TIMEOUT_MS	30000		/* then it is killed */
#define CREDS_REFRESH_S			300		/* refresh this long before expiry */

enum creds_source {
	CREDS_ENV,
	CREDS_CREDENTIALS_FILE,
	CREDS_PROCESS,
	CREDS_CONFIG_FILE
};

struct creds {
	char			*access_key_id;
	char			*secret_access_key;
	char			*session_token;	/* NULL: none */
	time_t			 expiration;	/* UTC seconds; 0: never expires */
	enum creds_source	 source;
	char			 profile[128];	/* the profile used ("" for CREDS_ENV) */
	char			 where[1200];	/* for logs: "environment", "profile dev
						   in /root/.aws/credentials", ... */
};

/*
 * creds_load: walks the chain for profile (NULL: AWS_PROFILE, else
 * "default"). Returns a new struct the caller frees with creds_free(), or
 * NULL with a message in err: a broken credential_process (naming the
 * profile), a partial key pair, an unreadable file, or, when nothing was
 * found, "no aws credentials: ..." naming every place looked at.
 */
struct creds *creds_load(const char *profile, char *err, size_t errlen);

/* creds_free: wipes the secrets and frees c. NULL is a no-op. */
void creds_free(struct creds *c);

/*
 * creds_need_refresh: 1 when c expires within CREDS_REFRESH_S of now (or
 * has expired); 0 for credentials without an expiry.
 */
int creds_need_refresh(const struct creds *c, time_t now);

/* creds_source_str: "environment", "credentials file", ... (static). */
const char *creds_source_str(enum creds_source s);

/*
 * creds_split_argv: splits a credential_process command line into argv
 * the way a simple shell would: blanks separate words, '...' keeps
 * everything literally, "..." keeps everything but a backslash before '"'
 * or '\', and outside quotes a backslash escapes the next character. No
 * variables, globs or redirections. Returns a NULL-terminated malloc'd
 * vector (free it with creds_argv_free) and sets *argc, or NULL with a
 * message in err (an unclosed quote, no words, more than 64 words).
 */
char **creds_split_argv(const char *cmdline, int *argc, char *err,
    size_t errlen);
void creds_argv_free(char **argv);

/*
 * creds_process_parse: parses credential_process output (len bytes, not
 * necessarily NUL-terminated) into *c (whose old contents are ignored; on
 * failure nothing is left allocated in it). Returns 0, or -1 with a message
 * in err naming what is wrong (never echoing the output, which may hold
 * secrets).
 */
int creds_process_parse(const char *out, size_t len, struct creds *c,
    char *err, size_t errlen);

/*
 * creds_process_run: runs cmdline (split by creds_split_argv, executed with
 * execvp, stdin from /dev/null, stderr inherited), reads at most
 * CREDS_PROCESS_MAX_OUTPUT bytes of its stdout within timeout_ms (0:
 * CREDS_PROCESS_TIMEOUT_MS; on timeout the process is killed) and parses it
 * into *c. Blocks the caller for as long as the process runs. Returns 0, or
 * -1 with a message in err starting with "profile PROFILE: credential_process".
 */
int creds_process_run(const char *cmdline, const char *profile,
    long timeout_ms, struct creds *c, char *err, size_t errlen);

/*
 * creds_parse_time: "2024-05-01T12:00:00Z", with optional fractional
 * seconds and a "Z" or "+hh:mm"/"-hh:mm" offset, into UTC seconds; -1 when
 * it does not parse.
 */
time_t creds_parse_time(const char *s);

#endif
