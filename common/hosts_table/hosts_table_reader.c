// Hosts-table reader: validate once, then binary-search. Never trusts a byte of the image
// before checking it: the file may be torn, truncated, stale or hostile.
#include <string.h>
#include <unistd.h>

#include "common/hosts_table/crc32c.h"
#include "common/hosts_table/hosts_table.h"
#include "common/hosts_table/hosts_table_layout.h"

const char *sandnet_hosts_table_strerror(int error) {
  switch (error) {
    case SANDNET_HT_OK: return "ok";
    case SANDNET_HT_ERR_TRUNCATED: return "table is truncated";
    case SANDNET_HT_ERR_TOO_LARGE: return "table is too large or has trailing bytes";
    case SANDNET_HT_ERR_MAGIC: return "not a sandnet hosts table (bad magic)";
    case SANDNET_HT_ERR_VERSION: return "unsupported table version or header";
    case SANDNET_HT_ERR_CHECKSUM: return "checksum mismatch";
    case SANDNET_HT_ERR_LAYOUT: return "sections do not match the header";
    case SANDNET_HT_ERR_ENTRY: return "entry points outside the string pool";
    case SANDNET_HT_ERR_NAME: return "invalid host name in table";
    case SANDNET_HT_ERR_ORDER: return "index not strictly sorted";
    case SANDNET_HT_ERR_NO_MEMORY: return "out of memory";
    case SANDNET_HT_ERR_CONFLICT: return "one name given two addresses";
    case SANDNET_HT_ERR_ARGUMENT: return "invalid argument";
    default: return "unknown error";
  }
}

uint32_t sandnet_hosts_table_checksum(const unsigned char *image, size_t size) {
  static const unsigned char kZero[8] = {0};
  uint32_t crc = sandnet_crc32c_update(0, image, HT_OFF_CRC);
  crc = sandnet_crc32c_update(crc, kZero, sizeof kZero);  // CRC and superseded fields
  return sandnet_crc32c_update(crc, image + HT_OFF_CRC + 8, size - HT_OFF_CRC - 8);
}

static int is_label_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Labels of 1..63 allowed characters separated by single dots.
static int is_normalized_name(const char *name, size_t len) {
  if (len == 0 || len > SANDNET_HOSTS_TABLE_MAX_NAME) return 0;
  size_t label = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '.') {
      if (label == 0) return 0;
      label = 0;
    } else if (is_label_char(c)) {
      if (++label > 63) return 0;
    } else {
      return 0;
    }
  }
  return label != 0;
}

size_t sandnet_hosts_normalize_name(const char *name, size_t len, char *out) {
  if (len > 0 && name[len - 1] == '.') len--;
  if (len == 0 || len > SANDNET_HOSTS_TABLE_MAX_NAME) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  return is_normalized_name(out, len) ? len : 0;
}

// Checks that [off, off+len) lies in the string pool and holds a valid name.
static int check_string(const sandnet_hosts_table *t, uint32_t off, uint32_t len) {
  if ((uint64_t)off + len > t->strings_size) return SANDNET_HT_ERR_ENTRY;
  if (!is_normalized_name((const char *)t->strings + off, len)) return SANDNET_HT_ERR_NAME;
  return SANDNET_HT_OK;
}

static int check_name_index(const sandnet_hosts_table *t) {
  const char *prev = NULL;
  size_t prev_len = 0;
  for (uint32_t i = 0; i < t->name_count; i++) {
    const unsigned char *e = t->name_index + (size_t)i * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE;
    uint32_t off = ht_get32(e + HT_NAME_OFF), len = ht_get16(e + HT_NAME_LEN);
    int rc = check_string(t, off, len);
    if (rc == SANDNET_HT_OK) rc = check_string(t, ht_get32(e + HT_NAME_CANON_OFF),
                                               ht_get16(e + HT_NAME_CANON_LEN));
    if (rc != SANDNET_HT_OK) return rc;
    const char *name = (const char *)t->strings + off;
    if (prev && ht_compare_names(prev, prev_len, name, len) >= 0) return SANDNET_HT_ERR_ORDER;
    prev = name;
    prev_len = len;
  }
  return SANDNET_HT_OK;
}

// The name at name-index position `pos` (validated by check_name_index).
static const unsigned char *name_entry(const sandnet_hosts_table *t, uint32_t pos) {
  return t->name_index + (size_t)pos * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE;
}

static uint32_t slot_at(const sandnet_hosts_table *t, uint32_t slot) {
  return ht_get32(t->addr_names + (size_t)slot * HT_ADDR_NAME_SLOT_SIZE);
}

