/*
 * test_store: the state database, on real files in a scratch directory.
 * The test opens the files with SQLite itself to check what store.c wrote.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store.h"
#include "t.h"

static char dir[64];
static int seq;

/* scratch: a fresh path in the scratch directory for each call. */
static const char *
scratch(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/state%d.db", dir, ++seq);
	return path;
}

static int
mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return (int)(sb.st_mode & 07777);
}

static int
mode_of_suffix(const char *path, const char *suffix)
{
	char p[160];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return mode_of(p);
}

static struct store *
open_ok(const char *path)
{
	char err[256];
	struct store *s = store_open(path, err, sizeof(err));

	T_OK(s != NULL, "store_open %s: %s", path, err);
	T_EQ_STR(err, "");
	return s;
}

/* sql_exec: runs sql on path with SQLite directly; 0 or -1. */
static int
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	sqlite3_close(db);
	return rc;
}

/* sql_text: the first column of the first row of sql on path, into buf. */
static const char *
sql_text(const char *path, const char *sql, char *buf, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(buf, len, "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, len, "%s",
		    sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "NULL");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static void
write_file(const char *path, const void *data, size_t len, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	T_OK(fd != -1, "open %s: %s", path, strerror(errno));
	if (fd == -1)
		return;
	T_OK(write(fd, data, len) == (ssize_t)len, "write %s", path);
	fchmod(fd, (mode_t)mode);
	close(fd);
}

static struct store_instance
inst(const char *id, const char *state, int ready)
{
	struct store_instance in;

	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "%s", id);
	snprintf(in.state, sizeof(in.state), "%s", state);
	snprintf(in.type, sizeof(in.type), "t4g.nano");
	snprintf(in.subnet, sizeof(in.subnet), "subnet-0abc");
	snprintf(in.az, sizeof(in.az), "eu-west-1a");
	snprintf(in.public_ip, sizeof(in.public_ip), "203.0.113.10");
	snprintf(in.private_ip, sizeof(in.private_ip), "10.0.1.5");
	snprintf(in.launch_id, sizeof(in.launch_id), "L-%s", id);
	snprintf(in.lifecycle, sizeof(in.lifecycle), "spot");
	snprintf(in.template, sizeof(in.template), "lt-0abc:$Latest");
	in.launch_time = 1700000000;
	in.ready = ready;
	return in;
}

static struct store_event
event(const char *id, const char *instance_id)
{
	struct store_event ev;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.event_id, sizeof(ev.event_id), "%s", id);
	snprintf(ev.kind, sizeof(ev.kind), "interruption");
	snprintf(ev.source, sizeof(ev.source), "aws.ec2");
	snprintf(ev.detail_type, sizeof(ev.detail_type),
	    "EC2 Spot Instance Interruption Warning");
	snprintf(ev.instance_id, sizeof(ev.instance_id), "%s", instance_id);
	snprintf(ev.detail, sizeof(ev.detail), "terminate");
	ev.event_time = 1700000100;
	snprintf(ev.message_id, sizeof(ev.message_id), "msg-%s", id);
	return ev;
}

static void
test_fresh_open(void)
{
	const char *path = scratch();
	struct store_info info;
	struct store *s;
	mode_t old;
	char buf[128];

	/* A permissive umask must not leak into the files. */
	old = umask(0);
	s = open_ok(path);
	T_EQ_INT(umask(old), 0);	/* store_open restored ours */
	if (s == NULL)
		return;
	T_EQ_STR(store_path(s), path);
	T_EQ_INT(mode_of(path), 0600);
	T_EQ_INT(mode_of_suffix(path, "-wal"), 0600);
	T_EQ_INT(mode_of_suffix(path, "-shm"), 0600);
	T_EQ_INT(store_info(s, &info), 0);
	T_EQ_STR(info.journal_mode, "wal");
	T_EQ_INT(info.synchronous, 2);
	T_EQ_INT(info.foreign_keys, 1);
	T_EQ_INT(info.user_version, STORE_SCHEMA_VERSION);
	T_OK(info.page_count > 0, "page_count %lld", info.page_count);
	T_EQ_STR(store_error(s), "");

	/* What another connection sees in the file. */
	T_EQ_STR(sql_text(path, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)), "2");
	T_EQ_STR(sql_text(path, "SELECT group_concat(name, ',') FROM (SELECT name"
	    " FROM sqlite_schema WHERE type = 'table' ORDER BY name)", buf,
	    sizeof(buf)),
	    "audit,endpoint,events,instances,launch_intents,meta,pool_blocks,"
	    "quarantine,sqlite_sequence");
	store_close(s);
	/* The last close checkpoints and removes the WAL. */
	T_EQ_INT(mode_of_suffix(path, "-wal"), -1);
	T_EQ_INT(mode_of(path), 0600);
}

static void
test_reopen_keeps_data(void)
{
	const char *path = scratch();
	struct store_instance got;
	struct store_instance in = inst("i-0aaa", "running", 1);
	struct store *s;
	long long v;

	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1000), 0);
	T_EQ_INT(store_meta_set_int(s, "interruptions", 3), 0);
	store_close(s);

	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.endpoint, "home");
	T_EQ_STR(got.state, "running");
	T_EQ_INT(got.first_seen, 1000);
	T_EQ_INT(store_meta_get_int(s, "interruptions", &v), 1);
	T_EQ_INT(v, 3);
	store_close(s);
}

static void
test_newer_version_refused(void)
{
	const char *path = scratch();
	char err[256], want[256];
	struct store *s;

	T_EQ_INT(sql_exec(path, "CREATE TABLE x (a); PRAGMA user_version = 7"), 0);
	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "a newer database opened");
	store_close(s);
	snprintf(want, sizeof(want), "state: %s: schema version 7 is newer than "
	    "this program's (2); refusing to open it", path);
	T_EQ_STR(err, want);
	/* and it was left alone */
	T_EQ_STR(sql_text(path, "PRAGMA user_version", err, sizeof(err)), "7");
}

static void
test_not_a_database(void)
{
	const char *path;
	char err[256], want[256], junk[4096];
	struct store *s;
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	path = scratch();
	write_file(path, junk, sizeof(junk), 0600);
	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "garbage opened");
	store_close(s);
	snprintf(want, sizeof(want), "state: %s: file is not a database", path);
	T_EQ_STR(err, want);

	/* A short text file. */
	path = scratch();
	write_file(path, "hello\n", 6, 0600);
	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "text file opened");
	store_close(s);
	snprintf(want, sizeof(want), "state: %s: file is not a database", path);
	T_EQ_STR(err, want);
}

/* A real database with one page overwritten: malformed, not a crash. */
static void
test_corrupt_database(void)
{
	const char *path = scratch();
	struct store_instance in[40];
	char err[256], want[256], junk[1024];
	struct store *s;
	size_t i;
	int fd;

	if ((s = open_ok(path)) == NULL)
		return;
	for (i = 0; i < 40; i++) {
		char id[32];

		snprintf(id, sizeof(id), "i-%017zx", i);
		in[i] = inst(id, "running", 0);
	}
	T_EQ_INT(store_instances_sync(s, "home", in, 40, 1000), 0);
	store_close(s);

	memset(junk, 0xa5, sizeof(junk));
	fd = open(path, O_WRONLY);
	T_OK(fd != -1, "open");
	/* page 2 onwards: the first table's b-tree */
	T_OK(pwrite(fd, junk, sizeof(junk), 4096 + 8) == (ssize_t)sizeof(junk),
	    "pwrite");
	close(fd);

	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "corrupt database opened");
	store_close(s);
	snprintf(want, sizeof(want), "state: %s: database disk image is malformed",
	    path);
	T_OK(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
	if (getenv("TEST_STORE_VERBOSE"))
		fprintf(stderr, "corrupt: %s\n", err);
}

static void
test_bad_paths(void)
{
	char err[256], want[256], path[128], link[128];
	struct store *s;

	snprintf(path, sizeof(path), "%s/missing/state.db", dir);
	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "opened in a missing directory");
	snprintf(want, sizeof(want), "state: %s: No such file or directory", path);
	T_EQ_STR(err, want);

	s = store_open(dir, err, sizeof(err));
	T_OK(s == NULL, "opened a directory");
	snprintf(want, sizeof(want), "state: %s: Is a directory", dir);
	T_EQ_STR(err, want);

	s = store_open("", err, sizeof(err));
	T_OK(s == NULL, "opened an empty path");
	T_EQ_STR(err, "state: empty database path");

	/* A symbolic link is refused, its target left alone. */
	snprintf(path, sizeof(path), "%s/target.db", dir);
	snprintf(link, sizeof(link), "%s/link.db", dir);
	write_file(path, "", 0, 0644);
	T_EQ_INT(symlink(path, link), 0);
	s = store_open(link, err, sizeof(err));
	T_OK(s == NULL, "opened through a symlink");
	snprintf(want, sizeof(want), "state: %s: is a symbolic link", link);
	T_EQ_STR(err, want);
	T_EQ_INT(mode_of(path), 0644);

	/* NULL err is allowed. */
	T_OK(store_open("", NULL, 0) == NULL, "NULL err");
}

