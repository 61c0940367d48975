#include "common/push/push_protocol.h"

namespace sandnet::table_push {

std::string_view to_string(PushStatus status) {
  switch (status) {
    case PushStatus::kOk: return "ok";
    case PushStatus::kBadFrame: return "bad frame";
    case PushStatus::kTooLarge: return "table too large";
    case PushStatus::kInvalidTable: return "invalid table";
    case PushStatus::kWriteFailed: return "write failed";
    case PushStatus::kBaseMismatch: return "base table not held";
  }
  return "unknown status";
}

}  // namespace sandnet::table_push
