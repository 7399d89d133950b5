/*
 * flowhub: options, configuration, signals.  Everything else is in
 * libhub (hub.c and friends).
 *
 * Options are applied in two passes: first the config file named by
 * --config (keys are the long option names), then the command line, which
 * wins; a repeatable URL option given on the command line replaces the
 * file's list.  The whole configuration is validated before anything is
 * opened, and a bad one is a one-line reason and exit status 1.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "history.h"
#include "hub.h"
#include "log.h"
#include "schedpolicy.h"
#include "mpread.h"
#include "state.h"

struct opts {
	struct hub_config hub;
	char *runtime_dir;
	int verbose;      /* -1 quiet, 0 info, 1+ debug */
	int use_syslog;
	int check_only;
	int status;
	int from_cli_events, from_cli_rpc; /* command line replaced the list */
	int pass;                          /* 0: file, 1: command line */
	char *owned[72];                   /* strings to free at exit */
	int nowned;
};

static const struct option longopts[] = {
	{"ring", required_argument, NULL, 'r'},
	{"ring-size", required_argument, NULL, 'z'},
	{"runtime-dir", required_argument, NULL, 'd'},
	{"events-url", required_argument, NULL, 'e'},
	{"rpc-url", required_argument, NULL, 'c'},
	{"state-dir", required_argument, NULL, 's'},
	{"retain", required_argument, NULL, 'k'},
	{"recent", required_argument, NULL, 'm'},
	{"history-bytes", required_argument, NULL, 'b'},
	{"config", required_argument, NULL, 'f'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"syslog", no_argument, NULL, 'l'},
	{"check-config", no_argument, NULL, 'n'},
	{"status", no_argument, NULL, 't'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};
static const char shortopts[] = "r:z:d:e:c:s:k:m:b:f:vqlnthV";

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: flowhub [-r|--ring NAME] [-z|--ring-size BYTES] "
		"[-d|--runtime-dir DIR]\n"
		"               [-e|--events-url URL]... [-c|--rpc-url URL]... "
		"[-s|--state-dir DIR]\n"
		"               [-k|--retain N] [-m|--recent N] "
		"[-b|--history-bytes BYTES]\n"
		"               [-f|--config FILE] [-v|-q] [-l|--syslog] "
		"[-n|--check-config]\n"
		"       flowhub -t|--status [same options]\n"
		"       flowhub -h|--help | -V|--version\n");
}

static int
valid_url(const char *u)
{
	static const char *const schemes[] = {"ipc://", "tcp://", "tcp4://",
					      "tcp6://", "tls+tcp://",
					      "inproc://", NULL};
	for (int i = 0; schemes[i]; i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(u, schemes[i], n) == 0 && u[n] != '\0')
			return 1;
	}
	return 0;
}

/* Apply one option (short code C, value V).  Returns 0 or -1 with ERR. */
static int
apply(struct opts *o, int c, const char *v, char *err, size_t errlen)
{
	uint64_t u;
	char *dup = NULL;

	if (v && (o->nowned >= 64 ||
		  !(dup = strdup(v)))) {
		snprintf(err, errlen, "too many options or out of memory");
		return -1;
	}
	if (dup)
		o->owned[o->nowned++] = dup; /* freed at exit */
	switch (c) {
	case 'r':
		if (v[0] != '/' || strchr(v + 1, '/') || strlen(v) < 2 ||
		    strlen(v) > 200) {
			snprintf(err, errlen,
				 "ring: \"%s\" is not a name like /flowhub", v);
			goto bad;
		}
		o->hub.ring_name = dup;
		return 0;
	case 'z':
		if (conf_parse_size(v, SHMRING_MIN_CAPACITY, SHMRING_MAX_CAPACITY,
				    &u) < 0 ||
		    (u & (u - 1)) != 0) {
			snprintf(err, errlen,
				 "ring-size: \"%s\" is not a power of two "
				 "between 64K and 1G",
				 v);
			goto bad;
		}
		o->hub.ring_size = u;
		break;
	case 'd':
		if (!*v) {
			snprintf(err, errlen, "runtime-dir: empty");
			goto bad;
		}
		o->runtime_dir = dup;
		return 0;
	case 'e':
	case 'c': {
		const char **list = c == 'e' ? o->hub.events_urls : o->hub.rpc_urls;
		int *n = c == 'e' ? &o->hub.nevents : &o->hub.nrpc;
		int *cli = c == 'e' ? &o->from_cli_events : &o->from_cli_rpc;
		if (!valid_url(v)) {
			snprintf(err, errlen,
				 "%s: \"%s\" is not an ipc://, tcp:// or "
				 "tls+tcp:// URL",
				 c == 'e' ? "events-url" : "rpc-url", v);
			goto bad;
		}
		if (o->pass == 1 && !*cli) {
			*cli = 1;
			*n = 0;
		}
		if (*n >= HUB_MAX_URLS) {
			snprintf(err, errlen, "more than %d %s", HUB_MAX_URLS,
				 c == 'e' ? "events-url" : "rpc-url");
			goto bad;
		}
		list[(*n)++] = dup;
		return 0;
	}
	case 's':
		if (!*v) {
			snprintf(err, errlen, "state-dir: empty");
			goto bad;
		}
		o->hub.state_dir = dup;
		return 0;
	case 'k':
		if (conf_parse_uint(v, 1, HUB_RETAIN_MAX, &u) < 0) {
			snprintf(err, errlen, "retain: \"%s\" is not in 1..%u", v,
				 HUB_RETAIN_MAX);
			goto bad;
		}
		o->hub.retain = (uint32_t)u;
		break;
	case 'm':
		if (conf_parse_uint(v, 1, HUB_RECENT_MAX, &u) < 0) {
			snprintf(err, errlen, "recent: \"%s\" is not in 1..%u", v,
				 HUB_RECENT_MAX);
			goto bad;
		}
		o->hub.recent = (uint32_t)u;
		break;
	case 'b':
		if (conf_parse_size(v, 1u << 20, 1ull << 34, &u) < 0) {
			snprintf(err, errlen,
				 "history-bytes: \"%s\" is not in 1M..16G", v);
			goto bad;
		}
		o->hub.history_bytes = u;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'q':
		o->verbose = -1;
		break;
	case 'l':
		o->use_syslog = 1;
		break;
	}
	return 0;
bad:
	return -1;
}