static void
test_loose_mode_fixed(void)
{
	const char *path = scratch();
	unsigned long warns;
	char wal[160];
	struct store *s;

	if ((s = open_ok(path)) == NULL)
		return;
	store_close(s);
	T_EQ_INT(chmod(path, 0644), 0);
	/* A stale, empty WAL left open to others is tightened too. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	write_file(wal, "", 0, 0644);
	T_EQ_INT(mode_of(wal), 0644);
	warns = log_warn_count();
	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(log_warn_count() - warns, 2);
	T_EQ_INT(mode_of(path), 0600);
	T_EQ_INT(mode_of_suffix(path, "-wal"), 0600);
	store_close(s);
}

static void
test_migrate_from_v0(void)
{
	const char *path = scratch();
	struct store_info info;
	struct store *s;
	char buf[64];

	/* Hand-made: a rollback-journal database at user_version 0. */
	T_EQ_INT(sql_exec(path, "PRAGMA journal_mode = DELETE;"
	    "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('kept')"), 0);
	T_EQ_INT(chmod(path, 0600), 0);
	T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)), "0");
	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_info(s, &info), 0);
	T_EQ_INT(info.user_version, STORE_SCHEMA_VERSION);
	T_EQ_STR(info.journal_mode, "wal");
	T_EQ_INT(store_audit(s, 5, "home", "launch", "t4g.nano", NULL, "ok"), 0);
	store_close(s);
	T_EQ_STR(sql_text(path, "SELECT t FROM notes", buf, sizeof(buf)), "kept");
	T_EQ_STR(sql_text(path, "SELECT action FROM audit", buf, sizeof(buf)),
	    "launch");

	/* A v0 file whose tables collide with the schema: a clear refusal. */
	path = scratch();
	T_EQ_INT(sql_exec(path, "CREATE TABLE instances (x)"), 0);
	T_EQ_INT(chmod(path, 0600), 0);
	{
		char err[256], want[256];

		s = store_open(path, err, sizeof(err));
		T_OK(s == NULL, "opened a colliding v0 file");
		store_close(s);
		snprintf(want, sizeof(want), "state: %s: migration to version 1: "
		    "table instances already exists", path);
		T_EQ_STR(err, want);
		T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)),
		    "0");
	}
}

static void
test_instances_sync(void)
{
	struct store_instance in[3], got, *list = NULL;
	struct store *s;
	size_t n = 99;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in[0] = inst("i-0aaa", "pending", 0);
	in[1] = inst("i-0bbb", "running", 1);
	T_EQ_INT(store_instances_sync(s, "home", in, 2, 1000), 0);
	in[2] = inst("i-0ccc", "running", 0);
	T_EQ_INT(store_instances_sync(s, "office", &in[2], 1, 1000), 0);

	/* Second look: a is running now and ready is not in the answer for b. */
	in[0] = inst("i-0aaa", "running", 1);
	in[0].public_ip[0] = '\0';
	T_EQ_INT(store_instances_sync(s, "home", in, 1, 1060), 0);

	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.state, "running");
	T_EQ_STR(got.public_ip, "");
	T_EQ_STR(got.private_ip, "10.0.1.5");
	T_EQ_STR(got.launch_id, "L-i-0aaa");
	T_EQ_STR(got.lifecycle, "spot");
	T_EQ_STR(got.az, "eu-west-1a");
	T_EQ_INT(got.launch_time, 1700000000);
	T_EQ_INT(got.ready, 1);
	T_EQ_INT(got.first_seen, 1000);
	T_EQ_INT(got.last_seen, 1060);
	T_EQ_INT(got.gone, 0);
	T_EQ_STR(got.doomed_reason, "");
	T_EQ_INT(got.doomed_at, 0);

	T_EQ_INT(store_instance_get(s, "i-0bbb", &got), 1);
	T_EQ_INT(got.gone, 1);
	T_EQ_INT(got.ready, 1);
	T_EQ_INT(got.last_seen, 1000);

	/* Other endpoints are not touched. */
	T_EQ_INT(store_instance_get(s, "i-0ccc", &got), 1);
	T_EQ_INT(got.gone, 0);

	T_EQ_INT(store_instances_list(s, "home", 0, &list, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(list[0].id, "i-0aaa");
	free(list);
	T_EQ_INT(store_instances_list(s, "home", 1, &list, &n), 0);
	T_EQ_INT(n, 2);
	free(list);
	T_EQ_INT(store_instances_list(s, NULL, 0, &list, &n), 0);
	T_EQ_INT(n, 2);
	free(list);
	T_EQ_INT(store_instances_list(s, "nowhere", 1, &list, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(list == NULL, "empty list is NULL");

	/* b comes back: no longer gone, first_seen kept, ready still sticky. */
	in[1] = inst("i-0bbb", "running", 0);
	T_EQ_INT(store_instances_sync(s, "home", in, 2, 1120), 0);
	T_EQ_INT(store_instance_get(s, "i-0bbb", &got), 1);
	T_EQ_INT(got.gone, 0);
	T_EQ_INT(got.first_seen, 1000);
	T_EQ_INT(got.ready, 1);

	/* An empty observation marks everything gone. */
	T_EQ_INT(store_instances_sync(s, "home", NULL, 0, 1180), 0);
	T_EQ_INT(store_instances_list(s, "home", 0, &list, &n), 0);
	T_EQ_INT(n, 0);

	T_EQ_INT(store_instance_get(s, "i-nope", &got), 0);
	T_EQ_STR(got.id, "");
	store_close(s);
}

/* A failure in the middle of a sync leaves the database as it was. */
static void
test_sync_rolls_back(void)
{
	struct store_instance in[2], got;
	struct store *s;
	unsigned long warns;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in[0] = inst("i-0aaa", "pending", 0);
	T_EQ_INT(store_instances_sync(s, "home", in, 1, 1000), 0);
	in[0] = inst("i-0aaa", "running", 1);
	in[1] = inst("", "running", 0);
	warns = log_warn_count();
	T_EQ_INT(store_instances_sync(s, "home", in, 2, 1060), -1);
	T_EQ_INT(log_warn_count() - warns, 1);	/* logged once */
	T_EQ_STR(store_error(s), "instances sync home: instance with an empty id");
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.state, "pending");
	T_EQ_INT(got.ready, 0);
	T_EQ_INT(got.last_seen, 1000);
	T_EQ_STR(store_error(s), "");
	/* and the store works after it */
	T_EQ_INT(store_instances_sync(s, "home", in, 1, 1060), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.state, "running");
	T_EQ_INT(store_instances_sync(s, "", in, 1, 1060), -1);
	store_close(s);
}

static void
test_doomed_survives_sync(void)
{
	struct store_instance in, got;
	struct store *s;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in = inst("i-0aaa", "running", 1);
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1000), 0);
	T_EQ_INT(store_instance_mark_doomed(s, "i-0aaa", "rebalance", 1010), 1);
	T_EQ_INT(store_instance_mark_doomed(s, "i-0aaa", "interruption", 1020), 0);
	T_EQ_INT(store_instance_mark_doomed(s, "i-0zzz", "interruption", 1020), 0);
	T_EQ_INT(store_instance_mark_doomed(s, "i-0aaa", "", 1020), -1);

	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1060), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.doomed_reason, "rebalance");
	T_EQ_INT(got.doomed_at, 1010);

	/* The observer may doom (a shutting-down state) but keeps the first. */
	snprintf(in.doomed_reason, sizeof(in.doomed_reason), "state");
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1120), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.doomed_reason, "rebalance");
	T_EQ_INT(got.doomed_at, 1010);

	in = inst("i-0bbb", "shutting-down", 0);
	snprintf(in.doomed_reason, sizeof(in.doomed_reason), "state");
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1180), 0);
	T_EQ_INT(store_instance_get(s, "i-0bbb", &got), 1);
	T_EQ_STR(got.doomed_reason, "state");
	T_EQ_INT(got.doomed_at, 1180);
	store_close(s);
}

