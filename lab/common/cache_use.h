#pragma once
// How famlab marks a cache entry (a kernel, an image, a build's sources) as
// in use and as used, so that `famlab cache` (lab/cache) never removes one
// that a running famlab may read, and can tell which were used last.
//
// A famlab holds a shared lock on "<entry>.in-use" for as long as it may
// read the entry; `famlab cache` removes an entry only while it holds that
// lock exclusively. The entry's modification time is its last use.
#include <filesystem>
#include <memory>

#include "lab/common/file_lock.h"

namespace famlab {

// "<entry>.in-use", beside the entry.
std::filesystem::path in_use_lock(const std::filesystem::path& entry);

// The shared lock on the entry's in-use file; waits while `famlab cache`
// is removing the entry (afterwards the entry is simply not there).
std::shared_ptr<FileLock> hold_cache_entry(const std::filesystem::path& entry);

// Records a use: the entry's modification time becomes now. Quietly does
// nothing when the entry is missing or not ours to touch.
void mark_used(const std::filesystem::path& entry);

}  // namespace famlab
