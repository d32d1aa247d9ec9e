/*
 * store: the state database. The only file that includes sqlite3.h.
 *
 * Statements are prepared once per store, on first use, and kept until
 * store_close; after each use they are reset and their bindings cleared, so
 * no statement stays active between calls and strings the caller passed are
 * bound without a copy (SQLITE_STATIC) only for the duration of the call.
 *
 * Failure handling: a helper that fails records the reason in s->err (the
 * first one wins) and returns -1; the exported function then calls
 * store_fail(), which rolls back an open transaction and logs the failure
 * once, naming the operation.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store.h"

/* The longest string kept for a field of a struct, without its NUL. */
#define FLEN(type, field)	(sizeof(((type *)0)->field) - 1)
#define META_TEXT_MAX		4096
#define KEY_MAX			255

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_INST_GONE_ALL,
	ST_INST_UPSERT,
	ST_INST_LATE_DOOM,
	ST_EV_LATE_APPLIED,
	ST_INST_GET,
	ST_INST_LIST,
	ST_INST_DOOM,
	ST_EV_INSERT,
	ST_EV_APPLIED,
	ST_EV_RECENT,
	ST_EV_RECENT_FOR,
	ST_EV_COUNT,
	ST_QU_ADD,
	ST_QU_COUNT,
	ST_QU_RECENT,
	ST_INT_CREATE,
	ST_INT_STATE,
	ST_INT_SET,
	ST_INT_GET,
	ST_INT_OPEN,
	ST_INT_SINCE,
	ST_INT_LAUNCHED,
	ST_PB_PUT,
	ST_PB_LIST,
	ST_EP_GET,
	ST_EP_PUT,
	ST_AU_ADD,
	ST_AU_RECENT,
	ST_AU_ERRORS,
	ST_META_GET,
	ST_META_SET,
	ST_COUNTS,
	ST_PR_EVENTS,
	ST_PR_INSTANCES,
	ST_PR_INTENTS,
	ST_PR_QUARANTINE,
	ST_PR_AUDIT,
	ST_PR_POOL,
	ST__COUNT
};

#define INST_COLS \
	"endpoint, instance_id, state, instance_type, subnet_id, az, public_ip, " \
	"private_ip, launch_id, lifecycle, launch_time, ready, doomed_reason, " \
	"doomed_at, first_seen, last_seen, gone, template"
#define EV_COLS \
	"event_id, kind, source, detail_type, instance_id, detail, event_time, " \
	"message_id, endpoint, doom_reason, received_at, applied"
#define INT_COLS \
	"launch_id, endpoint, instance_type, subnet_id, state, instance_id, " \
	"error, created_at, updated_at"
#define PENDING_DOOM "doom_reason IS NOT NULL AND applied = 0"

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_INST_GONE_ALL] =
	    "UPDATE instances SET gone = 1 WHERE endpoint = ?1 AND gone = 0",
	/*
	 * In DO UPDATE SET, bare column names are the row's values before
	 * the update: ready and doomed_reason can be set but never cleared.
	 */
	[ST_INST_UPSERT] =
	    "INSERT INTO instances (instance_id, endpoint, state, instance_type,"
	    " subnet_id, az, public_ip, private_ip, launch_id, lifecycle,"
	    " launch_time, ready, doomed_reason, doomed_at, first_seen,"
	    " last_seen, gone, template)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " CASE WHEN ?13 IS NULL THEN NULL ELSE ?14 END, ?14, ?14, 0, ?15)"
	    " ON CONFLICT (instance_id) DO UPDATE SET"
	    " endpoint = excluded.endpoint, state = excluded.state,"
	    " instance_type = excluded.instance_type,"
	    " subnet_id = excluded.subnet_id, az = excluded.az,"
	    " public_ip = excluded.public_ip, private_ip = excluded.private_ip,"
	    " launch_id = excluded.launch_id, lifecycle = excluded.lifecycle,"
	    " launch_time = excluded.launch_time,"
	    " template = excluded.template,"
	    " ready = max(ready, excluded.ready),"
	    " doomed_at = CASE WHEN doomed_reason IS NULL"
	    "   THEN excluded.doomed_at ELSE doomed_at END,"
	    " doomed_reason = coalesce(doomed_reason, excluded.doomed_reason),"
	    " last_seen = excluded.last_seen, gone = 0",
	/* A doom recorded before the instance was first seen. */
	[ST_INST_LATE_DOOM] =
	    "UPDATE instances SET (doomed_reason, doomed_at) ="
	    " (SELECT doom_reason, received_at FROM events"
	    "  WHERE instance_id = ?1 AND " PENDING_DOOM
	    "  ORDER BY received_at, rowid LIMIT 1)"
	    " WHERE instance_id = ?1 AND doomed_reason IS NULL AND EXISTS"
	    " (SELECT 1 FROM events WHERE instance_id = ?1 AND " PENDING_DOOM ")",
	[ST_EV_LATE_APPLIED] =
	    "UPDATE events SET applied = 1"
	    " WHERE instance_id = ?1 AND " PENDING_DOOM " AND EXISTS"
	    " (SELECT 1 FROM instances"
	    "  WHERE instance_id = ?1 AND doomed_reason IS NOT NULL)",
	[ST_INST_GET] =
	    "SELECT " INST_COLS " FROM instances WHERE instance_id = ?1",
	[ST_INST_LIST] =
	    "SELECT " INST_COLS " FROM instances"
	    " WHERE (?1 IS NULL OR endpoint = ?1) AND (?2 OR gone = 0)"
	    " ORDER BY first_seen, instance_id",
	[ST_INST_DOOM] =
	    "UPDATE instances SET doomed_reason = ?2, doomed_at = ?3"
	    " WHERE instance_id = ?1 AND doomed_reason IS NULL",
	[ST_EV_INSERT] =
	    "INSERT INTO events (event_id, endpoint, kind, source, detail_type,"
	    " instance_id, detail, event_time, received_at, message_id,"
	    " doom_reason, applied)"
	    " VALUES (?1, coalesce(?2, (SELECT endpoint FROM instances"
	    "  WHERE instance_id = ?6)), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0)"
	    " ON CONFLICT (event_id) DO NOTHING",
	[ST_EV_APPLIED] =
	    "UPDATE events SET applied = 1 WHERE event_id = ?1 AND EXISTS"
	    " (SELECT 1 FROM instances"
	    "  WHERE instance_id = ?2 AND doomed_reason IS NOT NULL)",
	[ST_EV_RECENT] =
	    "SELECT " EV_COLS " FROM events"
	    " ORDER BY received_at DESC, rowid DESC LIMIT ?1",
	/* NULL-endpoint rows never equal ?1. */
	[ST_EV_RECENT_FOR] =
	    "SELECT " EV_COLS " FROM events WHERE endpoint = ?1"
	    " ORDER BY received_at DESC, rowid DESC LIMIT ?2",
	[ST_EV_COUNT] =
	    "SELECT count(*) FROM events"
	    " WHERE kind = ?2 AND received_at >= ?3"
	    " AND (?1 IS NULL OR endpoint = ?1)",
	[ST_QU_ADD] =
	    "INSERT INTO quarantine (message_id, received_at, reason, len, body)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_QU_COUNT] = "SELECT count(*) FROM quarantine",
	[ST_QU_RECENT] =
	    "SELECT id, message_id, received_at, reason, len, body"
	    " FROM quarantine ORDER BY id DESC LIMIT ?1",
	[ST_INT_CREATE] =
	    "INSERT INTO launch_intents (launch_id, endpoint, instance_type,"
	    " subnet_id, state, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
	[ST_INT_STATE] =
	    "SELECT state FROM launch_intents WHERE launch_id = ?1",
	[ST_INT_SET] =
	    "UPDATE launch_intents SET state = ?2,"
	    " instance_id = coalesce(?3, instance_id),"
	    " error = coalesce(?4, error), updated_at = ?5"
	    " WHERE launch_id = ?1",
	[ST_INT_GET] =
	    "SELECT " INT_COLS " FROM launch_intents WHERE launch_id = ?1",
	[ST_INT_OPEN] =
	    "SELECT " INT_COLS " FROM launch_intents"
	    " WHERE (?1 IS NULL OR endpoint = ?1) AND state IN ('pending', 'sent')"
	    " ORDER BY created_at, rowid",
	[ST_INT_SINCE] =
	    "SELECT count(*) FROM launch_intents"
	    " WHERE (?1 IS NULL OR endpoint = ?1) AND created_at >= ?2"
	    " AND state <> 'failed'",
	[ST_INT_LAUNCHED] =
	    "SELECT " INT_COLS " FROM launch_intents"
	    " WHERE (?1 IS NULL OR endpoint = ?1) AND state = 'launched'"
	    " AND created_at >= ?2 ORDER BY created_at, rowid",
	/* The later until wins; an earlier or equal one leaves the row alone. */
	[ST_PB_PUT] =
	    "INSERT INTO pool_blocks (endpoint, type, subnet, until, reason,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (endpoint, type, subnet) DO UPDATE SET"
	    " until = excluded.until, reason = excluded.reason,"
	    " created_at = excluded.created_at"
	    " WHERE excluded.until > pool_blocks.until",
	[ST_PB_LIST] =
	    "SELECT type, subnet, until, reason FROM pool_blocks"
	    " WHERE endpoint = ?1 AND until > ?2"
	    " ORDER BY until, type, subnet",
	[ST_EP_GET] =
	    "SELECT name, instance_id, elastic_ip, public_ip, dns_value,"
	    " dns_synced_at, ssm_value, ssm_synced_at, updated_at"
	    " FROM endpoint WHERE name = ?1",
	[ST_EP_PUT] =
	    "INSERT INTO endpoint (name, instance_id, elastic_ip, public_ip,"
	    " dns_value, dns_synced_at, ssm_value, ssm_synced_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (name) DO UPDATE SET"
	    " instance_id = excluded.instance_id,"
	    " elastic_ip = excluded.elastic_ip, public_ip = excluded.public_ip,"
	    " dns_value = excluded.dns_value,"
	    " dns_synced_at = excluded.dns_synced_at,"
	    " ssm_value = excluded.ssm_value,"
	    " ssm_synced_at = excluded.ssm_synced_at,"
	    " updated_at = excluded.updated_at",
	[ST_AU_ADD] =
	    "INSERT INTO audit (at, endpoint, action, target, detail, result)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_AU_RECENT] =
	    "SELECT id, at, endpoint, action, target, detail, result"
	    " FROM audit ORDER BY id DESC LIMIT ?1",
	/* result <> 'ok' is NULL, so not true, for a NULL result. */
	[ST_AU_ERRORS] =
	    "SELECT id, at, endpoint, action, target, detail, result"
	    " FROM audit WHERE result <> 'ok' AND result <> ''"
	    " AND (?1 IS NULL OR endpoint = ?1) ORDER BY id DESC LIMIT ?2",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_COUNTS] =
	    "SELECT (SELECT count(*) FROM events),"
	    " (SELECT count(*) FROM events WHERE doom_reason IS NOT NULL),"
	    " (SELECT count(*) FROM quarantine),"
	    " (SELECT count(*) FROM instances WHERE gone = 0),"
	    " (SELECT count(*) FROM launch_intents"
	    "  WHERE state IN ('pending', 'sent')),"
	    " (SELECT count(*) FROM audit)",
	[ST_PR_EVENTS] = "DELETE FROM events WHERE received_at < ?1",
	[ST_PR_INSTANCES] =
	    "DELETE FROM instances WHERE gone = 1 AND last_seen < ?1",
	[ST_PR_INTENTS] =
	    "DELETE FROM launch_intents WHERE updated_at < ?1"
	    " AND state IN ('launched', 'failed', 'abandoned')",
	[ST_PR_QUARANTINE] = "DELETE FROM quarantine WHERE received_at < ?1",
	[ST_PR_AUDIT] = "DELETE FROM audit WHERE at < ?1",
	[ST_PR_POOL] = "DELETE FROM pool_blocks WHERE until < ?1",
};

