// edge-run without a C library (scripts/build-device.sh aarch64-linux-nolibc): the process
// entry, the few Linux system calls the runner makes, a small allocator and the libc
// functions the kernels and the Embedded Swift code call. It exists for size: static glibc
// alone is about 500 KB (its start-up pulls in stdio, locale and the dynamic loader), over
// the runner's 512 KiB budget; this file is a few KB. Same interface as edge_run_shim.c.
// Compiled with -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns so that the
// loops below are not turned back into calls to themselves.
#include "edge_run_shim.h"

#include <stddef.h>
#include <stdint.h>

int edge_run_main(int argc, char **argv);

// ---- system calls (AArch64 Linux: number in x8, arguments in x0–x5, svc #0) ----

enum {
    SYS_openat = 56, SYS_close = 57, SYS_read = 63, SYS_write = 64, SYS_newfstatat = 79, SYS_fstat = 80,
    SYS_exit_group = 94, SYS_clock_gettime = 113, SYS_rt_sigaction = 134, SYS_munmap = 215, SYS_mmap = 222,
    SYS_getrandom = 278,
};

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory", "cc");
    return x0;
}
#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static _Noreturn void sys_exit(int code) {
    for (;;) sys3(SYS_exit_group, code, 0, 0);
}

// The kernel's struct stat on AArch64 (asm-generic layout): only mode and size are used.
struct kstat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev, pad1;
    int64_t size;
    int32_t blksize, pad2;
    int64_t blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    uint32_t unused[2];
};
enum { S_IFMT_ = 0170000, S_IFDIR_ = 0040000, S_IFREG_ = 0100000, AT_FDCWD_ = -100, O_CLOEXEC_ = 02000000 };
enum { ENOENT_ = 2, EINTR_ = 4, ENOTDIR_ = 20 };

// ---- process entry ----

static unsigned long hwcap;
static int errno_value;

// Called from _start with the initial stack: argc, argv[], NULL, envp[], NULL, auxv pairs.
__attribute__((used)) static _Noreturn void er_start(long *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    while (*envp) envp++;
    for (unsigned long *av = (unsigned long *)(envp + 1); av[0] != 0; av += 2)
        if (av[0] == 16 /* AT_HWCAP */) hwcap = av[1];
    // SIGPIPE ignored (kernel sigaction: handler, flags, restorer, mask), so a closed
    // stdout is a write error (exit 73), as with glibc.
    unsigned long act[4] = {1 /* SIG_IGN */, 0, 0, 0};
    sys6(SYS_rt_sigaction, 13 /* SIGPIPE */, (long)act, 0, 8, 0, 0);
    sys_exit(edge_run_main(argc, argv));
}

__asm__(".text\n.global _start\n.type _start,%function\n_start:\n"
        "  mov x29, #0\n  mov x30, #0\n  mov x0, sp\n  and sp, x0, #~15\n  b er_start\n");

unsigned long getauxval(unsigned long type) { return type == 16 ? hwcap : 0; }
int *__errno_location(void) { return &errno_value; }

// Stack protector (the Swift object is built with it): a fixed canary is enough to catch
// overwrites, which is all it is for here.
uintptr_t __stack_chk_guard = 0x5eed0fed9e7a3c1dULL;
_Noreturn void __stack_chk_fail(void) {
    static const char m[] = "edge-run: stack smashing detected\n";
    sys3(SYS_write, 2, m, sizeof m - 1);
    sys_exit(70);
}

// Swift seeds its hash functions from this; getrandom, or a constant if it fails.
void arc4random_buf(void *buf, size_t n) {
    long r = sys3(SYS_getrandom, buf, n, 0);
    if (r != (long)n) {
        unsigned char *p = (unsigned char *)buf;
        for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(0x9e + 31 * i);
    }
}

// ---- memory and strings ----

void *memcpy(void *restrict d, const void *restrict s, size_t n) {
    unsigned char *dp = (unsigned char *)d;
    const unsigned char *sp = (const unsigned char *)s;
    for (; n >= 8; n -= 8, dp += 8, sp += 8) {
        uint64_t w;
        __builtin_memcpy(&w, sp, 8);   // an 8-byte load/store, not a call (fixed size)
        __builtin_memcpy(dp, &w, 8);
    }
    while (n--) *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n) {
    unsigned char *dp = (unsigned char *)d;
    const unsigned char *sp = (const unsigned char *)s;
    if (dp == sp || n == 0) return d;
    if (dp < sp || dp >= sp + n) return memcpy(d, s, n);
    while (n--) dp[n] = sp[n];
    return d;
}

