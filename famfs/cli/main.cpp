// famfs: one static binary for the lab's famfs tools and FUSE server.
#include <iostream>

#include "famfs/cli/famfs_cli.h"

int main(int argc, char** argv) { return famlab::famfs::cli::run_cli(argc, argv, std::cout, std::cerr); }
