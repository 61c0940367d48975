// Used by HarnessSelfTest.ReaperRemovesLeftoversOfAKilledTestProcess: builds a topology under
// the prefix it is given, starts a child, writes the child's pid, then dies by SIGKILL with no
// cleanup at all, as a test process killed by a timeout would. The reaper must clean up.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/topology.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s PREFIX PID_FILE\n", argv[0]);
    return 2;
  }
  using namespace sandnet::testing;
  auto* topo = new Topology(argv[1]);  // never destroyed: the process dies first
  topo->add_sandbox("A");
  auto* sleeper = new ChildProcess({"sleep", "600"}, topo->host_netns(), topo->scratch_dir() + "/sleep.log");
  std::ofstream(argv[2]) << sleeper->pid() << "\n" << std::flush;
  kill(getpid(), SIGKILL);
  return 1;
}