struct store {
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*stmt[ST__COUNT];
	int		 opened;	/* store_open succeeded */
	char		 err[512];	/* the reason of the last failure */
};

static const char *const intent_names[] = {
	[STORE_INTENT_PENDING] = "pending",
	[STORE_INTENT_SENT] = "sent",
	[STORE_INTENT_LAUNCHED] = "launched",
	[STORE_INTENT_FAILED] = "failed",
	[STORE_INTENT_ABANDONED] = "abandoned",
};
#define N_INTENT_STATES	(sizeof(intent_names) / sizeof(intent_names[0]))

/*
 * Errors.
 */

/* set_err: records the reason of a failure unless one is recorded; -1. */
static int set_err(struct store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int
set_err(struct store *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* set_err_db: records SQLite's message for the last failure; -1. */
static int
set_err_db(struct store *s)
{
	return set_err(s, "%s", sqlite3_errmsg(s->db));
}

/* op_start: every exported function starts with a clean error. */
static void
op_start(struct store *s)
{
	s->err[0] = '\0';
}

/*
 * store_fail: the one place a failed operation ends: rolls back the open
 * transaction (if any), logs "state: OP: reason" once and leaves
 * "OP: reason" in s->err. Returns -1.
 */
static int store_fail(struct store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int
store_fail(struct store *s, const char *fmt, ...)
{
	char op[160], reason[sizeof(s->err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op, sizeof(op), fmt, ap);
	va_end(ap);
	snprintf(reason, sizeof(reason), "%s",
	    s->err[0] != '\0' ? s->err : "unknown error");
	if (!sqlite3_get_autocommit(s->db) &&
	    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("state: %s: rollback: %s", op, sqlite3_errmsg(s->db));
	log_warnx("state: %s: %s", op, reason);
	/* Cut when too long: the log line above has it whole. */
	if (snprintf(s->err, sizeof(s->err), "%s: %s", op, reason) < 0)
		s->err[0] = '\0';
	return -1;
}

/*
 * Statements and bindings.
 */

/* stmt_get: the cached statement id, prepared on first use; NULL on error. */
static sqlite3_stmt *
stmt_get(struct store *s, enum stmt_id id)
{
	assert(id < ST__COUNT && stmt_sql[id] != NULL);
	if (s->stmt[id] == NULL &&
	    sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) != SQLITE_OK) {
		set_err_db(s);
		s->stmt[id] = NULL;
	}
	return s->stmt[id];
}

/* stmt_done: makes st idle again; NULL is a no-op. Always returns NULL. */
static sqlite3_stmt *
stmt_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return NULL;
}

/* bind_str: at most max bytes of v (NULL binds ""); SQLite's rc. */
static int
bind_str(sqlite3_stmt *st, int idx, const char *v, size_t max)
{
	if (v == NULL)
		v = "";
	return sqlite3_bind_text(st, idx, v, (int)strnlen(v, max), SQLITE_STATIC);
}

/* bind_opt: like bind_str, but NULL or "" binds SQL NULL. */
static int
bind_opt(sqlite3_stmt *st, int idx, const char *v, size_t max)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(st, idx);
	return bind_str(st, idx, v, max);
}

static int
bind_int(sqlite3_stmt *st, int idx, long long v)
{
	return sqlite3_bind_int64(st, idx, (sqlite3_int64)v);
}

/* bind_time_opt: 0 binds SQL NULL. */
static int
bind_time_opt(sqlite3_stmt *st, int idx, time_t t)
{
	if (t == 0)
		return sqlite3_bind_null(st, idx);
	return bind_int(st, idx, (long long)t);
}

/* bind_limit: a LIMIT from a size_t, clamped. */
static int
bind_limit(sqlite3_stmt *st, int idx, size_t limit)
{
	return bind_int(st, idx, limit > INT32_MAX ? INT32_MAX : (long long)limit);
}

/* step_done: runs st, which must not return rows; 0 or -1. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return set_err_db(s);
	return 0;
}

/* step_row: 1 with a row, 0 at the end, -1 on error. */
static int
step_row(struct store *s, sqlite3_stmt *st)
{
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return set_err_db(s);
	}
}

/* exec_id: runs the cached statement id that takes no parameters. */
static int
exec_id(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt_get(s, id)) == NULL)
		return -1;
	rc = step_done(s, st);
	stmt_done(st);
	return rc;
}

