/*
 * Fuzz targets that need a named shm segment or a directory keep it for
 * the whole process and remove it at exit; a run that crashes (which is
 * the point of fuzzing) cannot.  remove_stale() deletes what earlier,
 * dead processes left: /dev/shm/PREFIX<pid> (and /tmp/PREFIX<pid>) whose
 * pid no longer exists.
 */
#ifndef FUZZ_STALE_H
#define FUZZ_STALE_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
remove_stale(const char *dir, const char *prefix, int is_dir)
{
	size_t pl = strlen(prefix);
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end, path[512], cmd[600];
		long pid;

		if (strncmp(e->d_name, prefix, pl) != 0)
			continue;
		pid = strtol(e->d_name + pl, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!is_dir) {
			unlink(path);
		} else {
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
			if (system(cmd) != 0)
				fprintf(stderr, "could not remove %s\n", path);
		}
	}
	closedir(d);
}

#endif /* FUZZ_STALE_H */
