#pragma once
// The `famfs` command line: parses, runs one subcommand, and turns errors
// into a message on `err` and an exit status (0 ok, 1 failed, 2 usage).
#include <ostream>

namespace famlab::famfs::cli {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace famlab::famfs::cli
