/*
 * Token checks.  The comparison walks the whole expected token whatever
 * the input, folding differences (and the length difference) into one
 * accumulator, so timing reveals neither a prefix match nor where the
 * first mismatch is.  Tokens are never logged by the edge.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "token.h"

int
edge_token_eq(const char *got, size_t n, const char *want)
{
	size_t wl = strlen(want), i;
	volatile unsigned char acc = 0;

	acc |= (unsigned char)(n != wl);
	for (i = 0; i < wl; i++) {
		unsigned char g = i < n ? (unsigned char)got[i] : 0;
		acc |= g ^ (unsigned char)want[i];
	}
	return acc == 0 && wl > 0;
}

size_t
edge_token_from_auth(const char *hdr, const char **tok)
{
	size_t n;

	while (*hdr == ' ')
		hdr++;
	if (strncasecmp(hdr, "Bearer ", 7) != 0)
		return 0;
	hdr += 7;
	while (*hdr == ' ')
		hdr++;
	n = strlen(hdr);
	while (n > 0 && hdr[n - 1] == ' ')
		n--;
	*tok = hdr;
	return n;
}

size_t
edge_token_from_query(const char *query, const char **tok)
{
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		if (len >= 6 && strncmp(p, "token=", 6) == 0) {
			*tok = p + 6;
			return len - 6;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}
