/*
 * static.c - serves the browser UI from the web root: safe path mapping (no
 * "..", no hidden files), content types, and caching (index.html revalidates
 * every time so a new deploy is seen at once; other assets may be cached for
 * an hour). Files are read whole: the UI's assets are small.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return NULL; /* unknown types are not served: nosniff would make them useless */
}

static bool path_safe(const char *p)
{
    if (p[0] != '/')
        return false;
    for (const char *s = p; *s; s++) {
        if (s[0] == '/' && s[1] == '.')
            return false; /* "..", hidden files */
        if (s[0] == '\\' || (unsigned char)s[0] < 0x20)
            return false;
    }
    return strlen(p) < 400;
}

bool static_serve(struct http_req *r, const char *root)
{
    const char *p = r->path;
    /* the UI is a single page: routes without a file extension load index.html */
    const char *last = strrchr(p, '/');
    if (strcmp(p, "/") == 0 || (last && !strchr(last, '.')))
        p = "/index.html";
    if (!path_safe(p))
        return false;
    const char *type = type_of(p);
    if (!type)
        return false;
    char full[1024];
    int n = snprintf(full, sizeof full, "%s%s", root, p);
    if (n < 0 || (size_t)n >= sizeof full)
        return false;
    struct stat sb;
    if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (64 << 20))
        return false;
    FILE *f = fopen(full, "rb");
    if (!f)
        return false;
    struct buf b;
    buf_init(&b, (size_t)sb.st_size + 1);
    char chunk[16384];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    fclose(f);
    http_reply_text(r, 200, type, b.p ? b.p : "", b.n);
    buf_cleanup(&b);
    http_add_header(r, "Cache-Control",
                    strcmp(p, "/index.html") == 0 ? "no-cache" : "public, max-age=3600");
    return true;
}
