/*
 * schema: the forward-only list of migrations of the state database.
 *
 * schema_migrations[i] takes a database at user_version i to i + 1. Entries
 * are only ever appended: a released step is never edited, since databases
 * in the field have already run it. store.c runs each step in its own
 * BEGIN IMMEDIATE transaction together with the user_version bump, so a step
 * must not contain transaction control or PRAGMAs that cannot run inside a
 * transaction (journal_mode, foreign_keys).
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>

extern const char *const schema_migrations[];
extern const size_t schema_nmigrations;	/* == STORE_SCHEMA_VERSION */

#endif
