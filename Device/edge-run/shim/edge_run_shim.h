// The C side of edge-run: the only code that talks to libc (files, stdout, clocks), so the
// Embedded Swift part needs nothing from the platform but malloc/free. Swift imports this
// header (and the kernels' edge_kernels.h through it) as the module CEdgeRun.
#ifndef EDGE_RUN_SHIM_H
#define EDGE_RUN_SHIM_H
#include <stddef.h>
#include <stdint.h>

#include "edge_kernels.h"

// Outcome of opening a file: 0 ok, 1 no such file, 2 is a folder, 3 cannot open, 4 not a
// regular file (FIFO, device): the runner needs sizes it can check up front.
enum { ER_OPEN_OK = 0, ER_OPEN_MISSING = 1, ER_OPEN_FOLDER = 2, ER_OPEN_DENIED = 3, ER_OPEN_SPECIAL = 4 };

// Opens `path` for reading; on success stores the descriptor and the file size.
int er_open(const char *path, int *fd, int64_t *size);
// Reads exactly `n` bytes (retrying short reads); returns the bytes read (< n at EOF or on error).
size_t er_read(int fd, void *dst, size_t n);
// Closes a descriptor from er_open.
void er_close(int fd);
// Writes all `n` bytes to stdout (1) or stderr (2); 0 on success, -1 on failure.
int er_write(int fd, const void *src, size_t n);
// Bytes of heap in use now (glibc's mallinfo2: arena plus mmapped blocks).
size_t er_heap_in_use(void);
// CLOCK_MONOTONIC in nanoseconds.
uint64_t er_now_ns(void);

#endif
