/*
 * HTTP on the WebSocket port: the current-execution REST endpoint,
 * /healthz, /metrics, static files of the dashboard, and the checks that
 * decide whether an upgrade to /ws/flow is allowed.
 *
 * Static files: the URL path is checked for "..", backslashes and control
 * bytes, then the file is resolved with realpath() and must still lie
 * under the real --www directory, so neither ".." nor a symlink can lead
 * out of it.
 *
 * Upgrades are checked in LWS_CALLBACK_HTTP_CONFIRM_UPGRADE, while the
 * request is still HTTP, so a refusal is a real HTTP answer (404, 401,
 * 403, 503) rather than a dropped connection.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edge.h"
#include "log.h"

#define API_CURRENT "/api/v1/execution-sessions/current-execution"

static int
respond(struct lws *wsi, struct edge_http *h, unsigned status,
	const char *ctype, const char *body, size_t len)
{
	unsigned char hdr[LWS_PRE + 1024];
	unsigned char *start = hdr + LWS_PRE, *p = start,
		      *end = hdr + sizeof(hdr) - 1;

	if (lws_add_http_common_headers(wsi, status, ctype, len, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p,
					end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	free(h->body);
	h->body = malloc(LWS_PRE + len + 1);
	if (h->body == NULL)
		return -1;
	memcpy(h->body + LWS_PRE, body, len);
	h->len = len;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
respond_buf(struct lws *wsi, struct edge_http *h, unsigned status,
	    const char *ctype, struct edge_buf *b)
{
	int rc;

	if (b->err) {
		edge_buf_fini(b);
		return -1;
	}
	rc = respond(wsi, h, status, ctype, b->mem ? edge_buf_data(b) : "",
		     b->len);
	edge_buf_fini(b);
	return rc;
}

static const char *
mime_of(const char *path)
{
	static const struct {
		const char *ext, *mime;
	} tab[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".txt", "text/plain; charset=utf-8"},
		{".ts", "text/plain; charset=utf-8"},
		{".map", "application/json"},
		{".woff2", "font/woff2"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot)
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcasecmp(dot, tab[i].ext) == 0)
				return tab[i].mime;
	return "application/octet-stream";
}

static int
safe_path(const char *uri)
{
	const char *p;

	if (uri[0] != '/' || strstr(uri, "..") || strstr(uri, "//"))
		return 0;
	for (p = uri; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
			return 0;
	return 1;
}

static int
not_found(struct lws *wsi, struct edge_http *h)
{
	static const char body[] = "not found\n";

	return respond(wsi, h, HTTP_STATUS_NOT_FOUND, "text/plain", body,
		       sizeof(body) - 1);
}

static int
serve_file(struct edge *e, struct lws *wsi, struct edge_http *h,
	   const char *uri)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t rl = strlen(e->www_real);
	int n;

	if (e->www_real[0] == '\0' || !safe_path(uri))
		return not_found(wsi, h);
	if (strcmp(uri, "/") == 0)
		uri = "/index.html";
	n = snprintf(path, sizeof(path), "%s%s", e->www_real, uri);
	if (n < 0 || (size_t)n >= sizeof(path) || realpath(path, real) == NULL ||
	    strncmp(real, e->www_real, rl) != 0 || real[rl] != '/')
		return not_found(wsi, h);
	n = lws_serve_http_file(wsi, real, mime_of(real), NULL, 0);
	if (n < 0)
		return -1;
	return 0;
}

int
edge_http_request(struct edge *e, struct lws *wsi, struct edge_http *h,
		  const char *uri)
{
	struct edge_buf b;

	edge_hs_done(e, wsi); /* the request is in: no longer a handshake */
	memset(h, 0, sizeof(*h));
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
		static const char body[] = "method not allowed\n";
		return respond(wsi, h, HTTP_STATUS_METHOD_NOT_ALLOWED,
			       "text/plain", body, sizeof(body) - 1);
	}
	if (strcmp(uri, API_CURRENT) == 0) {
		if ((e->conf.read_token[0] || e->conf.write_token[0]) &&
		    !edge_client_has_token(wsi, e->conf.read_token) &&
		    !edge_client_has_token(wsi, e->conf.write_token)) {
			static const char body[] =
				"{\"success\":false,\"error\":\"unauthorized\"}";
			return respond(wsi, h, HTTP_STATUS_UNAUTHORIZED,
				       "application/json", body, sizeof(body) - 1);
		}
		if (!edge_sync_linked(e) || e->recent.snap == NULL) {
			static const char body[] =
				"{\"success\":false,\"error\":\"hub_unavailable\"}";
			return respond(wsi, h, HTTP_STATUS_SERVICE_UNAVAILABLE,
				       "application/json", body, sizeof(body) - 1);
		}
		edge_buf_init(&b, 0, 0);
		edge_buf_adds(&b, "{\"success\":true,\"data\":");
		edge_buf_add(&b, edge_frame_data(e->recent.snap) +
					 e->recent.snap->data_off,
			     e->recent.snap->data_len);
		edge_buf_addc(&b, '}');
		return respond_buf(wsi, h, HTTP_STATUS_OK, "application/json", &b);
	}
	if (strcmp(uri, "/healthz") == 0) {
		if (edge_sync_linked(e))
			return respond(wsi, h, HTTP_STATUS_OK, "text/plain", "ok\n",
				       3);
		return respond(wsi, h, HTTP_STATUS_SERVICE_UNAVAILABLE,
			       "text/plain", "hub_unavailable\n", 16);
	}
	if (strcmp(uri, "/metrics") == 0) {
		edge_buf_init(&b, 0, 0);
		edge_metrics_render(e, &b);
		return respond_buf(wsi, h, HTTP_STATUS_OK,
				   "text/plain; version=0.0.4", &b);
	}
	if (strcmp(uri, EDGE_WS_PATH) == 0) {
		static const char body[] = "WebSocket endpoint\n";
		return respond(wsi, h, 426, "text/plain", body, sizeof(body) - 1);
	}
	return serve_file(e, wsi, h, uri);
}

