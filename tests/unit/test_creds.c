/*
 * test_creds: the credential chain (environment, credentials file, config
 * file, credential_process), the ini reader under it, and the pieces of
 * credential_process (argv splitting, output parsing, timeouts).
 *
 * Each test runs in a fresh mkdtemp directory that is $HOME, with every
 * AWS_* variable cleared. The credential_process fixtures in
 * tests/fixtures/creds/ are copied there and made executable.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsini.h"
#include "creds.h"
#include "t.h"

static char tmpdir[64];	/* "/tmp/test_creds.XXXXXX" */

static const char *const aws_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
	"AWS_REGION", "AWS_DEFAULT_REGION",
};

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		T_OK(0, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
copy_fixture(const char *name)
{
	char src[PATH_MAX];
	char *text;

	snprintf(src, sizeof(src), "tests/fixtures/creds/%s", name);
	if ((text = t_read_file(src, NULL)) == NULL) {
		T_OK(0, "cannot read %s (run from the repository root)", src);
		return;
	}
	write_file(name, text, 0755);
	free(text);
}

static void
rm_tree(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* fresh: a new empty $HOME with ~/.aws, no AWS_* variables, fixtures in it. */
static void
fresh(void)
{
	char aws[PATH_MAX + 8];
	size_t i;

	if (tmpdir[0] != '\0')
		rm_tree(tmpdir);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_creds.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(aws, sizeof(aws), "%s/.aws", tmpdir);
	mkdir(aws, 0700);
	for (i = 0; i < sizeof(aws_vars) / sizeof(aws_vars[0]); i++)
		unsetenv(aws_vars[i]);
	setenv("HOME", tmpdir, 1);
	copy_fixture("good.sh");
	copy_fixture("args.sh");
	copy_fixture("fail.sh");
	copy_fixture("garbage.sh");
	copy_fixture("version2.sh");
}

static void
test_env(void)
{
	struct creds *c;
	char err[1024];

	fresh();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envSecret", 1);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDENV");
		T_EQ_STR(c->secret_access_key, "envSecret");
		T_EQ_STR(c->session_token, NULL);
		T_EQ_INT(c->source, CREDS_ENV);
		T_EQ_INT(c->expiration, 0);
		T_EQ_STR(c->where, "environment");
	}
	creds_free(c);

	setenv("AWS_SESSION_TOKEN", "envToken", 1);
	/* the environment wins over a profile that exists */
	write_file(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\n"
	    "aws_secret_access_key = fileSecret\n", 0600);
	c = creds_load("default", err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDENV");
		T_EQ_STR(c->session_token, "envToken");
	}
	creds_free(c);

	/* half a pair is an error, not a reason to look further */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c == NULL, "partial env accepted");
	T_EQ_STR(err, "environment: AWS_ACCESS_KEY_ID is set but "
	    "AWS_SECRET_ACCESS_KEY is not");
	creds_free(c);
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c == NULL, "partial env accepted");
	T_EQ_STR(err, "environment: AWS_SECRET_ACCESS_KEY is set but "
	    "AWS_ACCESS_KEY_ID is not");
	creds_free(c);

	/* a key with a newline would inject a header */
	setenv("AWS_ACCESS_KEY_ID", "AKID\r\nX-Evil: 1", 1);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c == NULL, "key with CRLF accepted");
	T_EQ_STR(err, "environment: access key id is empty, too long or holds "
	    "blanks");
	creds_free(c);
}

static const char credentials_file[] =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = defaultSecret\n"
    "\n"
    "[dev]\n"
    "AWS_ACCESS_KEY_ID=AKIDDEV ; comment after a blank\n"
    "aws_secret_access_key\t=\tdev/Secret+x#notacomment\n"
    "aws_session_token = devToken\n"
    "[half]\n"
    "aws_access_key_id = AKIDHALF\n"
    "[both]\n"
    "aws_access_key_id = AKIDBOTHCRED\n"
    "aws_secret_access_key = bothCredSecret\n";

