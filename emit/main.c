/*
 * flowhub-emit: write interpreter events into the flowhub ring, from JSON
 * lines (a file or stdin) or from the built-in simulation (--demo).
 *
 * main() only parses options and the config file, opens the ring and
 * picks the producer; the producers live in lines.c and demo.c.  Options
 * are read twice: the first pass finds --config, the file is applied,
 * then the command line is applied over it, so the command line wins.
 * The whole configuration is checked before the ring is opened.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "emit.h"
#include "log.h"
#include "shmring.h"

#define EXIT_REJECTED 1 /* some input was not written */
#define EXIT_CONFIG 2   /* could not run */

#define DEFAULT_RATE 20

struct opts {
	const char *config;
	const char *ring;
	uint64_t ring_size;  /* 0: whatever the segment has, or the default */
	unsigned mode;
	int demo;
	double rate;
	int rate_set;
	uint64_t count;
	int count_set;
	int no_wait;
	int verbosity;       /* LOG_LVL_* */
	int use_syslog;
	int check_only;
	const char *input;
	char *owned[2];      /* strings kept from the config file */
};

static volatile sig_atomic_t stop_requested;

static const char usage_text[] =
	"usage: flowhub-emit [--ring NAME] [--ring-size BYTES] [--ring-mode MODE]\n"
	"                    [--demo [--rate N] [--count N]] [--no-wait]\n"
	"                    [--config FILE] [--check-config] [-v|-q] [--syslog]\n"
	"                    [--help] [--version] [FILE|-]\n";

static void
usage(FILE *f)
{
	fputs(usage_text, f);
	if (f == stdout)
		fputs("\n"
		      "Write flowhub interpreter events into the shared-memory ring.\n"
		      "Reads one JSON object per line from FILE or standard input,\n"
		      "or plays a simulated hydroponics program with --demo.\n\n"
		      "  -r, --ring NAME        ring segment (default " SHMRING_DEFAULT_NAME ")\n"
		      "  -s, --ring-size BYTES  data area when creating it, power of two\n"
		      "                         (K/M/G suffixes; default 16M)\n"
		      "  -m, --ring-mode MODE   octal mode when creating it (default 0600)\n"
		      "  -d, --demo             simulate a program run\n"
		      "  -R, --rate N           demo events per second (default 20, 0 = unpaced)\n"
		      "  -c, --count N          stop after N demo events (default: run forever)\n"
		      "  -w, --no-wait          drop events when the ring is full\n"
		      "                         (default: wait for the hub to make room)\n"
		      "  -f, --config FILE      read options from FILE (key = value)\n"
		      "  -n, --check-config     check the configuration and exit\n"
		      "  -v, --verbose          more log output (repeat for debug)\n"
		      "  -q, --quiet            errors only\n"
		      "  -S, --syslog           log to syslog instead of stderr\n"
		      "  -h, --help             this text\n"
		      "  -V, --version          print the version\n",
		      f);
}

