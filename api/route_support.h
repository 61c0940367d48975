// Helpers shared by the route groups: resolving path references to the caller's objects,
// JSON views of stored objects, pagination envelopes and Idempotency-Key handling.
#pragma once
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/routes.h"
#include "api/validation.h"

namespace sandnet::api {

// The caller's network/sandbox named by ref (name or id), or ApiError 404. A ref that is not
// even well-formed cannot name anything, so it is a 404 too (paths are not validated as 400).
Network resolve_network(ReadTx& tx, UserId user, const std::string& ref);
Sandbox resolve_sandbox(ReadTx& tx, UserId user, const std::string& ref);

nlohmann::json network_json(const Network& n);
nlohmann::json member_json(const Member& m);
nlohmann::json sandbox_json(const Sandbox& s, const std::vector<NetworkSummary>& networks);

// {"data": [...], "pagination": {"total", "limit", "offset", "count"}}
nlohmann::json page_json(nlohmann::json items, int64_t total, const Pagination& p);

// Runs a mutating handler body in one write transaction. With an Idempotency-Key header the
// first successful answer is stored with the request's fingerprint in that same transaction;
// a retry with the same fingerprint replays it, a different one gets 422.
Reply idempotent_write(Call& call, Store& store, const std::function<Reply(WriteTx&)>& fn);

// Content-Type check + body parse for POST routes.
void require_json_body(const Call& call);

}  // namespace sandnet::api
