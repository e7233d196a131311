/*
 * test_http.c - unit tests for the pure parts of src/http: the query string,
 * percent decoding, the Cookie header, Accept-Language, message formatting
 * and the message table, roles and region scopes. (The server itself is
 * covered by the API suite in tests/api.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "http/http.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int len = *p < 0x80             ? 1
                  : (*p & 0xE0) == 0xC0 ? 2
                  : (*p & 0xF0) == 0xE0 ? 3
                  : (*p & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (len == 0)
            return 0;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += len;
    }
    return 1;
}

/* ---------------------------------------------------------- query string */

static void test_query_find_decodes_the_named_value(void **state)
{
    (void)state;
    static const struct {
        const char *query, *name;
        int rc;
        const char *want;
    } cases[] = {
        {"a=1&b=2", "b", 1, "2"},    {"a=1&b=2", "a", 1, "1"},
        {"a=1&b=2", "c", 0, NULL},   {"", "a", 0, NULL},
        {"a", "a", 1, ""},           {"a=", "a", 1, ""},
        {"a=x%20y", "a", 1, "x y"},  {"a=x+y", "a", 1, "x y"},
        {"a=1%2B1", "a", 1, "1+1"},  {"a=%E8%A5%BF%E6%B9%96", "a", 1, "\xe8\xa5\xbf\xe6\xb9\x96"},
        {"a=b=c", "a", 1, "b=c"},    {"%61=5", "a", 1, "5"}, /* the key is decoded too */
        {"a=1&a=2", "a", 1, "1"},    {"aa=1&a=2", "a", 1, "2"},
        {"aa=1", "a", 0, NULL},      {"&&a=1&", "a", 1, "1"},
        {"a=%zz", "a", -1, NULL},    {"a=%4", "a", -1, NULL},
        {"a=%", "a", -1, NULL},      {"a=%00", "a", -1, NULL},
        {"b=%zz&a=1", "a", 1, "1"}, /* a bad value elsewhere does not matter */
        {"x%zz=1&a=2", "a", 1, "2"}, {"after=MTIz&limit=50", "limit", 1, "50"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[32];
        memset(out, 'Z', sizeof out);
        int rc = http_query_find(cases[i].query, cases[i].name, out, sizeof out);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\" [%s]: rc %d, want %d", i, cases[i].query, cases[i].name, rc,
                     cases[i].rc);
        if (rc == 1 && strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu \"%s\" [%s]: got \"%s\", want \"%s\"", i, cases[i].query,
                     cases[i].name, out, cases[i].want);
    }
}

static void test_query_find_refuses_values_longer_than_out(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(http_query_find("a=abc", "a", out, sizeof out), 1);
    assert_string_equal(out, "abc");
    assert_int_equal(http_query_find("a=abcd", "a", out, sizeof out), -1);
    assert_int_equal(http_query_find("a=%41%41%41%41", "a", out, sizeof out), -1);
}

static void test_query_find_ignores_keys_longer_than_its_buffer(void **state)
{
    (void)state;
    char longkey[200];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    char query[300];
    snprintf(query, sizeof query, "%s=1&a=2", longkey);
    char out[8];
    assert_int_equal(http_query_find(query, longkey, out, sizeof out), 0);
    assert_int_equal(http_query_find(query, "a", out, sizeof out), 1);
    assert_string_equal(out, "2");
}

static void test_pct_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t cap;
        int ok;
        const char *want;
    } cases[] = {
        {"", 1, 1, ""},
        {"abc", 4, 1, "abc"},
        {"abc", 3, 0, NULL}, /* no room for the NUL */
        {"abc", 0, 0, NULL},
        {"", 0, 0, NULL},
        {"%41%42", 8, 1, "AB"},
        {"%4a%4A", 8, 1, "JJ"},
        {"%e4%bd%a0", 8, 1, "\xe4\xbd\xa0"},
        {"a+b", 8, 1, "a b"},
        {"%2B", 8, 1, "+"},
        {"%25", 8, 1, "%"},
        {"%252", 8, 1, "%2"}, /* decoded once, not twice */
        {"%", 8, 0, NULL},
        {"%4", 8, 0, NULL},
        {"x%", 8, 0, NULL},
        {"%G0", 8, 0, NULL},
        {"%0G", 8, 0, NULL},
        {"% 1", 8, 0, NULL},
        {"%00", 8, 0, NULL},
        {"a%00b", 8, 0, NULL},
        {"%-1", 8, 0, NULL},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[16];
        memset(out, 'Z', sizeof out);
        size_t len = 999;
        bool ok = http_pct_decode(str_of(cases[i].in), out, cases[i].cap, &len);
        if ((int)ok != cases[i].ok)
            fail_msg("case %zu \"%s\" cap %zu: ok=%d", i, cases[i].in, cases[i].cap, ok);
        if (ok) {
            assert_string_equal(out, cases[i].want);
            assert_int_equal(len, strlen(cases[i].want));
        }
        for (size_t k = cases[i].cap; k < sizeof out; k++)
            if (out[k] != 'Z')
                fail_msg("case %zu \"%s\": wrote past cap", i, cases[i].in);
    }
}