static void
test_credentials_file(void)
{
	struct creds *c;
	char err[1024], want[PATH_MAX + 200];

	fresh();
	write_file(".aws/credentials", credentials_file, 0600);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDDEFAULT");
		T_EQ_STR(c->secret_access_key, "defaultSecret");
		T_EQ_STR(c->session_token, NULL);
		T_EQ_INT(c->source, CREDS_CREDENTIALS_FILE);
		T_EQ_STR(c->profile, "default");
		snprintf(want, sizeof(want), "profile default in %s/.aws/"
		    "credentials", tmpdir);
		T_EQ_STR(c->where, want);
	}
	creds_free(c);

	c = creds_load("dev", err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDDEV");
		T_EQ_STR(c->secret_access_key, "dev/Secret+x#notacomment");
		T_EQ_STR(c->session_token, "devToken");
	}
	creds_free(c);

	/* AWS_PROFILE picks the profile; an explicit one beats it */
	setenv("AWS_PROFILE", "dev", 1);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDDEV") == 0,
	    "AWS_PROFILE=dev");
	creds_free(c);
	c = creds_load("default", err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDDEFAULT") == 0,
	    "explicit default beats AWS_PROFILE");
	creds_free(c);
	unsetenv("AWS_PROFILE");

	c = creds_load("half", err, sizeof(err));
	T_OK(c == NULL, "half a key pair accepted");
	snprintf(want, sizeof(want), "%s/.aws/credentials: profile half: "
	    "aws_access_key_id without aws_secret_access_key", tmpdir);
	T_EQ_STR(err, want);
	creds_free(c);

	/* AWS_SHARED_CREDENTIALS_FILE moves the file */
	write_file("other-credentials", "[default]\naws_access_key_id = AKIDOTHER\n"
	    "aws_secret_access_key = otherSecret\n", 0600);
	snprintf(want, sizeof(want), "%s/other-credentials", tmpdir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", want, 1);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDOTHER") == 0,
	    "AWS_SHARED_CREDENTIALS_FILE");
	creds_free(c);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

static void
test_config_file(void)
{
	struct creds *c;
	char err[1024], path[PATH_MAX + 64];

	fresh();
	write_file(".aws/config",
	    "[default]\n"
	    "region = eu-west-1\n"
	    "aws_access_key_id = AKIDCONFDEFAULT\n"
	    "aws_secret_access_key = confDefaultSecret\n"
	    "[profile cfg]\n"
	    "aws_access_key_id = AKIDCFG\n"
	    "aws_secret_access_key = cfgSecret\n"
	    "aws_session_token = cfgToken\n"
	    "[cfgbare]\n"	/* not a profile in the config file */
	    "aws_access_key_id = AKIDBARE\n"
	    "aws_secret_access_key = bareSecret\n"
	    "[profile both]\n"
	    "aws_access_key_id = AKIDBOTHCONF\n"
	    "aws_secret_access_key = bothConfSecret\n", 0600);
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDCONFDEFAULT") == 0,
	    "config [default]: %s", c ? "" : err);
	if (c != NULL)
		T_EQ_INT(c->source, CREDS_CONFIG_FILE);
	creds_free(c);

	c = creds_load("cfg", err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDCFG");
		T_EQ_STR(c->secret_access_key, "cfgSecret");
		T_EQ_STR(c->session_token, "cfgToken");
		T_EQ_INT(c->source, CREDS_CONFIG_FILE);
	}
	creds_free(c);

	c = creds_load("cfgbare", err, sizeof(err));
	T_OK(c == NULL, "[cfgbare] is not [profile cfgbare]");
	creds_free(c);

	/* the credentials file wins over the config file */
	write_file(".aws/credentials", credentials_file, 0600);
	c = creds_load("both", err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDBOTHCRED") == 0,
	    "credentials file first");
	creds_free(c);

	/* AWS_CONFIG_FILE moves the file, "~/" is expanded */
	write_file("conf2", "[profile x]\naws_access_key_id = AKIDX\n"
	    "aws_secret_access_key = xSecret\n", 0600);
	setenv("AWS_CONFIG_FILE", "~/conf2", 1);
	c = creds_load("x", err, sizeof(err));
	T_OK(c != NULL && strcmp(c->access_key_id, "AKIDX") == 0,
	    "AWS_CONFIG_FILE=~/conf2: %s", c ? "" : err);
	creds_free(c);
	T_OK(awsini_config_path(path, sizeof(path)) != NULL, "config path");
	snprintf(err, sizeof(err), "%s/conf2", tmpdir);
	T_EQ_STR(path, err);
	unsetenv("AWS_CONFIG_FILE");
}

