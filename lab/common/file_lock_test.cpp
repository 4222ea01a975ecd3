#include "lab/common/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "lab/common/cache_use.h"

using namespace famlab;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
  std::string tmpl = (fs::temp_directory_path() / "famlab-lock-test-XXXXXX").string();
  EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

}  // namespace

TEST(FileLock, ExclusiveExcludesEveryoneSharedOnlyWriters) {
  fs::path dir = fresh_dir();
  fs::path f = dir / "x.lock";
  {
    FileLock held(f);
    EXPECT_EQ(FileLock::try_lock(f), nullptr);
    EXPECT_EQ(FileLock::try_lock(f, FileLock::Mode::Shared), nullptr);
  }
  {
    FileLock reader(f, {}, FileLock::Mode::Shared);
    EXPECT_NE(FileLock::try_lock(f, FileLock::Mode::Shared), nullptr);  // readers share
    EXPECT_EQ(FileLock::try_lock(f), nullptr);                          // a remover waits for them
  }
  EXPECT_NE(FileLock::try_lock(f), nullptr);
  fs::remove_all(dir);
}

// A famlab waiting for an entry that `famlab cache` is removing (lock file
// and all) must end up holding the lock file that is there afterwards, not
// the removed one: otherwise the next remover would not see it.
TEST(FileLock, AWaiterLocksTheFileThatIsThereNotARemovedOne) {
  fs::path dir = fresh_dir();
  fs::path f = dir / "x.in-use";
  auto remover = FileLock::try_lock(f);
  ASSERT_NE(remover, nullptr);
  std::atomic<bool> waiting{false}, locked{false};
  std::thread reader([&] {
    FileLock r(
        f, [&] { waiting = true; }, FileLock::Mode::Shared);
    locked = true;
    // Hold it until the main thread has looked.
    while (locked) std::this_thread::yield();
  });
  while (!waiting) std::this_thread::yield();
  remover->remove_file();
  remover.reset();
  while (!locked) std::this_thread::yield();
  EXPECT_TRUE(fs::exists(f));
  EXPECT_EQ(FileLock::try_lock(f), nullptr) << "the reader holds a lock on a file nobody can see";
  locked = false;
  reader.join();
  fs::remove_all(dir);
}

TEST(CacheUse, HoldingAnEntryKeepsRemoversOutAndUseSetsItsTime) {
  fs::path dir = fresh_dir();
  fs::path entry = dir / "kernels" / "plain-0123456789abcdef";
  auto hold = hold_cache_entry(entry);
  EXPECT_EQ(in_use_lock(entry), entry.string() + ".in-use");
  EXPECT_EQ(FileLock::try_lock(in_use_lock(entry)), nullptr);
  hold.reset();
  EXPECT_NE(FileLock::try_lock(in_use_lock(entry)), nullptr);

  fs::create_directories(entry);
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 40);
  fs::last_write_time(entry, old);
  mark_used(entry);
  EXPECT_GT(fs::last_write_time(entry), old + std::chrono::hours(24 * 39));
  mark_used(dir / "missing");  // quietly nothing
  fs::remove_all(dir);
}