static int
tx_begin(struct store *s)
{
	return exec_id(s, ST_BEGIN);
}

static int
tx_commit(struct store *s)
{
	return exec_id(s, ST_COMMIT);
}

/* col_copy: column i as text into dst[0..size), truncated; NULL gives "". */
static void
col_copy(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t len;

	if (size == 0)
		return;
	if (t == NULL) {
		dst[0] = '\0';
		return;
	}
	len = (size_t)sqlite3_column_bytes(st, i);
	if (len > size - 1)
		len = size - 1;
	memcpy(dst, t, len);
	dst[len] = '\0';
}

#define COL_COPY(st, i, field)	col_copy(st, i, field, sizeof(field))

static time_t
col_time(sqlite3_stmt *st, int i)
{
	return (time_t)sqlite3_column_int64(st, i);
}

/*
 * collect: steps st to the end, growing an array of elsize-byte elements
 * that fill() fills from each row. 0 with *out (NULL when empty) and *n, or
 * -1 with *out NULL and *n 0. Does not reset st.
 */
static int
collect(struct store *s, sqlite3_stmt *st, size_t elsize,
    void (*fill)(sqlite3_stmt *, void *), void **out, size_t *n)
{
	char *arr = NULL, *p;
	size_t len = 0, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	while ((r = step_row(s, st)) == 1) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;

			if (ncap > SIZE_MAX / elsize / 2 ||
			    (p = realloc(arr, ncap * elsize)) == NULL) {
				set_err(s, "out of memory");
				r = -1;
				break;
			}
			arr = p;
			cap = ncap;
		}
		memset(arr + len * elsize, 0, elsize);
		fill(st, arr + len * elsize);
		len++;
	}
	if (r == -1) {
		free(arr);
		return -1;
	}
	*out = arr;
	*n = len;
	return 0;
}

/*
 * Opening.
 */

/*
 * tighten_mode: makes path mode 0600 if it exists and group or others may
 * use it. missing_ok: a missing file is fine. 0 or -1 with err.
 */