static void
test_process(void)
{
	struct creds *c;
	char err[1024], conf[4 * PATH_MAX];

	fresh();
	snprintf(conf, sizeof(conf),
	    "[profile proc]\n"
	    "credential_process = %s/good.sh\n"
	    "[profile args]\n"
	    "credential_process = \"%s/args.sh\" AKIDARGS 'sec$HOME'\n"
	    "[profile fail]\n"
	    "credential_process = %s/fail.sh\n"
	    "[profile garbage]\n"
	    "credential_process = %s/garbage.sh\n"
	    "[profile v2]\n"
	    "credential_process = %s/version2.sh\n"
	    "[profile missing]\n"
	    "credential_process = %s/does-not-exist\n"
	    "[profile unclosed]\n"
	    "credential_process = \"%s/good.sh\n",
	    tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
	write_file(".aws/config", conf, 0600);

	c = creds_load("proc", err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "ASIAPROCESSKEY");
		T_EQ_STR(c->secret_access_key, "processSecret/Key+0123");
		T_EQ_STR(c->session_token, "processToken==");
		T_EQ_INT(c->expiration, 4070908800LL);	/* 2099-01-01 */
		T_EQ_INT(c->source, CREDS_PROCESS);
		T_EQ_STR(c->where, "credential_process of profile proc");
		T_EQ_INT(creds_need_refresh(c, 4070908800LL - 301), 0);
		T_EQ_INT(creds_need_refresh(c, 4070908800LL - 300), 1);
	}
	creds_free(c);

	/* no shell: the quoted word reaches the process unexpanded */
	c = creds_load("args", err, sizeof(err));
	T_OK(c != NULL, "%s", err);
	if (c != NULL) {
		T_EQ_STR(c->access_key_id, "AKIDARGS");
		T_EQ_STR(c->secret_access_key, "sec$HOME");
		T_EQ_INT(c->expiration, 0);
	}
	creds_free(c);

	c = creds_load("fail", err, sizeof(err));
	T_OK(c == NULL, "exit 1 accepted");
	snprintf(conf, sizeof(conf), "profile fail: credential_process "
	    "%s/fail.sh: exited with status 1", tmpdir);
	T_EQ_STR(err, conf);
	creds_free(c);

	c = creds_load("garbage", err, sizeof(err));
	T_OK(c == NULL, "garbage accepted");
	snprintf(conf, sizeof(conf), "profile garbage: credential_process "
	    "%s/garbage.sh: output is not JSON", tmpdir);
	T_EQ_STR(err, conf);
	creds_free(c);

	c = creds_load("v2", err, sizeof(err));
	T_OK(c == NULL, "version 2 accepted");
	snprintf(conf, sizeof(conf), "profile v2: credential_process "
	    "%s/version2.sh: output lacks \"Version\": 1", tmpdir);
	T_EQ_STR(err, conf);
	creds_free(c);

	c = creds_load("missing", err, sizeof(err));
	T_OK(c == NULL, "missing program accepted");
	snprintf(conf, sizeof(conf), "profile missing: credential_process "
	    "%s/does-not-exist: exited with status 127 (not found?)", tmpdir);
	T_EQ_STR(err, conf);
	creds_free(c);

	c = creds_load("unclosed", err, sizeof(err));
	T_OK(c == NULL, "unclosed quote accepted");
	T_EQ_STR(err, "profile unclosed: credential_process: unclosed \" quote");
	creds_free(c);
}

