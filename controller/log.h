/*
 * log: one place for diagnostics. Lines go to stderr with the "<N>" priority
 * prefix journald reads (sd-daemon(3)), or without it when stderr is a
 * terminal. Never pass credentials, signatures or tokens to these functions.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* log_init: verbose > 0 enables debug lines; prefix < 0 picks by isatty(2). */
void log_init(int verbose, int prefix);
int log_verbose(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatal/fatalx: log at error level and exit(1). Start-up or broken invariants only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* log_count: how many lines were logged at warning level or worse. */
unsigned long log_warn_count(void);

#endif
