/*
 * Bounded msgpack validation.
 *
 * msgpack-c's unpacker trusts container headers: a map header that claims
 * four billion entries makes it allocate room for them before it notices
 * the input is 17 bytes long.  Everything that reads msgpack from another
 * process (the hub reading ring records, an edge reading hub messages)
 * first walks the bytes with mp_validate(), which allocates nothing and
 * accepts an object only if every length and count fits in the bytes that
 * are actually there.  After that, unpacking costs at most a small
 * multiple of the input size.
 */
#ifndef FH_MPVALID_H
#define FH_MPVALID_H

#include <stddef.h>

/* Hard ceiling for max_depth (the walk keeps one counter per level). */
#define MP_DEPTH_LIMIT 256

/*
 * Walk one msgpack object at BUF (LEN bytes available).  Checks that
 * every header is complete, every str/bin/ext length fits in the bytes
 * left, every array/map count is at most the bytes left (each element
 * takes at least one byte; a map entry two), containers nest at most
 * MAX_DEPTH deep (a scalar has depth 0, a map of scalars depth 1, empty
 * containers count) and the reserved byte 0xc1 never appears.
 * Returns 0 and stores the object's size in *CONSUMED (may be NULL; it
 * can be less than LEN: the caller decides whether trailing bytes are
 * allowed), -EBADMSG for malformed or truncated input, -ELOOP when
 * nesting exceeds MAX_DEPTH, -EINVAL when MAX_DEPTH > MP_DEPTH_LIMIT or
 * BUF is NULL with LEN > 0.  *CONSUMED is untouched on error.
 */
int mp_validate(const void *buf, size_t len, unsigned max_depth,
		size_t *consumed) __attribute__((warn_unused_result));

/*
 * mp_validate, and also require what a JSON rendering needs: every str
 * is valid UTF-8, every map key is a str, no bin or ext.  Same results
 * (a violation is -EBADMSG).
 */
int mp_validate_json(const void *buf, size_t len, unsigned max_depth,
		     size_t *consumed) __attribute__((warn_unused_result));

/* 1 if S[0..LEN) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), else 0.  NUL bytes are valid UTF-8. */
int mp_utf8_valid(const void *s, size_t len);

#endif /* FH_MPVALID_H */
