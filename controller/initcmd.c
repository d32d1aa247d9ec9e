/*
 * initcmd: `stingy-vpn init`. Reads one CloudFormation stack on a private
 * event base, builds desired.conf from its outputs (a pure function), checks
 * the text with the config parser and writes it atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "aws.h"
#include "buf.h"
#include "cfn.h"
#include "desired.h"
#include "fileio.h"
#include "http.h"
#include "initcmd.h"
#include "log.h"
#include "oneshot.h"

/* Must match controller/main.c. */
#define DEFAULT_CONF		DESIRED_DEFAULT_PATH

#define INITCMD_FILE		"init"		/* the parser's name for the text */
#define INITCMD_MAX_TEXT	(64 * 1024)	/* bytes of desired.conf text */
#define INITCMD_MAX_ERRORS	(16 * 1024)	/* bytes of error text */
#define INITCMD_MAX_LINES	64		/* lines of text, header included */
#define INITCMD_QUOTE		64		/* bytes of a value quoted in a message */
#define INITCMD_MODE		0644		/* no secrets, and the service (DynamicUser) must read it */

static const char usage_text[] =
"usage: stingy-vpn init --stack NAME [--region REGION] [--profile PROFILE]\n"
"           [-c FILE] [--force] [--state-db PATH] [--listen ADDR] [-v]\n"
"\n"
"Writes desired.conf from the outputs of a CloudFormation stack (the one\n"
"deploy/stingy-vpn.yaml makes). The text is checked by the config parser\n"
"before it is written; `stingy-vpn check -c FILE` prints it normalised.\n"
"\n"
"  -s, --stack NAME       the stack's name or id (required)\n"
"  -r, --region REGION    where the stack is (default AWS_REGION,\n"
"                         AWS_DEFAULT_REGION, the profile's region)\n"
"  -p, --profile PROFILE  the AWS profile to read the stack with; also\n"
"                         written as [aws] profile\n"
"  -c, --config FILE      where to write (default $STINGY_VPN_CONF, else\n"
"                         " DEFAULT_CONF "); - prints it\n"
"  -f, --force            replace FILE when it exists\n"
"      --state-db PATH    [controller] state_db (default\n"
"                         " INITCMD_DEFAULT_STATE_DB ")\n"
"      --listen ADDR      [controller] listen (default "
INITCMD_DEFAULT_LISTEN ")\n"
"  -v, --verbose          debug logging\n"
"  -h, --help             this text\n"
"\n"
"exit status: 0 written, 1 failed (nothing written), 2 usage error\n";

/* ---- the builder ---- */

enum init_output {
	O_ENDPOINT, O_REGION, O_QUEUE, O_TEMPLATE, O_SUBNETS, O_SSM, O_CIDR,
	O_TYPE, O_EIP, O_SNS, O_PORT, O_COUNT
};

static const struct {
	const char	*key;
	int		 required;
} init_outputs[O_COUNT] = {
	[O_ENDPOINT] =	{ "EndpointName", 1 },
	[O_REGION] =	{ "Region", 1 },
	[O_QUEUE] =	{ "QueueUrl", 1 },
	[O_TEMPLATE] =	{ "LaunchTemplateId", 1 },
	[O_SUBNETS] =	{ "SubnetIds", 1 },
	[O_SSM] =	{ "SsmPrefix", 1 },
	[O_CIDR] =	{ "WireGuardCidr", 1 },
	[O_TYPE] =	{ "InstanceType", 1 },
	[O_EIP] =	{ "ElasticIpAllocationId", 0 },
	[O_SNS] =	{ "SnsTopicArn", 0 },
	[O_PORT] =	{ "WireGuardPort", 0 },
};

static const char *const init_usable[] = {
	"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
};

/*
 * A build: the text so far, where each of its lines came from (so that a
 * parser complaint names the output or option), and the errors.
 */
struct init_build {
	struct buf	 text;
	struct buf	 errors;
	int		 bad;		/* an append to text failed */
	unsigned	 lines;		/* lines in text */
	const char	*src[INITCMD_MAX_LINES + 1];	/* "QueueUrl", "--listen", NULL */
	const char	*val[O_COUNT];	/* the outputs, NULL when absent or "" */
};