// One address's group of names: every slot is a name of this address, in preference order
// (strictly, so no name twice), and each name's canonical is the group's first name.
static int check_address_group(const sandnet_hosts_table *t, const unsigned char *addr,
                               uint32_t first, uint32_t count) {
  const unsigned char *canonical = NULL, *prev = NULL;
  for (uint32_t k = 0; k < count; k++) {
    uint32_t pos = slot_at(t, first + k);
    if (pos >= t->name_count) return SANDNET_HT_ERR_ENTRY;
    const unsigned char *e = name_entry(t, pos);
    if (memcmp(e + HT_NAME_IPV4, addr + HT_ADDR_IPV4, 4) != 0) return SANDNET_HT_ERR_LAYOUT;
    if (canonical == NULL) canonical = e;
    if (ht_get32(e + HT_NAME_CANON_OFF) != ht_get32(canonical + HT_NAME_OFF) ||
        ht_get16(e + HT_NAME_CANON_LEN) != ht_get16(canonical + HT_NAME_LEN))
      return SANDNET_HT_ERR_LAYOUT;
    if (prev && ht_compare_preference((const char *)t->strings + ht_get32(prev + HT_NAME_OFF),
                                      ht_get16(prev + HT_NAME_LEN),
                                      (const char *)t->strings + ht_get32(e + HT_NAME_OFF),
                                      ht_get16(e + HT_NAME_LEN)) >= 0)
      return SANDNET_HT_ERR_ORDER;
    prev = e;
  }
  return SANDNET_HT_OK;
}

// Addresses strictly sorted; their groups tile the address-names section in order, so with
// the checks above every name belongs to exactly one address.
static int check_addr_index(const sandnet_hosts_table *t) {
  uint64_t next_slot = 0;
  for (uint32_t i = 0; i < t->addr_count; i++) {
    const unsigned char *e = t->addr_index + (size_t)i * SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
    uint32_t first = ht_get32(e + HT_ADDR_NAMES_FIRST), count = ht_get32(e + HT_ADDR_NAMES_COUNT);
    if (first != next_slot || count == 0 || (uint64_t)first + count > t->name_count)
      return SANDNET_HT_ERR_LAYOUT;
    next_slot += count;
    if (i > 0 && memcmp(e - SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE + HT_ADDR_IPV4, e + HT_ADDR_IPV4, 4) >= 0)
      return SANDNET_HT_ERR_ORDER;
    int rc = check_address_group(t, e, first, count);
    if (rc != SANDNET_HT_OK) return rc;
  }
  return next_slot == t->name_count ? SANDNET_HT_OK : SANDNET_HT_ERR_LAYOUT;
}

int sandnet_hosts_table_open(const void *data, size_t size, sandnet_hosts_table *out) {
  const unsigned char *p = (const unsigned char *)data;
  memset(out, 0, sizeof *out);
  if (p == NULL || size < SANDNET_HOSTS_TABLE_HEADER_SIZE) return SANDNET_HT_ERR_TRUNCATED;
  if (memcmp(p + HT_OFF_MAGIC, SANDNET_HOSTS_TABLE_MAGIC, 8) != 0) return SANDNET_HT_ERR_MAGIC;
  if (ht_get32(p + HT_OFF_VERSION) != SANDNET_HOSTS_TABLE_VERSION ||
      ht_get32(p + HT_OFF_HEADER_SIZE) != SANDNET_HOSTS_TABLE_HEADER_SIZE)
    return SANDNET_HT_ERR_VERSION;
  uint64_t total = ht_get64(p + HT_OFF_TOTAL_SIZE);
  if (total > SANDNET_HOSTS_TABLE_MAX_SIZE || size > SANDNET_HOSTS_TABLE_MAX_SIZE)
    return SANDNET_HT_ERR_TOO_LARGE;
  if (total > size) return SANDNET_HT_ERR_TRUNCATED;
  if (total < size) return SANDNET_HT_ERR_TOO_LARGE;
  if (sandnet_hosts_table_checksum(p, size) != ht_get32(p + HT_OFF_CRC)) return SANDNET_HT_ERR_CHECKSUM;

  // The sections tile the file in a fixed order; 64-bit arithmetic cannot overflow here.
  uint64_t name_count = ht_get32(p + HT_OFF_NAME_COUNT), addr_count = ht_get32(p + HT_OFF_ADDR_COUNT);
  uint64_t name_off = ht_get32(p + HT_OFF_NAME_INDEX), addr_off = ht_get32(p + HT_OFF_ADDR_INDEX);
  uint64_t strings_off = ht_get32(p + HT_OFF_STRINGS), strings_size = ht_get32(p + HT_OFF_STRINGS_SIZE);
  uint64_t addr_names_off = addr_off + addr_count * SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
  if (name_off != SANDNET_HOSTS_TABLE_HEADER_SIZE ||
      addr_off != name_off + name_count * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE ||
      strings_off != addr_names_off + name_count * HT_ADDR_NAME_SLOT_SIZE ||
      strings_off + strings_size != total)
    return SANDNET_HT_ERR_LAYOUT;

  sandnet_hosts_table t = {
      .base = p,
      .size = size,
      .name_count = (uint32_t)name_count,
      .addr_count = (uint32_t)addr_count,
      .generation = ht_get64(p + HT_OFF_GENERATION),
      .name_index = p + name_off,
      .addr_index = p + addr_off,
      .addr_names = p + addr_names_off,
      .strings = p + strings_off,
      .strings_size = (uint32_t)strings_size,
  };
  int rc = check_name_index(&t);
  if (rc == SANDNET_HT_OK) rc = check_addr_index(&t);
  if (rc != SANDNET_HT_OK) return rc;
  *out = t;
  return SANDNET_HT_OK;
}

