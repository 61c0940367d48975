// CRC32C used to checksum hosts tables. C so that the NSS module can use it without libstdc++.
#ifndef SANDNET_COMMON_HOSTS_TABLE_CRC32C_H
#define SANDNET_COMMON_HOSTS_TABLE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Continues a CRC32C over `data`; start with crc = 0. crc32c("123456789") == 0xe3069283.
uint32_t sandnet_crc32c_update(uint32_t crc, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
