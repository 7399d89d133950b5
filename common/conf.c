/*
 * Configuration file reader.  The file is read whole (it is small and
 * bounded by CONF_MAX_FILE) and split into lines; every line is either
 * blank, a comment, a section header or "key = value".  Anything else is
 * an error naming the file and line, so a typo never passes silently.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CONF_MAX_FILE (1u << 20)

static char *
trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

int
conf_parse(const char *name, const char *buf, size_t len, conf_cb cb,
	   void *arg, char *err, size_t errlen)
{
	char line[CONF_MAX_LINE + 1];
	char reason[512];
	size_t off = 0;
	int lineno = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		char *k, *v, *eq;

		lineno++;
		if (n > CONF_MAX_LINE) {
			snprintf(err, errlen, "%s:%d: line too long", name,
				 lineno);
			return -1;
		}
		if (memchr(buf + off, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte", name, lineno);
			return -1;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + (nl ? 1 : 0);

		k = trim(line, line + n);
		if (*k == '\0' || *k == '#' || *k == ';')
			continue;
		if (*k == '[') {
			if (k[strlen(k) - 1] != ']') {
				snprintf(err, errlen,
					 "%s:%d: unterminated section header",
					 name, lineno);
				return -1;
			}
			continue;
		}
		eq = strchr(k, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'",
				 name, lineno);
			return -1;
		}
		v = trim(eq + 1, k + strlen(k));
		k = trim(k, eq);
		if (*k == '\0') {
			snprintf(err, errlen, "%s:%d: empty key", name, lineno);
			return -1;
		}
		/* Allow "value" in double quotes, for values with spaces. */
		if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		reason[0] = '\0';
		if (cb(k, v, arg, reason, sizeof(reason)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno,
				 reason[0] ? reason : "invalid value");
			return -1;
		}
	}
	return 0;
}

int
conf_load(const char *path, conf_cb cb, void *arg, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONF_MAX_FILE + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f) || n > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? "read error" : "file too large");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = conf_parse(path, buf, n, cb, arg, err, errlen);
	free(buf);
	return rc;
}

int
conf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
conf_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default:
		return -1;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end != '\0')
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	v <<= shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}
