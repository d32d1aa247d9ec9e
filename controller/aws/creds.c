/* creds: the AWS credential chain. */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "awsini.h"
#include "buf.h"
#include "creds.h"

#define CREDS_MAX_ARGS		64
#define CREDS_MAX_KEY_ID	128	/* bytes */
#define CREDS_MAX_SECRET	128
#define CREDS_MAX_TOKEN		8192

static void
creds_wipe_str(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* clear: frees the strings of c, wiped; leaves the rest of c alone. */
static void
creds_clear(struct creds *c)
{
	creds_wipe_str(c->access_key_id);
	creds_wipe_str(c->secret_access_key);
	creds_wipe_str(c->session_token);
	c->access_key_id = c->secret_access_key = c->session_token = NULL;
}

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	creds_clear(c);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int
creds_need_refresh(const struct creds *c, time_t now)
{
	return c->expiration != 0 && now + CREDS_REFRESH_S >= c->expiration;
}

const char *
creds_source_str(enum creds_source s)
{
	switch (s) {
	case CREDS_ENV:
		return "environment";
	case CREDS_CREDENTIALS_FILE:
		return "credentials file";
	case CREDS_PROCESS:
		return "credential_process";
	case CREDS_CONFIG_FILE:
		return "config file";
	}
	return "?";
}

/*
 * valid: a key, secret or token goes into an HTTP header: 1..max printable
 * ASCII characters without blanks.
 */
static int
creds_valid(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (unsigned char)s[i] <= ' ' ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * set: copies the three values into c after checking them. what names the
 * source in messages. -1 with a message in err.
 */
static int
creds_set(struct creds *c, const char *id, const char *secret,
    const char *token, const char *what, char *err, size_t errlen)
{
	if (!creds_valid(id, CREDS_MAX_KEY_ID)) {
		snprintf(err, errlen, "%s: access key id is empty, too long or "
		    "holds blanks", what);
		return -1;
	}
	if (!creds_valid(secret, CREDS_MAX_SECRET)) {
		snprintf(err, errlen, "%s: secret access key is empty, too long "
		    "or holds blanks", what);
		return -1;
	}
	if (token != NULL && *token == '\0')
		token = NULL;
	if (token != NULL && !creds_valid(token, CREDS_MAX_TOKEN)) {
		snprintf(err, errlen, "%s: session token is too long or holds "
		    "blanks", what);
		return -1;
	}
	if ((c->access_key_id = strdup(id)) == NULL ||
	    (c->secret_access_key = strdup(secret)) == NULL ||
	    (token != NULL && (c->session_token = strdup(token)) == NULL)) {
		creds_clear(c);
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	return 0;
}

time_t
creds_parse_time(const char *s)
{
	struct tm tm;
	int n = 0, off = 0, oh, om;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	if (tm.tm_year < 1970 || tm.tm_year > 9999 || tm.tm_mon < 1 ||
	    tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 ||
	    tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
		    oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*s == '-' ? -1 : 1);
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return t - off;
}

char **
creds_split_argv(const char *cmdline, int *argc, char *err, size_t errlen)
{
	char **argv = NULL, *word = NULL, *w;
	const char *p = cmdline;
	int n = 0;

	*argc = 0;
	if ((argv = calloc(CREDS_MAX_ARGS + 1, sizeof(*argv))) == NULL ||
	    (word = malloc(strlen(cmdline) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (;;) {
		int inword = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		w = word;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
		    *p != '\r') {
			inword = 1;
			if (*p == '\'') {
				for (p++; *p != '\'' && *p != '\0'; p++)
					*w++ = *p;
				if (*p++ != '\'') {
					snprintf(err, errlen, "unclosed ' quote");
					goto fail;
				}
			} else if (*p == '"') {
				for (p++; *p != '"' && *p != '\0'; p++) {
					if (*p == '\\' && (p[1] == '"' ||
					    p[1] == '\\'))
						p++;
					*w++ = *p;
				}
				if (*p++ != '"') {
					snprintf(err, errlen, "unclosed \" quote");
					goto fail;
				}
			} else if (*p == '\\' && p[1] != '\0') {
				*w++ = p[1];
				p += 2;
			} else
				*w++ = *p++;
		}
		*w = '\0';
		if (!inword)
			continue;
		if (n == CREDS_MAX_ARGS) {
			snprintf(err, errlen, "more than %d words",
			    CREDS_MAX_ARGS);
			goto fail;
		}
		if ((argv[n++] = strdup(word)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		goto fail;
	}
	free(word);
	*argc = n;
	return argv;
fail:
	free(word);
	creds_argv_free(argv);
	return NULL;
}

void
creds_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/*
 * wipe_json_string: json-c keeps its own copy of every string; wipe the
 * secret ones before the object is freed. (The tokener's scratch buffer is
 * beyond reach.)
 */
static void
creds_wipe_json_string(struct json_object *o)
{
	const char *s;
	int n;

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return;
	s = json_object_get_string(o);
	n = json_object_get_string_len(o);
	if (s != NULL && n > 0)
		OPENSSL_cleanse((void *)(uintptr_t)s, (size_t)n);
}

/* str_field: the string at key or NULL; -1 when present but not a string. */
static int
creds_str_field(struct json_object *obj, const char *key,
    struct json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(obj, key, v) || *v == NULL ||
	    json_object_is_type(*v, json_type_null)) {
		*v = NULL;
		return 0;
	}
	return json_object_is_type(*v, json_type_string) ? 0 : -1;
}

int
creds_process_parse(const char *out, size_t len, struct creds *c, char *err,
    size_t errlen)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL, *ver, *id = NULL, *secret = NULL;
	struct json_object *token = NULL, *exp = NULL;
	size_t off;
	int rc = -1;

	c->access_key_id = c->secret_access_key = c->session_token = NULL;
	c->expiration = 0;
	if (len > CREDS_PROCESS_MAX_OUTPUT || len > INT32_MAX) {
		snprintf(err, errlen, "output larger than %d bytes",
		    CREDS_PROCESS_MAX_OUTPUT);
		goto out;
	}
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	obj = json_tokener_parse_ex(tok, out, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "output is not JSON");
		goto out;
	}
	for (off = json_tokener_get_parse_end(tok); off < len; off++)
		if (out[off] != ' ' && out[off] != '\t' && out[off] != '\n' &&
		    out[off] != '\r') {
			snprintf(err, errlen, "output has data after the JSON "
			    "object");
			goto out;
		}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "output is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(obj, "Version", &ver) ||
	    !json_object_is_type(ver, json_type_int) ||
	    json_object_get_int64(ver) != 1) {
		snprintf(err, errlen, "output lacks \"Version\": 1");
		goto out;
	}
	if (creds_str_field(obj, "AccessKeyId", &id) == -1 || id == NULL ||
	    creds_str_field(obj, "SecretAccessKey", &secret) == -1 ||
	    secret == NULL) {
		snprintf(err, errlen, "output lacks string AccessKeyId or "
		    "SecretAccessKey");
		goto out;
	}
	if (creds_str_field(obj, "SessionToken", &token) == -1 ||
	    creds_str_field(obj, "Expiration", &exp) == -1) {
		snprintf(err, errlen, "SessionToken or Expiration is not a string");
		goto out;
	}
	if (exp != NULL &&
	    (c->expiration = creds_parse_time(json_object_get_string(exp))) ==
	    (time_t)-1) {
		c->expiration = 0;
		snprintf(err, errlen, "Expiration is not an ISO 8601 time");
		goto out;
	}
	/* json-c strings may hold NULs; the checks below stop at the first */
	if ((size_t)json_object_get_string_len(id) !=
	    strlen(json_object_get_string(id)) ||
	    (size_t)json_object_get_string_len(secret) !=
	    strlen(json_object_get_string(secret)) ||
	    (token != NULL && (size_t)json_object_get_string_len(token) !=
	    strlen(json_object_get_string(token)))) {
		snprintf(err, errlen, "a credential holds a NUL byte");
		goto out;
	}
	if (creds_set(c, json_object_get_string(id),
	    json_object_get_string(secret),
	    token ? json_object_get_string(token) : NULL, "output", err,
	    errlen) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		c->expiration = 0;
	creds_wipe_json_string(id);
	creds_wipe_json_string(secret);
	creds_wipe_json_string(token);
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

static long
creds_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * read_child: reads fd into b until EOF, the cap or the deadline.
 * 0 at EOF, -1 with a message.
 */
static int
creds_read_child(int fd, struct buf *b, long deadline, char *err,
    size_t errlen)
{
	char chunk[4096];
	struct pollfd pfd;
	ssize_t n;
	long left;
	int rc = -1;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((left = deadline - creds_now_ms()) <= 0) {
			snprintf(err, errlen, "timed out");
			goto out;
		}
		if ((n = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			continue;
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) == -1) {
			snprintf(err, errlen, "output larger than %d bytes",
			    CREDS_PROCESS_MAX_OUTPUT);
			goto out;
		}
	}
	rc = 0;
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return rc;
}

/*
 * reap: waits for pid until the deadline, then kills it. *status gets the
 * wait status; returns 0, 1 when the status is unknown (SIGCHLD ignored),
 * -1 when it had to be killed.
 */
static int
creds_reap(pid_t pid, long deadline, int *status)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return 0;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return 1;
		if (creds_now_ms() >= deadline)
			break;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
	return -1;
}

int
creds_process_run(const char *cmdline, const char *profile, long timeout_ms,
    struct creds *c, char *err, size_t errlen)
{
	char **argv = NULL, why[256];
	int argc, pfd[2] = { -1, -1 }, devnull = -1, status = 0, reaped;
	long deadline;
	struct buf out;
	sigset_t none;
	pid_t pid = -1;
	int rc = -1;

	buf_init(&out, CREDS_PROCESS_MAX_OUTPUT);
	c->access_key_id = c->secret_access_key = c->session_token = NULL;
	if (timeout_ms <= 0)
		timeout_ms = CREDS_PROCESS_TIMEOUT_MS;
	if ((argv = creds_split_argv(cmdline, &argc, why, sizeof(why))) ==
	    NULL) {
		snprintf(err, errlen, "profile %s: credential_process: %s",
		    profile, why);
		goto out;
	}
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "profile %s: credential_process: %s",
		    profile, strerror(errno));
		goto out;
	}
	sigemptyset(&none);
	deadline = creds_now_ms() + timeout_ms;
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "profile %s: credential_process: fork: %s",
		    profile, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls until exec */
		if (dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(pfd[1], STDOUT_FILENO) == -1)
			_exit(126);
		/* exec keeps ignored and blocked signals: give it defaults */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (creds_read_child(pfd[0], &out, deadline, why, sizeof(why)) == -1) {
		kill(pid, SIGKILL);
		creds_reap(pid, deadline, &status);
		snprintf(err, errlen, "profile %s: credential_process %s: %s",
		    profile, argv[0], why);
		goto out;
	}
	if ((reaped = creds_reap(pid, deadline, &status)) == -1) {
		snprintf(err, errlen, "profile %s: credential_process %s: timed "
		    "out", profile, argv[0]);
		goto out;
	}
	if (reaped == 0 && WIFSIGNALED(status)) {
		snprintf(err, errlen, "profile %s: credential_process %s: killed "
		    "by signal %d", profile, argv[0], WTERMSIG(status));
		goto out;
	}
	if (reaped == 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "profile %s: credential_process %s: exited "
		    "with status %d%s", profile, argv[0], WEXITSTATUS(status),
		    WEXITSTATUS(status) == 127 ? " (not found?)" : "");
		goto out;
	}
	if (creds_process_parse(out.data ? out.data : "", out.len, c, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "profile %s: credential_process %s: %s",
		    profile, argv[0], why);
		goto out;
	}
	rc = 0;
out:
	if (out.data != NULL)
		OPENSSL_cleanse(out.data, out.alloc);
	buf_free(&out);
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	if (devnull != -1)
		close(devnull);
	creds_argv_free(argv);
	return rc;
}

