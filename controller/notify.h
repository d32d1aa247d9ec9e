/*
 * notify: the systemd notify protocol (sd_notify(3)) without libsystemd:
 * one AF_UNIX datagram per message to $NOTIFY_SOCKET, a filesystem path or,
 * when it starts with '@', an abstract socket name.
 *
 * State is read once by notify_init() and kept in this module; the
 * environment is left as it is (call notify_init again to re-read it).
 */
#ifndef NOTIFY_H
#define NOTIFY_H

/*
 * notify_init: read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. The
 * watchdog is on only when WATCHDOG_USEC is a positive decimal number and
 * WATCHDOG_PID is absent or equal to getpid(). Returns 0 when everything
 * present made sense (or nothing was set); -1 when a value was malformed
 * (logged), in which case that part is off and the rest still applies.
 */
int notify_init(void);

/*
 * notify_send: send state ("READY=1", "STOPPING=1", "WATCHDOG=1",
 * "STATUS=...", or several joined by '\n') as one datagram. Returns 0 when
 * sent or when NOTIFY_SOCKET is unset (a no-op); -1 when the send failed
 * (logged). Nothing is retained.
 */
int notify_send(const char *state);

/*
 * notify_watchdog_interval_ms: how often to send "WATCHDOG=1": half of
 * WATCHDOG_USEC, in milliseconds, at least 1; 0 when the watchdog is off.
 */
long notify_watchdog_interval_ms(void);

#endif