static void
test_process_args(void)
{
	struct creds c;
	char err[1024], cmd[PATH_MAX + 128];

	fresh();
	memset(&c, 0, sizeof(c));
	snprintf(cmd, sizeof(cmd), "'%s/args.sh' AKID\\ X \"s\\\"$HOME\"",
	    tmpdir);
	/* "AKID X" has a blank: refused; the point is what arrived */
	T_EQ_INT(creds_process_run(cmd, "p", 0, &c, err, sizeof(err)), -1);
	snprintf(cmd, sizeof(cmd), "'%s/args.sh' AKIDQ \"s\\\"$HOME\"", tmpdir);
	T_EQ_INT(creds_process_run(cmd, "p", 0, &c, err, sizeof(err)), -1);
	/* s"$HOME printed inside a JSON string breaks it: not JSON */
	T_OK(strstr(err, "output is not JSON") != NULL, "%s", err);
	snprintf(cmd, sizeof(cmd), "'%s/args.sh' AKIDQ 'sec$HOME'", tmpdir);
	T_EQ_INT(creds_process_run(cmd, "p", 0, &c, err, sizeof(err)), 0);
	T_EQ_STR(c.access_key_id, "AKIDQ");
	T_EQ_STR(c.secret_access_key, "sec$HOME");
	T_EQ_STR(c.session_token, NULL);
	T_EQ_INT(c.expiration, 0);
	free(c.access_key_id);
	free(c.secret_access_key);
}

static long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

