/* notify: sd_notify(3) over a unix datagram socket, without libsystemd. */
#include <sys/socket.h>
#include <sys/un.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;	/* 0: NOTIFY_SOCKET unset or unusable */
static uint64_t notify_watchdog_usec;	/* 0: watchdog off */

/* parse_u64: a plain decimal number, no sign, no spaces; -1 otherwise. */
static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
notify_init_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	size_t len;

	if (s == NULL || *s == '\0')
		return 0;
	len = strlen(s);
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len >= sizeof(notify_addr.sun_path)) {
		log_warnx("notify: NOTIFY_SOCKET %.120s: want an absolute path "
		    "or @name shorter than %zu bytes", s,
		    sizeof(notify_addr.sun_path));
		return -1;
	}
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, s, len);
	if (s[0] == '@') {
		/* Abstract: a leading NUL and exactly len bytes, no terminator. */
		notify_addr.sun_path[0] = '\0';
		notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		notify_addr.sun_path[len] = '\0';
		notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return 0;
}

static int
notify_init_watchdog(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t u, p;

	if (usec == NULL)
		return 0;
	if (parse_u64(usec, &u) == -1 || u == 0) {
		log_warnx("notify: WATCHDOG_USEC %.40s: not a positive number", usec);
		return -1;
	}
	if (pid != NULL) {
		if (parse_u64(pid, &p) == -1 || p == 0) {
			log_warnx("notify: WATCHDOG_PID %.40s: not a pid", pid);
			return -1;
		}
		if (p != (uint64_t)getpid())
			return 0;	/* meant for another process */
	}
	notify_watchdog_usec = u;
	return 0;
}

int
notify_init(void)
{
	int rc = 0;

	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addrlen = 0;
	notify_watchdog_usec = 0;
	if (notify_init_socket() == -1)
		rc = -1;
	if (notify_init_watchdog() == -1)
		rc = -1;
	return rc;
}

int
notify_send(const char *state)
{
	ssize_t n;
	size_t len;
	int fd, rc = -1;

	if (notify_addrlen == 0)
		return 0;
	if (state == NULL || (len = strlen(state)) == 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify: socket");
		return -1;
	}
	n = sendto(fd, state, len, MSG_NOSIGNAL,
	    (const struct sockaddr *)&notify_addr, notify_addrlen);
	if (n == -1)
		log_warn("notify: send to NOTIFY_SOCKET");
	else if ((size_t)n != len)
		log_warnx("notify: short send to NOTIFY_SOCKET");
	else
		rc = 0;
	close(fd);
	return rc;
}

long
notify_watchdog_interval_ms(void)
{
	uint64_t ms;

	if (notify_watchdog_usec == 0)
		return 0;
	ms = notify_watchdog_usec / 2000;
	if (ms == 0)
		return 1;
	if (ms > (uint64_t)LONG_MAX)
		return LONG_MAX;
	return (long)ms;
}
