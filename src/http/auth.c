/*
 * auth.c - roles and region scopes (DESIGN.md §2). A user's scope is a region
 * code prefix; "may this user see that row" is a prefix test here and the same
 * test in SQL (see AUTH_SCOPE_SQL in user.h). Nothing else decides scope.
 */
#include <string.h>

#include "http.h"

static const char *const names[ROLE__COUNT] = {
    "admin",    "commander", "hospital", "clinic",     "grid",
    "pharmacy", "insurer",   "venue",    "vaccinator", "resident",
};

const char *role_name(enum role r)
{
    return (unsigned)r < ROLE__COUNT ? names[r] : "?";
}

int role_parse(const char *s)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

bool auth_in_scope(const struct auth_user *u, const char *code)
{
    size_t n = strlen(u->scope);
    return n > 0 && code && strncmp(code, u->scope, n) == 0;
}
