#include "api/statement_counter.h"

#include <atomic>

namespace sandnet::api {
namespace {

std::atomic<uint64_t> g_statements{0};

}  // namespace

void count_statement() { g_statements.fetch_add(1, std::memory_order_relaxed); }

uint64_t statements_executed() { return g_statements.load(std::memory_order_relaxed); }

}  // namespace sandnet::api
