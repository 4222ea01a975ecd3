// Snapshot boots against a scripted guest (no QEMU): what happens when a
// snapshot cannot be taken or restored. The scripted backend has no QMP,
// so every restore fails the way a real one does when QEMU cannot be
// driven: the guest must boot cold, the snapshot must go, and the key must
// not be tried again. Real restores are tested end to end
// (harness/tests/test_snapshots.py).
#include "lab/runner/snapshot_boot.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "base/small_file.h"
#include "lab/common/paths.h"
#include "lab/runner/scripted_guest.h"

namespace famlab::runner {
namespace {

namespace fs = std::filesystem;
using report::Status;
using testing::Reply;
using testing::ScriptedBackend;

class SnapshotBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"qemu", "bzImage", "initrd"}) std::ofstream(dir_.path() / f) << f;
  }

  // The scenario's one guest, planned cold or restoring `restore`.
  std::vector<std::unique_ptr<Guest>> plan(const fs::path& restore) {
    restores_ += restore.empty() ? 0 : 1;
    auto g = std::make_unique<Guest>();
    g->artifacts = dir_.path() / "artifacts";
    g->run_dir = dir_.path() / "run";
    fs::create_directories(g->artifacts);
    fs::create_directories(g->run_dir);
    g->qemu.vm.boot.kernel = dir_.path() / "bzImage";
    g->qemu.vm.boot.initrd = dir_.path() / "initrd";
    g->qemu.vm.agent.socket = g->run_dir / "agent.sock";
    g->qemu.argv = {"qemu-system-x86_64", "-kernel", g->qemu.vm.boot.kernel.string()};
    g->backend = std::make_unique<ScriptedBackend>([](const protocol::Request&) { return Reply{}; });
    g->session = std::make_unique<vm::GuestSession>(
        *g->backend, vm::VmSpec{g->qemu.vm, false, g->run_dir, {}},
        vm::SessionLogs{g->artifacts / "serial.log", g->artifacts / "dmesg.log", g->artifacts / "agent.log",
                        restore.empty() ? fs::path{} : restore.parent_path()});
    std::vector<std::unique_ptr<Guest>> guests;
    guests.push_back(std::move(g));
    return guests;
  }
  PlanGuestsWith planner() {
    return [this](const fs::path& restore) { return plan(restore); };
  }
  std::string key() {
    auto guests = plan({});
    return snapshot_key(snapshot_key_inputs(*guests[0], dir_.path() / "qemu"));
  }
  // A published snapshot for this guest, with a boot log.
  void publish_snapshot() {
    fs::path staging = store_.staging(key());
    std::ofstream(staging / "state.mig") << "a machine state";
    std::ofstream(staging / "serial.log") << "the snapshot's boot console\n";
    std::ofstream(staging / "dmesg.log") << "[    0.000000] Linux version 6.12\n";
    ASSERT_TRUE(store_.publish(staging, key(), {{"taken_at", "2026-12-07T15:00:00Z"}}));
  }
  BootedGuests boot() { return boot_with_snapshots(plan({}), planner(), &store_, dir_.path() / "qemu", 10); }

  RunDir dir_{"famlab-snapshot-boot-"};
  SnapshotStore store_{dir_.path() / "snapshots"};
  int restores_ = 0;
};

TEST_F(SnapshotBootTest, AColdBootWithoutQmpSaysWhyNoSnapshotWasTaken) {
  BootedGuests b = boot();
  ASSERT_EQ(b.boots.size(), 1u);
  EXPECT_EQ(b.boots[0].step.status, Status::Passed) << b.boots[0].step.message;
  const auto& snap = b.boots[0].step.data["snapshot"];
  EXPECT_EQ(snap["cold"], "no snapshot yet");
  EXPECT_NE(snap.value("not_taken", "").find("no QMP"), std::string::npos) << snap.dump();
  EXPECT_FALSE(store_.find(key()).found);
  EXPECT_EQ(restores_, 0);
  shutdown_guests(b.guests, 5);
}

TEST_F(SnapshotBootTest, ASnapshotThatFailsToRestoreIsDroppedRememberedAndTheGuestBootsCold) {
  publish_snapshot();
  BootedGuests b = boot();
  ASSERT_EQ(b.boots.size(), 1u);
  EXPECT_EQ(b.boots[0].step.status, Status::Passed) << b.boots[0].step.message;
  EXPECT_EQ(restores_, 1);
  const std::string cold = b.boots[0].step.data["snapshot"]["cold"];
  EXPECT_NE(cold.find("restoring snapshot " + key().substr(0, 12) + " failed (no QMP"), std::string::npos)
      << cold;
  EXPECT_NE(cold.find("booted cold"), std::string::npos);
  EXPECT_FALSE(b.boots[0].step.data["snapshot"].contains("taken"));
  EXPECT_FALSE(fs::exists(store_.root() / key()));
  EXPECT_TRUE(fs::exists(store_.root() / (key() + ".failed")));
  // The failed restore's console, which began with the snapshot's boot, is kept.
  EXPECT_NE(read_small_file(dir_.path() / "artifacts" / "restore-failed.serial.log")
                .find("the snapshot's boot console"),
            std::string::npos);
  EXPECT_EQ(b.snapshot, cold);
  shutdown_guests(b.guests, 5);

  // The key is not tried again, and not taken again.
  publish_snapshot();
  BootedGuests again = boot();
  EXPECT_EQ(restores_, 1);
  EXPECT_NE(again.boots[0].step.data["snapshot"]["cold"].get<std::string>().find("failed to restore before"),
            std::string::npos);
  shutdown_guests(again.guests, 5);
}

TEST_F(SnapshotBootTest, ADamagedSnapshotIsRemovedAndTheBootSaysSo) {
  publish_snapshot();
  std::ofstream(store_.root() / key() / "state.mig", std::ios::app) << "x";
  BootedGuests b = boot();
  EXPECT_EQ(restores_, 0);
  const std::string cold = b.boots[0].step.data["snapshot"]["cold"];
  EXPECT_NE(cold.find("is damaged (state.mig has 16 bytes, meta.json says 15); removed: booted cold"),
            std::string::npos)
      << cold;
  shutdown_guests(b.guests, 5);
}

TEST_F(SnapshotBootTest, WithoutAStoreTheBootIsPlainAndSaysNothingOfSnapshots) {
  BootedGuests b = boot_with_snapshots(plan({}), planner(), nullptr, dir_.path() / "qemu", 10);
  EXPECT_EQ(b.boots[0].step.status, Status::Passed);
  EXPECT_FALSE(b.boots[0].step.data.contains("snapshot"));
  EXPECT_TRUE(b.snapshot.empty());
  shutdown_guests(b.guests, 5);
}

TEST(RestoredSnapshot, IsReadFromTheBootStepOnlyWhenTheGuestWasRestored) {
  report::ScenarioResult r;
  EXPECT_EQ(restored_snapshot(r), "");
  report::StepResult boot;
  boot.name = "boot";
  boot.action = "boot";
  boot.data["snapshot"] = {{"cold", "no snapshot yet"}, {"taken", "deda46ae700a"}};
  r.steps.push_back(boot);
  EXPECT_EQ(restored_snapshot(r), "");
  r.steps[0].data["snapshot"] = {{"restored", "deda46ae700a"}, {"load_seconds", 0.03}};
  EXPECT_EQ(restored_snapshot(r), "deda46ae700a");
  // A step of another action that happens to say "restored" is not a boot.
  r.steps[0].action = "exec";
  EXPECT_EQ(restored_snapshot(r), "");
}

}  // namespace
}  // namespace famlab::runner