/* the state of one walk, for the final "looked at" message */
struct creds_walk {
	const char	*profile;
	char		 cred_path[AWSINI_MAX_PATH];
	char		 conf_path[AWSINI_MAX_PATH];
	struct awsini	*cred_ini;
	struct awsini	*conf_ini;
	int		 have_cred_path, have_conf_path;
};

static int
creds_load_files(struct creds_walk *w, char *err, size_t errlen)
{
	int missing;

	w->have_cred_path = awsini_credentials_path(w->cred_path,
	    sizeof(w->cred_path)) != NULL;
	w->have_conf_path = awsini_config_path(w->conf_path,
	    sizeof(w->conf_path)) != NULL;
	if (w->have_cred_path && (w->cred_ini = awsini_load(w->cred_path,
	    &missing, err, errlen)) == NULL && !missing)
		return -1;
	if (w->have_conf_path && (w->conf_ini = awsini_load(w->conf_path,
	    &missing, err, errlen)) == NULL && !missing)
		return -1;
	return 0;
}

/*
 * from_ini: the static keys of the profile in one file. 1 when found, 0
 * when absent, -1 (with a message) when only one of the pair is there or a
 * value is bad.
 */
static int
creds_from_ini(struct creds_walk *w, int config, struct creds *c, char *err,
    size_t errlen)
{
	const struct awsini *ini = config ? w->conf_ini : w->cred_ini;
	const char *path = config ? w->conf_path : w->cred_path;
	const char *id, *secret, *token;
	char what[AWSINI_MAX_PATH + 200];

	id = awsini_profile_get(ini, config, w->profile, "aws_access_key_id");
	secret = awsini_profile_get(ini, config, w->profile,
	    "aws_secret_access_key");
	token = awsini_profile_get(ini, config, w->profile, "aws_session_token");
	if (id == NULL && secret == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s: profile %s", path, w->profile);
	if (id == NULL || secret == NULL) {
		snprintf(err, errlen, "%s: %s without %s", what,
		    id ? "aws_access_key_id" : "aws_secret_access_key",
		    id ? "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	if (creds_set(c, id, secret, token, what, err, errlen) == -1)
		return -1;
	c->source = config ? CREDS_CONFIG_FILE : CREDS_CREDENTIALS_FILE;
	snprintf(c->where, sizeof(c->where), "profile %s in %s", w->profile,
	    path);
	return 1;
}

static void
creds_not_found(const struct creds_walk *w, char *err, size_t errlen)
{
	char cred[AWSINI_MAX_PATH + 64], conf[AWSINI_MAX_PATH + 64];

	if (!w->have_cred_path)
		snprintf(cred, sizeof(cred), "~/.aws/credentials (no home "
		    "directory)");
	else
		snprintf(cred, sizeof(cred), "%s (%s)", w->cred_path,
		    w->cred_ini == NULL ? "not found" :
		    awsini_profile_exists(w->cred_ini, 0, w->profile) ?
		    "no keys" : "no such profile");
	if (!w->have_conf_path)
		snprintf(conf, sizeof(conf), "~/.aws/config (no home "
		    "directory)");
	else
		snprintf(conf, sizeof(conf), "%s (%s)", w->conf_path,
		    w->conf_ini == NULL ? "not found" :
		    awsini_profile_exists(w->conf_ini, 1, w->profile) ?
		    "no keys or credential_process" : "no such profile");
	snprintf(err, errlen, "no aws credentials for profile %s: looked at "
	    "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), %s, %s",
	    w->profile, cred, conf);
}

struct creds *
creds_load(const char *profile, char *err, size_t errlen)
{
	struct creds_walk w;
	struct creds *c = NULL;
	const char *id, *secret, *proc;
	int found = 0;

	memset(&w, 0, sizeof(w));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "creds: out of memory");
		goto fail;
	}
	id = getenv("AWS_ACCESS_KEY_ID");
	secret = getenv("AWS_SECRET_ACCESS_KEY");
	if ((id && *id) || (secret && *secret)) {
		if (!(id && *id) || !(secret && *secret)) {
			snprintf(err, errlen, "environment: %s is set but %s "
			    "is not", id && *id ? "AWS_ACCESS_KEY_ID" :
			    "AWS_SECRET_ACCESS_KEY", id && *id ?
			    "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
			goto fail;
		}
		if (creds_set(c, id, secret, getenv("AWS_SESSION_TOKEN"),
		    "environment", err, errlen) == -1)
			goto fail;
		c->source = CREDS_ENV;
		snprintf(c->where, sizeof(c->where), "environment");
		return c;
	}

	w.profile = awsini_profile_name(profile);
	snprintf(c->profile, sizeof(c->profile), "%s", w.profile);
	if (creds_load_files(&w, err, errlen) == -1)
		goto fail;
	if ((found = creds_from_ini(&w, 0, c, err, errlen)) == -1)
		goto fail;
	proc = awsini_profile_get(w.cred_ini, 0, w.profile,
	    "credential_process");
	if (proc == NULL || *proc == '\0')
		proc = awsini_profile_get(w.conf_ini, 1, w.profile,
		    "credential_process");
	if (!found && proc != NULL && *proc != '\0') {
		if (creds_process_run(proc, w.profile, 0, c, err, errlen) == -1)
			goto fail;
		c->source = CREDS_PROCESS;
		snprintf(c->where, sizeof(c->where), "credential_process of "
		    "profile %s", w.profile);
		found = 1;
	}
	if (!found && (found = creds_from_ini(&w, 1, c, err, errlen)) == -1)
		goto fail;
	if (!found) {
		creds_not_found(&w, err, errlen);
		goto fail;
	}
	awsini_free(w.cred_ini);
	awsini_free(w.conf_ini);
	return c;
fail:
	awsini_free(w.cred_ini);
	awsini_free(w.conf_ini);
	creds_free(c);
	return NULL;
}
