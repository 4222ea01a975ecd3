#include "lab/vm/libvirt_gc.h"

#include <libvirt/virterror.h>

#include "lab/vm/domain_metadata.h"

namespace fs = std::filesystem;

namespace famlab::vm {
namespace {

std::string owner_text(const DomainOwner& o) {
  return "run " + o.run_id + " (" + o.scenario + " [" + o.kernel + "]), famlab pid " + std::to_string(o.pid) +
         " on " + o.controller;
}

// A crashed run's private directory, if it is on this machine and looks
// like one of ours (famlab-run-*, a directory).
std::string remove_run_dir(const DomainOwner& o, bool dry_run) {
  if (o.run_dir.empty() || !owner_is_on_this_machine(o)) return "";
  fs::path dir(o.run_dir);
  std::error_code ec;
  if (!dir.filename().string().starts_with("famlab-run-") || !fs::is_directory(dir, ec)) return "";
  if (!dry_run) fs::remove_all(dir, ec);
  return ec ? "" : dir.string();
}

}  // namespace

std::vector<GcEntry> collect_garbage(const LibvirtConnection& c, const GcOptions& options) {
  std::vector<GcEntry> out;
  for (auto& dom : list_active_domains(c)) {
    std::string name = dom.name();
    if (!name.starts_with(kDomainPrefix)) continue;
    GcEntry e;
    e.domain = name;
    auto meta = dom.metadata(kMetadataNamespace);
    std::optional<DomainOwner> owner = meta ? parse_owner_element(*meta) : std::nullopt;
    if (!owner) {
      e.why = "no famlab metadata: not started by famlab";
    } else if (dom.persistent()) {
      e.why = "persistent: famlab only starts transient domains";
    } else if (owner_is_alive_here(*owner) && !options.force) {
      e.why = owner_text(*owner) + " is still running";
    } else if (!owner_is_on_this_machine(*owner) && !options.force) {
      e.why =
          owner_text(*owner) + ": another machine, cannot tell whether it still runs (--force removes it)";
    } else {
      e.why = owner_text(*owner);
      if (options.dry_run) {
        e.action = GcEntry::Action::Removed;
      } else if (virDomainDestroy(dom.get()) == 0 || libvirt_error_code() == VIR_ERR_NO_DOMAIN) {
        e.action = GcEntry::Action::Removed;
      } else {
        e.action = GcEntry::Action::Failed;
        e.why = c.message("cannot destroy " + name);
      }
      if (e.action == GcEntry::Action::Removed && !owner_is_alive_here(*owner))
        e.run_dir_removed = remove_run_dir(*owner, options.dry_run);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace famlab::vm
