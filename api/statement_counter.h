// How many SQL statements this process's stores have executed (both stores count every
// statement they send, BEGIN and COMMIT included). Exported in /metrics so that tests and the
// feed fan-out bench can measure database work per change as a count, not a time.
#pragma once
#include <cstdint>

namespace sandnet::api {

void count_statement();
uint64_t statements_executed();

}  // namespace sandnet::api
