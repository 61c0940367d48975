// Helpers both stores' batch reads share (sqlite_follower_reads.cc, pg_follower_reads.cc):
// a list of ids bound as one JSON array parameter, and records found again by id.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace sandnet::api {

inline std::string json_id_list(const std::vector<std::string>& ids) {
  return nlohmann::json(ids).dump();
}

template <typename Record>
std::unordered_map<std::string, Record*> index_by_id(std::vector<Record>& records) {
  std::unordered_map<std::string, Record*> out;
  for (Record& r : records) out[r.id] = &r;
  return out;
}

}  // namespace sandnet::api
