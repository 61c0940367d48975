// Cached mmap of the hosts table.
//
// guestd replaces the table only by rename(), never by truncating or rewriting it, so a
// mapping of an inode stays intact for as long as we hold it. A new (dev, ino, mtime, size)
// at the path means a new file, which we map, validate once (checksum, bounds, order) and
// swap in. A table that fails validation is remembered by identity too, so a bad file costs
// one check, not one per lookup.
//
// When to look at the path again: a stat() per lookup would cost about as much as glibc's
// whole NSS dispatch on a VM (syscalls are slow there), so a usable mapping is trusted
// without any system call until either guestd marks it superseded (one header word it sets
// in the old file right after the rename; we see it through the shared mapping) or
// kRecheckSeconds have passed (CLOCK_MONOTONIC_COARSE is read from the vDSO), which bounds
// staleness when some other tool replaced the file without marking it. Without a usable
// table we stat() on every call, so a table that appears is used at once.
#include "nss/table_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_identity {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} file_identity;

enum { kRecheckSeconds = 1 };

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static struct {
  int present;  // identity/path below describe the last file we looked at
  char path[PATH_MAX];
  file_identity identity;
  int error;    // 0 when `table` is usable, else the errno to report
  void *map;
  size_t map_size;
  sandnet_hosts_table table;
  time_t checked_at;  // CLOCK_MONOTONIC_COARSE seconds of the last stat() of the path
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

static void drop_mapping(void) {
  if (cache.map != NULL) munmap(cache.map, cache.map_size);
  cache.map = NULL;
  cache.map_size = 0;
  memset(&cache.table, 0, sizeof cache.table);
}

// Maps and validates `path`; records the outcome (usable table or error) in the cache.
static void load(const char *path) {
  drop_mapping();
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
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    cache.error = errno;
    cache.present = 0;  // transient (e.g. ENOMEM): retry next call
    return;
  }
  if (sandnet_hosts_table_open(map, (size_t)st.st_size, &cache.table) != SANDNET_HT_OK) {
    munmap(map, (size_t)st.st_size);
    memset(&cache.table, 0, sizeof cache.table);
    return;
  }
  cache.map = map;
  cache.map_size = (size_t)st.st_size;
  cache.error = 0;
}

static time_t coarse_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) return 0;
  return ts.tv_sec;
}

// True when the cached mapping can answer without looking at the file system.
static int cache_is_fresh(const char *path, time_t now) {
  return cache.present && cache.error == 0 && strcmp(cache.path, path) == 0 &&
         !sandnet_hosts_table_is_superseded(&cache.table) && now - cache.checked_at < kRecheckSeconds;
}

int sandnet_nss_with_table(void (*lookup)(const sandnet_hosts_table *table, void *ctx), void *ctx) {
  int saved_errno = errno;
  pthread_once(&atfork_once, register_atfork);
  const char *path = table_path();
  time_t now = coarse_now();

  pthread_mutex_lock(&cache_lock);
  if (!cache_is_fresh(path, now)) {
    pthread_mutex_unlock(&cache_lock);  // no lock held across the system call
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