static int
tighten_mode(const char *path, int missing_ok, char *err, size_t errlen)
{
	struct stat sb;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "state: %s: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "state: %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "state: %s: not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		if (fchmod(fd, 0600) == -1) {
			snprintf(err, errlen, "state: %s: mode %04o is open to "
			    "others and chmod 0600 failed: %s", path,
			    (unsigned)(sb.st_mode & 07777), strerror(errno));
			goto out;
		}
		log_warnx("state: %s: mode was %04o, set to 0600", path,
		    (unsigned)(sb.st_mode & 07777));
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* prepare_files: creates path 0600 if missing, then fixes every mode. */
static int
prepare_files(const char *path, char *err, size_t errlen)
{
	static const char *const companions[] = { "-wal", "-shm", "-journal" };
	char cpath[4096];
	size_t i;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "state: %s: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	close(fd);
	if (tighten_mode(path, 0, err, errlen) == -1)
		return -1;
	for (i = 0; i < sizeof(companions) / sizeof(companions[0]); i++) {
		if ((size_t)snprintf(cpath, sizeof(cpath), "%s%s", path,
		    companions[i]) >= sizeof(cpath)) {
			snprintf(err, errlen, "state: %s: path too long", path);
			return -1;
		}
		if (tighten_mode(cpath, 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* pragma_text: the first column of the first row of sql into buf; 0 or -1. */
static int
pragma_text(struct store *s, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_err_db(s);
		goto out;
	}
	switch (step_row(s, st)) {
	case 1:
		col_copy(st, 0, buf, len);
		rc = 0;
		break;
	case 0:
		set_err(s, "%s: no answer", sql);
		break;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

static int
pragma_int(struct store *s, const char *sql, long long *v)
{
	char buf[32];

	if (pragma_text(s, sql, buf, sizeof(buf)) == -1)
		return -1;
	*v = strtoll(buf, NULL, 10);
	return 0;
}

/* open_check: quick_check must answer exactly one row, "ok". */
static int
open_check(struct store *s)
{
	char res[256];
	char *p;

	if (pragma_text(s, "PRAGMA quick_check", res, sizeof(res)) == -1)
		return -1;
	/* Its answer spans lines ("*** in database main ***\nPage 2: ..."). */
	for (p = res; *p != '\0'; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	if (strcmp(res, "ok") != 0)
		return set_err(s, "database disk image is malformed "
		    "(quick_check: %s)", res);
	return 0;
}

/* open_settings: WAL, synchronous=FULL, foreign keys; each verified. */
static int
open_settings(struct store *s)
{
	char mode[16];
	long long v;

	if (pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof(mode)) == -1)
		return -1;
	if (strcmp(mode, "wal") != 0)
		return set_err(s, "journal_mode is %s, not wal", mode);
	if (sqlite3_exec(s->db, "PRAGMA synchronous = FULL; "
	    "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
		return set_err_db(s);
	if (pragma_int(s, "PRAGMA synchronous", &v) == -1)
		return -1;
	if (v != 2)
		return set_err(s, "synchronous is %lld, not 2 (FULL)", v);
	if (pragma_int(s, "PRAGMA foreign_keys", &v) == -1)
		return -1;
	if (v != 1)
		return set_err(s, "foreign_keys did not turn on");
	return 0;
}

/*
 * migrate: brings user_version up to schema_nmigrations, one step per
 * BEGIN IMMEDIATE transaction. The version is read again inside each
 * transaction, so two processes opening at once do not run a step twice.
 */
static int
migrate(struct store *s)
{
	char sql[64], *msg = NULL;
	long long v;

	for (;;) {
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK)
			return set_err_db(s);
		if (pragma_int(s, "PRAGMA user_version", &v) == -1)
			goto fail;
		if (v < 0 || (unsigned long long)v > schema_nmigrations) {
			set_err(s, "schema version %lld is newer than this "
			    "program's (%zu)", v, schema_nmigrations);
			goto fail;
		}
		if ((size_t)v == schema_nmigrations)
			break;
		if (sqlite3_exec(s->db, schema_migrations[v], NULL, NULL,
		    &msg) != SQLITE_OK) {
			set_err(s, "migration to version %lld: %s", v + 1,
			    msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", v + 1);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			set_err(s, "migration to version %lld: %s", v + 1,
			    sqlite3_errmsg(s->db));
			goto fail;
		}
		log_info("state: %s: schema migrated to version %lld", s->path,
		    v + 1);
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		set_err_db(s);
		goto fail;
	}
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * The file is created 0600 by prepare_files before SQLite sees it; SQLite
 * creates -wal and -shm with the database file's mode, and the umask of 077
 * held during the whole open (the daemon is single threaded at start-up)
 * covers anything else it creates. Existing files are tightened, loudly.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = NULL;
	char dummy[1];
	mode_t omask;
	long long v;
	int flags;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "state: empty database path");
		return NULL;
	}
	omask = umask(077);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "state: %s: out of memory", path);
		goto fail;
	}
	if (prepare_files(path, err, errlen) == -1)
		goto fail;

	flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		set_err(s, "%s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* The file is input too: no schema tricks, no writable_schema. */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);

	if (open_check(s) == -1 ||
	    pragma_int(s, "PRAGMA user_version", &v) == -1)
		goto fail;
	if (v < 0 || (unsigned long long)v > schema_nmigrations) {
		set_err(s, "schema version %lld is newer than this program's "
		    "(%zu); refusing to open it", v, schema_nmigrations);
		goto fail;
	}
	/*
	 * No open()/close() of the database or its -wal/-shm from here on:
	 * closing any descriptor of a file drops every POSIX lock this process
	 * holds on it, SQLite's included, and a reader in another process
	 * would then truncate the -shm under our mapping (SIGBUS). The umask
	 * above makes the -wal and -shm SQLite creates 0600.
	 */
	if (open_settings(s) == -1 || migrate(s) == -1)
		goto fail;
	umask(omask);
	s->opened = 1;
	return s;

fail:
	/* err is set by the file checks; SQLite's reasons are in s->err. */
	if (err[0] == '\0' && s != NULL)
		snprintf(err, errlen, "state: %s: %s", path,
		    s->err[0] != '\0' ? s->err : "unknown error");
	store_close(s);
	umask(omask);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL) {
		if (s->opened && sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
		if (sqlite3_close(s->db) != SQLITE_OK)
			log_warnx("state: %s: close: %s", s->path,
			    sqlite3_errmsg(s->db));
	}
	free(s->path);
	free(s);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

const char *
store_error(const struct store *s)
{
	return s->err;
}

int
store_info(struct store *s, struct store_info *out)
{
	long long v;

	op_start(s);
	memset(out, 0, sizeof(*out));
	if (pragma_text(s, "PRAGMA journal_mode", out->journal_mode,
	    sizeof(out->journal_mode)) == -1)
		return store_fail(s, "info");
	if (pragma_int(s, "PRAGMA synchronous", &v) == -1)
		return store_fail(s, "info");
	out->synchronous = (int)v;
	if (pragma_int(s, "PRAGMA foreign_keys", &v) == -1)
		return store_fail(s, "info");
	out->foreign_keys = (int)v;
	if (pragma_int(s, "PRAGMA user_version", &v) == -1)
		return store_fail(s, "info");
	out->user_version = (int)v;
	if (pragma_int(s, "PRAGMA page_count", &out->page_count) == -1 ||
	    pragma_int(s, "PRAGMA page_size", &out->page_size) == -1)
		return store_fail(s, "info");
	return 0;
}

/*
 * Instances.
 */

static void
fill_instance(sqlite3_stmt *st, void *dst)
{
	struct store_instance *in = dst;

	COL_COPY(st, 0, in->endpoint);
	COL_COPY(st, 1, in->id);
	COL_COPY(st, 2, in->state);
	COL_COPY(st, 3, in->type);
	COL_COPY(st, 4, in->subnet);
	COL_COPY(st, 5, in->az);
	COL_COPY(st, 6, in->public_ip);
	COL_COPY(st, 7, in->private_ip);
	COL_COPY(st, 8, in->launch_id);
	COL_COPY(st, 9, in->lifecycle);
	in->launch_time = col_time(st, 10);
	in->ready = sqlite3_column_int(st, 11) != 0;
	COL_COPY(st, 12, in->doomed_reason);
	in->doomed_at = col_time(st, 13);
	in->first_seen = col_time(st, 14);
	in->last_seen = col_time(st, 15);
	in->gone = sqlite3_column_int(st, 16) != 0;
	COL_COPY(st, 17, in->template);
}

#define INSTF(field)	FLEN(struct store_instance, field)

/* sync_one: upserts one seen instance and applies a doom that waited for it. */
static int
sync_one(struct store *s, const char *endpoint,
    const struct store_instance *in, time_t now)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (in->id[0] == '\0')
		return set_err(s, "instance with an empty id");
	if ((st = stmt_get(s, ST_INST_UPSERT)) == NULL)
		return -1;
	if (bind_str(st, 1, in->id, INSTF(id)) ||
	    bind_str(st, 2, endpoint, INSTF(endpoint)) ||
	    bind_str(st, 3, in->state, INSTF(state)) ||
	    bind_str(st, 4, in->type, INSTF(type)) ||
	    bind_str(st, 5, in->subnet, INSTF(subnet)) ||
	    bind_str(st, 6, in->az, INSTF(az)) ||
	    bind_str(st, 7, in->public_ip, INSTF(public_ip)) ||
	    bind_str(st, 8, in->private_ip, INSTF(private_ip)) ||
	    bind_str(st, 9, in->launch_id, INSTF(launch_id)) ||
	    bind_str(st, 10, in->lifecycle, INSTF(lifecycle)) ||
	    bind_int(st, 11, (long long)in->launch_time) ||
	    bind_int(st, 12, in->ready ? 1 : 0) ||
	    bind_opt(st, 13, in->doomed_reason, INSTF(doomed_reason)) ||
	    bind_int(st, 14, (long long)now) ||
	    bind_str(st, 15, in->template, INSTF(template)) ||
	    step_done(s, st) == -1)
		goto out;
	st = stmt_done(st);

	if ((st = stmt_get(s, ST_INST_LATE_DOOM)) == NULL ||
	    bind_str(st, 1, in->id, INSTF(id)) || step_done(s, st) == -1)
		goto out;
	st = stmt_done(st);
	if ((st = stmt_get(s, ST_EV_LATE_APPLIED)) == NULL ||
	    bind_str(st, 1, in->id, INSTF(id)) || step_done(s, st) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		set_err_db(s);
	stmt_done(st);
	return rc;
}

int
store_instances_sync(struct store *s, const char *endpoint,
    const struct store_instance *seen, size_t n, time_t now)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	op_start(s);
	if (endpoint == NULL || *endpoint == '\0') {
		set_err(s, "empty endpoint name");
		goto fail;
	}
	if (tx_begin(s) == -1)
		goto fail;
	if ((st = stmt_get(s, ST_INST_GONE_ALL)) == NULL ||
	    bind_str(st, 1, endpoint, INSTF(endpoint)) || step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	for (i = 0; i < n; i++)
		if (sync_one(s, endpoint, &seen[i], now) == -1)
			goto fail;
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	set_err_db(s);
	stmt_done(st);
	return store_fail(s, "instances sync %s", endpoint ? endpoint : "");
}

int
store_instance_put(struct store *s, const struct store_instance *in,
    time_t now)
{
	op_start(s);
	if (in->endpoint[0] == '\0') {
		set_err(s, "empty endpoint name");
		goto fail;
	}
	if (tx_begin(s) == -1 || sync_one(s, in->endpoint, in, now) == -1 ||
	    tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	return store_fail(s, "instance put %.*s", (int)INSTF(id), in->id);
}

int
store_instance_get(struct store *s, const char *instance_id,
    struct store_instance *out)
{
	sqlite3_stmt *st;
	int r = -1;

	op_start(s);
	memset(out, 0, sizeof(*out));
	if ((st = stmt_get(s, ST_INST_GET)) != NULL &&
	    bind_str(st, 1, instance_id, INSTF(id)) == SQLITE_OK &&
	    (r = step_row(s, st)) == 1)
		fill_instance(st, out);
	if (st != NULL && r == -1)
		set_err_db(s);
	stmt_done(st);
	if (r == -1)
		return store_fail(s, "instance get %s", instance_id);
	return r;
}

int
store_instances_list(struct store *s, const char *endpoint, int include_gone,
    struct store_instance **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_INST_LIST)) == NULL ||
	    bind_opt(st, 1, endpoint, INSTF(endpoint)) ||
	    bind_int(st, 2, include_gone ? 1 : 0)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_instance, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "instances list %s",
		    endpoint ? endpoint : "(all)");
	return 0;
}

/* doom: the shared UPDATE; 1 changed, 0 unknown or already doomed, -1. */
static int
doom(struct store *s, const char *instance_id, const char *reason, time_t now)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((st = stmt_get(s, ST_INST_DOOM)) == NULL)
		return -1;
	if (bind_str(st, 1, instance_id, INSTF(id)) ||
	    bind_str(st, 2, reason, INSTF(doomed_reason)) ||
	    bind_int(st, 3, (long long)now))
		set_err_db(s);
	else if (step_done(s, st) == 0)
		rc = sqlite3_changes(s->db) > 0;
	stmt_done(st);
	return rc;
}

int
store_instance_mark_doomed(struct store *s, const char *instance_id,
    const char *reason, time_t now)
{
	int r;

	op_start(s);
	if (instance_id == NULL || *instance_id == '\0' ||
	    reason == NULL || *reason == '\0') {
		set_err(s, "empty instance id or reason");
		goto fail;
	}
	if (tx_begin(s) == -1 || (r = doom(s, instance_id, reason, now)) == -1 ||
	    tx_commit(s) == -1)
		goto fail;
	if (r == 1)
		log_info("state: instance %s doomed: %s", instance_id, reason);
	return r;
fail:
	return store_fail(s, "instance doom %s", instance_id ? instance_id : "");
}

#undef INSTF

/*
 * Events.
 */

#define EF(field)	FLEN(struct store_event, field)

static void
fill_event(sqlite3_stmt *st, void *dst)
{
	struct store_event *ev = dst;

	COL_COPY(st, 0, ev->event_id);
	COL_COPY(st, 1, ev->kind);
	COL_COPY(st, 2, ev->source);
	COL_COPY(st, 3, ev->detail_type);
	COL_COPY(st, 4, ev->instance_id);
	COL_COPY(st, 5, ev->detail);
	ev->event_time = col_time(st, 6);
	COL_COPY(st, 7, ev->message_id);
	COL_COPY(st, 8, ev->endpoint);
	COL_COPY(st, 9, ev->doom_reason);
	ev->received_at = col_time(st, 10);
	ev->applied = sqlite3_column_int(st, 11) != 0;
}

/* event_insert: 1 inserted, 0 already there, -1 error. */
static int
event_insert(struct store *s, const char *endpoint,
    const struct store_event *ev, const char *doom_reason, time_t now)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((st = stmt_get(s, ST_EV_INSERT)) == NULL)
		return -1;
	if (bind_str(st, 1, ev->event_id, EF(event_id)) ||
	    bind_opt(st, 2, endpoint, EF(endpoint)) ||
	    bind_str(st, 3, ev->kind, EF(kind)) ||
	    bind_str(st, 4, ev->source, EF(source)) ||
	    bind_str(st, 5, ev->detail_type, EF(detail_type)) ||
	    bind_opt(st, 6, ev->instance_id, EF(instance_id)) ||
	    bind_str(st, 7, ev->detail, EF(detail)) ||
	    bind_int(st, 8, (long long)ev->event_time) ||
	    bind_int(st, 9, (long long)now) ||
	    bind_str(st, 10, ev->message_id, EF(message_id)) ||
	    bind_opt(st, 11, doom_reason, EF(doom_reason)))
		set_err_db(s);
	else if (step_done(s, st) == 0)
		rc = sqlite3_changes(s->db) > 0;
	stmt_done(st);
	return rc;
}