static void
test_process_limits(void)
{
	struct creds c;
	char err[1024];
	long t0;

	memset(&c, 0, sizeof(c));
	t0 = now_ms();
	T_EQ_INT(creds_process_run("sleep 10", "slow", 300, &c, err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "profile slow: credential_process sleep: timed out");
	T_OK(now_ms() - t0 < 3000, "timeout took %ld ms", now_ms() - t0);

	/* a process that closes stdout but keeps running is killed too */
	t0 = now_ms();
	T_EQ_INT(creds_process_run("sh -c 'exec >&-; sleep 10'", "slow2", 300,
	    &c, err, sizeof(err)), -1);
	T_EQ_STR(err, "profile slow2: credential_process sh: timed out");
	T_OK(now_ms() - t0 < 3000, "timeout took %ld ms", now_ms() - t0);

	T_EQ_INT(creds_process_run("yes", "big", 5000, &c, err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "profile big: credential_process yes: output larger "
	    "than 65536 bytes");

	T_EQ_INT(creds_process_run("sh -c 'kill -9 $$'", "sig", 5000, &c, err,
	    sizeof(err)), -1);
	T_EQ_STR(err, "profile sig: credential_process sh: killed by signal 9");

	T_EQ_INT(creds_process_run("   ", "empty", 5000, &c, err, sizeof(err)),
	    -1);
	T_EQ_STR(err, "profile empty: credential_process: empty command");
}

static void
test_not_found(void)
{
	struct creds *c;
	char err[2048], want[4 * PATH_MAX];

	fresh();
	c = creds_load(NULL, err, sizeof(err));
	T_OK(c == NULL, "credentials from nowhere");
	snprintf(want, sizeof(want), "no aws credentials for profile default: "
	    "looked at the environment (AWS_ACCESS_KEY_ID, "
	    "AWS_SECRET_ACCESS_KEY), %s/.aws/credentials (not found), "
	    "%s/.aws/config (not found)", tmpdir, tmpdir);
	T_EQ_STR(err, want);

	write_file(".aws/credentials", "[other]\nx = y\n", 0600);
	write_file(".aws/config", "[profile prod]\nregion = eu-west-1\n", 0600);
	c = creds_load("prod", err, sizeof(err));
	T_OK(c == NULL, "credentials from nowhere");
	snprintf(want, sizeof(want), "no aws credentials for profile prod: "
	    "looked at the environment (AWS_ACCESS_KEY_ID, "
	    "AWS_SECRET_ACCESS_KEY), %s/.aws/credentials (no such profile), "
	    "%s/.aws/config (no keys or credential_process)", tmpdir, tmpdir);
	T_EQ_STR(err, want);

	/* an unreadable file is an error of its own */
	write_file(".aws/credentials", "[default]\n", 0000);
	if (geteuid() != 0) {
		c = creds_load(NULL, err, sizeof(err));
		T_OK(c == NULL && strstr(err, "Permission denied") != NULL,
		    "unreadable: %s", err);
	}
}

static void
test_parse(void)
{
	static const struct {
		const char *json, *err;
	} bad[] = {
		{ "", "output is not JSON" },
		{ "{", "output is not JSON" },
		{ "[1]", "output is not a JSON object" },
		{ "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"} x",
		  "output has data after the JSON object" },
		{ "{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
		  "output lacks \"Version\": 1" },
		{ "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
		  "output lacks \"Version\": 1" },
		{ "{\"Version\":1,\"SecretAccessKey\":\"S\"}",
		  "output lacks string AccessKeyId or SecretAccessKey" },
		{ "{\"Version\":1,\"AccessKeyId\":5,\"SecretAccessKey\":\"S\"}",
		  "output lacks string AccessKeyId or SecretAccessKey" },
		{ "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		  "\"SessionToken\":7}", "SessionToken or Expiration is not a string" },
		{ "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		  "\"Expiration\":\"tomorrow\"}", "Expiration is not an ISO 8601 time" },
		{ "{\"Version\":1,\"AccessKeyId\":\"A\\u0000B\",\"SecretAccessKey\":\"S\"}",
		  "a credential holds a NUL byte" },
		{ "{\"Version\":1,\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\"}",
		  "output: access key id is empty, too long or holds blanks" },
	};
	struct creds c;
	char err[256];
	size_t i;
	const char *ok = "{\"Version\":1,\"AccessKeyId\":\"A\","
	    "\"SecretAccessKey\":\"S\",\"SessionToken\":null,"
	    "\"Expiration\":\"2024-05-01T12:00:00.123+02:00\"}\n\n";

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		T_EQ_INT(creds_process_parse(bad[i].json, strlen(bad[i].json),
		    &c, err, sizeof(err)), -1);
		T_EQ_STR(err, bad[i].err);
		T_OK(c.access_key_id == NULL && c.secret_access_key == NULL,
		    "case %zu left strings behind", i);
	}
	T_EQ_INT(creds_process_parse(ok, strlen(ok), &c, err, sizeof(err)), 0);
	T_EQ_STR(c.access_key_id, "A");
	T_EQ_STR(c.secret_access_key, "S");
	T_EQ_STR(c.session_token, NULL);
	T_EQ_INT(c.expiration, 1714557600LL);	/* 10:00:00Z */
	free(c.access_key_id);
	free(c.secret_access_key);
	/* not NUL-terminated: only len bytes count */
	T_EQ_INT(creds_process_parse(ok, 10, &c, err, sizeof(err)), -1);
}