void *memset(void *d, int c, size_t n) {
    unsigned char *dp = (unsigned char *)d;
    uint64_t w = (unsigned char)c * 0x0101010101010101ULL;
    for (; n >= 8; n -= 8, dp += 8) __builtin_memcpy(dp, &w, 8);
    while (n--) *dp++ = (unsigned char)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

// ---- allocator ----
// Blocks up to 128 KiB come from size classes (powers of two from 32 bytes) carved out of
// 1 MiB mmap'd arenas and reused through per-class free lists; larger ones are mmap'd on
// their own and unmapped on free. Each block starts with a 16-byte header; an aligned
// block (posix_memalign) records its offset from the underlying block instead. Not
// thread-safe: edge-run has one thread.

enum { MIN_SHIFT = 5, MAX_SHIFT = 17, ARENA = 1 << 20, HDR = 16 };
enum { KIND_CLASS = 1, KIND_MAPPED = 2, KIND_ALIGNED = 3 };
typedef struct { uint32_t kind, shift; uint64_t size; } header;   // size: mapped length or aligned offset
typedef struct free_block { struct free_block *next; } free_block;

static free_block *free_lists[MAX_SHIFT + 1];
static unsigned char *arena_next, *arena_end;
static size_t heap_in_use;

static void *map(size_t n) {
    long p = sys6(SYS_mmap, 0, (long)n, 3 /* PROT_READ|WRITE */, 0x22 /* MAP_PRIVATE|ANONYMOUS */, -1, 0);
    return p < 0 && p > -4096 ? NULL : (void *)p;
}

void *malloc(size_t n) {
    if (n > ((size_t)1 << 40)) return NULL;
    size_t need = n + HDR;
    if (need > ((size_t)1 << MAX_SHIFT)) {
        size_t len = (need + 4095) & ~(size_t)4095;
        header *h = (header *)map(len);
        if (!h) return NULL;
        h->kind = KIND_MAPPED; h->size = len;
        heap_in_use += len;
        return (unsigned char *)h + HDR;
    }
    uint32_t shift = MIN_SHIFT;
    while (((size_t)1 << shift) < need) shift++;
    header *h;
    if (free_lists[shift]) {
        h = (header *)free_lists[shift];
        free_lists[shift] = free_lists[shift]->next;
    } else {
        size_t size = (size_t)1 << shift;
        if (!arena_next || (size_t)(arena_end - arena_next) < size) {
            unsigned char *a = (unsigned char *)map(ARENA);
            if (!a) return NULL;
            arena_next = a;
            arena_end = a + ARENA;
        }
        h = (header *)arena_next;
        arena_next += size;
    }
    h->kind = KIND_CLASS; h->shift = shift; h->size = 0;
    heap_in_use += (size_t)1 << shift;
    return (unsigned char *)h + HDR;
}

void free(void *p) {
    if (!p) return;
    header *h = (header *)((unsigned char *)p - HDR);
    if (h->kind == KIND_ALIGNED) { free((unsigned char *)p - h->size); return; }
    if (h->kind == KIND_MAPPED) {
        heap_in_use -= h->size;
        sys3(SYS_munmap, h, h->size, 0);
        return;
    }
    heap_in_use -= (size_t)1 << h->shift;
    free_block *b = (free_block *)h;
    b->next = free_lists[h->shift];
    free_lists[h->shift] = b;
}

void *calloc(size_t count, size_t size) {
    if (size && count > ((size_t)1 << 40) / size) return NULL;
    void *p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

int posix_memalign(void **out, size_t align, size_t n) {
    // POSIX: a power of two and a multiple of sizeof(void *) (Embedded Swift asks for 8).
    if (align < sizeof(void *) || (align & (align - 1)) || align > 4096) return 22;   // EINVAL
    if (align <= HDR) { *out = malloc(n); return *out ? 0 : 12; }                      // malloc gives 16
    unsigned char *raw = (unsigned char *)malloc(n + align + HDR);
    if (!raw) return 12;   // ENOMEM
    unsigned char *p = (unsigned char *)(((uintptr_t)raw + HDR + align - 1) & ~(uintptr_t)(align - 1));
    header *h = (header *)(p - HDR);
    h->kind = KIND_ALIGNED; h->size = (uint64_t)(p - raw);
    *out = p;
    return 0;
}

size_t er_heap_in_use(void) { return heap_in_use; }

// ---- the shim interface (edge_run_shim.h) ----

int er_open(const char *path, int *fd, int64_t *size) {
    struct kstat st;
    long r = sys6(SYS_newfstatat, AT_FDCWD_, (long)path, (long)&st, 0, 0, 0);
    if (r != 0) return r == -ENOENT_ || r == -ENOTDIR_ ? ER_OPEN_MISSING : ER_OPEN_DENIED;
    if ((st.mode & S_IFMT_) == S_IFDIR_) return ER_OPEN_FOLDER;
    if ((st.mode & S_IFMT_) != S_IFREG_) return ER_OPEN_SPECIAL;
    long f = sys6(SYS_openat, AT_FDCWD_, (long)path, O_CLOEXEC_ /* | O_RDONLY (0) */, 0, 0, 0);
    if (f < 0) return ER_OPEN_DENIED;
    // Size from the descriptor actually opened, not from the path checked above.
    if (sys3(SYS_fstat, f, &st, 0) != 0 || (st.mode & S_IFMT_) != S_IFREG_) { sys3(SYS_close, f, 0, 0); return ER_OPEN_SPECIAL; }
    *fd = (int)f;
    *size = st.size;
    return ER_OPEN_OK;
}

size_t er_read(int fd, void *dst, size_t n) {
    size_t got = 0;
    while (got < n) {
        long r = sys3(SYS_read, fd, (char *)dst + got, n - got);
        if (r == -EINTR_) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    return got;
}

void er_close(int fd) { sys3(SYS_close, fd, 0, 0); }

int er_write(int fd, const void *src, size_t n) {
    size_t done = 0;
    while (done < n) {
        long w = sys3(SYS_write, fd, (const char *)src + done, n - done);
        if (w == -EINTR_) continue;
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

uint64_t er_now_ns(void) {
    int64_t t[2] = {0, 0};
    sys3(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, t, 0);
    return (uint64_t)t[0] * 1000000000u + (uint64_t)t[1];
}
