// libFuzzer target: hostile state files through the parser and the planner
// (the agent's whole input path). Must never crash, hang or leak; errors
// must be StateError / CapacityError.
// Long run: build-dp/tests/loader/dp_state_file_fuzz -max_total_time=600 tests/loader/fuzz_corpus
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loader/desired_state.h"
#include "loader/map_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sandnet::dp;
  static const AgentConfig config = default_agent_config();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    DesiredState s = parse_desired_state(text, config);
    Capacity cap;
    cap.max_endpoints = cap.max_sets = cap.max_networks = 64;
    cap.max_local_taps = 32;
    auto taps = [](const std::string& name) -> std::optional<TapInfo> {
      if (name.size() % 3 == 0) return std::nullopt;  // some taps "missing"
      return TapInfo{static_cast<uint32_t>(name.size() * 7 + name[0]), {0x0e, 0, 0, 0, 0, 1}};
    };
    Plan first = plan_update(s, {}, taps, cap);
    Plan again = plan_update(s, first.target, taps, cap);
    if (again.writes() != 0) __builtin_trap();  // re-applying must write nothing
  } catch (const StateError&) {
  } catch (const CapacityError&) {
  }
  return 0;
}