/* event_applied: marks ev applied when its instance is now doomed. */
static int
event_applied(struct store *s, const struct store_event *ev)
{
	sqlite3_stmt *st;
	int rc = -1;

	if ((st = stmt_get(s, ST_EV_APPLIED)) == NULL)
		return -1;
	if (bind_str(st, 1, ev->event_id, EF(event_id)) ||
	    bind_str(st, 2, ev->instance_id, EF(instance_id)))
		set_err_db(s);
	else
		rc = step_done(s, st);
	stmt_done(st);
	return rc;
}

int
store_event_record(struct store *s, const char *endpoint,
    const struct store_event *ev, const char *doom_reason, time_t now)
{
	char iid[sizeof(ev->instance_id)];
	int isnew, doomed = 0;

	op_start(s);
	if (ev->event_id[0] == '\0') {
		set_err(s, "empty event id");
		goto fail;
	}
	if (doom_reason != NULL && *doom_reason == '\0')
		doom_reason = NULL;
	if (tx_begin(s) == -1 ||
	    (isnew = event_insert(s, endpoint, ev, doom_reason, now)) == -1)
		goto fail;
	if (isnew && doom_reason != NULL && ev->instance_id[0] != '\0') {
		snprintf(iid, sizeof(iid), "%.*s", (int)EF(instance_id),
		    ev->instance_id);
		if ((doomed = doom(s, iid, doom_reason, now)) == -1 ||
		    event_applied(s, ev) == -1)
			goto fail;
	}
	if (tx_commit(s) == -1)
		goto fail;
	if (doomed)
		log_info("state: instance %.*s doomed: %.*s (event %.*s)",
		    (int)EF(instance_id), ev->instance_id,
		    (int)EF(doom_reason), doom_reason,
		    (int)EF(event_id), ev->event_id);
	return isnew;
fail:
	return store_fail(s, "event record %.*s", (int)EF(event_id),
	    ev->event_id);
}

int
store_events_recent(struct store *s, size_t limit, struct store_event **out,
    size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_EV_RECENT)) == NULL ||
	    bind_limit(st, 1, limit)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_event, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	return rc == -1 ? store_fail(s, "events recent") : 0;
}

int
store_events_recent_for(struct store *s, const char *endpoint, size_t limit,
    struct store_event **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if (endpoint == NULL || *endpoint == '\0') {
		set_err(s, "empty endpoint name");
		goto out;
	}
	if ((st = stmt_get(s, ST_EV_RECENT_FOR)) == NULL ||
	    bind_str(st, 1, endpoint, EF(endpoint)) ||
	    bind_limit(st, 2, limit)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_event, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "events recent %.*s", (int)EF(endpoint),
		    endpoint ? endpoint : "");
	return 0;
}

