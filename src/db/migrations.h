/*
 * migrations.h - the list of schema migrations (migrations.c), in order,
 * terminated by a zero version. Pillars append theirs to the list.
 */
#ifndef CREST_MIGRATIONS_H
#define CREST_MIGRATIONS_H

struct db_migration {
    int version;
    const char *name;
    const char *ddl; /* may hold several statements; macros per db_ddl_translate */
};

extern const struct db_migration db_migrations[];

#endif