int
edge_http_writeable(struct edge *e, struct lws *wsi, struct edge_http *h)
{
	(void)e;
	if (h->body == NULL)
		return 0;
	if (lws_write(wsi, (unsigned char *)h->body + LWS_PRE, h->len,
		      LWS_WRITE_HTTP_FINAL) != (int)h->len) {
		edge_http_fini(h);
		return -1;
	}
	edge_http_fini(h);
	if (lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

void
edge_http_fini(struct edge_http *h)
{
	if (h == NULL)
		return;
	free(h->body);
	h->body = NULL;
}

/* host[:port] part of an Origin value, or NULL. */
static const char *
origin_host(const char *origin, size_t *len)
{
	const char *p = strstr(origin, "://");
	const char *end;

	if (p == NULL)
		return NULL;
	p += 3;
	end = strchr(p, '/');
	*len = end ? (size_t)(end - p) : strlen(p);
	return p;
}

int
edge_http_origin_allowed(struct edge *e, struct lws *wsi)
{
	char origin[512], host[512];
	const char *oh, *p;
	size_t ol;

	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 1; /* not a browser: nothing to check */
	if (e->conf.origins[0]) {
		p = e->conf.origins;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			while (n > 0 && *p == ' ') {
				p++;
				n--;
			}
			while (n > 0 && p[n - 1] == ' ')
				n--;
			if ((n == 1 && *p == '*') ||
			    (n == strlen(origin) && strncasecmp(p, origin, n) == 0))
				return 1;
			if (comma == NULL)
				break;
			p = comma + 1;
		}
		return 0;
	}
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return 0;
	oh = origin_host(origin, &ol);
	return oh && ol == strlen(host) && strncasecmp(oh, host, ol) == 0;
}

static int
refuse(struct edge *e, struct lws *wsi, unsigned status, const char *why)
{
	unsigned char buf[LWS_PRE + 512];
	const char *text = status == 400   ? "Bad Request"
			   : status == 401 ? "Unauthorized"
			   : status == 403 ? "Forbidden"
			   : status == 404 ? "Not Found"
					   : "Service Unavailable";
	int n;

	e->m.upgrades_refused++;
	log_info("WebSocket upgrade refused: %s", why);
	/* Written by hand: lws's status functions answer an upgrade request
	 * as HTTP/1.0, which strict clients reject. */
	n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
		     "HTTP/1.1 %u %s\r\ncontent-type: text/plain\r\n"
		     "content-length: %zu\r\nconnection: close\r\n\r\n%s\n",
		     status, text, strlen(why) + 1, why);
	if (n <= 0 || (size_t)n >= sizeof(buf) - LWS_PRE ||
	    lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS) != n)
		return -1;
	return 1;
}

int
edge_http_confirm_upgrade(struct edge *e, struct lws *wsi)
{
	char uri[256], peer[64], why[128];
	struct edge_resume_args ra;

	edge_hs_done(e, wsi); /* the upgrade is in: vetted now, done or refused */
	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
	    strcmp(uri, EDGE_WS_PATH) != 0)
		return refuse(e, wsi, HTTP_STATUS_NOT_FOUND, "no such endpoint");
	if (edge_resume_args(wsi, &ra, why, sizeof(why)) != 0)
		return refuse(e, wsi, HTTP_STATUS_BAD_REQUEST, why);
	if (!edge_http_origin_allowed(e, wsi))
		return refuse(e, wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
	if ((e->conf.read_token[0] || e->conf.write_token[0]) &&
	    !edge_client_has_token(wsi, e->conf.read_token) &&
	    !edge_client_has_token(wsi, e->conf.write_token))
		return refuse(e, wsi, HTTP_STATUS_UNAUTHORIZED, "token required");
	if (e->stopping)
		return refuse(e, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
			      "shutting down");
	if (e->nclients >= e->conf.max_clients)
		return refuse(e, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
			      "too many clients");
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	if (edge_ip_count(e, peer) >= e->conf.max_per_ip)
		return refuse(e, wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
			      "too many clients from this address");
	return 0;
}