static void fill_from_name_entry(const sandnet_hosts_table *t, const unsigned char *e,
                                 sandnet_hosts_entry *out) {
  out->name = (const char *)t->strings + ht_get32(e + HT_NAME_OFF);
  out->name_len = ht_get16(e + HT_NAME_LEN);
  out->canonical = (const char *)t->strings + ht_get32(e + HT_NAME_CANON_OFF);
  out->canonical_len = ht_get16(e + HT_NAME_CANON_LEN);
  memcpy(out->ipv4, e + HT_NAME_IPV4, 4);
}

int sandnet_hosts_table_find_name(const sandnet_hosts_table *t, const char *name,
                                  sandnet_hosts_entry *out) {
  if (t == NULL || name == NULL) return 0;
  char key[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t key_len = sandnet_hosts_normalize_name(name, strnlen(name, SANDNET_HOSTS_TABLE_MAX_NAME + 2), key);
  if (key_len == 0) return 0;
  uint32_t lo = 0, hi = t->name_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const unsigned char *e = t->name_index + (size_t)mid * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE;
    int c = ht_compare_names((const char *)t->strings + ht_get32(e + HT_NAME_OFF),
                             ht_get16(e + HT_NAME_LEN), key, key_len);
    if (c == 0) {
      fill_from_name_entry(t, e, out);
      return 1;
    }
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return 0;
}

int sandnet_hosts_table_names_of(const sandnet_hosts_table *t, const unsigned char ipv4[4],
                                 sandnet_hosts_names *out) {
  if (t == NULL || ipv4 == NULL) return 0;
  uint32_t lo = 0, hi = t->addr_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const unsigned char *e = t->addr_index + (size_t)mid * SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
    int c = memcmp(e + HT_ADDR_IPV4, ipv4, 4);
    if (c == 0) {
      out->table = t;
      out->first = ht_get32(e + HT_ADDR_NAMES_FIRST);
      out->count = ht_get32(e + HT_ADDR_NAMES_COUNT);
      return 1;
    }
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return 0;
}

int sandnet_hosts_names_at(const sandnet_hosts_names *names, uint32_t i, const char **name,
                           size_t *name_len) {
  if (names == NULL || names->table == NULL || i >= names->count) return 0;
  const unsigned char *e = name_entry(names->table, slot_at(names->table, names->first + i));
  *name = (const char *)names->table->strings + ht_get32(e + HT_NAME_OFF);
  *name_len = ht_get16(e + HT_NAME_LEN);
  return 1;
}

int sandnet_hosts_table_find_addr(const sandnet_hosts_table *t, const unsigned char ipv4[4],
                                  sandnet_hosts_entry *out) {
  sandnet_hosts_names names;
  if (!sandnet_hosts_table_names_of(t, ipv4, &names) ||
      !sandnet_hosts_names_at(&names, 0, &out->canonical, &out->canonical_len))
    return 0;
  out->name = out->canonical;
  out->name_len = out->canonical_len;
  memcpy(out->ipv4, ipv4, 4);
  return 1;
}

int sandnet_hosts_table_name_at(const sandnet_hosts_table *t, uint32_t index,
                                sandnet_hosts_entry *out) {
  if (t == NULL || index >= t->name_count) return 0;
  fill_from_name_entry(t, t->name_index + (size_t)index * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE, out);
  return 1;
}

int sandnet_hosts_table_is_superseded(const sandnet_hosts_table *t) {
  // The writer changes this word in place (see sandnet_hosts_table_mark_superseded), so read
  // it once, atomically, from the shared mapping.
  if (t == NULL || t->base == NULL) return 0;
  const unsigned char *word = t->base + HT_OFF_SUPERSEDED;
  if ((uintptr_t)word % sizeof(uint32_t) != 0) return ht_get32(word) != 0;  // not an mmap
  return __atomic_load_n((const uint32_t *)(const void *)word, __ATOMIC_RELAXED) != 0;
}

int sandnet_hosts_table_mark_superseded(int fd) {
  static const unsigned char kOne[4] = {1, 0, 0, 0};
  return pwrite(fd, kOne, sizeof kOne, HT_OFF_SUPERSEDED) == (ssize_t)sizeof kOne ? 0 : -1;
}