static void test_pct_decode_reads_only_the_view(void **state)
{
    (void)state;
    /* "%4" at the end of the view with "1" after it in memory: still a bad escape */
    const char text[] = "ab%41";
    char out[8];
    assert_false(http_pct_decode((struct str){text, 4}, out, sizeof out, NULL));
    assert_true(http_pct_decode((struct str){text, 2}, out, sizeof out, NULL));
    assert_string_equal(out, "ab");
}

/* --------------------------------------------------------------- cookies */

static void test_cookie_find(void **state)
{
    (void)state;
    static const struct {
        const char *header, *name;
        int found;
        const char *want;
    } cases[] = {
        {"crest_session=abc", "crest_session", 1, "abc"},
        {"a=1; crest_session=abc; b=2", "crest_session", 1, "abc"},
        {"a=1;crest_session=abc", "crest_session", 1, "abc"},
        {"crest_session=abc;", "crest_session", 1, "abc"},
        {"xcrest_session=bad; crest_session=good", "crest_session", 1, "good"},
        {"crest_session_x=bad; crest_session=good", "crest_session", 1, "good"},
        {"xcrest_session=bad", "crest_session", 0, NULL},
        {"crest_session_x=bad", "crest_session", 0, NULL},
        {"crest_sessio=bad", "crest_session", 0, NULL},
        {"CREST_SESSION=bad", "crest_session", 0, NULL}, /* names are case-sensitive */
        {"  crest_session=abc  ", "crest_session", 1, "abc"},
        {"crest_session = abc", "crest_session", 1, "abc"},
        {"\tcrest_session=abc\t; b=1", "crest_session", 1, "abc"},
        {"crest_session=\"abc\"", "crest_session", 1, "abc"},
        {"crest_session=\"\"", "crest_session", 1, ""},
        {"crest_session=\"", "crest_session", 1, "\""},
        {"crest_session=", "crest_session", 1, ""},
        {"crest_session", "crest_session", 0, NULL},
        {"a=crest_session=x", "crest_session", 0, NULL},
        {"crest_session=a=b", "crest_session", 1, "a=b"},
        {"", "crest_session", 0, NULL},
        {";;;", "crest_session", 0, NULL},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct str v = {NULL, 0};
        bool found = http_cookie_find(cases[i].header, cases[i].name, &v);
        if ((int)found != cases[i].found)
            fail_msg("case %zu \"%s\": found=%d", i, cases[i].header, found);
        if (found && !str_eq_c(v, cases[i].want))
            fail_msg("case %zu \"%s\": got \"%.*s\", want \"%s\"", i, cases[i].header, (int)v.n,
                     v.p, cases[i].want);
        if (found) { /* a view into the header, never a copy */
            const char *h = cases[i].header;
            assert_true(v.p >= h && v.p + v.n <= h + strlen(h));
        }
    }
    struct str v;
    assert_false(http_cookie_find(NULL, "crest_session", &v));
}

/* ------------------------------------------------------- Accept-Language */

static void test_lang_pick(void **state)
{
    (void)state;
    static const struct {
        const char *al, *want;
    } cases[] = {
        {NULL, "zh"},
        {"", "zh"},
        {"en", "en"},
        {"zh", "zh"},
        {"en-GB", "en"},
        {"en_US", "en"},
        {"EN-gb", "en"},
        {"zh-CN", "zh"},
        {"zh-Hant-TW", "zh"},
        {"en-US,en;q=0.9", "en"},
        {"zh-CN,zh;q=0.9,en;q=0.8", "zh"},
        {"en;q=0.5, zh-CN;q=0.9", "zh"},
        {"zh;q=0.1, en", "en"},
        {"zh-Hant-TW;q=0.6,en-GB;q=0.7", "en"},
        {"fr, en;q=0.3", "en"},
        {"fr-FR,fr;q=0.9", "zh"},
        {"en;q=0", "zh"},
        {"en;q=0.0, zh;q=0.001", "zh"},
        {"en;q=0.001, zh;q=0", "en"},
        {"en;q=1.0", "en"},
        {"en;Q=0.5,zh;q=0.4", "en"},
        {"*", "zh"},
        {"*;q=0.5, en;q=0.1", "en"},
        {"english", "zh"},
        {"enx,zhx", "zh"},
        {"e", "zh"},
        {"garbage;;;,,==", "zh"},
        {";q=", "zh"},
        {"en;q=", "en"},
        {"en;q=0.", "zh"},
        {",,,en", "en"},
        {"  en  ;  q=0.8 ", "en"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        const char *got = http_lang_pick(cases[i].al);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu \"%s\": got %s, want %s", i, cases[i].al ? cases[i].al : "(null)",
                     got, cases[i].want);
    }
}

