/*
 * schema: the SQL of each migration. See schema.h for the rules.
 *
 * Times are INTEGER Unix seconds (UTC). Nullable columns hold NULL for
 * "none"; store.c maps NULL to and from "" and 0 in its C structs.
 */
#include <stddef.h>

#include "schema.h"
#include "store.h"

const char *const schema_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE instances ("
	"  instance_id   TEXT PRIMARY KEY NOT NULL,"
	"  endpoint      TEXT NOT NULL,"
	"  state         TEXT NOT NULL DEFAULT '',"
	"  instance_type TEXT NOT NULL DEFAULT '',"
	"  subnet_id     TEXT NOT NULL DEFAULT '',"
	"  az            TEXT NOT NULL DEFAULT '',"
	"  public_ip     TEXT NOT NULL DEFAULT '',"
	"  private_ip    TEXT NOT NULL DEFAULT '',"
	"  launch_id     TEXT NOT NULL DEFAULT '',"
	"  lifecycle     TEXT NOT NULL DEFAULT '',"
	"  launch_time   INTEGER NOT NULL DEFAULT 0,"
	"  ready         INTEGER NOT NULL DEFAULT 0 CHECK (ready IN (0, 1)),"
	"  doomed_reason TEXT,"
	"  doomed_at     INTEGER,"
	"  first_seen    INTEGER NOT NULL,"
	"  last_seen     INTEGER NOT NULL,"
	"  gone          INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1))"
	");"
	"CREATE INDEX instances_endpoint ON instances (endpoint, gone);"

	"CREATE TABLE launch_intents ("
	"  launch_id     TEXT PRIMARY KEY NOT NULL,"
	"  endpoint      TEXT NOT NULL,"
	"  instance_type TEXT NOT NULL,"
	"  subnet_id     TEXT NOT NULL DEFAULT '',"
	"  state         TEXT NOT NULL CHECK (state IN"
	"                  ('pending', 'sent', 'launched', 'failed', 'abandoned')),"
	"  instance_id   TEXT,"
	"  error         TEXT,"
	"  created_at    INTEGER NOT NULL,"
	"  updated_at    INTEGER NOT NULL"
	");"
	"CREATE INDEX launch_intents_endpoint ON launch_intents (endpoint, created_at);"

	/*
	 * doom_reason: the doom the event carried, NULL for none; applied: 1
	 * once that doom is on the instance row (by this event or an earlier
	 * one). A doom for an instance not yet seen waits with applied = 0.
	 */
	"CREATE TABLE events ("
	"  event_id      TEXT PRIMARY KEY NOT NULL,"
	"  endpoint      TEXT,"
	"  kind          TEXT NOT NULL DEFAULT '',"
	"  source        TEXT NOT NULL DEFAULT '',"
	"  detail_type   TEXT NOT NULL DEFAULT '',"
	"  instance_id   TEXT,"
	"  detail        TEXT NOT NULL DEFAULT '',"
	"  event_time    INTEGER NOT NULL DEFAULT 0,"
	"  received_at   INTEGER NOT NULL,"
	"  message_id    TEXT NOT NULL DEFAULT '',"
	"  doom_reason   TEXT,"
	"  applied       INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1))"
	");"
	"CREATE INDEX events_received ON events (received_at);"
	/* Dooms waiting for their instance: usually none. Matches store.c's PENDING_DOOM. */
	"CREATE INDEX events_pending_doom ON events (instance_id)"
	"  WHERE doom_reason IS NOT NULL AND applied = 0;"

	/* len: the body's original length; body: at most STORE_QUARANTINE_MAX of it. */
	"CREATE TABLE quarantine ("
	"  id            INTEGER PRIMARY KEY,"
	"  message_id    TEXT,"
	"  received_at   INTEGER NOT NULL,"
	"  reason        TEXT NOT NULL DEFAULT '',"
	"  len           INTEGER NOT NULL,"
	"  body          BLOB NOT NULL"
	");"

	"CREATE TABLE endpoint ("
	"  name          TEXT PRIMARY KEY NOT NULL,"
	"  instance_id   TEXT,"
	"  elastic_ip    TEXT,"
	"  public_ip     TEXT,"
	"  dns_value     TEXT,"
	"  dns_synced_at INTEGER,"
	"  ssm_value     TEXT,"
	"  ssm_synced_at INTEGER,"
	"  updated_at    INTEGER NOT NULL"
	");"

	/* Append-only: the store has no UPDATE on it (store_prune deletes old rows). */
	"CREATE TABLE audit ("
	"  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at            INTEGER NOT NULL,"
	"  endpoint      TEXT,"
	"  action        TEXT NOT NULL DEFAULT '',"
	"  target        TEXT,"
	"  detail        TEXT,"
	"  result        TEXT"
	");"

	"CREATE TABLE meta ("
	"  key           TEXT PRIMARY KEY NOT NULL,"
	"  value"
	");",

	/*
	 * 1 -> 2: for the reconciler and the executor.
	 *
	 * instances.template: the stingy-vpn:template tag, "lt-0abc:$Latest";
	 * rows from version 1 get "" (not known: the next describe fills it).
	 */
	"ALTER TABLE instances ADD COLUMN"
	"  template      TEXT NOT NULL DEFAULT '';"

	/*
	 * A capacity pool (instance type, subnet; "" for any subnet) that
	 * refused a launch, skipped until the time in until. subnet is '' and
	 * never NULL: NULLs in a primary key are all distinct, and the upsert
	 * on it would never conflict.
	 */
	"CREATE TABLE pool_blocks ("
	"  endpoint      TEXT NOT NULL,"
	"  type          TEXT NOT NULL,"
	"  subnet        TEXT NOT NULL DEFAULT '',"
	"  until         INTEGER NOT NULL,"
	"  reason        TEXT NOT NULL DEFAULT '',"
	"  created_at    INTEGER NOT NULL,"
	"  PRIMARY KEY (endpoint, type, subnet)"
	");"

	/*
	 * Interruptions in the last 24 h, counted on every reconcile: covering,
	 * so the endpoint is checked without reading the rows.
	 */
	"CREATE INDEX events_kind ON events (kind, received_at, endpoint);",
};

const size_t schema_nmigrations =
    sizeof(schema_migrations) / sizeof(schema_migrations[0]);

_Static_assert(sizeof(schema_migrations) / sizeof(schema_migrations[0]) ==
    STORE_SCHEMA_VERSION, "STORE_SCHEMA_VERSION must match the migrations");
