// Process-private copy of the hosts table.
//
// Why a copy and not an mmap: a mapping of a file that someone truncates in place
// (`truncate`, `cp` over it) raises SIGBUS at the next access past the new end, in whatever
// process is resolving. A library must not install a signal handler for that, and checking
// the size first (fstat) is racy. So the table is read() into private memory, validated
// once, and used until the path shows another file. read() of a file being truncated
// returns short, which fails validation: the answer is UNAVAIL, never a signal. The cost is
// one copy per process (the table's size) instead of shared page cache.
//
// When to look at the path again: a stat() per lookup costs about as much as glibc's whole
// NSS dispatch on a VM, so a usable table is trusted without any system call for
// kRecheckNanos (CLOCK_MONOTONIC_COARSE is read from the vDSO); then the path is stat()ed
// and a new (dev, ino, size, mtime) is read and validated. Without a usable table the path
// is stat()ed on every call, so a table that appears is used at once. A bad file is
// remembered by identity too, so it costs one read and check, not one per lookup.
#include "nss/table_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct file_identity {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} file_identity;

// Bounds how long a replaced table keeps answering in a long-running process.
static const int64_t kRecheckNanos = 100 * 1000 * 1000;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static struct {
  int present;  // identity/path below describe the last file we looked at
  char path[PATH_MAX];
  file_identity identity;
  int error;    // 0 when `table` is usable, else the errno to report
  unsigned char *copy;  // malloc()ed bytes of the file; `table` points into them
  sandnet_hosts_table table;
  int64_t checked_at;  // CLOCK_MONOTONIC_COARSE ns of the last stat() of the path
} cache;

// A fork() while another thread holds the lock must not leave the child's copy locked.
static void lock_before_fork(void) { pthread_mutex_lock(&cache_lock); }
static void unlock_after_fork(void) { pthread_mutex_unlock(&cache_lock); }
static void register_atfork(void) { pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork); }

static const char *table_path(void) {
  // secure_getenv: a setuid program must not let its caller choose which names it trusts.
  const char *path = secure_getenv(SANDNET_HOSTS_TABLE_ENV);
  if (path == NULL || path[0] != '/') return SANDNET_HOSTS_TABLE_DEFAULT_PATH;
  return path;
}

static file_identity identity_of(const struct stat *st) {
  file_identity id = {st->st_dev, st->st_ino, st->st_size, st->st_mtim};
  return id;
}

static int same_identity(const file_identity *a, const file_identity *b) {
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void drop_copy(void) {
  free(cache.copy);
  cache.copy = NULL;
  memset(&cache.table, 0, sizeof cache.table);
}

// Reads exactly `size` bytes from the start of fd; 0 when the file holds fewer (truncated
// meanwhile) or more (grown meanwhile), so a file changing under us is never half-used.
static int read_exactly(int fd, unsigned char *out, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, out + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    got += (size_t)n;
  }
  unsigned char extra;
  return pread(fd, &extra, 1, (off_t)size) == 0;
}

// Reads and validates `path`; records the outcome (usable table or error) in the cache.
static void load(const char *path) {
  drop_copy();
  cache.present = 0;
  size_t path_len = strlen(path);
  if (path_len >= sizeof cache.path) {
    cache.error = ENAMETOOLONG;
    return;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    cache.error = errno;
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    cache.error = errno;
    close(fd);
    return;
  }
  memcpy(cache.path, path, path_len + 1);
  cache.identity = identity_of(&st);
  cache.present = 1;
  cache.error = EINVAL;
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > SANDNET_HOSTS_TABLE_MAX_SIZE) {
    close(fd);
    return;
  }
  unsigned char *copy = malloc((size_t)st.st_size);
  if (copy == NULL) {
    cache.error = ENOMEM;
    cache.present = 0;  // transient: retry next call
    close(fd);
    return;
  }
  int complete = read_exactly(fd, copy, (size_t)st.st_size);
  close(fd);
  if (!complete || sandnet_hosts_table_open(copy, (size_t)st.st_size, &cache.table) != SANDNET_HT_OK) {
    free(copy);
    memset(&cache.table, 0, sizeof cache.table);
    return;
  }
  cache.copy = copy;
  cache.error = 0;
}

static int64_t coarse_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// True when the cached table can answer without looking at the file system.
static int cache_is_fresh(const char *path, int64_t now) {
  return cache.present && cache.error == 0 && strcmp(cache.path, path) == 0 &&
         now - cache.checked_at < kRecheckNanos;
}

int sandnet_nss_with_table(void (*lookup)(const sandnet_hosts_table *table, void *ctx), void *ctx) {
  int saved_errno = errno;
  pthread_once(&atfork_once, register_atfork);
  const char *path = table_path();
  int64_t now = coarse_now();

  pthread_mutex_lock(&cache_lock);
  if (!cache_is_fresh(path, now)) {
    pthread_mutex_unlock(&cache_lock);  // no lock held across the stat()
    struct stat st;
    if (stat(path, &st) != 0) {
      int error = errno;
      errno = saved_errno;
      return error;
    }
    file_identity seen = identity_of(&st);
    pthread_mutex_lock(&cache_lock);
    if (!cache.present || strcmp(cache.path, path) != 0 || !same_identity(&cache.identity, &seen))
      load(path);
    cache.checked_at = now;
  }
  int error = cache.error;
  if (error == 0) lookup(&cache.table, ctx);
  pthread_mutex_unlock(&cache_lock);
  errno = saved_errno;
  return error;
}
