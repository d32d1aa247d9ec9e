/* log: stderr logging with journald priority prefixes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int verbose;
static int use_prefix = 1;
static unsigned long warn_count;

void
log_init(int v, int prefix)
{
	verbose = v;
	use_prefix = prefix < 0 ? !isatty(STDERR_FILENO) : prefix;
}

int
log_verbose(void)
{
	return verbose;
}

unsigned long
log_warn_count(void)
{
	return warn_count;
}

static void
vlog(enum log_level lvl, const char *fmt, va_list ap, int with_errno)
{
	char msg[2048];
	int saved = errno;
	int n;

	if (lvl == LOG_LVL_DEBUG && !verbose)
		return;
	if (lvl <= LOG_LVL_WARNING)
		warn_count++;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (with_errno && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	/* Strip newlines so one call is one journal entry. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (use_prefix)
		fprintf(stderr, "<%d>%s\n", (int)lvl, msg);
	else
		fprintf(stderr, "%s\n", msg);
	errno = saved;
}

#define LOGFN(name, lvl, err) \
void name(const char *fmt, ...) { va_list ap; va_start(ap, fmt); \
	vlog(lvl, fmt, ap, err); va_end(ap); }

LOGFN(log_debug, LOG_LVL_DEBUG, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_notice, LOG_LVL_NOTICE, 0)
LOGFN(log_warn, LOG_LVL_WARNING, 1)
LOGFN(log_warnx, LOG_LVL_WARNING, 0)
LOGFN(log_error, LOG_LVL_ERR, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