int
store_events_count(struct store *s, const char *endpoint, const char *kind,
    time_t since, long long *n)
{
	sqlite3_stmt *st = NULL;
	int r = -1;

	op_start(s);
	*n = 0;
	if (kind == NULL || *kind == '\0') {
		set_err(s, "empty event kind");
		goto out;
	}
	if ((st = stmt_get(s, ST_EV_COUNT)) == NULL)
		goto out;
	if (bind_opt(st, 1, endpoint, EF(endpoint)) ||
	    bind_str(st, 2, kind, EF(kind)) ||
	    bind_int(st, 3, (long long)since))
		set_err_db(s);
	else if ((r = step_row(s, st)) == 1)
		*n = sqlite3_column_int64(st, 0);
	else if (r == 0)
		r = set_err(s, "no count");
out:
	stmt_done(st);
	if (r != 1)
		return store_fail(s, "events count %.*s %.*s",
		    (int)EF(endpoint), endpoint ? endpoint : "(all)",
		    (int)EF(kind), kind ? kind : "");
	return 0;
}

#undef EF

/*
 * Quarantine.
 */

#define QF(field)	FLEN(struct store_quarantine, field)

int
store_quarantine_add(struct store *s, const char *message_id,
    const char *reason, const void *body, size_t len, time_t now)
{
	sqlite3_stmt *st = NULL;
	size_t keep = len < STORE_QUARANTINE_MAX ? len : STORE_QUARANTINE_MAX;

	op_start(s);
	if (body == NULL && len > 0) {
		set_err(s, "no body for %zu bytes", len);
		goto fail;
	}
	if (len > INT64_MAX)
		len = INT64_MAX;
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_QU_ADD)) == NULL)
		goto fail;
	/* A non-NULL pointer: a zero-length blob, not NULL. */
	if (bind_opt(st, 1, message_id, QF(message_id)) ||
	    bind_int(st, 2, (long long)now) ||
	    bind_str(st, 3, reason, QF(reason)) ||
	    bind_int(st, 4, (long long)len) ||
	    sqlite3_bind_blob(st, 5, body ? body : "", (int)keep,
	    SQLITE_STATIC)) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "quarantine add %.*s", (int)QF(message_id),
	    message_id ? message_id : "");
}

/* count_id: runs a cached SELECT count(*) with no parameters. */
static int
count_id(struct store *s, enum stmt_id id, long long *n)
{
	sqlite3_stmt *st;
	int r = -1;

	*n = 0;
	if ((st = stmt_get(s, id)) == NULL)
		return -1;
	if ((r = step_row(s, st)) == 1)
		*n = sqlite3_column_int64(st, 0);
	else if (r == 0)
		r = set_err(s, "no count");
	stmt_done(st);
	return r == 1 ? 0 : -1;
}

int
store_quarantine_count(struct store *s, long long *n)
{
	op_start(s);
	if (count_id(s, ST_QU_COUNT, n) == -1)
		return store_fail(s, "quarantine count");
	return 0;
}

void
store_quarantine_free(struct store_quarantine *q, size_t n)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < n; i++)
		free(q[i].body);
	free(q);
}

/* fill_quarantine: one row, body copied into a malloc'd buffer; 0 or -1. */
static int
fill_quarantine(sqlite3_stmt *st, struct store_quarantine *q)
{
	const void *b;
	sqlite3_int64 len;
	size_t blen;

	memset(q, 0, sizeof(*q));
	q->id = sqlite3_column_int64(st, 0);
	COL_COPY(st, 1, q->message_id);
	q->received_at = col_time(st, 2);
	COL_COPY(st, 3, q->reason);
	len = sqlite3_column_int64(st, 4);
	q->len = len < 0 ? 0 : (size_t)len;
	b = sqlite3_column_blob(st, 5);
	blen = (size_t)sqlite3_column_bytes(st, 5);
	if ((q->body = malloc(blen + 1)) == NULL)
		return -1;
	if (blen > 0 && b != NULL)
		memcpy(q->body, b, blen);
	else
		blen = 0;
	q->body[blen] = '\0';
	q->body_len = blen;
	return 0;
}

int
store_quarantine_recent(struct store *s, size_t limit,
    struct store_quarantine **out, size_t *n)
{
	struct store_quarantine *arr = NULL, *p;
	sqlite3_stmt *st;
	size_t len = 0, cap = 0;
	int r = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_QU_RECENT)) == NULL ||
	    bind_limit(st, 1, limit)) {
		set_err_db(s);
		goto out;
	}
	while ((r = step_row(s, st)) == 1) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;

			if (ncap > SIZE_MAX / sizeof(*arr) / 2 ||
			    (p = realloc(arr, ncap * sizeof(*arr))) == NULL) {
				r = set_err(s, "out of memory");
				break;
			}
			arr = p;
			cap = ncap;
		}
		if (fill_quarantine(st, &arr[len]) == -1) {
			r = set_err(s, "out of memory");
			break;
		}
		len++;
	}
out:
	stmt_done(st);
	if (r == -1) {
		store_quarantine_free(arr, len);
		return store_fail(s, "quarantine recent");
	}
	*out = arr;
	*n = len;
	return 0;
}

#undef QF

/*
 * Launch intents.
 */

#define NF(field)	FLEN(struct store_intent, field)

const char *
store_intent_state_name(enum store_intent_state st)
{
	if ((size_t)st >= N_INTENT_STATES)
		return "unknown";
	return intent_names[st];
}

/* intent_state_parse: the state named t; -1 when none is. */
static int
intent_state_parse(const char *t)
{
	size_t i;

	for (i = 0; i < N_INTENT_STATES; i++)
		if (strcmp(t, intent_names[i]) == 0)
			return (int)i;
	return -1;
}

/* intent_move_ok: the forward-only rule in store.h. */
static int
intent_move_ok(enum store_intent_state from, enum store_intent_state to)
{
	if (from == to)
		return 1;
	switch (from) {
	case STORE_INTENT_PENDING:
		return 1;
	case STORE_INTENT_SENT:
		return to != STORE_INTENT_PENDING;
	default:
		return 0;
	}
}

static void
fill_intent(sqlite3_stmt *st, void *dst)
{
	struct store_intent *in = dst;
	char state[16];
	int v;

	COL_COPY(st, 0, in->launch_id);
	COL_COPY(st, 1, in->endpoint);
	COL_COPY(st, 2, in->type);
	COL_COPY(st, 3, in->subnet);
	COL_COPY(st, 4, state);
	/* The CHECK constraint keeps other names out; be safe anyway. */
	v = intent_state_parse(state);
	in->state = v < 0 ? STORE_INTENT_ABANDONED : (enum store_intent_state)v;
	COL_COPY(st, 5, in->instance_id);
	COL_COPY(st, 6, in->error);
	in->created_at = col_time(st, 7);
	in->updated_at = col_time(st, 8);
}

int
store_intent_create(struct store *s, const char *launch_id,
    const char *endpoint, const char *type, const char *subnet, time_t now)
{
	sqlite3_stmt *st = NULL;

	op_start(s);
	if (launch_id == NULL || *launch_id == '\0' || endpoint == NULL ||
	    *endpoint == '\0' || type == NULL || *type == '\0') {
		set_err(s, "empty launch id, endpoint or instance type");
		goto fail;
	}
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_INT_CREATE)) == NULL)
		goto fail;
	if (bind_str(st, 1, launch_id, NF(launch_id)) ||
	    bind_str(st, 2, endpoint, NF(endpoint)) ||
	    bind_str(st, 3, type, NF(type)) ||
	    bind_str(st, 4, subnet, NF(subnet)) ||
	    bind_int(st, 5, (long long)now)) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "intent create %.*s", (int)NF(launch_id),
	    launch_id ? launch_id : "");
}

