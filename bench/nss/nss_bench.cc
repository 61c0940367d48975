// bench/nss: nanoseconds per getaddrinfo() through libnss_sandnet.so.2 ("hosts: sandnet"),
// through glibc's files module holding the same names ("hosts: files"), and through
// libnss_sbconst.so.2 answering one name from a constant ("hosts: sbconst", the floor: what
// glibc's dispatch alone costs). Configurations alternate within each round (A B C, then
// C B A) and ratios are taken within a round, because this machine is noisy.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include "bench/nss/bench_dataset.h"
#include "bench/nss/lookup_child.h"

namespace sandnet::nss_bench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Series {
  std::vector<double> ns;
  std::vector<double> ratio_to_floor;
  long wrong = 0;
};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"NSS lookup cost: sandnet vs files vs the dispatch floor"};
  std::vector<size_t> sizes = {10, 1000, 10000, 100000};
  int rounds = 5;
  int trial_ms = 300;
  std::string out = "nss_bench.json", scratch_root = "/tmp";
  Modules modules;
  app.add_option("--sizes", sizes, "table sizes (names)")->delimiter(',')->capture_default_str();
  app.add_option("--rounds", rounds, "rounds per size (each runs every configuration)")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--trial-ms", trial_ms, "timed loop per measurement")->capture_default_str()->check(CLI::Range(1, 60000));
  app.add_option("--out", out, "JSON result file")->capture_default_str();
  app.add_option("--sandnet-module", modules.sandnet, "libnss_sandnet.so.2")->required()->check(CLI::ExistingFile);
  app.add_option("--sbconst-module", modules.sbconst, "libnss_sbconst.so.2")->required()->check(CLI::ExistingFile);
  app.add_option("--scratch", scratch_root, "directory for generated tables")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string tmpl = scratch_root + "/sandnet-nss-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  std::filesystem::path scratch = tmpl;
  struct RemoveOnExit {
    std::filesystem::path dir;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove_scratch{scratch};

  const std::vector<Source> order = {Source::kFloor, Source::kSandnet, Source::kFiles};
  nlohmann::json results = nlohmann::json::array();
  fmt::print("{:>8} {:>5} {:>11} {:>11} {:>11} {:>9} {:>9}\n", "entries", "kind", "floor ns", "sandnet ns",
             "files ns", "sandnet/fl", "files/fl");
  bool all_correct = true;
  for (size_t size : sizes) {
    Dataset d = make_dataset(size, scratch / fmt::format("n{}", size));
    for (bool hits : {true, false}) {
      std::map<Source, Series> series;
      for (int r = 0; r < rounds; r++) {
        std::map<Source, double> round;
        auto this_order = order;
        if (r % 2) std::reverse(this_order.begin(), this_order.end());
        for (Source s : this_order) {
          Measurement m = measure(s, hits, d, modules, scratch / "ns", std::chrono::milliseconds(trial_ms));
          round[s] = m.ns_per_lookup;
          series[s].ns.push_back(m.ns_per_lookup);
          series[s].wrong += m.wrong_answers;
        }
        for (Source s : order) series[s].ratio_to_floor.push_back(round[s] / round[Source::kFloor]);
      }
      nlohmann::json row = {{"entries", size}, {"kind", hits ? "hit" : "miss"}, {"rounds", rounds}};
      for (Source s : order) {
        const Series& x = series[s];
        row[to_string(s)] = {{"median_ns", median(x.ns)},
                             {"ns_per_round", x.ns},
                             {"median_ratio_to_floor", median(x.ratio_to_floor)},
                             {"wrong_answers", x.wrong}};
        if (x.wrong) all_correct = false;
      }
      results.push_back(row);
      fmt::print("{:>8} {:>5} {:>11.0f} {:>11.0f} {:>11.0f} {:>9.2f}x {:>9.2f}x\n", size, hits ? "hit" : "miss",
                 median(series[Source::kFloor].ns), median(series[Source::kSandnet].ns),
                 median(series[Source::kFiles].ns), median(series[Source::kSandnet].ratio_to_floor),
                 median(series[Source::kFiles].ratio_to_floor));
      std::fflush(stdout);
    }
  }
  nlohmann::json doc = {{"benchmark", "nss getaddrinfo"},
                        {"unit", "ns per getaddrinfo(AF_UNSPEC, SOCK_STREAM)"},
                        {"trial_ms", trial_ms},
                        {"results", results}};
  std::ofstream(out) << doc.dump(2) << "\n";
  fmt::print("wrote {}\n", out);
  if (!all_correct) {
    fmt::print(stderr, "some lookups gave wrong answers (see wrong_answers)\n");
    return 1;
  }
  return 0;
}

}  // namespace sandnet::nss_bench

int main(int argc, char** argv) {
  try {
    return sandnet::nss_bench::run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "nss_bench: {}\n", e.what());
    return 1;
  }
}
