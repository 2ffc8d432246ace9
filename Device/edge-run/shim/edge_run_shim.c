// libc glue for edge-run (see edge_run_shim.h). Built with aarch64-linux-gnu-gcc and linked
// statically against Debian's glibc.
#include "edge_run_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

// The Swift entry point (Device/edge-run/Sources/Main.swift).
int edge_run_main(int argc, char **argv);

int main(int argc, char **argv) {
    // A closed pipe on stdout must be a write error (exit 73), not death by SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    return edge_run_main(argc, argv);
}

int er_open(const char *path, int *fd, int64_t *size) {
    struct stat st;
    if (stat(path, &st) != 0) return errno == ENOENT || errno == ENOTDIR ? ER_OPEN_MISSING : ER_OPEN_DENIED;
    if (S_ISDIR(st.st_mode)) return ER_OPEN_FOLDER;
    if (!S_ISREG(st.st_mode)) return ER_OPEN_SPECIAL;
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return ER_OPEN_DENIED;
    // Size from the descriptor actually opened, not from the path checked above.
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) { close(f); return ER_OPEN_SPECIAL; }
    *fd = f;
    *size = (int64_t)st.st_size;
    return ER_OPEN_OK;
}

size_t er_read(int fd, void *dst, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)dst + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    return got;
}

void er_close(int fd) { close(fd); }

int er_write(int fd, const void *src, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)src + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

uint64_t er_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

size_t er_heap_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