static void
test_event_dedupe(void)
{
	struct store_instance in = inst("i-0aaa", "running", 1), got;
	struct store_event ev, *list = NULL;
	struct store_counts c;
	struct store *s;
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1000), 0);
	ev = event("ev-1", "i-0aaa");
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1100), 1);
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1101), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 1100);

	/* A later doom of another kind leaves the first. */
	ev = event("ev-2", "i-0aaa");
	snprintf(ev.kind, sizeof(ev.kind), "rebalance");
	T_EQ_INT(store_event_record(s, "home", &ev, "rebalance", 1200), 1);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 1100);

	/* No doom, no instance. */
	ev = event("ev-3", "");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 1300), 1);

	ev = event("", "i-0aaa");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 1300), -1);

	T_EQ_INT(store_events_recent(s, 10, &list, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(list[0].event_id, "ev-3");
		T_EQ_STR(list[0].endpoint, "");
		T_EQ_STR(list[0].instance_id, "");
		T_EQ_INT(list[0].applied, 0);
		T_EQ_STR(list[1].event_id, "ev-2");
		T_EQ_STR(list[1].kind, "rebalance");
		T_EQ_INT(list[1].applied, 1);
		T_EQ_STR(list[2].event_id, "ev-1");
		T_EQ_STR(list[2].endpoint, "home");	/* from the instance */
		T_EQ_STR(list[2].source, "aws.ec2");
		T_EQ_STR(list[2].detail_type,
		    "EC2 Spot Instance Interruption Warning");
		T_EQ_STR(list[2].detail, "terminate");
		T_EQ_STR(list[2].message_id, "msg-ev-1");
		T_EQ_STR(list[2].doom_reason, "interruption");
		T_EQ_INT(list[2].event_time, 1700000100);
		T_EQ_INT(list[2].received_at, 1100);
		T_EQ_INT(list[2].applied, 1);
	}
	free(list);
	T_EQ_INT(store_events_recent(s, 1, &list, &n), 0);
	T_EQ_INT(n, 1);
	free(list);

	T_EQ_INT(store_counts(s, &c), 0);
	T_EQ_INT(c.events, 3);
	T_EQ_INT(c.events_dooming, 2);
	T_EQ_INT(c.instances, 1);
	store_close(s);
}

/* A doom for an instance not seen yet waits for the sync that sees it. */
static void
test_event_before_instance(void)
{
	struct store_instance in = inst("i-0late", "pending", 0), got;
	struct store_event ev, *list = NULL;
	struct store *s;
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	ev = event("ev-9", "i-0late");
	T_EQ_INT(store_event_record(s, "home", &ev, "interruption", 2000), 1);
	T_EQ_INT(store_instance_get(s, "i-0late", &got), 0);
	T_EQ_INT(store_events_recent(s, 1, &list, &n), 0);
	T_EQ_INT(n == 1 ? list[0].applied : -1, 0);
	free(list);

	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 2030), 0);
	T_EQ_INT(store_instance_get(s, "i-0late", &got), 1);
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 2000);
	T_EQ_INT(store_events_recent(s, 1, &list, &n), 0);
	T_EQ_INT(n == 1 ? list[0].applied : -1, 1);
	free(list);
	store_close(s);
}

static void
test_quarantine(void)
{
	static const unsigned char body[] = { '{', 0, 'x', '"', 0xff, 0, '\n' };
	struct store_quarantine *q = NULL;
	struct store *s;
	unsigned char *big;
	long long count = -1;
	size_t n = 0, i;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_quarantine_count(s, &count), 0);
	T_EQ_INT(count, 0);
	T_EQ_INT(store_quarantine_add(s, "msg-1", "json: unexpected end", body,
	    sizeof(body), 3000), 0);
	T_EQ_INT(store_quarantine_add(s, NULL, "empty body", NULL, 0, 3001), 0);
	T_EQ_INT(store_quarantine_add(s, "msg-x", "bad", NULL, 5, 3001), -1);

	big = malloc(STORE_QUARANTINE_MAX + 100);
	T_OK(big != NULL, "malloc");
	if (big == NULL)
		return;
	for (i = 0; i < STORE_QUARANTINE_MAX + 100; i++)
		big[i] = (unsigned char)i;
	T_EQ_INT(store_quarantine_add(s, "msg-big", "too big", big,
	    STORE_QUARANTINE_MAX + 100, 3002), 0);

	T_EQ_INT(store_quarantine_count(s, &count), 0);
	T_EQ_INT(count, 3);
	T_EQ_INT(store_quarantine_recent(s, 10, &q, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(q[0].message_id, "msg-big");
		T_EQ_INT(q[0].len, STORE_QUARANTINE_MAX + 100);
		T_EQ_INT(q[0].body_len, STORE_QUARANTINE_MAX);
		T_OK(memcmp(q[0].body, big, STORE_QUARANTINE_MAX) == 0,
		    "big body kept");
		T_EQ_STR(q[1].message_id, "");
		T_EQ_INT(q[1].len, 0);
		T_EQ_INT(q[1].body_len, 0);
		T_OK(q[1].body != NULL && q[1].body[0] == '\0', "empty body");
		T_EQ_STR(q[2].message_id, "msg-1");
		T_EQ_STR(q[2].reason, "json: unexpected end");
		T_EQ_INT(q[2].received_at, 3000);
		T_EQ_INT(q[2].len, sizeof(body));
		T_EQ_INT(q[2].body_len, sizeof(body));
		T_OK(memcmp(q[2].body, body, sizeof(body)) == 0,
		    "body bytes kept, NULs included");
		T_OK(q[2].id < q[1].id && q[1].id < q[0].id, "ids increase");
	}
	store_quarantine_free(q, n);
	store_quarantine_free(NULL, 0);
	free(big);
	store_close(s);
}

static void
test_intents(void)
{
	struct store_intent *open = NULL, got;
	struct store *s;
	long long count = -1;
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_intent_create(s, "L1", "home", "t4g.nano", "subnet-1", 1000), 0);
	T_EQ_INT(store_intent_create(s, "L1", "home", "t4g.nano", "subnet-1", 1001), -1);
	T_EQ_INT(store_intent_create(s, "L2", "home", "t4g.micro", "", 1100), 0);
	T_EQ_INT(store_intent_create(s, "L0", "home", "t4g.nano", "", 500), 0);
	T_EQ_INT(store_intent_create(s, "M1", "office", "t4g.nano", "", 1100), 0);
	T_EQ_INT(store_intent_create(s, "", "home", "t4g.nano", "", 1100), -1);

	T_EQ_INT(store_intent_get(s, "L1", &got), 1);
	T_EQ_STR(got.endpoint, "home");
	T_EQ_STR(got.type, "t4g.nano");
	T_EQ_STR(got.subnet, "subnet-1");
	T_EQ_INT(got.state, STORE_INTENT_PENDING);
	T_EQ_INT(got.created_at, 1000);

	T_EQ_INT(store_intents_open(s, "home", &open, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(open[0].launch_id, "L0");
		T_EQ_STR(open[1].launch_id, "L1");
		T_EQ_STR(open[2].launch_id, "L2");
	}
	free(open);

	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_SENT, NULL, NULL, 1010), 0);
	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_LAUNCHED, "i-0aaa", NULL,
	    1020), 0);
	T_EQ_INT(store_intent_get(s, "L1", &got), 1);
	T_EQ_INT(got.state, STORE_INTENT_LAUNCHED);
	T_EQ_STR(got.instance_id, "i-0aaa");
	T_EQ_STR(got.error, "");
	T_EQ_INT(got.updated_at, 1020);
	/* Final states stay final; the row is untouched. */
	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_SENT, NULL, NULL, 1030), -1);
	T_EQ_STR(store_error(s),
	    "intent L1 set sent: launched -> sent is not allowed");
	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_LAUNCHED, NULL, NULL,
	    1040), 0);	/* same state: allowed, keeps the instance id */
	T_EQ_INT(store_intent_get(s, "L1", &got), 1);
	T_EQ_STR(got.instance_id, "i-0aaa");
	T_EQ_INT(got.updated_at, 1040);
	T_EQ_INT(store_intent_set(s, "nope", STORE_INTENT_SENT, NULL, NULL, 1030), -1);
	T_EQ_INT(store_intent_set(s, "L2", (enum store_intent_state)9, NULL, NULL,
	    1030), -1);

	T_EQ_INT(store_intent_set(s, "L2", STORE_INTENT_FAILED, NULL,
	    "InsufficientInstanceCapacity", 1110), 0);
	T_EQ_INT(store_intent_get(s, "L2", &got), 1);
	T_EQ_INT(got.state, STORE_INTENT_FAILED);
	T_EQ_STR(got.error, "InsufficientInstanceCapacity");
	T_EQ_INT(store_intent_set(s, "L0", STORE_INTENT_ABANDONED, NULL,
	    "not found after restart", 1110), 0);

	T_EQ_INT(store_intents_open(s, "home", &open, &n), 0);
	T_EQ_INT(n, 0);
	T_EQ_INT(store_intents_open(s, NULL, &open, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(open[0].launch_id, "M1");
	free(open);

	/* Budget: L1 (launched, 1000) and L0 (abandoned, 500); L2 failed. */
	T_EQ_INT(store_launches_since(s, "home", 1000, &count), 0);
	T_EQ_INT(count, 1);
	T_EQ_INT(store_launches_since(s, "home", 0, &count), 0);
	T_EQ_INT(count, 2);
	T_EQ_INT(store_launches_since(s, "home", 1001, &count), 0);
	T_EQ_INT(count, 0);
	T_EQ_INT(store_launches_since(s, "office", 0, &count), 0);
	T_EQ_INT(count, 1);

	T_EQ_STR(store_intent_state_name(STORE_INTENT_SENT), "sent");
	T_EQ_STR(store_intent_state_name((enum store_intent_state)42), "unknown");
	store_close(s);
}

static void
test_endpoint(void)
{
	struct store_endpoint e, got;
	struct store *s;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_endpoint_get(s, "home", &got), 0);
	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "home");
	snprintf(e.instance_id, sizeof(e.instance_id), "i-0aaa");
	snprintf(e.public_ip, sizeof(e.public_ip), "203.0.113.10");
	snprintf(e.dns_value, sizeof(e.dns_value), "203.0.113.10");
	e.dns_synced_at = 1500;
	T_EQ_INT(store_endpoint_put(s, &e, 1501), 0);
	T_EQ_INT(store_endpoint_get(s, "home", &got), 1);
	T_EQ_STR(got.name, "home");
	T_EQ_STR(got.instance_id, "i-0aaa");
	T_EQ_STR(got.elastic_ip, "");
	T_EQ_STR(got.public_ip, "203.0.113.10");
	T_EQ_STR(got.dns_value, "203.0.113.10");
	T_EQ_INT(got.dns_synced_at, 1500);
	T_EQ_STR(got.ssm_value, "");
	T_EQ_INT(got.ssm_synced_at, 0);
	T_EQ_INT(got.updated_at, 1501);

	snprintf(e.instance_id, sizeof(e.instance_id), "i-0bbb");
	snprintf(e.ssm_value, sizeof(e.ssm_value), "i-0bbb");
	e.ssm_synced_at = 1600;
	e.dns_value[0] = '\0';
	e.dns_synced_at = 0;
	T_EQ_INT(store_endpoint_put(s, &e, 1601), 0);
	T_EQ_INT(store_endpoint_get(s, "home", &got), 1);
	T_EQ_STR(got.instance_id, "i-0bbb");
	T_EQ_STR(got.ssm_value, "i-0bbb");
	T_EQ_INT(got.ssm_synced_at, 1600);
	T_EQ_STR(got.dns_value, "");
	T_EQ_INT(got.dns_synced_at, 0);
	T_EQ_INT(got.updated_at, 1601);

	e.name[0] = '\0';
	T_EQ_INT(store_endpoint_put(s, &e, 1601), -1);
	store_close(s);
}

