/*
 * test_notify: sd_notify datagrams to a path socket in a fresh directory and
 * to an abstract one; WATCHDOG_USEC / WATCHDOG_PID parsing.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "t.h"

static void
clear_env(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* recv_one: one datagram into buf (NUL-terminated), or "" when none waits. */
static void
recv_one(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
}

static int
bind_dgram(const struct sockaddr_un *sun, socklen_t sl)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd == -1 || bind(fd, (const struct sockaddr *)sun, sl) == -1) {
		fprintf(stderr, "test_notify: bind: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static void
test_unset(void)
{
	clear_env();
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_send("READY=1"), 0);	/* a no-op */
	T_EQ_INT(notify_watchdog_interval_ms(), 0);
}

static void
test_path_socket(void)
{
	char dir[] = "/tmp/test_notify.XXXXXX";
	struct sockaddr_un sun;
	char path[108], got[256];
	int fd;

	clear_env();
	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = bind_dgram(&sun, sizeof(sun));

	setenv("NOTIFY_SOCKET", path, 1);
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_send("READY=1"), 0);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "READY=1");
	T_EQ_INT(notify_send("STATUS=2 instances, primary i-0abc\nWATCHDOG=1"), 0);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "STATUS=2 instances, primary i-0abc\nWATCHDOG=1");
	T_EQ_INT(notify_send("STOPPING=1"), 0);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "STOPPING=1");
	T_EQ_INT(notify_send(""), -1);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "");	/* nothing was sent */

	/* The listener is gone: the send fails, quietly for the daemon. */
	close(fd);
	unlink(path);
	T_EQ_INT(notify_send("WATCHDOG=1"), -1);
	rmdir(dir);
	clear_env();
}

static void
test_abstract_socket(void)
{
	struct sockaddr_un sun;
	char name[64], env[80], got[64];
	socklen_t sl;
	size_t nl;
	int fd;

	clear_env();
	snprintf(name, sizeof(name), "stingy-test-notify-%ld", (long)getpid());
	nl = strlen(name);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, nl);
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + nl);
	fd = bind_dgram(&sun, sl);

	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_send("READY=1"), 0);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "READY=1");

	/* A name one byte longer is another socket: nobody listens there. */
	snprintf(env, sizeof(env), "@%sx", name);
	setenv("NOTIFY_SOCKET", env, 1);
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_send("READY=1"), -1);
	recv_one(fd, got, sizeof(got));
	T_EQ_STR(got, "");
	close(fd);
	clear_env();
}

static void
test_bad_socket(void)
{
	char longpath[200];

	clear_env();
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	T_EQ_INT(notify_init(), -1);
	T_EQ_INT(notify_send("READY=1"), 0);	/* disabled, so a no-op */
	setenv("NOTIFY_SOCKET", "@", 1);
	T_EQ_INT(notify_init(), -1);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	T_EQ_INT(notify_init(), -1);
	setenv("NOTIFY_SOCKET", "", 1);
	T_EQ_INT(notify_init(), 0);
	clear_env();
}

static void
test_watchdog(void)
{
	static const struct {
		const char	*usec;
		const char	*pid;	/* "self", "other", NULL or a literal */
		int		 rc;
		long		 ms;
	} cases[] = {
		{ NULL, NULL, 0, 0 },
		{ "20000000", NULL, 0, 10000 },
		{ "20000000", "self", 0, 10000 },
		{ "20000000", "other", 0, 0 },
		{ "20000000", "12x", -1, 0 },
		{ "20000000", "", -1, 0 },
		{ "20000000", "0", -1, 0 },
		{ "3000", NULL, 0, 1 },
		{ "1", NULL, 0, 1 },		/* never 0 while on */
		{ "0", NULL, -1, 0 },
		{ "", NULL, -1, 0 },
		{ "abc", NULL, -1, 0 },
		{ "-5", NULL, -1, 0 },
		{ " 20000000", NULL, -1, 0 },
		{ "20000000 ", NULL, -1, 0 },
		{ "2e7", NULL, -1, 0 },
		{ "99999999999999999999999", NULL, -1, 0 },	/* overflow */
		{ "18446744073709551615", NULL, 0, 9223372036854775L },
	};
	char pid[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_env();
		if (cases[i].usec)
			setenv("WATCHDOG_USEC", cases[i].usec, 1);
		if (cases[i].pid && strcmp(cases[i].pid, "self") == 0) {
			snprintf(pid, sizeof(pid), "%ld", (long)getpid());
			setenv("WATCHDOG_PID", pid, 1);
		} else if (cases[i].pid && strcmp(cases[i].pid, "other") == 0) {
			snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
			setenv("WATCHDOG_PID", pid, 1);
		} else if (cases[i].pid) {
			setenv("WATCHDOG_PID", cases[i].pid, 1);
		}
		T_OK(notify_init() == cases[i].rc, "case %zu (%s): rc", i,
		    cases[i].usec ? cases[i].usec : "unset");
		T_OK(notify_watchdog_interval_ms() == cases[i].ms,
		    "case %zu (%s): %ld ms, want %ld", i,
		    cases[i].usec ? cases[i].usec : "unset",
		    notify_watchdog_interval_ms(), cases[i].ms);
	}
	/* A new notify_init forgets the old watchdog. */
	clear_env();
	setenv("WATCHDOG_USEC", "4000000", 1);
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_watchdog_interval_ms(), 2000);
	clear_env();
	T_EQ_INT(notify_init(), 0);
	T_EQ_INT(notify_watchdog_interval_ms(), 0);
}

int
main(void)
{
	log_init(0, 0);
	T_RUN(test_unset);
	T_RUN(test_path_socket);
	T_RUN(test_abstract_socket);
	T_RUN(test_bad_socket);
	T_RUN(test_watchdog);
	return t_done("test_notify");
}
