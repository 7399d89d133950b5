/*
 * Access tokens: comparison in constant time and extraction from an
 * upgrade request (Authorization: Bearer T, or ?token=T).
 */
#ifndef EDGE_TOKEN_H
#define EDGE_TOKEN_H

#include <stddef.h>

/* 1 when the N bytes at GOT equal the NUL-terminated WANT.  The time
 * taken depends only on the lengths, never on where the bytes differ. */
int edge_token_eq(const char *got, size_t n, const char *want);

/* From an Authorization header value: the token after "Bearer " (case
 * insensitive scheme, leading spaces skipped).  Returns its length with
 * *tok pointing into HDR, or 0. */
size_t edge_token_from_auth(const char *hdr, const char **tok);

/* From a URL query string "a=b&token=T&c": the raw value of token.
 * Returns its length with *tok pointing into QUERY, or 0. */
size_t edge_token_from_query(const char *query, const char **tok);

#endif /* EDGE_TOKEN_H */