static void
test_audit_and_meta(void)
{
	struct store_audit_entry *a = NULL;
	struct store *s;
	long long v = -1;
	char buf[16];
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_audit(s, 100, "home", "launch", "t4g.nano/subnet-1",
	    "launch id L1", "ok"), 0);
	T_EQ_INT(store_audit(s, 100, "home", "associate", "i-0aaa", NULL, "ok"), 0);
	T_EQ_INT(store_audit(s, 90, NULL, "terminate", "i-0old", NULL,
	    "UnauthorizedOperation"), 0);
	T_EQ_INT(store_audit_recent(s, 2, &a, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		/* newest written first, whatever the clock said */
		T_EQ_STR(a[0].action, "terminate");
		T_EQ_STR(a[0].endpoint, "");
		T_EQ_STR(a[0].result, "UnauthorizedOperation");
		T_EQ_INT(a[0].at, 90);
		T_EQ_STR(a[1].action, "associate");
		T_EQ_STR(a[1].target, "i-0aaa");
		T_EQ_STR(a[1].detail, "");
		T_OK(a[0].id == a[1].id + 1, "ids %lld %lld", a[0].id, a[1].id);
	}
	free(a);
	T_EQ_INT(store_audit_recent(s, 0, &a, &n), 0);
	T_EQ_INT(n, 0);

	T_EQ_INT(store_meta_get_int(s, "launches", &v), 0);
	T_EQ_INT(v, 0);
	T_EQ_INT(store_meta_set_int(s, "launches", 41), 0);
	T_EQ_INT(store_meta_set_int(s, "launches", 42), 0);
	T_EQ_INT(store_meta_get_int(s, "launches", &v), 1);
	T_EQ_INT(v, 42);
	T_EQ_INT(store_meta_set_text(s, "last_alert", "capacity-exhausted"), 0);
	T_EQ_INT(store_meta_get_text(s, "last_alert", buf, sizeof(buf)), 1);
	T_EQ_STR(buf, "capacity-exhaus");	/* truncated to the buffer */
	T_EQ_INT(store_meta_get_text(s, "launches", buf, sizeof(buf)), 1);
	T_EQ_STR(buf, "42");
	T_EQ_INT(store_meta_get_text(s, "missing", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "");
	T_EQ_INT(store_meta_set_int(s, "", 1), -1);
	store_close(s);
}

/* Network strings: long ones are cut, odd ones stored as they are. */
static void
test_hostile_strings(void)
{
	struct store_instance in, got;
	struct store_event ev, *list = NULL;
	struct store *s;
	char longid[300];
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in = inst("i-0aaa", "running", 0);
	snprintf(in.state, sizeof(in.state), "'; DROP TABLE x; --");
	/* a field without its NUL: read no further than the array */
	memset(in.az, 'z', sizeof(in.az));
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1000), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.state, "'; DROP TABLE x; --");
	T_EQ_INT(strlen(got.az), sizeof(got.az) - 1);

	memset(longid, 'e', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ev = event("x", "i-0aaa");
	memset(ev.event_id, 'e', sizeof(ev.event_id));	/* unterminated */
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1100), 1);
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1100), 0);
	T_EQ_INT(store_events_recent(s, 5, &list, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_INT(strlen(list[0].event_id), sizeof(ev.event_id) - 1);
	free(list);

	T_EQ_INT(store_audit(s, 1, longid, longid, longid, longid, longid), 0);
	T_EQ_INT(store_meta_set_text(s, longid, longid), 0);
	store_close(s);
}

static void
test_prune(void)
{
	struct store_instance in[2];
	struct store_counts c;
	struct store *s;
	long long del = -1;
	struct store_event ev;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in[0] = inst("i-0old", "terminated", 0);
	in[1] = inst("i-0new", "running", 1);
	T_EQ_INT(store_instances_sync(s, "home", in, 1, 100), 0);
	T_EQ_INT(store_instances_sync(s, "home", &in[1], 1, 5000), 0);
	ev = event("ev-old", "i-0old");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 100), 1);
	ev = event("ev-new", "i-0new");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 5000), 1);
	T_EQ_INT(store_intent_create(s, "L-old", "home", "t4g.nano", "", 100), 0);
	T_EQ_INT(store_intent_set(s, "L-old", STORE_INTENT_LAUNCHED, "i-0old",
	    NULL, 100), 0);
	T_EQ_INT(store_intent_create(s, "L-stuck", "home", "t4g.nano", "", 100), 0);
	T_EQ_INT(store_quarantine_add(s, "m", "bad", "x", 1, 100), 0);
	T_EQ_INT(store_audit(s, 100, "home", "launch", NULL, NULL, "ok"), 0);
	T_EQ_INT(store_audit(s, 5000, "home", "launch", NULL, NULL, "ok"), 0);

	T_EQ_INT(store_prune(s, 1000, &del), 0);
	/* ev-old, i-0old, L-old, the quarantine row, the first audit row */
	T_EQ_INT(del, 5);
	T_EQ_INT(store_counts(s, &c), 0);
	T_EQ_INT(c.events, 1);
	T_EQ_INT(c.instances, 1);
	T_EQ_INT(c.intents_open, 1);	/* L-stuck is never pruned */
	T_EQ_INT(c.quarantine, 0);
	T_EQ_INT(c.audit, 1);
	T_EQ_INT(store_prune(s, 1000, NULL), 0);
	store_close(s);
}

/* Two stores on one file: the second waits for, then sees, the first. */
static void
test_two_connections(void)
{
	const char *path = scratch();
	struct store_instance in = inst("i-0aaa", "running", 0), got;
	struct store *a, *b;

	if ((a = open_ok(path)) == NULL)
		return;
	if ((b = open_ok(path)) == NULL) {
		store_close(a);
		return;
	}
	T_EQ_INT(store_instances_sync(a, "home", &in, 1, 1000), 0);
	T_EQ_INT(store_instance_get(b, "i-0aaa", &got), 1);
	T_EQ_INT(store_instance_mark_doomed(b, "i-0aaa", "rebalance", 1001), 1);
	T_EQ_INT(store_instance_get(a, "i-0aaa", &got), 1);
	T_EQ_STR(got.doomed_reason, "rebalance");
	store_close(b);
	store_close(a);
}

/*
 * Migration 1 as released, pinned: a released step is never edited (the
 * databases in the field ran it). FNV-1a 64 of schema_migrations[0].
 */
