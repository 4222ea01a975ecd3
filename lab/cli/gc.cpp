// famlab gc: destroys the libvirt domains a crashed (SIGKILLed) run left
// behind on each --connect host, and their run directories when they are on
// this machine. See vm/libvirt_gc.h for what counts as famlab's.
#include <iostream>

#include "lab/cli/commands.h"
#include "lab/vm/libvirt_gc.h"

namespace famlab::cli {

int cmd_gc(const GcArgs& args) {
  int code = 0;
  std::vector<std::string> uris = args.connect.empty() ? std::vector<std::string>{""} : args.connect;
  for (const auto& uri : uris) {
    try {
      vm::LibvirtConnection c(uri);
      auto entries = vm::collect_garbage(c, {args.force, args.dry_run});
      int removed = 0, kept = 0;
      for (const auto& e : entries) {
        switch (e.action) {
          case vm::GcEntry::Action::Removed:
            ++removed;
            std::cout << (args.dry_run ? "would remove " : "removed ") << e.domain << ": " << e.why;
            if (!e.run_dir_removed.empty()) std::cout << "; run directory " << e.run_dir_removed;
            std::cout << std::endl;
            break;
          case vm::GcEntry::Action::Kept:
            ++kept;
            std::cout << "kept " << e.domain << ": " << e.why << std::endl;
            break;
          case vm::GcEntry::Action::Failed:
            code = 2;
            std::cout << "FAILED " << e.domain << ": " << e.why << std::endl;
            break;
        }
      }
      std::cout << "gc " << c.uri() << ": " << removed << (args.dry_run ? " to remove, " : " removed, ")
                << kept << " kept" << std::endl;
    } catch (const Error& e) {
      std::cerr << "famlab: error: " << e.what() << std::endl;
      code = 2;
    }
  }
  return code;
}

}  // namespace famlab::cli
