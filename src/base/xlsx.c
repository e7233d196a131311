/* xlsx.c - XLSX reading (minizip + expat, from memory) and writing
 * (libxlsxwriter); see xlsx.h. */
#include "xlsx.h"

#include <expat.h>
#include <minizip/unzip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "mem.h"
#include "str.h"

/* ---- minizip over a memory buffer ---- */

struct memfile {
    const unsigned char *p;
    size_t n, pos;
};

static voidpf mem_open(voidpf opaque, const void *name, int mode)
{
    (void)name;
    (void)mode;
    struct memfile *m = opaque;
    m->pos = 0;
    return m;
}

static uLong mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)opaque;
    struct memfile *m = stream;
    size_t left = m->n - m->pos;
    size_t k = size < left ? size : left;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (uLong)k;
}

static uLong mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct memfile *)stream)->pos;
}

static long mem_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
    (void)opaque;
    struct memfile *m = stream;
    ZPOS64_T base = origin == ZLIB_FILEFUNC_SEEK_SET   ? 0
                    : origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos
                                                       : m->n;
    if (off > m->n || base + off > m->n)
        return -1;
    m->pos = (size_t)(base + off);
    return 0;
}

static int mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

/* Read one part of the archive into b; 0 ok, 1 absent, -1 error/too big. */
static int read_part(unzFile z, const char *name, struct buf *b)
{
    if (unzLocateFile(z, name, 0) != UNZ_OK)
        return 1;
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(z, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
        return -1;
    if (info.uncompressed_size > XLSX_MAX_PART)
        return -1;
    if (unzOpenCurrentFile(z) != UNZ_OK)
        return -1;
    char chunk[16384];
    int got;
    while ((got = unzReadCurrentFile(z, chunk, sizeof chunk)) > 0) {
        /* the declared size may lie: the buffer's own maximum still holds */
        if (buf_append(b, chunk, (size_t)got) != CREST_OK) {
            unzCloseCurrentFile(z);
            return -1;
        }
    }
    int crc = unzCloseCurrentFile(z);
    return got < 0 || crc != UNZ_OK ? -1 : 0;
}

/* ---- shared strings ---- */

struct sst {
    char **s;
    size_t n, cap;
    struct buf cur;
    int depth_si, in_t, in_rph; /* inside <si>, <t>, phonetic runs (skipped) */
    int bad;
};

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    struct sst *s = ud;
    if (!strcmp(name, "si")) {
        s->depth_si = 1;
        buf_reset(&s->cur);
    } else if (!strcmp(name, "rPh")) {
        s->in_rph = 1;
    } else if (!strcmp(name, "t") && s->depth_si && !s->in_rph) {
        s->in_t = 1;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct sst *s = ud;
    if (!strcmp(name, "t"))
        s->in_t = 0;
    else if (!strcmp(name, "rPh"))
        s->in_rph = 0;
    else if (!strcmp(name, "si") && s->depth_si) {
        s->depth_si = 0;
        if (s->n >= 1000000) {
            s->bad = 1;
            return;
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 256;
            s->s = xrealloc(s->s, s->cap * sizeof *s->s);
        }
        s->s[s->n++] = xstrndup(s->cur.p ? s->cur.p : "", s->cur.n);
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *t, int len)
{
    struct sst *s = ud;
    if (s->in_t && buf_append(&s->cur, t, (size_t)len) != CREST_OK)
        s->bad = 1;
}

/* ---- the sheet ---- */

struct sheet {
    const struct sst *sst;
    xlsx_row_fn fn;
    void *arg;
    int row;       /* 1-based row of the current <row> */
    int col;       /* 0-based column of the current <c> */
    char type[16]; /* t attribute */
    int in_v, in_t, in_c;
    struct buf val;
    char *cells[XLSX_MAX_COLS];
    int ncells;
    int stop; /* non-zero: callback result or error */
    int rows_seen;
    XML_Parser p;
};

static int col_of(const char *ref)
{
    int c = 0, k = 0;
    for (; ref[k] >= 'A' && ref[k] <= 'Z'; k++) {
        c = c * 26 + (ref[k] - 'A' + 1);
        if (c > 16384)
            return -1;
    }
    return k ? c - 1 : -1;
}

static void row_reset(struct sheet *s)
{
    for (int i = 0; i < s->ncells; i++) {
        free(s->cells[i]);
        s->cells[i] = NULL;
    }
    s->ncells = 0;
}

static void XMLCALL sh_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sheet *s = ud;
    if (s->stop)
        return;
    if (!strcmp(name, "row")) {
        row_reset(s);
        s->row++;
        for (int i = 0; atts[i]; i += 2)
            if (!strcmp(atts[i], "r")) {
                int64_t r;
                if (str_to_i64(str_of(atts[i + 1]), &r) && r >= 1 && r <= XLSX_MAX_ROWS)
                    s->row = (int)r;
            }
        s->col = -1;
        if (++s->rows_seen > XLSX_MAX_ROWS)
            s->stop = -2;
    } else if (!strcmp(name, "c")) {
        s->in_c = 1;
        s->col++;
        s->type[0] = '\0';
        buf_reset(&s->val);
        for (int i = 0; atts[i]; i += 2) {
            if (!strcmp(atts[i], "r")) {
                int c = col_of(atts[i + 1]);
                if (c >= 0)
                    s->col = c;
            } else if (!strcmp(atts[i], "t")) {
                str_copy(s->type, sizeof s->type, atts[i + 1]);
            }
        }
    } else if (!strcmp(name, "v") && s->in_c) {
        s->in_v = 1;
    } else if (!strcmp(name, "t") && s->in_c) {
        s->in_t = 1; /* inline string */
    }
}

static void XMLCALL sh_text(void *ud, const XML_Char *t, int len)
{
    struct sheet *s = ud;
    if ((s->in_v || s->in_t) && !s->stop && buf_append(&s->val, t, (size_t)len) != CREST_OK)
        s->stop = -2;
}

static void XMLCALL sh_end(void *ud, const XML_Char *name)
{
    struct sheet *s = ud;
    if (s->stop)
        return;
    if (!strcmp(name, "v"))
        s->in_v = 0;
    else if (!strcmp(name, "t"))
        s->in_t = 0;
    else if (!strcmp(name, "c")) {
        s->in_c = 0;
        if (s->col < 0 || s->col >= XLSX_MAX_COLS) {
            if (s->val.n)
                s->stop = -3; /* a value past the last column we read */
            return;
        }
        const char *v = s->val.p ? s->val.p : "";
        char *text;
        if (!strcmp(s->type, "s")) {
            int64_t idx;
            if (!str_to_i64(str_of(v), &idx) || idx < 0 || (size_t)idx >= s->sst->n) {
                s->stop = -3;
                return;
            }
            text = xstrdup(s->sst->s[idx]);
        } else {
            text = xstrdup(v);
        }
        while (s->ncells <= s->col)
            s->cells[s->ncells++] = NULL;
        free(s->cells[s->col]);
        s->cells[s->col] = text;
    } else if (!strcmp(name, "row")) {
        int last = -1;
        for (int i = 0; i < s->ncells; i++)
            if (s->cells[i] && s->cells[i][0])
                last = i;
        if (last >= 0) {
            const char *cells[XLSX_MAX_COLS];
            for (int i = 0; i <= last; i++)
                cells[i] = s->cells[i] ? s->cells[i] : "";
            int rc = s->fn(s->arg, s->row, last + 1, cells);
            if (rc)
                s->stop = rc;
        }
        row_reset(s);
    }
}

static int parse_xml(const struct buf *b, XML_StartElementHandler st, XML_EndElementHandler en,
                     XML_CharacterDataHandler tx, void *ud)
{
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p)
        return -1;
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, st, en);
    XML_SetCharacterDataHandler(p, tx);
    /* expat ≥ 2.4 also defends against entity-expansion ("billion laughs") */
    int ok = XML_Parse(p, b->p ? b->p : "", (int)b->n, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    return ok ? 0 : -1;
}

