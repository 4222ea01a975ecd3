// famlab cache: lists the cache (lab/cache/cache_listing.h) with sizes and
// last use; with --older-than and/or --max-size removes what is old or too
// much (lab/cache/cache_prune.h), never an entry in use.
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>

#include "base/error.h"
#include "base/units.h"
#include "lab/cache/cache_listing.h"
#include "lab/cache/cache_prune.h"
#include "lab/cli/commands.h"
#include "lab/common/paths.h"

namespace famlab::cli {
namespace {

std::string when(std::time_t t) {
  char buf[32];
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

void print_listing(const cache::Listing& l) {
  std::cout << "cache " << l.root.string() << ": " << cache::format_disk_size(l.total_bytes()) << " in "
            << l.entries.size() << " entries (least recently used first)\n";
  if (l.entries.empty()) return;
  std::cout << std::left << std::setw(18) << "LAST USE" << std::right << std::setw(6) << "SIZE"
            << "  " << std::left << std::setw(28) << "KIND"
            << "ENTRY\n";
  for (const auto& e : l.entries) {
    std::cout << std::left << std::setw(18) << when(e.last_used) << std::right << std::setw(6)
              << cache::format_disk_size(e.bytes) << "  " << std::left << std::setw(28) << e.kind << e.name;
    if (std::string busy = cache::in_use_by(e); !busy.empty()) std::cout << "  (in use: " << busy << ")";
    if (!e.removable) std::cout << "  (never removed)";
    std::cout << "\n";
  }
}

}  // namespace

int cmd_cache(const CacheArgs& args) {
  cache::PruneRule rule;
  rule.dry_run = args.dry_run;
  if (!args.older_than.empty()) {
    rule.older_than = cache::parse_age(args.older_than);
    if (!rule.older_than)
      throw Error("--older-than '" + args.older_than +
                  "': give a number and a unit, e.g. 30d, 2w, 12h, 90m, 45s");
  }
  if (!args.max_size.empty()) {
    rule.max_bytes = parse_size(args.max_size);
    if (!rule.max_bytes) throw Error("--max-size '" + args.max_size + "': give a size, e.g. 20G, 500M");
  }
  cache::Listing listing = cache::list_cache(cache_dir());
  if (!rule.older_than && !rule.max_bytes) {
    if (args.dry_run) throw Error("--dry-run goes with --older-than or --max-size");
    print_listing(listing);
    return 0;
  }

  cache::PruneResult r = cache::prune(listing, rule, std::time(nullptr));
  int removed = 0, in_use = 0, failed = 0;
  for (const auto& o : r.outcomes) {
    std::string what = o.name + " (" + o.kind + ", " + cache::format_disk_size(o.freed ? o.freed : o.bytes) +
                       ", last used " + when(o.last_used) + ")";
    switch (o.what) {
      case cache::PruneOutcome::What::Removed:
        ++removed;
        std::cout << "removed " << what << "\n";
        break;
      case cache::PruneOutcome::What::WouldRemove:
        ++removed;
        std::cout << "would remove " << what << "\n";
        break;
      case cache::PruneOutcome::What::InUse:
        ++in_use;
        std::cout << "kept " << what << ": in use (" << o.why << ")\n";
        break;
      case cache::PruneOutcome::What::Failed:
        ++failed;
        std::cout << "FAILED " << what << ": " << o.why << "\n";
        break;
    }
  }
  std::cout << "cache " << listing.root.string() << ": " << removed
            << (args.dry_run ? " would be removed (" : " removed (") << cache::format_disk_size(r.freed)
            << "), " << in_use << " in use, " << failed << " failed; " << cache::format_disk_size(r.left)
            << (args.dry_run ? " would be left" : " left");
  if (rule.max_bytes && r.left > *rule.max_bytes)
    std::cout << ", more than --max-size " << args.max_size << (in_use ? " because entries are in use" : "");
  std::cout << std::endl;
  return failed ? 2 : 0;
}

}  // namespace famlab::cli
