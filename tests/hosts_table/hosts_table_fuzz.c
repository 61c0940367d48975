// libFuzzer target for the hosts-table reader: no input may crash it or make a lookup read
// outside the image. The first byte picks how the rest is used:
//   0: the raw bytes as a table (mostly stopped by header and checksum checks);
//   1: the raw bytes with size and checksum fixed up, so the structural checks are reached;
//   2: the bytes as writer input (names and addresses), then every entry looked up again.
// Accepted tables are then queried with names and addresses taken from the input.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hosts_table/hosts_table.h"
#include "common/hosts_table/hosts_table_layout.h"

static void query(const sandnet_hosts_table *t, const uint8_t *data, size_t size) {
  sandnet_hosts_entry e;
  char name[300];
  size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
  memcpy(name, data, n);
  name[n] = '\0';
  sandnet_hosts_table_find_name(t, name, &e);
  if (size >= 4) sandnet_hosts_table_find_addr(t, data, &e);
  for (uint32_t i = 0; sandnet_hosts_table_name_at(t, i, &e); i++) {
    char copy[SANDNET_HOSTS_TABLE_MAX_NAME + 1];
    memcpy(copy, e.name, e.name_len);  // touches every byte the reader claims is a name
    copy[e.name_len] = '\0';
    sandnet_hosts_entry again;
    if (!sandnet_hosts_table_find_name(t, copy, &again)) abort();  // sorted index must find it
    sandnet_hosts_table_find_addr(t, e.ipv4, &again);  // hostile tables may lack reverse entries
  }
}

static void fuzz_raw(const uint8_t *data, size_t size, int fix_up) {
  uint8_t *copy = (uint8_t *)malloc(size ? size : 1);  // exact-size heap copy: ASan sees overreads
  if (copy == NULL) return;
  memcpy(copy, data, size);
  if (fix_up && size >= SANDNET_HOSTS_TABLE_HEADER_SIZE) {
    memcpy(copy, SANDNET_HOSTS_TABLE_MAGIC, 8);
    ht_put64(copy + HT_OFF_TOTAL_SIZE, size);
    ht_put32(copy + HT_OFF_CRC, sandnet_hosts_table_checksum(copy, size));
  }
  sandnet_hosts_table t;
  if (sandnet_hosts_table_open(copy, size, &t) == SANDNET_HT_OK) query(&t, data, size);
  free(copy);
}

// Writer input: records of [len][name bytes][4 address bytes].
static void fuzz_writer(const uint8_t *data, size_t size) {
  sandnet_hosts_builder *b = sandnet_hosts_builder_new();
  if (b == NULL) return;
  size_t at = 0;
  while (at < size) {
    size_t len = data[at++] % 70;
    if (at + len + 4 > size) break;
    char name[80];
    memcpy(name, data + at, len);
    name[len] = '\0';
    sandnet_hosts_builder_add(b, name, data + at + len);
    at += len + 4;
  }
  unsigned char *image = NULL;
  size_t image_size = 0;
  if (sandnet_hosts_builder_finish(b, &image, &image_size) == SANDNET_HT_OK) {
    sandnet_hosts_table t;
    if (sandnet_hosts_table_open(image, image_size, &t) != SANDNET_HT_OK) abort();  // writer output must read back
    query(&t, data, size);
    sandnet_hosts_entry e;
    for (uint32_t i = 0; sandnet_hosts_table_name_at(&t, i, &e); i++) {
      sandnet_hosts_entry rev;
      if (!sandnet_hosts_table_find_addr(&t, e.ipv4, &rev)) abort();  // every address reverses
    }
    free(image);
  }
  sandnet_hosts_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  switch (data[0] % 3) {
    case 0: fuzz_raw(data + 1, size - 1, 0); break;
    case 1: fuzz_raw(data + 1, size - 1, 1); break;
    default: fuzz_writer(data + 1, size - 1); break;
  }
  return 0;
}
