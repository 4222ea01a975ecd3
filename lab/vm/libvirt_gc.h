#pragma once
// `famlab gc`: finds what a crashed run left on a libvirt host and destroys
// it. A domain is famlab's only if its name has kDomainPrefix AND it carries
// famlab's <metadata> element AND it is transient (famlab never defines
// domains). Of those, a domain whose famlab is still running on this machine
// is kept; so is one started from another machine (its famlab cannot be
// checked from here) unless forced.
#include <string>
#include <vector>

#include "lab/vm/libvirt_connection.h"

namespace famlab::vm {

struct GcOptions {
  bool force = false;    // also domains whose famlab runs elsewhere (or still runs here)
  bool dry_run = false;  // say what would go, touch nothing
};

struct GcEntry {
  std::string domain;
  enum class Action { Removed, Kept, Failed } action = Action::Kept;
  std::string why;
  std::string run_dir_removed;  // the leftover run directory, when it was on this machine
};

std::vector<GcEntry> collect_garbage(const LibvirtConnection& c, const GcOptions& options);

}  // namespace famlab::vm