int xlsx_read(const void *data, size_t n, xlsx_row_fn fn, void *arg, struct crest_error *err)
{
    struct memfile m = {data, n, 0};
    zlib_filefunc64_def io = {mem_open, mem_read,  mem_write, mem_tell,
                              mem_seek, mem_close, mem_error, &m};
    unzFile z = unzOpen2_64("mem", &io);
    if (!z)
        return crest_error_field(err, "file", "format", "xlsx_not_zip", NULL);
    struct sst sst;
    memset(&sst, 0, sizeof sst);
    buf_init(&sst.cur, 1 << 20);
    struct buf part;
    buf_init(&part, XLSX_MAX_PART);
    int rc = CREST_OK;
    int r = read_part(z, "xl/sharedStrings.xml", &part);
    if (r < 0) {
        rc = crest_error_field(err, "file", "format", "xlsx_bad_part", "sharedStrings.xml");
        goto out;
    }
    if (r == 0 && (parse_xml(&part, sst_start, sst_end, sst_text, &sst) != 0 || sst.bad)) {
        rc = crest_error_field(err, "file", "format", "xlsx_bad_part", "sharedStrings.xml");
        goto out;
    }
    buf_reset(&part);
    r = read_part(z, "xl/worksheets/sheet1.xml", &part);
    if (r != 0) {
        rc = crest_error_field(err, "file", "format", "xlsx_bad_part", "sheet1.xml");
        goto out;
    }
    struct sheet sh;
    memset(&sh, 0, sizeof sh);
    sh.sst = &sst;
    sh.fn = fn;
    sh.arg = arg;
    buf_init(&sh.val, 1 << 20);
    int pr = parse_xml(&part, sh_start, sh_end, sh_text, &sh);
    row_reset(&sh);
    buf_cleanup(&sh.val);
    if (sh.stop > 0)
        rc = sh.stop; /* the callback's own code */
    else if (sh.stop == -2)
        rc = crest_error_field(err, "file", "too_big", "xlsx_too_big", NULL);
    else if (pr != 0 || sh.stop)
        rc = crest_error_field(err, "file", "format", "xlsx_bad_part", "sheet1.xml");
out:
    for (size_t i = 0; i < sst.n; i++)
        free(sst.s[i]);
    free(sst.s);
    buf_cleanup(&sst.cur);
    buf_cleanup(&part);
    unzClose(z);
    return rc;
}

