/*
 * NNG listeners for the hub (see listen.h).
 */
#include "config.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/transport/ipc/ipc.h>
#include <stdio.h>
#include <string.h>

#include "listen.h"

int
hub_listen(nng_socket sock, const char *url, char *err, size_t errlen)
{
	nng_listener l;
	int rc;

	if ((rc = nng_listener_create(&l, sock, url)) != 0)
		goto fail;
	if (strncmp(url, "ipc://", 6) == 0 &&
	    (rc = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0)
		goto fail_close;
	if ((rc = nng_listener_start(l, 0)) != 0)
		goto fail_close;
	return 0;
fail_close:
	nng_listener_close(l);
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", url, nng_strerror(rc));
	return rc == NNG_EADDRINUSE ? -EADDRINUSE : -EINVAL;
}
