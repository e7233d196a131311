/*
 * log.h - logfmt lines to stderr, one per event.
 *
 * LOG_x checks the level before evaluating its arguments. Never log bodies,
 * tokens or passwords. Thread-safe: each line is written with one write(2).
 */
#ifndef CREST_LOG_H
#define CREST_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 };

extern enum log_level log_min_level;

/* fmt continues the line after "ts=… level=…", e.g. "msg=started port=%d". */
void log_line(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse "debug|info|warn|error|off"; returns -1 when unknown. */
int log_level_parse(const char *s);

#define LOG_AT(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) >= log_min_level)                                                                \
            log_line((lvl), __VA_ARGS__);                                                          \
    } while (0)
#define LOG_DEBUG(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(LOG_INFO, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(LOG_WARN, __VA_ARGS__)
#define LOG_ERROR(...) LOG_AT(LOG_ERROR, __VA_ARGS__)

#endif