static void
test_time(void)
{
	static const struct {
		const char	*s;
		long long	 want;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2015-08-30T12:36:00Z", 1440938160 },
		{ "2015-08-30T12:36:00.5Z", 1440938160 },
		{ "2015-08-30T14:36:00+02:00", 1440938160 },
		{ "2015-08-30T10:36:00-02:00", 1440938160 },
		{ "2015-08-30T12:36:00", -1 },
		{ "2015-08-30 12:36:00Z", -1 },
		{ "2015-13-30T12:36:00Z", -1 },
		{ "2015-08-30T12:36:00Zjunk", -1 },
		{ "2015-08-30T12:36:00.Z", -1 },
		{ "2015-08-30T12:36:00+0200", -1 },
		{ "", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_OK((long long)creds_parse_time(cases[i].s) == cases[i].want,
		    "\"%s\": %lld != %lld", cases[i].s,
		    (long long)creds_parse_time(cases[i].s), cases[i].want);
}

static void
test_split(void)
{
	static const struct {
		const char	*cmd;
		int		 argc;
		const char	*argv[4];
	} cases[] = {
		{ "a", 1, { "a" } },
		{ "  a   b\tc ", 3, { "a", "b", "c" } },
		{ "aws-vault exec prod --json", 4, { "aws-vault", "exec", "prod",
		  "--json" } },
		{ "'a b' \"c d\"", 2, { "a b", "c d" } },
		{ "a'b c'd", 1, { "ab cd" } },
		{ "\"a\\\"b\" 'a\\b'", 2, { "a\"b", "a\\b" } },
		{ "a\\ b", 1, { "a b" } },
		{ "'' x", 2, { "", "x" } },
		{ "$HOME `id` ;|&", 3, { "$HOME", "`id`", ";|&" } },
	};
	static const struct {
		const char *cmd, *err;
	} bad[] = {
		{ "", "empty command" },
		{ " \t ", "empty command" },
		{ "'abc", "unclosed ' quote" },
		{ "a \"b", "unclosed \" quote" },
	};
	char err[128], many[200], **argv;
	size_t i;
	int argc, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv = creds_split_argv(cases[i].cmd, &argc, err, sizeof(err));
		T_OK(argv != NULL, "%s: %s", cases[i].cmd, err);
		if (argv == NULL)
			continue;
		T_EQ_INT(argc, cases[i].argc);
		for (j = 0; j < argc && j < 4; j++)
			T_EQ_STR(argv[j], cases[i].argv[j]);
		T_OK(argv[argc] == NULL, "argv not NULL-terminated");
		creds_argv_free(argv);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_OK(creds_split_argv(bad[i].cmd, &argc, err, sizeof(err)) ==
		    NULL, "%s accepted", bad[i].cmd);
		T_EQ_STR(err, bad[i].err);
	}
	for (i = 0; i < 65; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = ' ';
	}
	many[130] = '\0';
	T_OK(creds_split_argv(many, &argc, err, sizeof(err)) == NULL,
	    "65 words accepted");
	T_EQ_STR(err, "more than 64 words");
	many[128] = '\0';
	argv = creds_split_argv(many, &argc, err, sizeof(err));
	T_EQ_INT(argc, 64);
	creds_argv_free(argv);
}

static void
test_ini(void)
{
	static const char text[] =
	    "key = before any section\n"
	    "[default]   # trailing comment\n"
	    "region=eu-west-1\n"
	    "  ; indented comment\n"
	    "s3 =\n"
	    "  max_concurrent_requests = 20\n"
	    "  addressing_style = path   # c\n"
	    "\r\n"
	    "[ profile   dev ]\r\n"
	    "Region = us-east-1\r\n"
	    "region = us-west-2\r\n"
	    "novalue\n"
	    "= nokey\n"
	    "empty =\n"
	    "[broken\n"
	    "hidden = yes\n"
	    "[profile dev]\n"
	    "output = json\n"
	    "[]\n"
	    "lost = yes\n";
	struct awsini *ini;

	ini = awsini_parse(text, sizeof(text) - 1);
	T_OK(ini != NULL, "parse");
	T_EQ_STR(awsini_get(ini, "default", "region"), "eu-west-1");
	T_EQ_STR(awsini_get(ini, "default", "s3"),
	    "\nmax_concurrent_requests = 20\naddressing_style = path");
	T_EQ_STR(awsini_get(ini, "default", "key"), NULL);
	T_EQ_STR(awsini_get(ini, "profile dev", "region"), "us-west-2");
	T_EQ_STR(awsini_get(ini, "profile dev", "REGION"), "us-west-2");
	T_EQ_STR(awsini_get(ini, "profile dev", "output"), "json");
	T_EQ_STR(awsini_get(ini, "profile dev", "empty"), "");
	T_EQ_STR(awsini_get(ini, "profile dev", "novalue"), NULL);
	T_EQ_STR(awsini_get(ini, "profile dev", "hidden"), NULL);
	T_EQ_STR(awsini_get(ini, "profile dev", "lost"), NULL);
	T_EQ_STR(awsini_get(ini, "nosuch", "region"), NULL);
	T_EQ_STR(awsini_profile_get(ini, 1, "dev", "region"), "us-west-2");
	T_EQ_STR(awsini_profile_get(ini, 1, "default", "region"), "eu-west-1");
	T_EQ_STR(awsini_profile_get(ini, 0, "default", "region"), "eu-west-1");
	T_EQ_STR(awsini_profile_get(ini, 0, "dev", "region"), NULL);
	T_EQ_STR(awsini_profile_get(NULL, 1, "dev", "region"), NULL);
	T_EQ_INT(awsini_profile_exists(ini, 1, "dev"), 1);
	T_EQ_INT(awsini_profile_exists(ini, 0, "dev"), 0);
	T_EQ_INT(awsini_profile_exists(ini, 1, "default"), 1);
	awsini_free(ini);

	/* [profile default] counts, but [default] wins */
	ini = awsini_parse("[profile default]\nregion = a\n", 29);
	T_EQ_STR(awsini_profile_get(ini, 1, "default", "region"), "a");
	awsini_free(ini);
	ini = awsini_parse("[profile default]\nregion = a\n[default]\n"
	    "region = b\n", 50);
	T_EQ_STR(awsini_profile_get(ini, 1, "default", "region"), "b");
	awsini_free(ini);

	/* only len bytes are read */
	ini = awsini_parse("[a]\nk = v\n[a]\nk = w\n", 10);
	T_EQ_STR(awsini_get(ini, "a", "k"), "v");
	awsini_free(ini);
	ini = awsini_parse("", 0);
	T_OK(ini != NULL, "empty file");
	awsini_free(ini);
	T_OK(awsini_parse("", AWSINI_MAX_FILE + 1) == NULL, "too big parsed");
}

/* test_ini_caps: keys and sections past the caps are ignored, not fatal */
static void
test_ini_caps(void)
{
	struct awsini *ini;
	char *text, key[32];
	size_t len = 0, cap = 200000;
	int i;

	if ((text = malloc(cap)) == NULL)
		return;
	len += (size_t)snprintf(text + len, cap - len, "[s]\n");
	for (i = 0; i < AWSINI_MAX_ENTRIES + 10; i++)
		len += (size_t)snprintf(text + len, cap - len, "k%d = v%d\n", i, i);
	len += (size_t)snprintf(text + len, cap - len, "k0 = replaced\n");
	ini = awsini_parse(text, len);
	T_OK(ini != NULL, "parse");
	T_EQ_STR(awsini_get(ini, "s", "k0"), "replaced");
	snprintf(key, sizeof(key), "k%d", AWSINI_MAX_ENTRIES - 1);
	T_OK(awsini_get(ini, "s", key) != NULL, "last key kept");
	snprintf(key, sizeof(key), "k%d", AWSINI_MAX_ENTRIES);
	T_EQ_STR(awsini_get(ini, "s", key), NULL);
	awsini_free(ini);

	len = 0;
	for (i = 0; i < AWSINI_MAX_SECTIONS + 10; i++)
		len += (size_t)snprintf(text + len, cap - len, "[s%d]\nk = %d\n",
		    i, i);
	ini = awsini_parse(text, len);
	T_OK(ini != NULL, "parse");
	snprintf(key, sizeof(key), "s%d", AWSINI_MAX_SECTIONS - 1);
	T_OK(awsini_get(ini, key, "k") != NULL, "last section kept");
	snprintf(key, sizeof(key), "s%d", AWSINI_MAX_SECTIONS);
	T_EQ_INT(awsini_has_section(ini, key), 0);
	T_EQ_STR(awsini_get(ini, key, "k"), NULL);
	awsini_free(ini);
	free(text);
}

int
main(void)
{
	T_RUN(test_env);
	T_RUN(test_credentials_file);
	T_RUN(test_config_file);
	T_RUN(test_process);
	T_RUN(test_process_args);
	T_RUN(test_process_limits);
	T_RUN(test_not_found);
	T_RUN(test_parse);
	T_RUN(test_time);
	T_RUN(test_split);
	T_RUN(test_ini);
	T_RUN(test_ini_caps);
	if (tmpdir[0] != '\0')
		rm_tree(tmpdir);
	return t_done("test_creds");
}