/* -------------------------------------------------------------- messages */

/* Every key the code is known to use (src/base, src/db, src/http,
 * src/region). A key missing from the table shows as itself to the user. */
static const char *const known_keys[] = {
    "body_required",
    "body_malformed",
    "body_not_object",
    "field_required",
    "field_not_string",
    "field_not_integer",
    "field_not_boolean",
    "field_control_chars",
    "field_too_short",
    "field_too_long",
    "field_range",
    "field_unknown",
    "query_invalid",
    "not_found",
    "method_not_allowed",
    "too_big",
    "content_length_conflict",
    "precondition_failed",
    "precondition_required",
    "if_match_invalid",
    "idem_mismatch",
    "idem_invalid",
    "internal",
    "busy",
    "db_error",
    "conflict_exists",
    "conflict_reference",
    "constraint",
    "auth_required",
    "session_invalid",
    "login_failed",
    "login_throttled",
    "csrf_failed",
    "cross_site",
    "forbidden_role",
    "user_disabled",
    "region_not_found",
    "region_code_invalid",
    "region_code_child",
    "region_level_invalid",
    "region_parent_level",
    "region_parent_missing",
    "region_exists",
    "region_readonly",
};

static int count_args(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, "%s")) != NULL; p += 2)
        n++;
    return n;
}

static int has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

static void check_key(const char *key)
{
    const char *zh = msg_text("zh", key), *en = msg_text("en", key);
    if (strcmp(zh, key) == 0 || strcmp(en, key) == 0)
        fail_msg("message key %s has no translation", key);
    if (!*zh || !*en)
        fail_msg("message key %s is empty", key);
    if (!has_non_ascii(zh))
        fail_msg("message key %s: the zh text \"%s\" has no Chinese", key, zh);
    if (strcmp(zh, en) == 0)
        fail_msg("message key %s: zh and en are the same", key);
    if (count_args(zh) != count_args(en))
        fail_msg("message key %s: zh and en take different arguments", key);
    if (count_args(zh) > 1)
        fail_msg("message key %s: more than one %%s", key);
    if (!utf8_valid(zh) || !utf8_valid(en))
        fail_msg("message key %s: not UTF-8", key);
}

static void test_every_known_message_key_has_zh_and_en(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(known_keys); i++)
        check_key(known_keys[i]);
}

static void test_every_error_code_has_a_title(void **state)
{
    (void)state;
    /* http_reply_error looks up "title_" + crest_err_name(code) */
    for (int code = CREST_NOMEM; code <= CREST_PRECOND_REQ; code++) {
        char key[64];
        snprintf(key, sizeof key, "title_%s", crest_err_name((enum crest_err)code));
        check_key(key);
    }
}

static void test_msg_text_unknown_and_null_keys(void **state)
{
    (void)state;
    assert_string_equal(msg_text("zh", "no_such_key"), "no_such_key");
    assert_string_equal(msg_text("en", NULL), "");
    /* any language but en gets Chinese */
    assert_string_equal(msg_text("fr", "login_failed"), msg_text("zh", "login_failed"));
}

static void test_msg_format_substitutes_the_argument(void **state)
{
    (void)state;
    char out[256];
    msg_format(out, sizeof out, "en", "field_too_long", "3");
    assert_string_equal(out, "Too long: at most 3 characters");
    msg_format(out, sizeof out, "zh", "field_too_long", "3");
    assert_string_equal(out, "\xe5\xa4\xaa\xe9\x95\xbf\xef\xbc\x8c\xe6\x9c\x80\xe5\xa4\x9a 3 "
                             "\xe4\xb8\xaa\xe5\xad\x97");
    msg_format(out, sizeof out, "en", "field_too_long", NULL);
    assert_string_equal(out, "Too long: at most  characters");
    msg_format(out, sizeof out, "en", "login_failed", "ignored");
    assert_string_equal(out, "Wrong username or password");
    /* an argument is inserted as text, never expanded again */
    msg_format(out, sizeof out, "en", "field_range", "%s%s%n");
    assert_string_equal(out, "Out of the allowed range (%s%s%n)");
    msg_format(out, sizeof out, "en", "no_such_key", "x");
    assert_string_equal(out, "no_such_key");
    char z = 'Z';
    msg_format(&z, 0, "en", "login_failed", NULL); /* cap 0 writes nothing */
    assert_int_equal(z, 'Z');
}