/* Config file keys: long option names that take a value, plus the
 * boolean ones as "key = yes". */
static int
on_conf(const char *key, const char *value, void *arg, char *err,
	size_t errlen)
{
	struct opts *o = arg;

	for (const struct option *lo = longopts; lo->name; lo++) {
		if (strcmp(lo->name, key) != 0)
			continue;
		if (lo->val == 'f' || lo->val == 'h' || lo->val == 'V' ||
		    lo->val == 'n' || lo->val == 't')
			break;
		if (lo->has_arg == no_argument) {
			int b;
			if (conf_parse_bool(value, &b) < 0) {
				snprintf(err, errlen, "%s: expected yes or no", key);
				return -1;
			}
			if (lo->val == 'v')
				o->verbose = b ? 1 : 0;
			else if (lo->val == 'q')
				o->verbose = b ? -1 : 0;
			else if (lo->val == 'l')
				o->use_syslog = b;
			return 0;
		}
		return apply(o, lo->val, value, err, errlen);
	}
	snprintf(err, errlen, "unknown key \"%s\"", key);
	return -1;
}

/* Returns <0 on error, 0 to exit successfully, >0 to run. */
static int
parse_argv(struct opts *o, int argc, char **argv)
{
	const char *config = NULL;
	char err[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("flowhub %s\n", PACKAGE_VERSION);
			return 0;
		case '?':
			if (optopt)
				fprintf(stderr, "flowhub: option -%c: %s\n", optopt,
					strchr(shortopts, optopt)
						? "needs a value"
						: "unknown option");
			else
				fprintf(stderr, "flowhub: %s: unknown option or "
						"missing value\n",
					argv[optind - 1]);
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "flowhub: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (config && conf_load(config, on_conf, o, err, sizeof(err)) < 0) {
		fprintf(stderr, "flowhub: %s\n", err);
		return -1;
	}
	o->pass = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->check_only = 1;
			break;
		case 't':
			o->status = 1;
			break;
		case 'f':
			break;
		default:
			if (apply(o, c, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "flowhub: %s\n", err);
				return -1;
			}
		}
	}
	return 1;
}