/* ---- writing ---- */

struct xlsx_out {
    char path[64];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head;
};

struct xlsx_out *xlsx_out_new(const char *sheet_name)
{
    struct xlsx_out *x = xcalloc(1, sizeof *x);
    snprintf(x->path, sizeof x->path, "/tmp/crest-xlsx-XXXXXX");
    int fd = mkstemp(x->path);
    if (fd < 0) {
        free(x);
        return NULL;
    }
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    x->wb = workbook_new_opt(x->path, &opt);
    if (!x->wb) {
        unlink(x->path);
        free(x);
        return NULL;
    }
    x->ws = workbook_add_worksheet(x->wb, sheet_name);
    x->head = workbook_add_format(x->wb);
    format_set_bold(x->head);
    return x;
}

void xlsx_out_str(struct xlsx_out *x, int row, int col, const char *s)
{
    worksheet_write_string(x->ws, (lxw_row_t)row, (lxw_col_t)col, s ? s : "",
                           row == 0 ? x->head : NULL);
}

void xlsx_out_num(struct xlsx_out *x, int row, int col, double v)
{
    worksheet_write_number(x->ws, (lxw_row_t)row, (lxw_col_t)col, v, NULL);
}

int xlsx_out_finish(struct xlsx_out *x, struct buf *out)
{
    int rc = CREST_OK;
    worksheet_freeze_panes(x->ws, 1, 0);
    if (workbook_close(x->wb) != LXW_NO_ERROR)
        rc = CREST_IO;
    FILE *f = rc == CREST_OK ? fopen(x->path, "rb") : NULL;
    if (f) {
        char chunk[16384];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            if (buf_append(out, chunk, got) != CREST_OK) {
                rc = CREST_TOOBIG;
                break;
            }
        fclose(f);
    } else {
        rc = CREST_IO;
    }
    unlink(x->path);
    free(x);
    return rc;
}