/* Truncation must keep the longest whole-character prefix that fits: never
 * half a character (the text goes into JSON), never less than fits. */
static void check_truncation(const char *lang, const char *key, const char *arg)
{
    char full[512];
    msg_format(full, sizeof full, lang, key, arg);
    size_t n = strlen(full);
    assert_true(n > 0 && n < sizeof full - 1);
    for (size_t cap = 1; cap <= n + 2; cap++) {
        char *out = malloc(cap); /* exact size: ASan catches a write past cap */
        assert_non_null(out);
        msg_format(out, cap, lang, key, arg);
        size_t got = strlen(out);
        /* the longest prefix ending on a character boundary within cap-1 bytes */
        size_t want = n < cap - 1 ? n : cap - 1;
        while (want > 0 && want < n && ((unsigned char)full[want] & 0xC0) == 0x80)
            want--;
        if (got != want || memcmp(out, full, got) != 0)
            fail_msg("%s/%s cap %zu: got %zu bytes \"%s\", want %zu", lang, key, cap, got, out,
                     want);
        assert_true(utf8_valid(out));
        free(out);
    }
}

static void test_msg_format_truncates_on_whole_characters(void **state)
{
    (void)state;
    check_truncation("zh", "field_too_long", "12");
    check_truncation("zh", "precondition_failed", "7");
    check_truncation("en", "precondition_failed", "7");
    check_truncation("zh", "login_failed", NULL);
    check_truncation("en", "region_code_invalid", "\xe8\xa5\xbf\xe6\xb9\x96 \xf0\x9f\x98\x80");
    check_truncation("zh", "region_code_invalid", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
}

/* ---------------------------------------------------------- roles, scope */

static void test_role_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[ROLE__COUNT] = {
        "admin",    "commander", "hospital", "clinic",     "grid",
        "pharmacy", "insurer",   "venue",    "vaccinator", "resident",
    };
    for (int r = 0; r < ROLE__COUNT; r++) {
        assert_string_equal(role_name((enum role)r), names[r]);
        assert_int_equal(role_parse(names[r]), r);
    }
    assert_string_equal(role_name(ROLE__COUNT), "?");
    assert_string_equal(role_name((enum role) - 1), "?");
    assert_int_equal(role_parse(NULL), -1);
    assert_int_equal(role_parse(""), -1);
    assert_int_equal(role_parse("Admin"), -1);
    assert_int_equal(role_parse("admin "), -1);
    assert_int_equal(role_parse("adm"), -1);
}

static void test_scope_is_a_code_prefix(void **state)
{
    (void)state;
    static const struct {
        const char *scope, *code;
        int in;
    } cases[] = {
        {"33", "33", 1},
        {"33", "3301", 1},
        {"33", "330106004001", 1},
        {"3301", "3301", 1},
        {"3301", "330106", 1},
        {"3301", "33", 0}, /* a parent is outside a child's scope */
        {"3301", "3302", 0},
        {"3301", "330206", 0},
        {"3301", "", 0},
        {"3301", NULL, 0},
        {"330106", "33010", 0},
        {"", "33", 0}, /* an empty scope is never valid */
        {"", "", 0},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct auth_user u;
        memset(&u, 0, sizeof u);
        u.role = ROLE_COMMANDER;
        snprintf(u.scope, sizeof u.scope, "%s", cases[i].scope);
        if ((int)auth_in_scope(&u, cases[i].code) != cases[i].in)
            fail_msg("case %zu: scope \"%s\" code \"%s\": want %d", i, cases[i].scope,
                     cases[i].code ? cases[i].code : "(null)", cases[i].in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_find_decodes_the_named_value),
        cmocka_unit_test(test_query_find_refuses_values_longer_than_out),
        cmocka_unit_test(test_query_find_ignores_keys_longer_than_its_buffer),
        cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_pct_decode_reads_only_the_view),
        cmocka_unit_test(test_cookie_find),
        cmocka_unit_test(test_lang_pick),
        cmocka_unit_test(test_every_known_message_key_has_zh_and_en),
        cmocka_unit_test(test_every_error_code_has_a_title),
        cmocka_unit_test(test_msg_text_unknown_and_null_keys),
        cmocka_unit_test(test_msg_format_substitutes_the_argument),
        cmocka_unit_test(test_msg_format_truncates_on_whole_characters),
        cmocka_unit_test(test_role_names_round_trip),
        cmocka_unit_test(test_scope_is_a_code_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