/* intent_state: the current state of launch_id; -1 when unknown or error. */
static int
intent_state(struct store *s, const char *launch_id)
{
	sqlite3_stmt *st;
	char name[16];
	int r, v = -1;

	if ((st = stmt_get(s, ST_INT_STATE)) == NULL)
		return -1;
	if (bind_str(st, 1, launch_id, NF(launch_id)))
		set_err_db(s);
	else if ((r = step_row(s, st)) == 0)
		set_err(s, "no such launch id");
	else if (r == 1) {
		COL_COPY(st, 0, name);
		if ((v = intent_state_parse(name)) == -1)
			set_err(s, "stored state '%s' is unknown", name);
	}
	stmt_done(st);
	return v;
}

int
store_intent_set(struct store *s, const char *launch_id,
    enum store_intent_state state, const char *instance_id, const char *error,
    time_t now)
{
	sqlite3_stmt *st = NULL;
	int from;

	op_start(s);
	if (launch_id == NULL || (size_t)state >= N_INTENT_STATES) {
		set_err(s, "bad arguments");
		goto fail;
	}
	if (tx_begin(s) == -1 || (from = intent_state(s, launch_id)) == -1)
		goto fail;
	if (!intent_move_ok((enum store_intent_state)from, state)) {
		set_err(s, "%s -> %s is not allowed", intent_names[from],
		    intent_names[state]);
		goto fail;
	}
	if ((st = stmt_get(s, ST_INT_SET)) == NULL)
		goto fail;
	if (bind_str(st, 1, launch_id, NF(launch_id)) ||
	    bind_str(st, 2, intent_names[state], 16) ||
	    bind_opt(st, 3, instance_id, NF(instance_id)) ||
	    bind_opt(st, 4, error, NF(error)) ||
	    bind_int(st, 5, (long long)now)) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "intent %.*s set %s", (int)NF(launch_id),
	    launch_id ? launch_id : "", store_intent_state_name(state));
}

int
store_intent_get(struct store *s, const char *launch_id,
    struct store_intent *out)
{
	sqlite3_stmt *st;
	int r = -1;

	op_start(s);
	memset(out, 0, sizeof(*out));
	if ((st = stmt_get(s, ST_INT_GET)) != NULL) {
		if (bind_str(st, 1, launch_id, NF(launch_id)))
			set_err_db(s);
		else if ((r = step_row(s, st)) == 1)
			fill_intent(st, out);
	}
	stmt_done(st);
	if (r == -1)
		return store_fail(s, "intent get %.*s", (int)NF(launch_id),
		    launch_id ? launch_id : "");
	return r;
}

int
store_intents_open(struct store *s, const char *endpoint,
    struct store_intent **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_INT_OPEN)) == NULL ||
	    bind_opt(st, 1, endpoint, NF(endpoint))) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_intent, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "intents open %s",
		    endpoint ? endpoint : "(all)");
	return 0;
}

int
store_launches_since(struct store *s, const char *endpoint, time_t since,
    long long *n)
{
	sqlite3_stmt *st;
	int r = -1;

	op_start(s);
	*n = 0;
	if ((st = stmt_get(s, ST_INT_SINCE)) != NULL) {
		if (bind_opt(st, 1, endpoint, NF(endpoint)) ||
		    bind_int(st, 2, (long long)since))
			set_err_db(s);
		else if ((r = step_row(s, st)) == 1)
			*n = sqlite3_column_int64(st, 0);
		else if (r == 0)
			r = set_err(s, "no count");
	}
	stmt_done(st);
	if (r != 1)
		return store_fail(s, "launches since %s",
		    endpoint ? endpoint : "(all)");
	return 0;
}

int
store_intents_launched_since(struct store *s, const char *endpoint,
    time_t since, struct store_intent **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_INT_LAUNCHED)) == NULL ||
	    bind_opt(st, 1, endpoint, NF(endpoint)) ||
	    bind_int(st, 2, (long long)since)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_intent, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "intents launched since %.*s",
		    (int)NF(endpoint), endpoint ? endpoint : "(all)");
	return 0;
}

#undef NF

/*
 * Capacity pool blocks.
 */

#define BF(field)	FLEN(struct store_pool_block, field)

int
store_pool_block(struct store *s, const char *endpoint, const char *type,
    const char *subnet, time_t until, const char *reason, time_t now)
{
	sqlite3_stmt *st = NULL;

	op_start(s);
	if (endpoint == NULL || *endpoint == '\0' || type == NULL ||
	    *type == '\0') {
		set_err(s, "empty endpoint name or instance type");
		goto fail;
	}
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_PB_PUT)) == NULL)
		goto fail;
	/* subnet is part of the key: "" and never NULL (see schema.c). */
	if (bind_str(st, 1, endpoint, FLEN(struct store_instance, endpoint)) ||
	    bind_str(st, 2, type, BF(type)) ||
	    bind_str(st, 3, subnet, BF(subnet)) ||
	    bind_int(st, 4, (long long)until) ||
	    bind_str(st, 5, reason, BF(reason)) ||
	    bind_int(st, 6, (long long)now)) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "pool block %.*s/%.*s", (int)BF(type),
	    type ? type : "", (int)BF(subnet), subnet && *subnet ? subnet : "-");
}

static void
fill_pool_block(sqlite3_stmt *st, void *dst)
{
	struct store_pool_block *b = dst;

	COL_COPY(st, 0, b->type);
	COL_COPY(st, 1, b->subnet);
	b->until = col_time(st, 2);
	COL_COPY(st, 3, b->reason);
}

int
store_pool_blocks(struct store *s, const char *endpoint, time_t now,
    struct store_pool_block **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if (endpoint == NULL || *endpoint == '\0') {
		set_err(s, "empty endpoint name");
		goto out;
	}
	if ((st = stmt_get(s, ST_PB_LIST)) == NULL ||
	    bind_str(st, 1, endpoint, FLEN(struct store_instance, endpoint)) ||
	    bind_int(st, 2, (long long)now)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_pool_block, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "pool blocks %.*s",
		    (int)FLEN(struct store_instance, endpoint),
		    endpoint ? endpoint : "");
	return 0;
}

#undef BF

/*
 * Endpoint.
 */

#define PF(field)	FLEN(struct store_endpoint, field)

int
store_endpoint_get(struct store *s, const char *name,
    struct store_endpoint *out)
{
	sqlite3_stmt *st;
	int r = -1;

	op_start(s);
	memset(out, 0, sizeof(*out));
	if ((st = stmt_get(s, ST_EP_GET)) != NULL) {
		if (bind_str(st, 1, name, PF(name)))
			set_err_db(s);
		else if ((r = step_row(s, st)) == 1) {
			COL_COPY(st, 0, out->name);
			COL_COPY(st, 1, out->instance_id);
			COL_COPY(st, 2, out->elastic_ip);
			COL_COPY(st, 3, out->public_ip);
			COL_COPY(st, 4, out->dns_value);
			out->dns_synced_at = col_time(st, 5);
			COL_COPY(st, 6, out->ssm_value);
			out->ssm_synced_at = col_time(st, 7);
			out->updated_at = col_time(st, 8);
		}
	}
	stmt_done(st);
	if (r == -1)
		return store_fail(s, "endpoint get %s", name ? name : "");
	return r;
}

