/*
 * Is a process (or thread) that registered in the segment still there?
 *
 * A registration is "pid << 32 | low 32 bits of the process start time"
 * (field 22 of /proc/PID/stat, clock ticks since boot).  A pid alone is not
 * enough: pids are reused, and a producer that died may have been replaced
 * by an unrelated process by the time the consumer looks.  So a process is
 * dead when kill(pid, 0) says ESRCH, when /proc shows a zombie, or when the
 * pid now has another start time.  When in doubt (say /proc is not
 * readable) the answer is "alive": skipping a live producer's claim would
 * let it write into reused space later, waiting only costs time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SHMRING__LIBRARY
#include "shmring.h"
#include "shmring_private.h"

/*
 * State and start time (clock ticks since boot, field 22) of PID from
 * /proc.  Returns 0, -ESRCH when the process is gone, or another error.
 */
static int
proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -EPROTO;
	p += 2;
	*state = *p;
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -EPROTO;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return -EPROTO;
	return 0;
}

/* pid << 32 | low 32 bits of this process's start time. */
uint64_t
shmring__self_owner_word(void)
{
	static _Atomic uint64_t cached;
	static _Atomic pid_t cached_pid;
	pid_t pid = getpid();
	uint64_t start = 0;
	char st;

	if (atomic_load(&cached_pid) == pid)
		return atomic_load(&cached);
	if (proc_stat(pid, &st, &start) < 0)
		start = 0;
	uint64_t w = (uint64_t)(uint32_t)pid << 32 | (start & 0xffffffffu);
	atomic_store(&cached, w);
	atomic_store(&cached_pid, pid);
	return w;
}

/* True only when the process behind owner word W is provably gone. */
bool
shmring__owner_dead(uint64_t w)
{
	pid_t pid = (pid_t)(w >> 32);
	uint64_t start;
	char st;
	int rc;

	if (w == 0)
		return true;
	if (pid <= 0)
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	rc = proc_stat(pid, &st, &start);
	if (rc == -ESRCH)
		return true;
	if (rc < 0)
		return false; /* cannot tell: assume alive */
	if (st == 'Z' || st == 'X')
		return true;
	return (start & 0xffffffffu) != (w & 0xffffffffu);
}

bool
shmring__thread_gone(pid_t pid, pid_t tid)
{
	return tid > 0 && syscall(SYS_tgkill, pid, tid, 0) < 0 && errno == ESRCH;
}