static void
test_schema_pinned(void)
{
	const unsigned char *p;
	unsigned long long h = 14695981039346656037ULL;

	T_EQ_INT(schema_nmigrations, STORE_SCHEMA_VERSION);
	T_EQ_INT(STORE_SCHEMA_VERSION, 2);
	for (p = (const unsigned char *)schema_migrations[0]; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	T_OK(h == 0x4f3c8ffa9d2b185eULL, "migration 1 was edited: %016llx", h);
	T_EQ_INT(strlen(schema_migrations[0]), 2657);
}

/* make_v1: a database as version 1 of the program left it, with data. */
static int
make_v1(const char *path)
{
	if (sql_exec(path, "PRAGMA journal_mode = WAL") == -1 ||
	    sql_exec(path, schema_migrations[0]) == -1 ||
	    sql_exec(path, "PRAGMA user_version = 1") == -1 ||
	    sql_exec(path,
	    "INSERT INTO instances (instance_id, endpoint, state,"
	    " instance_type, subnet_id, az, public_ip, private_ip, launch_id,"
	    " lifecycle, launch_time, ready, doomed_reason, doomed_at,"
	    " first_seen, last_seen, gone) VALUES"
	    " ('i-0old', 'home', 'running', 't4g.nano', 'subnet-1',"
	    "  'eu-west-1a', '203.0.113.7', '10.0.1.7', 'L-old', 'spot',"
	    "  1700000000, 1, 'rebalance', 900, 800, 950, 0);"
	    "INSERT INTO events (event_id, endpoint, kind, source, detail_type,"
	    " instance_id, detail, event_time, received_at, message_id,"
	    " doom_reason, applied) VALUES"
	    " ('ev-old', 'home', 'spot-interruption', 'aws.ec2', 'EC2 Spot"
	    "  Instance Interruption Warning', 'i-0new', 'terminate', 940, 960,"
	    "  'msg-old', 'interruption', 0);"
	    "INSERT INTO launch_intents (launch_id, endpoint, instance_type,"
	    " subnet_id, state, instance_id, error, created_at, updated_at)"
	    " VALUES ('L-new', 'home', 't4g.micro', '', 'launched', 'i-0new',"
	    "  NULL, 955, 956);"
	    "INSERT INTO audit (at, endpoint, action, target, detail, result)"
	    " VALUES (956, 'home', 'launch', 'i-0new', NULL, 'ok'),"
	    " (957, 'home', 'associate-eip', 'i-0new', NULL, 'Throttling');"
	    "INSERT INTO endpoint (name, instance_id, updated_at)"
	    " VALUES ('home', 'i-0old', 958);"
	    "INSERT INTO meta (key, value) VALUES ('launches', 7)") == -1)
		return -1;
	return chmod(path, 0600);
}

/* A version 1 file with data moves to version 2 and keeps every row. */
static void
test_migrate_v1_to_v2(void)
{
	const char *path = scratch();
	struct store_instance got, in;
	struct store_intent *li = NULL;
	struct store_audit_entry *a = NULL;
	struct store_event *ev = NULL;
	struct store_endpoint e;
	struct store_info info;
	struct store *s;
	long long v = -1;
	char buf[256];
	size_t n = 0;

	T_EQ_INT(make_v1(path), 0);
	T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)), "1");
	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_info(s, &info), 0);
	T_EQ_INT(info.user_version, 2);
	T_EQ_STR(info.journal_mode, "wal");

	/* The old instance row, whole, with an empty template. */
	T_EQ_INT(store_instance_get(s, "i-0old", &got), 1);
	T_EQ_STR(got.endpoint, "home");
	T_EQ_STR(got.state, "running");
	T_EQ_STR(got.type, "t4g.nano");
	T_EQ_STR(got.subnet, "subnet-1");
	T_EQ_STR(got.az, "eu-west-1a");
	T_EQ_STR(got.public_ip, "203.0.113.7");
	T_EQ_STR(got.private_ip, "10.0.1.7");
	T_EQ_STR(got.launch_id, "L-old");
	T_EQ_STR(got.lifecycle, "spot");
	T_EQ_STR(got.template, "");
	T_EQ_INT(got.launch_time, 1700000000);
	T_EQ_INT(got.ready, 1);
	T_EQ_STR(got.doomed_reason, "rebalance");
	T_EQ_INT(got.doomed_at, 900);
	T_EQ_INT(got.first_seen, 800);
	T_EQ_INT(got.last_seen, 950);
	T_EQ_INT(got.gone, 0);

	T_EQ_INT(store_endpoint_get(s, "home", &e), 1);
	T_EQ_STR(e.instance_id, "i-0old");
	T_EQ_INT(store_meta_get_int(s, "launches", &v), 1);
	T_EQ_INT(v, 7);
	T_EQ_INT(store_events_recent_for(s, "home", 10, &ev, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(ev[0].event_id, "ev-old");
		T_EQ_INT(ev[0].applied, 0);
	}
	free(ev);
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 960, &v), 0);
	T_EQ_INT(v, 1);
	T_EQ_INT(store_intents_launched_since(s, "home", 0, &li, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(li[0].instance_id, "i-0new");
	free(li);
	T_EQ_INT(store_audit_errors(s, "home", 10, &a, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(a[0].result, "Throttling");
	free(a);

	/* The doom that waited in version 1 lands on the first put. */
	in = inst("i-0new", "pending", 0);
	snprintf(in.endpoint, sizeof(in.endpoint), "home");
	T_EQ_INT(store_instance_put(s, &in, 1000), 0);
	T_EQ_INT(store_instance_get(s, "i-0new", &got), 1);
	T_EQ_STR(got.template, "lt-0abc:$Latest");
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 960);
	T_EQ_INT(store_pool_block(s, "home", "t4g.nano", "", 2000, "ICE", 1000),
	    0);
	store_close(s);

	/* What the file holds now. */
	T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)), "2");
	T_EQ_STR(sql_text(path, "SELECT count(*) FROM sqlite_schema WHERE"
	    " name IN ('pool_blocks', 'events_kind')", buf, sizeof(buf)), "2");
	T_EQ_STR(sql_text(path, "SELECT template FROM instances WHERE"
	    " instance_id = 'i-0old'", buf, sizeof(buf)), "");
	T_EQ_STR(sql_text(path, "SELECT count(*) FROM audit", buf, sizeof(buf)),
	    "2");
	T_EQ_INT(mode_of(path), 0600);

	/* And a second open finds nothing to do. */
	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_instance_get(s, "i-0old", &got), 1);
	T_EQ_INT(got.first_seen, 800);
	store_close(s);
}

/* Migration 2 failing leaves the file at version 1, its data untouched. */
static void
test_migrate_v2_fails_cleanly(void)
{
	const char *path = scratch();
	char err[256], want[256], buf[64];
	struct store *s;

	T_EQ_INT(make_v1(path), 0);
	T_EQ_INT(sql_exec(path, "CREATE TABLE pool_blocks (x)"), 0);
	s = store_open(path, err, sizeof(err));
	T_OK(s == NULL, "opened a v1 file with a stray pool_blocks");
	store_close(s);
	snprintf(want, sizeof(want), "state: %s: migration to version 2: "
	    "table pool_blocks already exists", path);
	T_EQ_STR(err, want);
	T_EQ_STR(sql_text(path, "PRAGMA user_version", buf, sizeof(buf)), "1");
	/* The ALTER TABLE before it was rolled back too. */
	T_EQ_STR(sql_text(path, "SELECT count(*) FROM pragma_table_info("
	    "'instances') WHERE name = 'template'", buf, sizeof(buf)), "0");
	T_EQ_STR(sql_text(path, "SELECT last_seen FROM instances", buf,
	    sizeof(buf)), "950");
}

/* The template tag: stored by sync, not sticky, cut at its field. */
static void
test_instance_template(void)
{
	struct store_instance in = inst("i-0aaa", "running", 1), got;
	struct store *s;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1000), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.template, "lt-0abc:$Latest");

	snprintf(in.template, sizeof(in.template), "lt-0abc:7");
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1060), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.template, "lt-0abc:7");

	/* A tag that went away is gone: the new value, "" too. */
	in.template[0] = '\0';
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1120), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_STR(got.template, "");

	/* Unterminated: read no further than the array, keep 95 bytes. */
	memset(in.template, 't', sizeof(in.template));
	T_EQ_INT(store_instances_sync(s, "home", &in, 1, 1180), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_INT(strlen(got.template), sizeof(got.template) - 1);
	T_EQ_INT(got.template[0], 't');
	store_close(s);
}

