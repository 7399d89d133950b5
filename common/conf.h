/*
 * INI-style configuration files shared by every flowhub program:
 * "key = value" lines, '#' or ';' comments, blank lines; "[section]"
 * headers are accepted and ignored.  Keys are the programs' long option
 * names, so a file and a command line say the same things; the command
 * line is applied after the file and wins.
 */
#ifndef FH_CONF_H
#define FH_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_LINE 4096

/* Called once per key.  Return 0 to accept, or -1 after writing a reason
 * into ERR (ERRLEN bytes); conf_load then prefixes "FILE:LINE: ". */
typedef int (*conf_cb)(const char *key, const char *value, void *arg,
		       char *err, size_t errlen);

/* Parse PATH.  Returns 0, or -1 with a one-line reason in ERR.  Lines
 * longer than CONF_MAX_LINE, NUL bytes and missing '=' are errors. */
int conf_load(const char *path, conf_cb cb, void *arg, char *err,
	      size_t errlen);

/* Parse the text BUF of LEN bytes (the same rules; NAME is used in
 * messages).  Exposed for tests and fuzzing. */
int conf_parse(const char *name, const char *buf, size_t len, conf_cb cb,
	       void *arg, char *err, size_t errlen);

/* Decimal unsigned with an optional K/M/G (binary) suffix, within
 * [min, max].  Returns 0 or -1. */
int conf_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Plain decimal unsigned within [min, max].  Returns 0 or -1. */
int conf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "yes/no/true/false/1/0/on/off".  Returns 0 or -1. */
int conf_parse_bool(const char *s, int *out);

#endif /* FH_CONF_H */
