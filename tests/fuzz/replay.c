/*
 * Corpus replay driver: a plain-C main() for a libFuzzer target, so that
 * every committed seed and every regression input is run by `make check`
 * with whatever compiler built the tree (gcc, or clang with ASan/UBSan).
 *
 * Linked with one target's LLVMFuzzerTestOneInput.  With no arguments it
 * replays $top_srcdir/tests/fuzz/corpus/FUZZ_NAME; otherwise each
 * argument is a file or a directory of files.  Each input is copied into
 * a heap buffer of exactly its size, so ASan catches a target that reads
 * one byte too far, as it would under libFuzzer.  An empty corpus is a
 * failure: a test that replays nothing proves nothing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the target's corpus directory"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
run_file(const char *path)
{
	FILE *f;
	struct stat st;
	uint8_t *buf;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* Exactly the input's size (1 for an empty file, so the pointer
	 * is real): ASan then catches a read one byte too far. */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fclose(f);
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		free(buf);
		fprintf(stderr, "replay: %s: short read\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of DIR in name order; returns the count or
 * -1 on error. */
static int
run_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, cap = 0, i;
	int done = 0;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (count == cap) {
			char **nn;
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL)
				goto fail;
			names = nn;
		}
		names[count] = strdup(path);
		if (names[count] == NULL)
			goto fail;
		count++;
	}
	closedir(d);
	d = NULL;
	qsort(names, count, sizeof(*names), cmp);
	for (i = 0; i < count; i++) {
		if (run_file(names[i]) != 0)
			goto fail;
		done++;
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return done;
fail:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return -1;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path) == 0 ? 1 : -1;
}

int
main(int argc, char **argv)
{
	char def[4096];
	const char *top;
	long total = 0;
	int i, n;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		top = getenv("top_srcdir");
		snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s",
			 top != NULL ? top : ".", FUZZ_NAME);
		n = run_path(def);
		if (n < 0)
			return 99;
		total = n;
	} else {
		for (i = 1; i < argc; i++) {
			n = run_path(argv[i]);
			if (n < 0)
				return 99;
			total += n;
		}
	}
	printf("replay %s: %ld inputs\n", FUZZ_NAME, total);
	if (total == 0) {
		fprintf(stderr, "replay %s: no inputs found\n", FUZZ_NAME);
		return 1;
	}
	return 0;
}
