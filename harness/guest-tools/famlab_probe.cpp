// famlab-probe: see probe_ops.h.
#include <cstdio>

#include "harness/guest-tools/probe_ops.h"

int main(int argc, char** argv) {
  using namespace famlab::probe;
  if (argc < 3) {
    std::fprintf(stderr, "usage: famlab-probe FILE OP... (see harness/guest-tools/probe_ops.h)\n");
    return 2;
  }
  std::vector<Op> ops;
  for (int i = 2; i < argc; ++i) {
    auto op = parse_op(argv[i]);
    if (!op) {
      std::fprintf(stderr, "famlab-probe: cannot understand operation '%s'\n", argv[i]);
      return 2;
    }
    ops.push_back(*op);
  }
  return run_ops(argv[1], ops) ? 0 : 1;
}