int
store_endpoint_put(struct store *s, const struct store_endpoint *e, time_t now)
{
	sqlite3_stmt *st = NULL;

	op_start(s);
	if (e->name[0] == '\0') {
		set_err(s, "empty endpoint name");
		goto fail;
	}
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_EP_PUT)) == NULL)
		goto fail;
	if (bind_str(st, 1, e->name, PF(name)) ||
	    bind_opt(st, 2, e->instance_id, PF(instance_id)) ||
	    bind_opt(st, 3, e->elastic_ip, PF(elastic_ip)) ||
	    bind_opt(st, 4, e->public_ip, PF(public_ip)) ||
	    bind_opt(st, 5, e->dns_value, PF(dns_value)) ||
	    bind_time_opt(st, 6, e->dns_synced_at) ||
	    bind_opt(st, 7, e->ssm_value, PF(ssm_value)) ||
	    bind_time_opt(st, 8, e->ssm_synced_at) ||
	    bind_int(st, 9, (long long)now)) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "endpoint put %.*s", (int)PF(name), e->name);
}

#undef PF

/*
 * Audit.
 */

#define AF(field)	FLEN(struct store_audit_entry, field)

int
store_audit(struct store *s, time_t at, const char *endpoint,
    const char *action, const char *target, const char *detail,
    const char *result)
{
	sqlite3_stmt *st = NULL;

	op_start(s);
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_AU_ADD)) == NULL)
		goto fail;
	if (bind_int(st, 1, (long long)at) ||
	    bind_opt(st, 2, endpoint, AF(endpoint)) ||
	    bind_str(st, 3, action, AF(action)) ||
	    bind_opt(st, 4, target, AF(target)) ||
	    bind_opt(st, 5, detail, AF(detail)) ||
	    bind_opt(st, 6, result, AF(result))) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "audit %.*s %.*s", (int)AF(action),
	    action ? action : "", (int)AF(target), target ? target : "");
}

static void
fill_audit(sqlite3_stmt *st, void *dst)
{
	struct store_audit_entry *a = dst;

	a->id = sqlite3_column_int64(st, 0);
	a->at = col_time(st, 1);
	COL_COPY(st, 2, a->endpoint);
	COL_COPY(st, 3, a->action);
	COL_COPY(st, 4, a->target);
	COL_COPY(st, 5, a->detail);
	COL_COPY(st, 6, a->result);
}

int
store_audit_recent(struct store *s, size_t limit,
    struct store_audit_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_AU_RECENT)) == NULL ||
	    bind_limit(st, 1, limit)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_audit, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	return rc == -1 ? store_fail(s, "audit recent") : 0;
}

int
store_audit_errors(struct store *s, const char *endpoint, size_t limit,
    struct store_audit_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	void *arr = NULL;
	int rc = -1;

	op_start(s);
	*out = NULL;
	*n = 0;
	if ((st = stmt_get(s, ST_AU_ERRORS)) == NULL ||
	    bind_opt(st, 1, endpoint, AF(endpoint)) ||
	    bind_limit(st, 2, limit)) {
		set_err_db(s);
		goto out;
	}
	if ((rc = collect(s, st, sizeof(**out), fill_audit, &arr, n)) == 0)
		*out = arr;
out:
	stmt_done(st);
	if (rc == -1)
		return store_fail(s, "audit errors %.*s", (int)AF(endpoint),
		    endpoint ? endpoint : "(all)");
	return 0;
}

#undef AF

/*
 * Meta.
 */

/* meta_get: steps the lookup of key; 1 row (st left on it), 0 none, -1. */
static int
meta_get(struct store *s, const char *key, sqlite3_stmt **stp)
{
	sqlite3_stmt *st;

	*stp = NULL;
	if (key == NULL)
		return set_err(s, "no key");
	if ((st = stmt_get(s, ST_META_GET)) == NULL)
		return -1;
	*stp = st;
	if (bind_str(st, 1, key, KEY_MAX))
		return set_err_db(s);
	return step_row(s, st);
}

int
store_meta_get_int(struct store *s, const char *key, long long *val)
{
	sqlite3_stmt *st;
	int r;

	op_start(s);
	*val = 0;
	if ((r = meta_get(s, key, &st)) == 1)
		*val = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (r == -1)
		return store_fail(s, "meta get %.*s", KEY_MAX, key ? key : "");
	return r;
}

int
store_meta_get_text(struct store *s, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int r;

	op_start(s);
	if (len > 0)
		buf[0] = '\0';
	if ((r = meta_get(s, key, &st)) == 1)
		col_copy(st, 0, buf, len);
	stmt_done(st);
	if (r == -1)
		return store_fail(s, "meta get %.*s", KEY_MAX, key ? key : "");
	return r;
}

/* meta_set: binds key and lets bind_value bind ?2, in one transaction. */
static int
meta_set(struct store *s, const char *key, const char *text, long long val)
{
	sqlite3_stmt *st = NULL;
	int brc;

	op_start(s);
	if (key == NULL || *key == '\0') {
		set_err(s, "empty key");
		goto fail;
	}
	if (tx_begin(s) == -1 || (st = stmt_get(s, ST_META_SET)) == NULL)
		goto fail;
	brc = bind_str(st, 1, key, KEY_MAX);
	if (brc == SQLITE_OK)
		brc = text ? bind_str(st, 2, text, META_TEXT_MAX) :
		    bind_int(st, 2, val);
	if (brc != SQLITE_OK) {
		set_err_db(s);
		goto fail;
	}
	if (step_done(s, st) == -1)
		goto fail;
	st = stmt_done(st);
	if (tx_commit(s) == -1)
		goto fail;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "meta set %.*s", KEY_MAX, key ? key : "");
}

int
store_meta_set_int(struct store *s, const char *key, long long val)
{
	return meta_set(s, key, NULL, val);
}

int
store_meta_set_text(struct store *s, const char *key, const char *val)
{
	return meta_set(s, key, val ? val : "", 0);
}

/*
 * Counts and pruning.
 */

int
store_counts(struct store *s, struct store_counts *out)
{
	sqlite3_stmt *st;
	int r = -1;

	op_start(s);
	memset(out, 0, sizeof(*out));
	if ((st = stmt_get(s, ST_COUNTS)) != NULL) {
		if ((r = step_row(s, st)) == 1) {
			out->events = sqlite3_column_int64(st, 0);
			out->events_dooming = sqlite3_column_int64(st, 1);
			out->quarantine = sqlite3_column_int64(st, 2);
			out->instances = sqlite3_column_int64(st, 3);
			out->intents_open = sqlite3_column_int64(st, 4);
			out->audit = sqlite3_column_int64(st, 5);
		} else if (r == 0)
			r = set_err(s, "no counts");
	}
	stmt_done(st);
	return r == 1 ? 0 : store_fail(s, "counts");
}

int
store_prune(struct store *s, time_t before, long long *deleted)
{
	static const enum stmt_id prunes[] = { ST_PR_EVENTS, ST_PR_INSTANCES,
	    ST_PR_INTENTS, ST_PR_QUARANTINE, ST_PR_AUDIT, ST_PR_POOL };
	sqlite3_stmt *st = NULL;
	long long total = 0;
	size_t i;

	op_start(s);
	if (deleted != NULL)
		*deleted = 0;
	if (tx_begin(s) == -1)
		goto fail;
	for (i = 0; i < sizeof(prunes) / sizeof(prunes[0]); i++) {
		if ((st = stmt_get(s, prunes[i])) == NULL)
			goto fail;
		if (bind_int(st, 1, (long long)before)) {
			set_err_db(s);
			goto fail;
		}
		if (step_done(s, st) == -1)
			goto fail;
		total += sqlite3_changes(s->db);
		st = stmt_done(st);
	}
	if (tx_commit(s) == -1)
		goto fail;
	if (deleted != NULL)
		*deleted = total;
	return 0;
fail:
	stmt_done(st);
	return store_fail(s, "prune before %lld", (long long)before);
}
