// SPDX-License-Identifier: GPL-2.0
/*
 * npu2_hw_test: one process, one thread per GPU with an NPU link, each
 * running init/destroy cycles on its GPU through npu2_hw_test.ko, all at
 * once, so that the last-reference destroy on one GPU overlaps init on
 * another.  Reports KTAP.  Usage: npu2_hw_test [cycles per thread]
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DBG "/sys/kernel/debug/npu2_hw_test/"

struct worker {
	pthread_t tid;
	int gpu;
	unsigned int cycles;
	int err;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	char cmd[32];
	int fd, n;

	fd = open(DBG "ctl", O_WRONLY);
	if (fd < 0) {
		w->err = errno;
		return NULL;
	}
	n = snprintf(cmd, sizeof(cmd), "cycle %d %u", w->gpu, w->cycles);
	if (write(fd, cmd, n) != n)
		w->err = errno;
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned int cycles = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
	struct worker *w;
	char buf[128] = "";
	int ngpus = 0, i, fails = 0;
	FILE *f;

	printf("TAP version 13\n1..2\n");
	f = fopen(DBG "gpus", "r");
	if (!f || fscanf(f, "%d", &ngpus) != 1) {
		printf("ok 1 # SKIP npu2_hw_test.ko is not loaded\n");
		printf("ok 2 # SKIP npu2_hw_test.ko is not loaded\n");
		return 4;
	}
	fclose(f);
	if (ngpus < 1) {
		printf("ok 1 # SKIP no GPU with an NVLink2/NPU link\n");
		printf("ok 2 # SKIP no GPU with an NVLink2/NPU link\n");
		return 4;
	}
	w = calloc(ngpus, sizeof(*w));
	if (!w)
		return 1;
	for (i = 0; i < ngpus; i++) {
		w[i].gpu = i;
		w[i].cycles = cycles;
		if (pthread_create(&w[i].tid, NULL, run, &w[i]))
			w[i].err = EAGAIN;
	}
	for (i = 0; i < ngpus; i++) {
		if (!w[i].err)
			pthread_join(w[i].tid, NULL);
		if (w[i].err) {
			printf("# GPU %d: %s\n", i, strerror(w[i].err));
			fails++;
		}
	}
	printf("%sok 1 concurrent init/destroy on %d GPU(s), %u cycles each\n",
	       fails ? "not " : "", ngpus, cycles);

	f = fopen(DBG "ctl", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	printf("# %s", buf);
	if (strstr(buf, "errors=0 mismatches=0")) {
		printf("ok 2 every GPU of the process was given the same context\n");
	} else {
		printf("not ok 2 context errors or mismatches\n");
		fails++;
	}
	free(w);
	return fails ? 1 : 0;
}
