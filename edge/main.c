/*
 * flowhub-edge: options, configuration and signals.  Everything else is
 * in libedge (see edge.h).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "edge.h"
#include "link.h"
#include "log.h"
#include "schedpolicy.h"

static volatile int stop;
static struct lws_context *wake_ctx;

/*
 * Once the clients have their 1001, what is left is freeing; but NNG 1.5
 * can hang in nng_close, and an edge that does not exit keeps its
 * supervisor from starting the next one.  Nothing the clients need is
 * lost by leaving early.
 */
#define SHUTDOWN_GRACE_S 5

static void *
shutdown_watchdog(void *arg)
{
	(void)arg;
	sleep(SHUTDOWN_GRACE_S);
	log_warnx("closing the hub link did not finish within %d s: exiting now",
		  SHUTDOWN_GRACE_S);
	_exit(1);
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: flowhub-edge [--listen [ADDR:]PORT] [--id NAME] [--runtime-dir DIR]\n"
		"                    [--hub-events URL] [--hub-rpc URL] [--www DIR]\n"
		"                    [--origin LIST] [--read-token T] [--write-token T]\n"
		"                    [--max-clients N] [--max-per-ip N] [--max-frame BYTES]\n"
		"                    [--max-handshakes-per-ip N]\n"
		"                    [--queue-limit BYTES] [--queue-msgs N]\n"
		"                    [--tls-cert F --tls-key F] [--reuseport]\n"
		"                    [--ping-interval S] [--idle-timeout S]\n"
		"                    [--rate-limit N] [--rate-burst N]\n"
		"                    [--config FILE] [-n] [-v|-q] [--syslog] [-h] [-V]\n");
}

static const struct option longopts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"id", required_argument, NULL, 'i'},
	{"runtime-dir", required_argument, NULL, 'r'},
	{"hub-events", required_argument, NULL, 'e'},
	{"hub-rpc", required_argument, NULL, 'R'},
	{"www", required_argument, NULL, 'w'},
	{"origin", required_argument, NULL, 'o'},
	{"read-token", required_argument, NULL, 't'},
	{"write-token", required_argument, NULL, 'T'},
	{"max-clients", required_argument, NULL, 'm'},
	{"max-per-ip", required_argument, NULL, 'M'},
	{"max-handshakes-per-ip", required_argument, NULL, 'H'},
	{"max-frame", required_argument, NULL, 'F'},
	{"queue-limit", required_argument, NULL, 'Q'},
	{"queue-msgs", required_argument, NULL, 'N'},
	{"tls-cert", required_argument, NULL, 'c'},
	{"tls-key", required_argument, NULL, 'k'},
	{"reuseport", no_argument, NULL, 'P'},
	{"ping-interval", required_argument, NULL, 'p'},
	{"idle-timeout", required_argument, NULL, 'I'},
	{"rate-limit", required_argument, NULL, 'L'},
	{"rate-burst", required_argument, NULL, 'B'},
	{"config", required_argument, NULL, 'f'},
	{"check-config", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"syslog", no_argument, NULL, 's'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};
static const char shortopts[] = "l:i:r:e:R:w:o:t:T:m:M:H:F:Q:N:c:k:Pp:I:L:B:f:nvqshV";

static int
conf_cb_edge(const char *k, const char *v, void *arg, char *err, size_t errlen)
{
	return edge_conf_set(arg, k, v, err, errlen);
}

/* <0 error, 0 exit successfully, >0 run (1) or check only (2). */
static int
parse_argv(int argc, char **argv, struct edge_conf *c)
{
	char err[512];
	const char *config = NULL;
	int ch, i, check = 0, verbose = 0, quiet = 0;

	/* The file first, so the command line wins. */
	opterr = 0;
	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-f") == 0) &&
		    i + 1 < argc)
			config = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config = argv[i] + 9;
	}
	if (config && conf_load(config, conf_cb_edge, c, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowhub-edge: %s\n", err);
		return -1;
	}
	opterr = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *name = NULL;
		const struct option *o;

		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("flowhub-edge %s\n", PACKAGE_VERSION);
			return 0;
		case 'f':
			continue;
		case 'n':
			check = 1;
			continue;
		case 'v':
			verbose++;
			continue;
		case 'q':
			quiet++;
			continue;
		case 's':
			c->use_syslog = 1;
			continue;
		case 'P':
			c->reuseport = 1;
			continue;
		case '?':
			usage(stderr);
			return -1;
		}
		for (o = longopts; o->name; o++)
			if (o->val == ch)
				name = o->name;
		if (name == NULL || edge_conf_set(c, name, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "flowhub-edge: %s\n", err);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "flowhub-edge: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (verbose)
		c->level = LOG_LVL_DEBUG;
	if (quiet)
		c->level = LOG_LVL_WARN;
	if (edge_conf_check(c, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowhub-edge: %s\n", err);
		return -1;
	}
	return check ? 2 : 1;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
	if (wake_ctx)
		lws_cancel_service(wake_ctx);
}

int
main(int argc, char **argv)
{
	static struct edge e;
	struct sigaction sa;
	char err[512];
	int rc;

	edge_conf_defaults(&e.conf);
	rc = parse_argv(argc, argv, &e.conf);
	if (rc <= 0)
		return rc < 0 ? 1 : 0;
	if (rc == 2) {
		printf("flowhub-edge: configuration ok\n");
		return 0;
	}
	log_init("flowhub-edge", e.conf.use_syslog, e.conf.level);
	if (realpath(e.conf.www, e.www_real) == NULL) {
		log_warnx("www directory %s not found: / answers 404", e.conf.www);
		e.www_real[0] = '\0';
	}
	e.start_ms = edge_now_ms();
	edge_recent_init(&e.recent, 1024, 65536, 64u << 20);

	/* Before any thread exists: they all inherit it (see schedpolicy.h). */
	if ((rc = fh_sched_batch()) < 0)
		log_warnx("cannot switch to SCHED_BATCH (%s): waking the edge "
			  "may preempt other processes", strerror(-rc));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (edge_server_open(&e, err, sizeof(err)) != 0) {
		edge_server_close(&e);
		fatalx("%s", err);
	}
	wake_ctx = e.ctx;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (edge_link_open(&e.link, e.conf.hub_events, e.conf.hub_rpc, e.ctx,
			   256u << 20, err, sizeof(err)) != 0) {
		edge_server_close(&e);
		fatalx("%s", err);
	}
	if (edge_sync_new(&e) != 0)
		fatalx("out of memory");
	log_info("listening on %s:%d (WebSocket %s), hub %s", 
		 e.conf.listen_addr[0] ? e.conf.listen_addr : "*", e.conf.port,
		 EDGE_WS_PATH, e.conf.hub_events);

	edge_server_run(&e, &stop);

	log_info("stopped");
	wake_ctx = NULL;
	pthread_t wd;
	if (pthread_create(&wd, NULL, shutdown_watchdog, NULL) == 0)
		pthread_detach(wd);
	edge_link_close(e.link);
	e.link = NULL;
	edge_sync_free(&e);
	edge_server_close(&e);
	edge_filter_free_all(&e);
	edge_recent_fini(&e.recent);
	return 0;
}