static int
finish_config(struct opts *o)
{
	static char ev[4096], rpc[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (!o->runtime_dir) {
		if (asprintf(&o->runtime_dir, "%s/flowhub",
			     xdg && *xdg ? xdg : "/tmp") < 0)
			return -1;
		o->owned[o->nowned++] = o->runtime_dir;
	}
	if (!o->hub.ring_name)
		o->hub.ring_name = SHMRING_DEFAULT_NAME;
	if (!o->hub.ring_size)
		o->hub.ring_size = SHMRING_DEFAULT_CAPACITY;
	if (!o->hub.retain)
		o->hub.retain = HUB_RETAIN_DEFAULT;
	if (!o->hub.recent)
		o->hub.recent = HUB_RECENT_DEFAULT;
	if (!o->hub.history_bytes)
		o->hub.history_bytes = HUB_HISTORY_BYTES_DEFAULT;
	if (!o->hub.state_dir)
		o->hub.state_dir = o->runtime_dir;
	if (o->hub.nevents == 0) {
		if ((size_t)snprintf(ev, sizeof(ev), "ipc://%s/events",
				     o->runtime_dir) >= sizeof(ev)) {
			fprintf(stderr, "flowhub: runtime-dir: too long\n");
			return -1;
		}
		o->hub.events_urls[o->hub.nevents++] = ev;
	}
	if (o->hub.nrpc == 0) {
		if ((size_t)snprintf(rpc, sizeof(rpc), "ipc://%s/rpc",
				     o->runtime_dir) >= sizeof(rpc)) {
			fprintf(stderr, "flowhub: runtime-dir: too long\n");
			return -1;
		}
		o->hub.rpc_urls[o->hub.nrpc++] = rpc;
	}
	if (!o->hub.ckpt_ms)
		o->hub.ckpt_ms = 100;
	if (!o->hub.rpc_workers)
		o->hub.rpc_workers = 8;
	return 0;
}

/* ---- flowhub --status ------------------------------------------------- */

static void
print_value(struct mp_cur *c, const char *key, int indent)
{
	uint64_t u;
	int64_t i;
	struct mp_span s;
	uint32_t n;

	switch (mp_peek(c)) {
	case MP_UINT:
		(void)mp_read_uint(c, &u);
		if (u == UINT64_MAX)
			printf("%*s%s: -\n", indent, "", key);
		else
			printf("%*s%s: %llu\n", indent, "", key,
			       (unsigned long long)u);
		break;
	case MP_INT:
		(void)mp_read_int(c, &i);
		printf("%*s%s: %lld\n", indent, "", key, (long long)i);
		break;
	case MP_STR:
		(void)mp_read_str(c, &s);
		printf("%*s%s: %.*s\n", indent, "", key, (int)s.len, s.p);
		break;
	case MP_MAP:
		(void)mp_read_map(c, &n);
		printf("%*s%s:\n", indent, "", key);
		for (uint32_t k = 0; k < n; k++) {
			char kb[128];
			if (mp_read_str(c, &s) < 0)
				return;
			snprintf(kb, sizeof(kb), "%.*s", (int)s.len, s.p);
			print_value(c, kb, indent + 2);
		}
		break;
	default:
		(void)mp_skip(c, NULL);
		printf("%*s%s: ?\n", indent, "", key);
	}
}

static int
show_status(struct opts *o)
{
	struct shmring *r = NULL;
	struct shmring_opts ro;
	struct shmring_stats st;
	nng_socket s;
	nng_msg *m = NULL;
	int rc, ok = 0;

	memset(&ro, 0, sizeof(ro));
	ro.no_create = 1;
	if ((rc = shmring_open(&r, o->hub.ring_name, &ro)) < 0) {
		printf("ring %s: %s\n", o->hub.ring_name, shmring_strerror(rc));
	} else {
		struct timespec now;
		shmring_stats(r, &st);
		clock_gettime(CLOCK_REALTIME, &now);
		uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull +
				  (uint64_t)now.tv_nsec;
		printf("ring: %s\n", o->hub.ring_name);
		printf("  capacity: %llu\n", (unsigned long long)st.capacity);
		printf("  fill: %.1f%% (%llu bytes unreleased)\n",
		       st.capacity ? 100.0 * (double)(st.tail - st.head) /
					     (double)st.capacity
				   : 0.0,
		       (unsigned long long)(st.tail - st.head));
		printf("  written: %llu\n  dropped: %llu\n  skipped: %llu\n"
		       "  aborted: %llu\n  producers: %u\n",
		       (unsigned long long)st.written,
		       (unsigned long long)st.dropped,
		       (unsigned long long)st.skipped,
		       (unsigned long long)st.aborted, st.producers);
		printf("  consumer pid: %d\n", (int)st.consumer_pid);
		if (st.heartbeat_ns && now_ns >= st.heartbeat_ns)
			printf("  consumer heartbeat age: %.3f s\n",
			       (double)(now_ns - st.heartbeat_ns) / 1e9);
		else
			printf("  consumer heartbeat age: -\n");
		shmring_close(r);
		ok = 1;
	}
	if (nng_req0_open(&s) != 0)
		return 1;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 2000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 2000);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 1 << 20);
	static const uint8_t req[] = {0x91, 0xa6, 's', 't', 'a', 't', 'u', 's'};
	if ((rc = nng_dial(s, o->hub.rpc_urls[0], NULL, 0)) != 0 ||
	    (rc = nng_send(s, (void *)req, sizeof(req), 0)) != 0 ||
	    (rc = nng_recvmsg(s, &m, 0)) != 0) {
		printf("hub at %s: %s\n", o->hub.rpc_urls[0], nng_strerror(rc));
		nng_close(s);
		return ok ? 2 : 1;
	}
	struct mp_cur c;
	struct mp_span k;
	uint32_t n;
	mp_cur_init(&c, nng_msg_body(m), nng_msg_len(m));
	if (mp_read_array(&c, &n) == 0 && n == 2 && mp_read_str(&c, &k) == 0 &&
	    mp_span_eq(&k, "ok"))
		print_value(&c, "hub", 0);
	else
		printf("hub: unexpected reply\n");
	nng_msg_free(m);
	nng_close(s);
	return 0;
}

