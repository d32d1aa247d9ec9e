/*
 * daemon: `stingy-vpn run`. Wires the event loop, the AWS clients, the
 * store and the HTTP server together; decides nothing itself.
 */
#ifndef DAEMON_H
#define DAEMON_H

struct daemon_opts {
	const char	*conf_path;
	int		 verbose;
};

/*
 * daemon_run: runs until SIGTERM or SIGINT. Refuses to start, with every
 * reason logged, on bad local input: configuration, state file, credentials,
 * listen address. Returns the process exit status (0 after a clean stop).
 */
int daemon_run(const struct daemon_opts *opts);

#endif