/* One instance in, nothing else touched. */
static void
test_instance_put(void)
{
	struct store_instance in[2], one, got, *list = NULL;
	struct store_event ev;
	struct store *s;
	unsigned long warns;
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in[0] = inst("i-0aaa", "running", 1);
	in[1] = inst("i-0bbb", "running", 0);
	T_EQ_INT(store_instances_sync(s, "home", in, 2, 1000), 0);
	T_EQ_INT(store_instance_mark_doomed(s, "i-0bbb", "interruption", 1010), 1);

	/* A launch answer: a new row; the others are not marked gone. */
	one = inst("i-0new", "pending", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	one.public_ip[0] = '\0';
	one.first_seen = 5;	/* ignored, as are these */
	one.last_seen = 6;
	one.gone = 1;
	one.doomed_at = 7;
	T_EQ_INT(store_instance_put(s, &one, 1020), 0);
	T_EQ_INT(store_instance_get(s, "i-0new", &got), 1);
	T_EQ_STR(got.endpoint, "home");
	T_EQ_STR(got.state, "pending");
	T_EQ_STR(got.public_ip, "");
	T_EQ_STR(got.launch_id, "L-i-0new");
	T_EQ_STR(got.template, "lt-0abc:$Latest");
	T_EQ_INT(got.ready, 0);
	T_EQ_INT(got.first_seen, 1020);
	T_EQ_INT(got.last_seen, 1020);
	T_EQ_INT(got.gone, 0);
	T_EQ_STR(got.doomed_reason, "");
	T_EQ_INT(got.doomed_at, 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_INT(got.gone, 0);
	T_EQ_INT(got.last_seen, 1000);
	T_EQ_INT(store_instances_list(s, "home", 0, &list, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3)
		T_EQ_STR(list[2].id, "i-0new");	/* first_seen order */
	free(list);

	/* Put again, as sync would: new values, ready and doom sticky. */
	one = inst("i-0bbb", "shutting-down", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	snprintf(one.template, sizeof(one.template), "lt-0abc:3");
	T_EQ_INT(store_instance_put(s, &one, 1030), 0);
	T_EQ_INT(store_instance_get(s, "i-0bbb", &got), 1);
	T_EQ_STR(got.state, "shutting-down");
	T_EQ_STR(got.template, "lt-0abc:3");
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 1010);
	T_EQ_INT(got.first_seen, 1000);
	T_EQ_INT(got.last_seen, 1030);
	one = inst("i-0aaa", "running", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	snprintf(one.doomed_reason, sizeof(one.doomed_reason), "state");
	T_EQ_INT(store_instance_put(s, &one, 1040), 0);
	T_EQ_INT(store_instance_get(s, "i-0aaa", &got), 1);
	T_EQ_INT(got.ready, 1);
	T_EQ_STR(got.doomed_reason, "state");
	T_EQ_INT(got.doomed_at, 1040);

	/* A gone instance put back is not gone; its first_seen is kept. */
	T_EQ_INT(store_instances_sync(s, "home", in, 1, 1050), 0);
	T_EQ_INT(store_instance_get(s, "i-0new", &got), 1);
	T_EQ_INT(got.gone, 1);
	one = inst("i-0new", "running", 1);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	T_EQ_INT(store_instance_put(s, &one, 1060), 0);
	T_EQ_INT(store_instance_get(s, "i-0new", &got), 1);
	T_EQ_INT(got.gone, 0);
	T_EQ_INT(got.ready, 1);
	T_EQ_INT(got.first_seen, 1020);
	T_EQ_INT(got.last_seen, 1060);
	T_EQ_INT(store_instance_get(s, "i-0bbb", &got), 1);
	T_EQ_INT(got.gone, 1);	/* still gone: put touched only i-0new */

	/* An event that came first: its doom lands with the put. */
	ev = event("ev-early", "i-0late");
	T_EQ_INT(store_event_record(s, "home", &ev, "interruption", 1070), 1);
	one = inst("i-0late", "pending", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	T_EQ_INT(store_instance_put(s, &one, 1080), 0);
	T_EQ_INT(store_instance_get(s, "i-0late", &got), 1);
	T_EQ_STR(got.doomed_reason, "interruption");
	T_EQ_INT(got.doomed_at, 1070);
	{
		struct store_event *el = NULL;

		T_EQ_INT(store_events_recent(s, 1, &el, &n), 0);
		T_EQ_INT(n == 1 ? el[0].applied : -1, 1);
		free(el);
	}

	/* Refusals change nothing and are logged once. */
	one = inst("", "running", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "home");
	warns = log_warn_count();
	T_EQ_INT(store_instance_put(s, &one, 1090), -1);
	T_EQ_INT(log_warn_count() - warns, 1);
	T_EQ_STR(store_error(s), "instance put : instance with an empty id");
	one = inst("i-0orphan", "running", 0);
	T_EQ_INT(store_instance_put(s, &one, 1090), -1);
	T_EQ_STR(store_error(s), "instance put i-0orphan: empty endpoint name");
	T_EQ_INT(store_instance_get(s, "i-0orphan", &got), 0);

	/* Another endpoint: its own row, home untouched. */
	one = inst("i-0off", "running", 0);
	snprintf(one.endpoint, sizeof(one.endpoint), "office");
	T_EQ_INT(store_instance_put(s, &one, 1100), 0);
	T_EQ_INT(store_instances_list(s, "office", 0, &list, &n), 0);
	T_EQ_INT(n, 1);
	free(list);
	T_EQ_INT(store_instances_list(s, "home", 0, &list, &n), 0);
	T_EQ_INT(n, 3);	/* i-0aaa, i-0new, i-0late */
	free(list);
	store_close(s);
}

static void
test_pool_blocks(void)
{
	const char *path = scratch();
	struct store_pool_block *b = NULL, dummy;
	struct store *s;
	char longtype[64], longreason[200], buf[64];
	long long del = -1;
	size_t n = 99;

	if ((s = open_ok(path)) == NULL)
		return;
	T_EQ_INT(store_pool_blocks(s, "home", 1000, &b, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(b == NULL, "empty list is NULL");

	T_EQ_INT(store_pool_block(s, "home", "t4g.nano", "subnet-1", 2000,
	    "InsufficientInstanceCapacity", 1000), 0);
	T_EQ_INT(store_pool_block(s, "home", "t4g.micro", "", 1500, NULL, 1000),
	    0);
	T_EQ_INT(store_pool_block(s, "office", "t4g.nano", "subnet-1", 9000,
	    "ICE", 1000), 0);
	T_EQ_INT(store_pool_blocks(s, "home", 1000, &b, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(b[0].type, "t4g.micro");	/* soonest until first */
		T_EQ_STR(b[0].subnet, "");
		T_EQ_INT(b[0].until, 1500);
		T_EQ_STR(b[0].reason, "");
		T_EQ_STR(b[1].type, "t4g.nano");
		T_EQ_STR(b[1].subnet, "subnet-1");
		T_EQ_INT(b[1].until, 2000);
		T_EQ_STR(b[1].reason, "InsufficientInstanceCapacity");
	}
	free(b);

	/* An earlier or equal until changes nothing, created_at included. */
	T_EQ_INT(store_pool_block(s, "home", "t4g.nano", "subnet-1", 1800, "x",
	    1100), 0);
	T_EQ_INT(store_pool_block(s, "home", "t4g.nano", "subnet-1", 2000, "y",
	    1100), 0);
	T_EQ_STR(sql_text(path, "SELECT until || ' ' || reason || ' ' ||"
	    " created_at FROM pool_blocks WHERE endpoint = 'home' AND"
	    " type = 't4g.nano'", buf, sizeof(buf)),
	    "2000 InsufficientInstanceCapacity 1000");
	/* A later one replaces until, reason and created_at. */
	T_EQ_INT(store_pool_block(s, "home", "t4g.nano", "subnet-1", 2500,
	    "MaxSpotInstanceCountExceeded", 1200), 0);
	T_EQ_STR(sql_text(path, "SELECT until || ' ' || reason || ' ' ||"
	    " created_at FROM pool_blocks WHERE endpoint = 'home' AND"
	    " type = 't4g.nano'", buf, sizeof(buf)),
	    "2500 MaxSpotInstanceCountExceeded 1200");
	/* NULL and "" are the same subnet: one row, not two. */
	T_EQ_INT(store_pool_block(s, "home", "t4g.micro", NULL, 1600, "ICE",
	    1200), 0);
	T_EQ_STR(sql_text(path, "SELECT count(*) || ' ' || max(until) FROM"
	    " pool_blocks WHERE type = 't4g.micro'", buf, sizeof(buf)),
	    "1 1600");

	/* until == now has ended; one second before, it holds. */
	T_EQ_INT(store_pool_blocks(s, "home", 1599, &b, &n), 0);
	T_EQ_INT(n, 2);
	free(b);
	T_EQ_INT(store_pool_blocks(s, "home", 1600, &b, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(b[0].type, "t4g.nano");
	free(b);
	T_EQ_INT(store_pool_blocks(s, "home", 2500, &b, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(b == NULL, "ended blocks are not listed");
	T_EQ_INT(store_pool_blocks(s, "office", 2500, &b, &n), 0);
	T_EQ_INT(n, 1);
	free(b);
	T_EQ_INT(store_pool_blocks(s, "nowhere", 0, &b, &n), 0);
	T_EQ_INT(n, 0);

	/* Long strings are cut at the fields. */
	memset(longtype, 'y', sizeof(longtype) - 1);
	longtype[sizeof(longtype) - 1] = '\0';
	memset(longreason, 'r', sizeof(longreason) - 1);
	longreason[sizeof(longreason) - 1] = '\0';
	T_EQ_INT(store_pool_block(s, "long", longtype, longreason, 3000,
	    longreason, 1000), 0);
	T_EQ_INT(store_pool_blocks(s, "long", 1000, &b, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_INT(strlen(b[0].type), sizeof(b[0].type) - 1);
		T_EQ_INT(strlen(b[0].subnet), sizeof(b[0].subnet) - 1);
		T_EQ_INT(strlen(b[0].reason), sizeof(b[0].reason) - 1);
		T_EQ_INT(b[0].reason[0], 'r');
	}
	free(b);

	/* Refusals. */
	T_EQ_INT(store_pool_block(s, "home", "", "subnet-1", 3000, "x", 1000), -1);
	T_EQ_STR(store_error(s), "pool block /subnet-1: empty endpoint name or "
	    "instance type");
	T_EQ_INT(store_pool_block(s, NULL, "t4g.nano", NULL, 3000, "x", 1000), -1);
	T_EQ_INT(store_pool_block(s, "", "t4g.nano", NULL, 3000, "x", 1000), -1);
	b = &dummy;	/* must come back NULL */
	n = 5;
	T_EQ_INT(store_pool_blocks(s, "", 1000, &b, &n), -1);
	T_OK(b == NULL, "NULL on failure");
	T_EQ_INT(n, 0);
	T_EQ_INT(store_pool_blocks(s, NULL, 1000, &b, &n), -1);
	T_EQ_STR(store_error(s), "pool blocks : empty endpoint name");

	/* Pruned once until is before the cut; until == before is kept. */
	T_EQ_INT(store_pool_block(s, "home", "t4g.small", "", 2600, "ICE", 1000),
	    0);
	T_EQ_INT(store_prune(s, 2500, &del), 0);
	T_EQ_INT(del, 1);	/* t4g.micro (1600); nano's 2500 stays */
	T_EQ_STR(sql_text(path, "SELECT group_concat(type || '@' || until, ',')"
	    " FROM (SELECT type, until FROM pool_blocks WHERE endpoint = 'home'"
	    " ORDER BY until)", buf, sizeof(buf)),
	    "t4g.nano@2500,t4g.small@2600");
	store_close(s);
}

static void
test_events_count_and_for(void)
{
	struct store_instance in[2];
	struct store_event ev, *list = NULL;
	struct store *s;
	char longkind[50];
	long long c = -1;
	size_t n = 0;

	if ((s = open_ok(scratch())) == NULL)
		return;
	in[0] = inst("i-0aaa", "running", 1);
	in[1] = inst("i-0bbb", "running", 1);
	T_EQ_INT(store_instances_sync(s, "home", &in[0], 1, 900), 0);
	T_EQ_INT(store_instances_sync(s, "office", &in[1], 1, 900), 0);

	ev = event("ev-1", "i-0aaa");
	snprintf(ev.kind, sizeof(ev.kind), "spot-interruption");
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1000), 1);
	T_EQ_INT(store_event_record(s, NULL, &ev, "interruption", 1001), 0);
	ev = event("ev-2", "i-0aaa");
	snprintf(ev.kind, sizeof(ev.kind), "spot-interruption");
	T_EQ_INT(store_event_record(s, "home", &ev, NULL, 2000), 1);
	ev = event("ev-3", "i-0aaa");
	snprintf(ev.kind, sizeof(ev.kind), "rebalance");
	T_EQ_INT(store_event_record(s, "home", &ev, NULL, 2000), 1);
	ev = event("ev-4", "i-0bbb");
	snprintf(ev.kind, sizeof(ev.kind), "spot-interruption");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 1500), 1);
	ev = event("ev-5", "i-0unknown");	/* no endpoint at all */
	snprintf(ev.kind, sizeof(ev.kind), "spot-interruption");
	T_EQ_INT(store_event_record(s, NULL, &ev, NULL, 1500), 1);

	/* since is inclusive; duplicates were never recorded. */
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 0, &c), 0);
	T_EQ_INT(c, 2);
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 1000, &c), 0);
	T_EQ_INT(c, 2);
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 1001, &c), 0);
	T_EQ_INT(c, 1);
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 2000, &c), 0);
	T_EQ_INT(c, 1);
	T_EQ_INT(store_events_count(s, "home", "spot-interruption", 2001, &c), 0);
	T_EQ_INT(c, 0);
	T_EQ_INT(store_events_count(s, "home", "rebalance", 0, &c), 0);
	T_EQ_INT(c, 1);
	T_EQ_INT(store_events_count(s, "office", "spot-interruption", 0, &c), 0);
	T_EQ_INT(c, 1);
	T_EQ_INT(store_events_count(s, NULL, "spot-interruption", 0, &c), 0);
	T_EQ_INT(c, 4);
	T_EQ_INT(store_events_count(s, NULL, "spot-interruption", 1500, &c), 0);
	T_EQ_INT(c, 3);
	T_EQ_INT(store_events_count(s, "home", "state-change", 0, &c), 0);
	T_EQ_INT(c, 0);
	T_EQ_INT(store_events_count(s, "nowhere", "spot-interruption", 0, &c), 0);
	T_EQ_INT(c, 0);
	c = 42;
	T_EQ_INT(store_events_count(s, "home", "", 0, &c), -1);
	T_EQ_INT(c, 0);
	T_EQ_STR(store_error(s), "events count home : empty event kind");
	T_EQ_INT(store_events_count(s, "home", NULL, 0, &c), -1);

	/* A kind longer than the field is cut the same way in and out. */
	ev = event("ev-6", "i-0aaa");
	memset(ev.kind, 'k', sizeof(ev.kind));	/* unterminated */
	T_EQ_INT(store_event_record(s, "home", &ev, NULL, 2100), 1);
	memset(longkind, 'k', sizeof(longkind) - 1);
	longkind[sizeof(longkind) - 1] = '\0';
	T_EQ_INT(store_events_count(s, "home", longkind, 0, &c), 0);
	T_EQ_INT(c, 1);

	/* Recent for one endpoint: office's and the endpoint-less left out. */
	T_EQ_INT(store_events_recent_for(s, "home", 10, &list, &n), 0);
	T_EQ_INT(n, 4);
	if (n == 4) {
		T_EQ_STR(list[0].event_id, "ev-6");
		T_EQ_INT(strlen(list[0].kind), sizeof(list[0].kind) - 1);
		/* same received_at: the later written first */
		T_EQ_STR(list[1].event_id, "ev-3");
		T_EQ_STR(list[2].event_id, "ev-2");
		T_EQ_STR(list[3].event_id, "ev-1");
		T_EQ_STR(list[3].endpoint, "home");
		T_EQ_STR(list[3].kind, "spot-interruption");
		T_EQ_STR(list[3].doom_reason, "interruption");
		T_EQ_INT(list[3].received_at, 1000);
		T_EQ_INT(list[3].applied, 1);
		T_EQ_STR(list[3].message_id, "msg-ev-1");
	}
	free(list);
	T_EQ_INT(store_events_recent_for(s, "home", 2, &list, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2)
		T_EQ_STR(list[1].event_id, "ev-3");
	free(list);
	T_EQ_INT(store_events_recent_for(s, "office", 10, &list, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(list[0].event_id, "ev-4");
	free(list);
	T_EQ_INT(store_events_recent_for(s, "home", 0, &list, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(list == NULL, "limit 0: NULL");
	T_EQ_INT(store_events_recent_for(s, "nowhere", 10, &list, &n), 0);
	T_EQ_INT(n, 0);
	T_EQ_INT(store_events_recent_for(s, "", 10, &list, &n), -1);
	T_EQ_STR(store_error(s), "events recent : empty endpoint name");
	T_EQ_INT(store_events_recent_for(s, NULL, 10, &list, &n), -1);
	T_OK(list == NULL && n == 0, "NULL, 0 on failure");
	/* The unfiltered list still has them all. */
	T_EQ_INT(store_events_recent(s, 10, &list, &n), 0);
	T_EQ_INT(n, 6);
	free(list);
	store_close(s);
}

static void
test_intents_launched_since(void)
{
	struct store_intent *l = NULL;
	struct store *s;
	size_t n = 99;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_intents_launched_since(s, "home", 0, &l, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(l == NULL, "empty list is NULL");

	T_EQ_INT(store_intent_create(s, "L0", "home", "t4g.nano", "", 500), 0);
	T_EQ_INT(store_intent_set(s, "L0", STORE_INTENT_LAUNCHED, "i-00", NULL,
	    510), 0);
	T_EQ_INT(store_intent_create(s, "L2", "home", "t4g.nano", "subnet-1",
	    1000), 0);
	T_EQ_INT(store_intent_create(s, "L1", "home", "t4g.micro", "", 1000), 0);
	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_SENT, NULL, NULL, 1001), 0);
	T_EQ_INT(store_intent_set(s, "L1", STORE_INTENT_LAUNCHED, "i-01", NULL,
	    1002), 0);
	T_EQ_INT(store_intent_set(s, "L2", STORE_INTENT_LAUNCHED, "i-02", NULL,
	    1003), 0);
	T_EQ_INT(store_intent_create(s, "L3", "home", "t4g.nano", "", 1100), 0);
	T_EQ_INT(store_intent_set(s, "L3", STORE_INTENT_SENT, NULL, NULL, 1101), 0);
	T_EQ_INT(store_intent_create(s, "L4", "home", "t4g.nano", "", 1200), 0);
	T_EQ_INT(store_intent_set(s, "L4", STORE_INTENT_FAILED, NULL, "ICE",
	    1201), 0);
	T_EQ_INT(store_intent_create(s, "L5", "office", "t4g.nano", "", 1000), 0);
	T_EQ_INT(store_intent_set(s, "L5", STORE_INTENT_LAUNCHED, "i-05", NULL,
	    1001), 0);
	T_EQ_INT(store_intent_create(s, "L6", "home", "t4g.nano", "", 1300), 0);
	T_EQ_INT(store_intent_set(s, "L6", STORE_INTENT_LAUNCHED, "i-06", NULL,
	    1400), 0);
	T_EQ_INT(store_intent_create(s, "L7", "home", "t4g.nano", "", 1300), 0);
	T_EQ_INT(store_intent_set(s, "L7", STORE_INTENT_ABANDONED, NULL, "gone",
	    1400), 0);

	/* created_at >= since, oldest first, equal times in creation order. */
	T_EQ_INT(store_intents_launched_since(s, "home", 1000, &l, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(l[0].launch_id, "L2");
		T_EQ_STR(l[0].instance_id, "i-02");
		T_EQ_STR(l[0].subnet, "subnet-1");
		T_EQ_INT(l[0].state, STORE_INTENT_LAUNCHED);
		T_EQ_INT(l[0].created_at, 1000);
		T_EQ_INT(l[0].updated_at, 1003);
		T_EQ_STR(l[1].launch_id, "L1");
		T_EQ_STR(l[1].instance_id, "i-01");
		T_EQ_STR(l[1].type, "t4g.micro");
		T_EQ_STR(l[2].launch_id, "L6");
		T_EQ_STR(l[2].instance_id, "i-06");
		T_EQ_STR(l[2].endpoint, "home");
	}
	free(l);
	T_EQ_INT(store_intents_launched_since(s, "home", 1001, &l, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(l[0].launch_id, "L6");
	free(l);
	T_EQ_INT(store_intents_launched_since(s, "home", 1300, &l, &n), 0);
	T_EQ_INT(n, 1);
	free(l);
	T_EQ_INT(store_intents_launched_since(s, "home", 1301, &l, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(l == NULL, "none left");
	T_EQ_INT(store_intents_launched_since(s, "home", 0, &l, &n), 0);
	T_EQ_INT(n, 4);
	if (n == 4)
		T_EQ_STR(l[0].launch_id, "L0");
	free(l);
	T_EQ_INT(store_intents_launched_since(s, NULL, 1000, &l, &n), 0);
	T_EQ_INT(n, 4);
	if (n == 4) {
		T_EQ_STR(l[0].launch_id, "L2");
		T_EQ_STR(l[1].launch_id, "L1");
		T_EQ_STR(l[2].launch_id, "L5");
		T_EQ_STR(l[3].launch_id, "L6");
	}
	free(l);
	T_EQ_INT(store_intents_launched_since(s, "office", 0, &l, &n), 0);
	T_EQ_INT(n, 1);
	free(l);
	store_close(s);
}

static void
test_audit_errors(void)
{
	struct store_audit_entry *a = NULL;
	struct store *s;
	char longs[200];
	size_t n = 99;

	if ((s = open_ok(scratch())) == NULL)
		return;
	T_EQ_INT(store_audit_errors(s, "home", 10, &a, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(a == NULL, "empty list is NULL");

	T_EQ_INT(store_audit(s, 100, "home", "launch", "i-0aaa", NULL, "ok"), 0);
	T_EQ_INT(store_audit(s, 101, "home", "launch", "t4g.nano/subnet-1",
	    "replace", "InsufficientInstanceCapacity"), 0);
	T_EQ_INT(store_audit(s, 102, NULL, "terminate", "i-0old", NULL,
	    "UnauthorizedOperation"), 0);
	T_EQ_INT(store_audit(s, 103, "home", "associate-eip", "i-0aaa", NULL,
	    NULL), 0);
	T_EQ_INT(store_audit(s, 104, "office", "put-ssm", "i-0bbb", NULL,
	    "ThrottlingException"), 0);
	T_EQ_INT(store_audit(s, 105, "home", "terminate", "i-0zzz", NULL, "ok"), 0);
	T_EQ_INT(store_audit(s, 99, "home", "put-ssm", "i-0aaa", "/vpn/id",
	    "RequestExpired"), 0);	/* an earlier clock, written last */
	T_EQ_INT(store_audit(s, 106, "home", "alert", "budget", NULL, "OK"), 0);
	T_EQ_INT(store_audit(s, 107, "home", "associate-eip", "i-0aaa", NULL,
	    ""), 0);

	T_EQ_INT(store_audit_errors(s, "home", 10, &a, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(a[0].action, "alert");	/* not exactly "ok" */
		T_EQ_STR(a[0].result, "OK");
		T_EQ_STR(a[1].action, "put-ssm");
		T_EQ_STR(a[1].result, "RequestExpired");
		T_EQ_STR(a[1].detail, "/vpn/id");
		T_EQ_INT(a[1].at, 99);
		T_EQ_STR(a[2].action, "launch");
		T_EQ_STR(a[2].target, "t4g.nano/subnet-1");
		T_EQ_STR(a[2].detail, "replace");
		T_EQ_STR(a[2].result, "InsufficientInstanceCapacity");
		T_EQ_STR(a[2].endpoint, "home");
		T_EQ_INT(a[2].at, 101);
		T_OK(a[0].id > a[1].id && a[1].id > a[2].id, "newest first");
	}
	free(a);
	T_EQ_INT(store_audit_errors(s, "home", 1, &a, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(a[0].result, "OK");
	free(a);
	T_EQ_INT(store_audit_errors(s, NULL, 10, &a, &n), 0);
	T_EQ_INT(n, 5);
	if (n == 5) {
		T_EQ_STR(a[2].result, "ThrottlingException");
		T_EQ_STR(a[3].result, "UnauthorizedOperation");
		T_EQ_STR(a[3].endpoint, "");
	}
	free(a);
	T_EQ_INT(store_audit_errors(s, "office", 10, &a, &n), 0);
	T_EQ_INT(n, 1);
	free(a);
	T_EQ_INT(store_audit_errors(s, "home", 0, &a, &n), 0);
	T_EQ_INT(n, 0);
	T_OK(a == NULL, "limit 0: NULL");
	T_EQ_INT(store_audit_errors(s, "nowhere", 10, &a, &n), 0);
	T_EQ_INT(n, 0);

	/* Long strings: cut on the way in, the same cut finds them. */
	memset(longs, 'q', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	T_EQ_INT(store_audit(s, 200, longs, "launch", longs, longs, longs), 0);
	T_EQ_INT(store_audit_errors(s, longs, 10, &a, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_INT(strlen(a[0].endpoint), sizeof(a[0].endpoint) - 1);
		T_EQ_INT(strlen(a[0].target), sizeof(a[0].target) - 1);
		T_EQ_INT(strlen(a[0].result), sizeof(a[0].result) - 1);
		T_EQ_INT(a[0].result[0], 'q');
	}
	free(a);
	store_close(s);
}

static void
cleanup(void)
{
	char cmd[128];

	/* mkdtemp gave a fixed /tmp/test_store.XXXXXX name: safe to quote. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_store: could not remove %s\n", dir);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	log_init(0, 0);
	snprintf(dir, sizeof(dir), "%s/test_store.XXXXXX",
	    tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_fresh_open);
	T_RUN(test_reopen_keeps_data);
	T_RUN(test_newer_version_refused);
	T_RUN(test_not_a_database);
	T_RUN(test_corrupt_database);
	T_RUN(test_bad_paths);
	T_RUN(test_loose_mode_fixed);
	T_RUN(test_migrate_from_v0);
	T_RUN(test_instances_sync);
	T_RUN(test_sync_rolls_back);
	T_RUN(test_doomed_survives_sync);
	T_RUN(test_event_dedupe);
	T_RUN(test_event_before_instance);
	T_RUN(test_quarantine);
	T_RUN(test_intents);
	T_RUN(test_endpoint);
	T_RUN(test_audit_and_meta);
	T_RUN(test_hostile_strings);
	T_RUN(test_prune);
	T_RUN(test_two_connections);
	T_RUN(test_schema_pinned);
	T_RUN(test_migrate_v1_to_v2);
	T_RUN(test_migrate_v2_fails_cleanly);
	T_RUN(test_instance_template);
	T_RUN(test_instance_put);
	T_RUN(test_pool_blocks);
	T_RUN(test_events_count_and_for);
	T_RUN(test_intents_launched_since);
	T_RUN(test_audit_errors);
	cleanup();
	return t_done("test_store");
}