/* ---- main ----------------------------------------------------------------- */

static volatile sig_atomic_t stop;

/*
 * Shutdown is bounded: the final checkpoint is normally written within a
 * second, but NNG 1.5 can hang in nng_close, and a hub that does not exit
 * keeps its supervisor from restarting it.  Nothing is lost by leaving
 * early: the ring is released only up to a durable checkpoint, so a
 * restart replays whatever the last one does not cover.
 */
#define SHUTDOWN_GRACE_S 8

static void *
shutdown_watchdog(void *arg)
{
	(void)arg;
	sleep(SHUTDOWN_GRACE_S);
	log_warnx("shutdown did not finish within %d s: exiting now (the "
		  "ring keeps what the last checkpoint does not cover)",
		  SHUTDOWN_GRACE_S);
	_exit(1);
	return NULL;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run(struct opts *op);

int
main(int argc, char **argv)
{
	static struct opts o;
	int rc;

	if ((rc = parse_argv(&o, argc, argv)) <= 0)
		rc = rc < 0 ? 1 : 0;
	else if (finish_config(&o) < 0)
		rc = 1;
	else
		rc = run(&o);
	for (int i = 0; i < o.nowned; i++)
		free(o.owned[i]);
	return rc;
}

static int
run(struct opts *op)
{
	struct opts o = *op;
	struct hub *h;
	struct sigaction sa;
	char err[512];
	int rc;

	log_init("flowhub", o.use_syslog,
		 o.verbose < 0 ? LOG_LVL_WARN
			       : o.verbose == 0 ? LOG_LVL_INFO : LOG_LVL_DEBUG);
	if (o.check_only) {
		printf("configuration OK: ring %s (%llu bytes), events %s, "
		       "rpc %s, state %s\n",
		       o.hub.ring_name, (unsigned long long)o.hub.ring_size,
		       o.hub.events_urls[0], o.hub.rpc_urls[0], o.hub.state_dir);
		return 0;
	}
	if (o.status)
		return show_status(&o);

	if (mkdir(o.runtime_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "flowhub: runtime-dir %s: %s\n", o.runtime_dir,
			strerror(errno));
		return 1;
	}
	struct stat rst;
	if (stat(o.runtime_dir, &rst) < 0 || !S_ISDIR(rst.st_mode)) {
		fprintf(stderr, "flowhub: runtime-dir %s: not a directory\n",
			o.runtime_dir);
		return 1;
	}
	if (rst.st_mode & 022)
		log_warnx("runtime-dir %s is writable by others (mode %03o): "
			  "they could replace the hub's sockets",
			  o.runtime_dir, (unsigned)(rst.st_mode & 0777));
	/* Before any thread exists: they all inherit it (see schedpolicy.h). */
	if ((rc = fh_sched_batch()) < 0)
		log_warnx("cannot switch to SCHED_BATCH (%s): waking the hub "
			  "may preempt the producers", strerror(-rc));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if ((rc = hub_open(&h, &o.hub, err, sizeof(err))) < 0) {
		fprintf(stderr, "flowhub: %s\n", err);
		return 1;
	}
	log_info("flowhub %s: ring %s, events %s, rpc %s, seq %llu",
		 PACKAGE_VERSION, o.hub.ring_name, o.hub.events_urls[0],
		 o.hub.rpc_urls[0], (unsigned long long)h->core.state.seq);
	hub_run(h, &stop);
	log_info("stopping");
	pthread_t wd;
	if (pthread_create(&wd, NULL, shutdown_watchdog, NULL) == 0)
		pthread_detach(wd);
	hub_close(h);
	return 0;
}