int
initcmd_status_usable(const char *status)
{
	size_t i;

	if (status == NULL)
		return 0;
	for (i = 0; i < sizeof(init_usable) / sizeof(init_usable[0]); i++)
		if (strcmp(status, init_usable[i]) == 0)
			return 1;
	return 0;
}

/* clean: s for a comment or message: printable ASCII, others '?', cut to len - 1. */
static const char *
init_clean(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		dst[i] = ((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* quote: s for a message, bytes outside printable ASCII as \xNN, "..." when cut. */
static const char *
init_quote(char *dst, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && i < INITCMD_QUOTE && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (s[i] != '\0' && o + 4 <= len) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

#define QBUF	(INITCMD_QUOTE * 4 + 8)

static void init_error(struct init_build *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

/* error: one line of error text (the newline is added). */
static void
init_error(struct init_build *b, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A full buffer loses text, never the failure: errors.len > 0 stays. */
	if (buf_addf(&b->errors, "%s\n", msg) == -1 && b->errors.len == 0)
		b->bad = 1;
}

static void init_line(struct init_build *, const char *, const char *, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * line: appends one line of text made from checked values (no newline in
 * them) and records src (an output key, an option, or NULL) for it.
 */
static void
init_line(struct init_build *b, const char *src, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0 || b->lines == INITCMD_MAX_LINES || strchr(s, '\n') != NULL ||
	    buf_addf(&b->text, "%s\n", s) == -1)
		b->bad = 1;
	else
		b->src[++b->lines] = src;
	if (n >= 0)
		free(s);
}

/*
 * value_problem: why v cannot go on a "key = value" line as it is, or
 * NULL. The config parser trims blanks and reads one line: a newline would
 * start a line of the attacker's choosing, and any other control character
 * or non-ASCII byte has no place in any value desired.conf takes.
 */
static const char *
init_value_problem(const char *v)
{
	size_t i, n = strlen(v);

	if (n > INITCMD_MAX_VALUE)
		return "longer than 1024 bytes";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\n' || c == '\r')
			return "holds a line break, which would add lines to "
			    "desired.conf";
		if (c < 0x20 || c == 0x7f)
			return "holds a control character";
		if (c >= 0x80)
			return "holds a byte outside ASCII";
	}
	if (n > 0 && (v[0] == ' ' || v[n - 1] == ' '))
		return "has blanks around it";
	return NULL;
}

/*
 * port: v as a UDP port into *port: 1 to 5 decimal digits, 1..65535
 * (no sign, no blanks). 0 or -1.
 */
static int
init_port(const char *v, unsigned long *port)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 5)
			return -1;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (i == 0 || n < 1 || n > 65535)
		return -1;
	*port = n;
	return 0;
}

/* check_outputs: fills b->val; reports missing and unusable outputs. */
static void
init_check_outputs(struct init_build *b, const struct cfn_stack *s,
    const char *stack, const struct initcmd_opts *o)
{
	char missing[512] = "", q[QBUF];
	const char *v, *why;
	unsigned long port;
	size_t i;

	for (i = 0; i < O_COUNT; i++) {
		v = cfn_stack_output(s, init_outputs[i].key);
		if (v == NULL || v[0] == '\0') {
			if (init_outputs[i].required)
				snprintf(missing + strlen(missing),
				    sizeof(missing) - strlen(missing), "%s%s",
				    missing[0] ? ", " : "", init_outputs[i].key);
			continue;
		}
		if ((why = init_value_problem(v)) != NULL) {
			init_error(b, "output %s: %s: '%s'", init_outputs[i].key,
			    why, init_quote(q, sizeof(q), v));
			continue;
		}
		b->val[i] = v;
	}
	if (b->val[O_PORT] != NULL && init_port(b->val[O_PORT], &port) == -1) {
		init_error(b, "output WireGuardPort: not a UDP port (1-65535): "
		    "'%s'", init_quote(q, sizeof(q), b->val[O_PORT]));
		b->val[O_PORT] = NULL;
	}
	if (missing[0] != '\0')
		init_error(b, "stack %s: missing outputs: %s (its template "
		    "must export them)", stack, missing);
	if (b->val[O_REGION] != NULL && o->region != NULL &&
	    strcmp(b->val[O_REGION], o->region) != 0)
		init_error(b, "output Region: %s, but the stack was read in %s: "
		    "the endpoint's resources are in the stack's region",
		    init_quote(q, sizeof(q), b->val[O_REGION]), o->region);
}

/* check_option: a command-line value goes on a line as an output does. */
static const char *
init_check_option(struct init_build *b, const char *name, const char *v)
{
	const char *why;
	char q[QBUF];

	if (v != NULL && (why = init_value_problem(v)) != NULL) {
		init_error(b, "%s: %s: '%s'", name, why,
		    init_quote(q, sizeof(q), v));
		return NULL;
	}
	return v;
}

/* subnets: "a,b , c" as "a, b, c" (entries trimmed; the parser checks them). */
static char *
init_subnets(const char *v)
{
	struct buf b;
	const char *p = v, *comma, *s, *e;

	buf_init(&b, INITCMD_MAX_VALUE * 2);
	for (;;) {
		comma = strchr(p, ',');
		e = comma ? comma : p + strlen(p);
		for (s = p; s < e && *s == ' '; s++)
			;
		while (e > s && e[-1] == ' ')
			e--;
		if ((p != v && buf_adds(&b, ", ") == -1) ||
		    buf_add(&b, s, (size_t)(e - s)) == -1) {
			buf_free(&b);
			return NULL;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return buf_detach(&b);
}

/* header: the comment that says where the file came from. */
static void
init_header(struct init_build *b, const struct cfn_stack *s,
    const char *stack, const struct initcmd_opts *o)
{
	char when[64] = "an unknown time", id[300], path[300], region[80];
	struct tm tm;

	if (gmtime_r(&o->now, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	init_clean(region, sizeof(region), b->val[O_REGION]);
	init_line(b, NULL, "# stingy-vpn desired.conf, written by `stingy-vpn "
	    "init` from the outputs of");
	init_line(b, NULL, "# CloudFormation stack %s in %s at %s.", stack,
	    region, when);
	if (s->id[0] != '\0')
		init_line(b, NULL, "# stack id: %s", init_clean(id, sizeof(id),
		    s->id));
	init_line(b, NULL, "# `stingy-vpn check -c %s` prints it normalised, "
	    "every default included;", o->path == NULL ||
	    strcmp(o->path, "-") == 0 ? "FILE" : init_clean(path, sizeof(path),
	    o->path));
	init_line(b, NULL, "# config/desired.conf.example says what each key "
	    "means.");
}

/* text: the configuration itself, from checked values only. */
static void
init_text(struct init_build *b, const char *profile, const char *state_db,
    const char *listen)
{
	const char *type = b->val[O_TYPE], *dot;
	char *subnets = NULL;
	unsigned long port;

	init_line(b, NULL, "%s", "");
	init_line(b, NULL, "[aws]");
	init_line(b, "Region", "region = %s", b->val[O_REGION]);
	if (profile != NULL)
		init_line(b, "--profile", "profile = %s", profile);
	init_line(b, "QueueUrl", "queue_url = %s", b->val[O_QUEUE]);
	init_line(b, NULL, "%s", "");
	init_line(b, NULL, "[controller]");
	init_line(b, "--state-db", "state_db = %s", state_db);
	init_line(b, "--listen", "listen = %s", listen);
	init_line(b, NULL, "%s", "");
	init_line(b, "EndpointName", "[endpoint %s]", b->val[O_ENDPOINT]);
	init_line(b, "LaunchTemplateId", "launch_template = %s",
	    b->val[O_TEMPLATE]);
	/* FAMILY.nano gets FAMILY.micro as its fallback (see initcmd.h) */
	dot = strchr(type, '.');
	if (dot != NULL && dot != type && strcmp(dot, ".nano") == 0)
		init_line(b, "InstanceType", "instance_types = %s, %.*s.micro",
		    type, (int)(dot - type), type);
	else
		init_line(b, "InstanceType", "instance_types = %s", type);
	if ((subnets = init_subnets(b->val[O_SUBNETS])) == NULL)
		b->bad = 1;
	else
		init_line(b, "SubnetIds", "subnets = %s", subnets);
	free(subnets);
	if (b->val[O_EIP] != NULL)
		init_line(b, "ElasticIpAllocationId", "elastic_ip = %s",
		    b->val[O_EIP]);
	else
		init_line(b, NULL, "# no ElasticIpAllocationId output: the "
		    "instance's own public address is used");
	init_line(b, "SsmPrefix", "ssm_prefix = %s", b->val[O_SSM]);
	init_line(b, "WireGuardCidr", "wireguard_cidr = %s", b->val[O_CIDR]);
	/* init_check_outputs let only a valid port through. */
	if (b->val[O_PORT] != NULL && init_port(b->val[O_PORT], &port) == 0)
		init_line(b, "WireGuardPort", "wireguard_port = %lu", port);
	if (b->val[O_SNS] != NULL) {
		init_line(b, NULL, "%s", "");
		init_line(b, NULL, "[alerts]");
		init_line(b, "SnsTopicArn", "sns_topic = %s", b->val[O_SNS]);
	}
}

/*
 * parse_errors: the parser's "init:LINE: message" lines as "output KEY:
 * message" (or "--option: message") for the line's source.
 */
static void
init_parse_errors(struct init_build *b, const char *errors)
{
	const char *p = errors, *nl, *msg;
	size_t flen = strlen(INITCMD_FILE);
	unsigned long line;
	char *end;
	int n;

	for (; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		n = nl ? (int)(nl - p) : (int)strlen(p);
		line = 0;
		msg = p;
		if (strncmp(p, INITCMD_FILE ":", flen + 1) == 0) {
			line = strtoul(p + flen + 1, &end, 10);
			if (*end == ':') {
				msg = end + 1 + (end[1] == ' ');
				n -= (int)(msg - p);
			}
		}
		if (line > 0 && line <= b->lines && b->src[line] != NULL)
			init_error(b, "%s%s: %.*s", b->src[line][0] == '-' ?
			    "" : "output ", b->src[line], n, msg);
		else
			init_error(b, "the generated desired.conf: %.*s", n, msg);
	}
}

char *
initcmd_build(const struct cfn_stack *s, const struct initcmd_opts *o,
    char **errors)
{
	struct init_build *b = NULL;
	struct desired *d = NULL;
	char stack[200], status[80], *perr = NULL, *text = NULL;
	const char *profile, *state_db, *listen;

	*errors = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto done;
	buf_init(&b->text, INITCMD_MAX_TEXT);
	buf_init(&b->errors, INITCMD_MAX_ERRORS);
	init_clean(stack, sizeof(stack), s->name[0] ? s->name :
	    o->stack ? o->stack : "?");
	if (!initcmd_status_usable(s->status)) {
		init_error(b, "stack %s %s%s: init reads a stack that is "
		    "CREATE_COMPLETE, UPDATE_COMPLETE or "
		    "UPDATE_ROLLBACK_COMPLETE", stack, s->status[0] ? "is " :
		    "has no status", init_clean(status, sizeof(status),
		    s->status));
		goto done;
	}
	init_check_outputs(b, s, stack, o);
	profile = init_check_option(b, "--profile", o->profile);
	state_db = init_check_option(b, "--state-db", o->state_db ?
	    o->state_db : INITCMD_DEFAULT_STATE_DB);
	listen = init_check_option(b, "--listen", o->listen ? o->listen :
	    INITCMD_DEFAULT_LISTEN);
	if (b->errors.len > 0 || b->bad)
		goto done;
	init_header(b, s, stack, o);
	init_text(b, profile, state_db, listen);
	if (b->bad)
		goto done;
	/* the real parser, before anything is written */
	if ((d = desired_parse_string(INITCMD_FILE, buf_str(&b->text),
	    b->text.len, &perr)) == NULL) {
		init_parse_errors(b, perr ? perr : INITCMD_FILE ":0: invalid\n");
		goto done;
	}
	text = buf_detach(&b->text);
done:
	if (text == NULL)
		*errors = b != NULL && b->errors.len > 0 ?
		    buf_detach(&b->errors) : strdup("out of memory\n");
	desired_free(d);
	free(perr);
	if (b != NULL) {
		buf_free(&b->text);
		buf_free(&b->errors);
		free(b);
	}
	return text;
}

/* ---- reading the stack ---- */

struct init_fetch {
	struct event_base	*base;
	int			 done;
	int			 failed;
	struct aws_error	 err;
	struct cfn_stack	 stack;
	char			 region[64];	/* the region it was read in */
};

static void
init_describe_cb(const struct aws_error *err, struct cfn_stack *stack,
    void *arg)
{
	struct init_fetch *f = arg;

	f->done = 1;
	if (err != NULL) {
		f->failed = 1;
		f->err = *err;
	} else {
		f->stack = *stack;	/* moved out: the adapter frees an empty one */
		memset(stack, 0, sizeof(*stack));
	}
	event_base_loopbreak(f->base);
}

/*
 * fetch: DescribeStacks of stack into *f. Returns 0 when the call ran to
 * its end (f->failed says how), -1 with err when it could not start (no
 * region, no credentials, ...).
 */
static int
init_fetch(const char *stack, const char *region, const char *profile,
    struct init_fetch *f, char *err, size_t errlen)
{
	struct oneshot o;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (oneshot_open(&o, region, profile, err, errlen) == -1)
		goto done;
	f->base = o.base;
	snprintf(f->region, sizeof(f->region), "%s", aws_region(o.aws));
	if (cfn_describe_stack(o.aws, stack, init_describe_cb, f) == -1) {
		snprintf(err, errlen, "cloudformation DescribeStacks %s: the "
		    "request could not start", stack);
		goto done;
	}
	if (oneshot_wait(&o, &f->done, &f->err) == -1)
		f->failed = 1;
	rc = 0;
done:
	oneshot_close(&o);	/* answers a call still pending ("Cancelled") */
	f->base = NULL;
	return rc;
}

/* report_fetch: the one line for a failed DescribeStacks. */
static void
init_report_fetch(const char *stack, const struct init_fetch *f)
{
	char why[512];

	aws_error_str(&f->err, why, sizeof(why));
	if (strcmp(f->err.code, "ValidationError") == 0 &&
	    strstr(f->err.message, "does not exist") != NULL)
		fprintf(stderr, "stingy-vpn init: stack %s does not exist in "
		    "%s: %s\n", stack, f->region, why);
	else
		fprintf(stderr, "stingy-vpn init: cloudformation DescribeStacks "
		    "%s in %s: %s\n", stack, f->region, why);
}

/* ---- writing ---- */

/* sync_dir: makes a rename in dir durable; filesystems that cannot are let be. */
static void
init_sync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

int
initcmd_write_file(const char *path, const char *text, int force, char *err,
    size_t errlen)
{
	char *copy = NULL, *tmp = NULL, *dir = NULL;
	const char *base;
	struct stat st;
	int fd = -1, rc = -1, linked;

	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if ((copy = strdup(path)) == NULL ||
	    asprintf(&tmp, "%s/.%s.init-XXXXXX", (dir = dirname(copy)),
	    base) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot create a file in %s: %s%s",
		    path, dir, strerror(errno), errno == ENOENT ?
		    " (create the directory, or pass -c FILE)" : "");
		free(tmp);
		tmp = NULL;
		goto done;
	}
	if (fchmod(fd, INITCMD_MODE) == -1 ||
	    fileio_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (force) {
		if (rename(tmp, path) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
	} else {
		linked = link(tmp, path) == 0;
		if (!linked && errno == EEXIST) {
			snprintf(err, errlen, "%s exists; pass --force to "
			    "replace it", path);
			goto done;
		}
		if (!linked && (errno == EPERM || errno == EOPNOTSUPP ||
		    errno == ENOSYS || errno == EMLINK || errno == EXDEV)) {
			if (lstat(path, &st) == 0) {
				snprintf(err, errlen, "%s exists; pass --force "
				    "to replace it", path);
				goto done;
			}
			linked = rename(tmp, path) == 0;
		}
		if (!linked) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		(void)unlink(tmp);	/* the link is the file now */
	}
	free(tmp);
	tmp = NULL;
	init_sync_dir(dir);
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(copy);
	return rc;
}

/* ---- the command ---- */

struct init_args {
	struct initcmd_opts	 o;
	int			 force;
	int			 verbose;
};

/* parse_args: 0, or the exit status (help: 0 after printing, with *exit_now). */
static int
init_parse_args(int argc, char **argv, struct init_args *a, int *exit_now)
{
	enum { OPT_STATE_DB = 1000, OPT_LISTEN };
	static const struct option longopts[] = {
		{ "stack", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "state-db", required_argument, NULL, OPT_STATE_DB },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = getenv("STINGY_VPN_CONF");
	int ch;

	*exit_now = 0;
	memset(a, 0, sizeof(*a));
	a->o.path = conf != NULL && *conf != '\0' ? conf : DEFAULT_CONF;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:r:p:c:fvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			a->o.stack = optarg;
			break;
		case 'r':
			a->o.region = optarg;
			break;
		case 'p':
			a->o.profile = optarg;
			break;
		case 'c':
			a->o.path = optarg;
			break;
		case 'f':
			a->force = 1;
			break;
		case OPT_STATE_DB:
			a->o.state_db = optarg;
			break;
		case OPT_LISTEN:
			a->o.listen = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*exit_now = 1;
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "stingy-vpn init: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	if (a->o.stack == NULL) {
		fprintf(stderr, "stingy-vpn init: --stack NAME is required\n");
		return 2;
	}
	if (!cfn_valid_stack_arg(a->o.stack)) {
		fprintf(stderr, "stingy-vpn init: --stack: not a stack name (a "
		    "letter, then letters, digits and '-', at most 128) or a "
		    "stack id (arn:...)\n");
		return 2;
	}
	if (a->o.path[0] == '\0') {
		fprintf(stderr, "stingy-vpn init: -c: empty path\n");
		return 2;
	}
	return 0;
}

/* print_lines: each line of text as "stingy-vpn init: LINE". */
static void
init_print_lines(const char *text)
{
	const char *p, *nl;

	for (p = text; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(stderr, "stingy-vpn init: %.*s\n",
		    nl ? (int)(nl - p) : (int)strlen(p), p);
	}
}

int
initcmd_main(int argc, char **argv)
{
	struct init_args a;
	struct init_fetch f;
	struct stat st;
	char err[1024], *text = NULL, *errors = NULL;
	int rc, exit_now, to_stdout;

	memset(&f, 0, sizeof(f));
	if ((rc = init_parse_args(argc, argv, &a, &exit_now)) != 0 || exit_now)
		return rc;
	log_init(a.verbose, 0);
	to_stdout = strcmp(a.o.path, "-") == 0;
	rc = 1;
	/* refuse before asking AWS; the write itself refuses again, atomically */
	if (!to_stdout && !a.force && lstat(a.o.path, &st) == 0) {
		fprintf(stderr, "stingy-vpn init: %s exists; pass --force to "
		    "replace it\n", a.o.path);
		goto done;
	}
	if (init_fetch(a.o.stack, a.o.region, a.o.profile, &f, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "stingy-vpn init: %s\n", err);
		goto done;
	}
	if (f.failed) {
		init_report_fetch(a.o.stack, &f);
		goto done;
	}
	a.o.region = f.region;
	a.o.now = time(NULL);
	if ((text = initcmd_build(&f.stack, &a.o, &errors)) == NULL) {
		init_print_lines(errors);
		goto done;
	}
	if (to_stdout) {
		if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
			fprintf(stderr, "stingy-vpn init: cannot write to "
			    "stdout\n");
			goto done;
		}
	} else {
		if (initcmd_write_file(a.o.path, text, a.force, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "stingy-vpn init: %s\n", err);
			goto done;
		}
		fprintf(stderr, "stingy-vpn init: wrote %s from stack %s; "
		    "`stingy-vpn check -c %s` shows it normalised\n", a.o.path,
		    a.o.stack, a.o.path);
	}
	rc = 0;
done:
	cfn_stack_free(&f.stack);
	free(text);
	free(errors);
	return rc;
}
