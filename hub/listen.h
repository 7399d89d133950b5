/*
 * Listening on the hub's NNG endpoints.  ipc:// socket files are created
 * mode 0600 (NNG would leave them to the umask), and the error names the
 * URL, for the one-line startup failure.
 */
#ifndef HUB_LISTEN_H
#define HUB_LISTEN_H

#include <nng/nng.h>
#include <stddef.h>

/* Returns 0, or a negative errno with a reason in ERR. */
int hub_listen(nng_socket sock, const char *url, char *err, size_t errlen);

#endif /* HUB_LISTEN_H */
