// Integration tests need root (namespaces, veth, BPF). Without it they skip, loudly.
#pragma once
#include <unistd.h>

#include <gtest/gtest.h>

#define SANDNET_REQUIRE_ROOT()                                                                  \
  do {                                                                                          \
    if (geteuid() != 0) GTEST_SKIP() << "SKIPPED: needs root for network namespaces and BPF"; \
  } while (0)
