// The hosts table a guest resolves peers from: one binary format, one reader, one writer.
//
// Plain C11 with libc only, because the NSS module (loaded into every process of the guest)
// must not pull in libstdc++. The byte layout is documented in docs/name-service.md; in short:
//
//   header (64 bytes) | name index (16 bytes each) | address index (12 bytes each)
//   | address names (4 bytes per name) | strings
//
// The address-names section lists every name of each address (canonical first), so a
// lookup returns all of an address's names, like an /etc/hosts line, in O(log n + names).
//
// All integers are little-endian and read with memcpy, so a mapping of any alignment works.
// Names are stored normalised: lower-case, no trailing dot. Both indexes are sorted, so
// lookups are binary searches straight from an mmap. sandnet_hosts_table_open() checks every
// offset, length, name and the ordering once; after it succeeds, lookups cannot leave the
// buffer.
#ifndef SANDNET_COMMON_HOSTS_TABLE_HOSTS_TABLE_H
#define SANDNET_COMMON_HOSTS_TABLE_HOSTS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SANDNET_HOSTS_TABLE_MAGIC "SNHOSTS\0"
// 2: the address index points at each address's names (version 1 had only the canonical one).
#define SANDNET_HOSTS_TABLE_VERSION 2u
#define SANDNET_HOSTS_TABLE_HEADER_SIZE 64u
#define SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE 16u
#define SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE 12u
// Longest host name (without trailing dot), as in RFC 1035.
#define SANDNET_HOSTS_TABLE_MAX_NAME 253u
// A reader refuses anything larger: ~1.5 M names, far above any real peer set.
#define SANDNET_HOSTS_TABLE_MAX_SIZE (64u * 1024u * 1024u)
// The default place guestd writes the table and the NSS module reads it.
#define SANDNET_HOSTS_TABLE_DEFAULT_PATH "/run/sandnet/hosts.table"

typedef enum sandnet_hosts_table_error {
  SANDNET_HT_OK = 0,
  SANDNET_HT_ERR_TRUNCATED,  // shorter than the header or than header.total_size
  SANDNET_HT_ERR_TOO_LARGE,  // above SANDNET_HOSTS_TABLE_MAX_SIZE or trailing bytes
  SANDNET_HT_ERR_MAGIC,
  SANDNET_HT_ERR_VERSION,
  SANDNET_HT_ERR_CHECKSUM,
  SANDNET_HT_ERR_LAYOUT,     // sections do not tile the file exactly
  SANDNET_HT_ERR_ENTRY,      // an entry points outside the string pool
  SANDNET_HT_ERR_NAME,       // a stored name is not a valid normalised host name
  SANDNET_HT_ERR_ORDER,      // an index is not strictly sorted (or has duplicates)
  SANDNET_HT_ERR_NO_MEMORY,
  SANDNET_HT_ERR_CONFLICT,   // writer: one name given two different addresses
  SANDNET_HT_ERR_ARGUMENT,   // writer: invalid name or argument
} sandnet_hosts_table_error;

const char *sandnet_hosts_table_strerror(int error);

// A validated view of a table image. Does not own the bytes.
typedef struct sandnet_hosts_table {
  const unsigned char *base;
  size_t size;
  uint32_t name_count;
  uint32_t addr_count;
  uint64_t generation;
  const unsigned char *name_index;
  const unsigned char *addr_index;
  const unsigned char *addr_names;  // name-index positions, grouped by address
  const unsigned char *strings;
  uint32_t strings_size;
} sandnet_hosts_table;

// One answer: pointers into the table (not NUL-terminated; use the lengths).
typedef struct sandnet_hosts_entry {
  const char *name;       // the matched name (reverse lookups: the canonical name)
  size_t name_len;
  const char *canonical;  // the address's canonical name: the peer's bare name
  size_t canonical_len;
  unsigned char ipv4[4];  // network byte order
} sandnet_hosts_entry;

// Validates the whole image (header, checksum, every offset, names, ordering). O(size).
int sandnet_hosts_table_open(const void *data, size_t size, sandnet_hosts_table *out);

// Case-insensitive; one trailing dot is ignored. Returns 1 and fills *out when found, else 0.
int sandnet_hosts_table_find_name(const sandnet_hosts_table *table, const char *name,
                                  sandnet_hosts_entry *out);
// Reverse lookup of an IPv4 address (network byte order). Returns 1 when found, else 0.
int sandnet_hosts_table_find_addr(const sandnet_hosts_table *table, const unsigned char ipv4[4],
                                  sandnet_hosts_entry *out);
// Every name of one address: canonical first, then shortest first, then byte order.
typedef struct sandnet_hosts_names {
  const sandnet_hosts_table *table;
  uint32_t first;  // slot in the address-names section
  uint32_t count;  // >= 1 for a found address
} sandnet_hosts_names;

// Returns 1 and fills *out when the address (network byte order) is in the table, else 0.
int sandnet_hosts_table_names_of(const sandnet_hosts_table *table, const unsigned char ipv4[4],
                                 sandnet_hosts_names *out);
// The i-th name of the set (0 is the canonical name). Returns 0 when out of range.
int sandnet_hosts_names_at(const sandnet_hosts_names *names, uint32_t i, const char **name,
                           size_t *name_len);

// The i-th entry of the name index (sorted by name), for listing. Returns 0 when out of range.
int sandnet_hosts_table_name_at(const sandnet_hosts_table *table, uint32_t index,
                                sandnet_hosts_entry *out);

// Replacement signal. A table file is never rewritten in place except for one header word,
// "superseded", which the writer sets in the OLD file right after renaming a new one over
// its path. Readers holding a mapping see it without a system call and remap; the checksum
// does not cover it. `fd` must be open for writing on the old file.
int sandnet_hosts_table_is_superseded(const sandnet_hosts_table *table);
int sandnet_hosts_table_mark_superseded(int fd);  // 0 or -1 with errno

// Writes the normalised form of `name` (lower-case, one trailing dot removed) into out,
// which must hold SANDNET_HOSTS_TABLE_MAX_NAME bytes. Returns its length, or 0 when `name`
// cannot be a stored name (empty, too long, bad characters or labels).
size_t sandnet_hosts_normalize_name(const char *name, size_t len, char *out);

// ---- Writer -------------------------------------------------------------------------------
typedef struct sandnet_hosts_builder sandnet_hosts_builder;

sandnet_hosts_builder *sandnet_hosts_builder_new(void);
void sandnet_hosts_builder_free(sandnet_hosts_builder *builder);
// One name for one IPv4 address. The same (name, address) twice is kept once; the same
// name with another address makes finish() fail with SANDNET_HT_ERR_CONFLICT.
int sandnet_hosts_builder_add(sandnet_hosts_builder *builder, const char *name,
                              const unsigned char ipv4[4]);
// A peer as the design names it: `bare` and `bare.<network>` for each of its networks.
int sandnet_hosts_builder_add_peer(sandnet_hosts_builder *builder, const char *bare,
                                   const unsigned char ipv4[4], const char *const *networks,
                                   size_t network_count);
// Informative counter (e.g. the feed revision the table was built from); stored in the header.
void sandnet_hosts_builder_set_generation(sandnet_hosts_builder *builder, uint64_t generation);
// Builds the image into a malloc()ed buffer the caller frees. The canonical name of an
// address (for reverse lookups) is its shortest name, ties broken by byte order, which is
// the bare name for entries added with add_peer().
int sandnet_hosts_builder_finish(sandnet_hosts_builder *builder, unsigned char **image,
                                 size_t *image_size);

#ifdef __cplusplus
}
#endif

#endif
