// Which hosts this replica has heard from, for their leases (lease_keeper.h): every request a
// host makes with its token marks it seen, and a request still in progress (a long-poll
// waiting) keeps it seen for as long as it lasts. Memory only; the keeper stores it.
#pragma once
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace sandnet::api {

class HostPresence {
 public:
  // Held for the duration of one host request.
  class Visit {
   public:
    Visit(HostPresence& presence, std::string host);
    ~Visit();
    Visit(const Visit&) = delete;
    Visit& operator=(const Visit&) = delete;

   private:
    HostPresence& presence_;
    std::string host_;
  };

  // The hosts seen since the last take, and those with a request in progress now.
  std::vector<std::string> take();
  // Puts hosts back (their renewal could not be stored).
  void mark_seen(const std::vector<std::string>& hosts);

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
  std::map<std::string, int> in_progress_;
};

}  // namespace sandnet::api