static const struct option long_opts[] = {
	{"ring", required_argument, NULL, 'r'},
	{"ring-size", required_argument, NULL, 's'},
	{"ring-mode", required_argument, NULL, 'm'},
	{"demo", no_argument, NULL, 'd'},
	{"rate", required_argument, NULL, 'R'},
	{"count", required_argument, NULL, 'c'},
	{"no-wait", no_argument, NULL, 'w'},
	{"config", required_argument, NULL, 'f'},
	{"check-config", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"syslog", no_argument, NULL, 'S'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};
static const char short_opts[] = "r:s:m:dR:c:wf:nvqShV";

/* Apply one option (from argv or the config file; VAL is NULL for flags
 * given on the command line).  Returns 0 or -1 with a reason in ERR. */
static int
apply(struct opts *o, int key, const char *val, char *err, size_t errlen)
{
	uint64_t u;
	char *end;
	int b = 1;

	/* In a file, flags take a boolean value. */
	switch (key) {
	case 'd': case 'w': case 'S': case 'n':
		if (val != NULL && conf_parse_bool(val, &b) != 0) {
			snprintf(err, errlen, "expected yes or no, not '%s'", val);
			return -1;
		}
		break;
	}
	switch (key) {
	case 'r':
		if (val[0] != '/' || strchr(val + 1, '/') != NULL ||
		    strlen(val) < 2 || strlen(val) > 200) {
			snprintf(err, errlen, "ring name must look like /name, "
				 "not '%s'", val);
			return -1;
		}
		o->ring = val;
		break;
	case 's':
		if (conf_parse_size(val, SHMRING_MIN_CAPACITY,
				    SHMRING_MAX_CAPACITY, &u) != 0 ||
		    (u & (u - 1)) != 0) {
			snprintf(err, errlen, "ring size must be a power of two "
				 "from 64K to 1G, not '%s'", val);
			return -1;
		}
		o->ring_size = u;
		break;
	case 'm':
		errno = 0;
		u = strtoull(val, &end, 8);
		if (errno != 0 || end == val || *end != '\0' || u > 0777 ||
		    (u & 0600) != 0600) {
			snprintf(err, errlen, "ring mode must be octal, at most "
				 "0777 and include 0600, not '%s'", val);
			return -1;
		}
		o->mode = (unsigned)u;
		break;
	case 'd':
		o->demo = b;
		break;
	case 'R':
		o->rate = strtod(val, &end);
		if (end == val || *end != '\0' || !isfinite(o->rate) ||
		    o->rate < 0 || o->rate > 1e7) {
			snprintf(err, errlen, "rate must be a number of events "
				 "per second from 0 to 10000000, not '%s'", val);
			return -1;
		}
		o->rate_set = 1;
		break;
	case 'c':
		if (conf_parse_uint(val, 1, UINT64_MAX, &o->count) != 0) {
			snprintf(err, errlen, "count must be a positive integer, "
				 "not '%s'", val);
			return -1;
		}
		o->count_set = 1;
		break;
	case 'w':
		o->no_wait = b;
		break;
	case 'n':
		o->check_only = b;
		break;
	case 'v':
		if (val != NULL) { /* "verbose = yes" or a level count */
			if (conf_parse_bool(val, &b) == 0)
				o->verbosity = b ? LOG_LVL_DEBUG : LOG_LVL_INFO;
			else if (conf_parse_uint(val, 0, 2, &u) == 0)
				o->verbosity = LOG_LVL_INFO + (int)u;
			else {
				snprintf(err, errlen, "verbose must be yes, no "
					 "or 0-2, not '%s'", val);
				return -1;
			}
		} else if (o->verbosity < LOG_LVL_DEBUG) {
			o->verbosity++;
		}
		break;
	case 'q':
		if (val != NULL && conf_parse_bool(val, &b) != 0) {
			snprintf(err, errlen, "expected yes or no, not '%s'", val);
			return -1;
		}
		o->verbosity = b ? LOG_LVL_ERROR : LOG_LVL_WARN;
		break;
	case 'S':
		o->use_syslog = b;
		break;
	}
	return 0;
}

static int
conf_key(const char *key, const char *value, void *arg, char *err,
	 size_t errlen)
{
	struct opts *o = arg;
	const struct option *lo;

	if (strcmp(key, "input") == 0 || strcmp(key, "ring") == 0) {
		/* The only values kept by pointer: they must outlive the
		 * file buffer. */
		char **slot = &o->owned[key[0] == 'r'];
		int rc = 0;

		free(*slot);
		*slot = strdup(value);
		if (*slot == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (key[0] == 'r')
			rc = apply(o, 'r', *slot, err, errlen);
		else
			o->input = *slot;
		return rc;
	}
	for (lo = long_opts; lo->name != NULL; lo++) {
		if (strcmp(lo->name, key) != 0)
			continue;
		if (lo->val == 'f' || lo->val == 'h' || lo->val == 'V') {
			snprintf(err, errlen, "'%s' is not allowed in a config "
				 "file", key);
			return -1;
		}
		return apply(o, lo->val, value, err, errlen);
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

/* Returns <0 on error, 0 to exit successfully, >0 to run. */
static int
parse_argv(int argc, char **argv, struct opts *o)
{
	char err[1024];
	int c;

	/* Pass 1: --config, --help and --version only. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (c == 'f')
			o->config = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == 'V') {
			printf("flowhub-emit %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	if (o->config != NULL &&
	    conf_load(o->config, conf_key, o, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowhub-emit: %s\n", err);
		return -1;
	}
	/* Pass 2: the command line over the file. */
	opterr = 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		const char *name = NULL;
		const struct option *lo;

		if (c == '?') {
			usage(stderr);
			return -1;
		}
		if (c == 'f' || c == 'h' || c == 'V')
			continue;
		if (apply(o, c, optarg, err, sizeof(err)) != 0) {
			for (lo = long_opts; lo->name != NULL; lo++)
				if (lo->val == c)
					name = lo->name;
			fprintf(stderr, "flowhub-emit: --%s: %s\n", name, err);
			return -1;
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "flowhub-emit: one input file at most\n");
		return -1;
	}
	if (o->demo && o->input != NULL) {
		fprintf(stderr, "flowhub-emit: --demo reads no input file\n");
		return -1;
	}
	if (!o->demo && (o->rate_set || o->count_set)) {
		fprintf(stderr, "flowhub-emit: --rate and --count need --demo\n");
		return -1;
	}
	return 1;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int run(int argc, char **argv, struct opts *o);

int
main(int argc, char **argv)
{
	struct opts o = {0};
	int status = run(argc, argv, &o);

	free(o.owned[0]);
	free(o.owned[1]);
	return status;
}

static int
run(int argc, char **argv, struct opts *op)
{
	struct shmring_opts ro = {0};
	struct shmring_stats st;
	struct emit_ctx e = {0};
	struct sigaction sa;
	int fd = -1, rc, status = EXIT_SUCCESS;

	op->ring = SHMRING_DEFAULT_NAME;
	op->rate = DEFAULT_RATE;
	op->verbosity = LOG_LVL_INFO;
	log_init("flowhub-emit", 0, LOG_LVL_INFO);
	rc = parse_argv(argc, argv, op);
	if (rc <= 0)
		return rc == 0 ? EXIT_SUCCESS : EXIT_CONFIG;
	if (op->check_only) {
		printf("flowhub-emit: configuration ok\n");
		return EXIT_SUCCESS;
	}
	log_init("flowhub-emit", op->use_syslog, op->verbosity);

	if (!op->demo && op->input != NULL && strcmp(op->input, "-") != 0) {
		fd = open(op->input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			log_warn("%s", op->input);
			return EXIT_CONFIG;
		}
	} else if (!op->demo) {
		fd = STDIN_FILENO;
	}

	ro.capacity = (size_t)op->ring_size;
	ro.mode = op->mode;
	rc = shmring_open(&e.ring, op->ring, &ro);
	if (rc == -EEXIST) {
		log_error("ring %s exists with another size than --ring-size "
			  "%llu: give the hub's size or none", op->ring,
			  (unsigned long long)op->ring_size);
		return EXIT_CONFIG;
	}
	if (rc != 0) {
		log_error("ring %s: %s", op->ring, shmring_strerror(rc));
		return EXIT_CONFIG;
	}
	shmring_stats(e.ring, &st);
	e.max_record = (uint32_t)st.max_record;
	e.no_wait = op->no_wait;
	e.stop = &stop_requested;
	/* Waiting for room is not losing: the ring counts a record only when
	 * we give up on it (see emit_full_wait). */
	if (!op->no_wait)
		shmring_set_retry_full(e.ring, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	log_debug("ring %s: %llu bytes, records up to %u bytes", op->ring,
		  (unsigned long long)st.capacity, e.max_record);
	if (op->demo) {
		if (op->count_set)
			log_info("demo: %llu events at %g/s into %s (0 = unpaced)",
				 (unsigned long long)op->count, op->rate, op->ring);
		else
			log_info("demo: endless run at %g events/s into %s "
				 "(0 = unpaced)", op->rate, op->ring);
		rc = emit_demo(&e, op->rate, op->count_set ? op->count : 0);
		if (rc < 0) {
			log_error("demo: %s", shmring_strerror(rc));
			status = EXIT_CONFIG;
		}
	} else {
		rc = emit_lines(&e, fd);
		if (rc < 0) {
			errno = -rc;
			log_warn("reading %s", op->input ? op->input : "stdin");
			status = EXIT_REJECTED;
		}
		if (fd != STDIN_FILENO)
			close(fd);
	}
	shmring_close(e.ring);

	if (e.dropped > 0)
		log_warnx("%llu event(s) dropped: ring full (--no-wait)",
			  (unsigned long long)e.dropped);
	if (e.rejected > 0)
		log_warnx("%llu line(s) rejected", (unsigned long long)e.rejected);
	log_info("%llu event(s) written%s", (unsigned long long)e.written,
		 stop_requested ? " (stopped by signal)" : "");
	if (status == EXIT_SUCCESS && (e.rejected > 0 || e.dropped > 0))
		status = EXIT_REJECTED;
	return status;
}
