/*
 * RFC 6455 frame headers (section 5.2), the part of the protocol that is
 * pure byte layout: decoding a server frame's header and encoding a masked
 * client frame's header.
 */
#ifndef BENCH_WSFRAME_H
#define BENCH_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSFRAME_MAX_HEADER 14

enum {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xa,
};

struct wsframe {
	bool fin;
	int op;
	bool masked;
	uint8_t mask[4];
	size_t hlen;   /* header bytes, mask key included */
	uint64_t plen; /* payload bytes */
};

/* Decode the header at P (N bytes available).  Returns 1 and fills *F
 * when the whole header is there, 0 when more bytes are needed. */
int wsframe_header(const uint8_t *p, size_t n, struct wsframe *f);

/* Encode a final client frame header of opcode OP for LEN payload bytes
 * masked with MASK into OUT; returns its length. */
size_t wsframe_client_header(uint8_t out[WSFRAME_MAX_HEADER], int op,
    uint64_t len, const uint8_t mask[4]);

/* XOR LEN bytes at P with MASK, starting at mask offset 0. */
void wsframe_mask(uint8_t *p, size_t len, const uint8_t mask[4]);

#endif /* BENCH_WSFRAME_H */
