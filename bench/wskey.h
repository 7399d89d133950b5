/*
 * The WebSocket opening handshake's key material (RFC 6455 section 4):
 * SHA-1 and base64, small enough to keep the load tool free of a TLS
 * library dependency.
 */
#ifndef BENCH_WSKEY_H
#define BENCH_WSKEY_H

#include <stddef.h>
#include <stdint.h>

void wskey_sha1(const void *data, size_t len, uint8_t out[20]);
/* Writes the base64 of IN (with '=' padding) and a NUL into OUT, which
 * must hold 4 * ((len + 2) / 3) + 1 bytes.  Returns the length. */
size_t wskey_base64(const uint8_t *in, size_t len, char *out);
/* Sec-WebSocket-Accept for KEY (a NUL-terminated base64 string) into
 * OUT[29]. */
void wskey_accept(const char *key, char out[29]);

#endif /* BENCH_WSKEY_H */
