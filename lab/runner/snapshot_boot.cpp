#include "lab/runner/snapshot_boot.h"

#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>

#include "base/error.h"
#include "base/hex.h"
#include "lab/vm/interrupt.h"
#include "lab/vm/machine_state.h"
#include "protocol/results.h"

namespace famlab::runner {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
using report::Status;

std::string short_key(const std::string& key) { return key.substr(0, 12); }

std::string megabytes_in_seconds(uint64_t bytes, double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%.0f MB in %.2f s", static_cast<double>(bytes) / 1e6, seconds);
  return text;
}

// 32 bytes from the host's CRNG, as hex, for the guest's.
std::string fresh_entropy() {
  uint8_t bytes[32];
  if (getrandom(bytes, sizeof bytes, 0) != sizeof bytes) throw Error("getrandom failed");
  return hex_bytes(bytes, sizeof bytes);
}

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The boot step of a guest restored from `snap`: QEMU loads the state, the
// agent resumes. Passed only when every part worked and the kernel said
// nothing bad; the message says what did not.
BootOutcome restore_boot(Guest& guest, const Snapshot& snap, double timeout_s) {
  BootOutcome out;
  report::StepResult& boot = out.step;
  boot.name = "boot";
  boot.action = "boot";
  boot.guest = guest.name;
  boot.status = Status::Failed;
  auto t0 = Clock::now();
  try {
    guest.session->start();
    open_qmp(guest);
    if (!guest.qmp) throw Error("no QMP to start the restored guest: " + guest.qmp_problem);
    double load_s = vm::start_restored(*guest.qmp, timeout_s);
    protocol::Request resume;
    resume.entropy = fresh_entropy();
    resume.clock_ns = realtime_ns();
    vm::CallResult r = guest.session->resume(resume, timeout_s);
    boot.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    for (const auto& s : r.splats) boot.splats.push_back({s.kind, s.title, s.text});
    if (r.outcome != vm::Outcome::Finished)
      throw Error(std::string(vm::to_string(r.outcome)) + ": " + r.detail);
    if (!r.finished.ok) throw Error("the agent could not resume: " + r.finished.error);
    if (!boot.splats.empty())
      throw Error("kernel " + boot.splats[0].kind + " while resuming: " + boot.splats[0].title);
    protocol::ResumeResult resumed = protocol::decode_resume_result(r.finished.result);
    boot.status = Status::Passed;
    boot.data = {{"kernel", resumed.kernel},
                 {"guest_uptime", resumed.uptime},
                 {"qmp", "QEMU " + guest.qmp->qemu_version() + " over " + guest.qmp->describe()},
                 {"snapshot",
                  {{"restored", short_key(snap.meta.value("key", ""))},
                   {"taken_at", snap.meta.value("taken_at", "")},
                   {"load_seconds", load_s},
                   {"clock_step_seconds", resumed.clock_step_s},
                   {"reprobed_host_bridges", resumed.host_bridges},
                   {"memdevs", resumed.memdevs},
                   {"reprobe_seconds", resumed.reprobe_seconds}}}};
  } catch (const Error& e) {
    boot.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    boot.message = e.what();
  }
  return out;
}

// Renames, or copies and removes across file systems.
void move_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec)
    throw Error(Location{from.string()},
                "cannot move the saved state to " + to.string() + ": " + ec.message());
  fs::remove(from, ec);
}

// Saves the cold-booted guest's state as the snapshot for `key`; the guest
// runs on. What happened, for the boot step's data.
nlohmann::json take_snapshot(Guest& guest, SnapshotStore& store, const std::string& key,
                             double boot_seconds) {
  if (!guest.qmp) return {{"not_taken", "no QMP: " + guest.qmp_problem}};
  fs::path dir = store.staging(key);
  // A confined QEMU (libvirt's) writes where it may; the state moves into
  // the store afterwards.
  const bool confined = guest.backend && guest.backend->confined_to_run_dir();
  const fs::path written = confined ? guest.run_dir / "snapshot-state.mig" : dir / "state.mig";
  try {
    // The boot's logs as they stand when the guest stops: the kernel log
    // records the agent sent before then are read in first (it sends its
    // hello before the boot's records). A restored agent sends the rest.
    auto keep_boot_logs = [&] {
      guest.session->read_pending();
      for (const char* log : {"serial.log", "dmesg.log"})
        if (fs::exists(guest.artifacts / log)) fs::copy_file(guest.artifacts / log, dir / log);
    };
    vm::SavedState saved = vm::save_machine_state(*guest.qmp, written, 120, keep_boot_logs);
    if (confined) move_file(written, dir / "state.mig");
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    nlohmann::json meta = {{"taken_at", stamp},
                           {"kernel", guest.session->hello().kernel_release},
                           {"qemu", guest.qmp->qemu_version()},
                           {"boot_seconds", boot_seconds},
                           {"qemu_command", without_run_dir(guest.qemu.argv, guest.run_dir)}};
    bool published = store.publish(dir, key, meta);
    return {{"taken", short_key(key)},
            {"bytes", saved.bytes},
            {"save_seconds", saved.seconds},
            {"published", published}};
  } catch (const Error& e) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (confined) fs::remove(written, ec);
    return {{"not_taken", e.what()}};
  }
}

fs::path failed_marker(const SnapshotStore& store, const std::string& key) {
  return store.root() / (key + ".failed");
}

BootedGuests one_guest(std::vector<std::unique_ptr<Guest>> guests, BootOutcome boot) {
  BootedGuests out;
  out.guests = std::move(guests);
  out.boots.push_back(std::move(boot));
  return out;
}

// A restore's result: the booted guest (restored, or stopped by the user),
// or why it failed after the snapshot was dropped.
struct RestoreTry {
  std::optional<BootedGuests> booted;
  std::string failed;
};

RestoreTry try_restore(const PlanGuestsWith& plan, SnapshotStore& store, const std::string& key,
                       Snapshot snap, double timeout_s) {
  std::vector<std::unique_ptr<Guest>> restored;
  BootOutcome b;
  try {
    restored = plan(snap.state);
    b = restore_boot(*restored[0], snap, timeout_s);
  } catch (const Error& e) {
    b.step.status = Status::Error;
    b.step.message = std::string("planning the restore: ") + e.what();
  }
  if (b.step.status == Status::Passed) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f s", b.step.seconds);
    BootedGuests out = one_guest(std::move(restored), std::move(b));
    out.snapshot = "restored " + short_key(key) + " in " + secs;
    return {std::move(out), ""};
  }
  if (vm::interrupted()) {  // the user stopped famlab: not the snapshot's fault
    b.step.status = Status::Error;
    b.infrastructure = true;
    return {one_guest(std::move(restored), std::move(b)), ""};
  }
  // Never a wrong result: the restore's evidence is kept, the snapshot is
  // not tried again, and the guest boots cold.
  shutdown_guests(restored, 1);
  std::error_code ec;
  if (!restored.empty())
    for (const char* log : {"serial.log", "dmesg.log", "agent.log", "qmp.log"})
      fs::rename(restored[0]->artifacts / log,
                 restored[0]->artifacts / ("restore-failed." + std::string(log)), ec);
  std::ofstream(failed_marker(store, key)) << b.step.message << "\n";
  snap.in_use.reset();
  fs::remove_all(store.root() / key, ec);
  return {std::nullopt, "restoring snapshot " + short_key(key) + " failed (" + b.step.message +
                            "; its logs are restore-failed.*): booted cold"};
}

}  // namespace

SnapshotKeyInputs snapshot_key_inputs(const Guest& guest, const fs::path& qemu_binary) {
  SnapshotKeyInputs in;
  in.qemu_argv = guest.qemu.argv;
  in.run_dir = guest.run_dir;
  in.qemu_binary = qemu_binary;
  in.kernel = guest.qemu.vm.boot.kernel;
  in.initrd = guest.qemu.vm.boot.initrd;
  in.guest_plan = nlohmann::json(guest.guest_plan).dump();
  if (guest.backend) in.machine = guest.backend->machine_identity();
  return in;
}

BootedGuests boot_with_snapshots(std::vector<std::unique_ptr<Guest>> guests, const PlanGuestsWith& plan,
                                 SnapshotStore* store, const fs::path& qemu_binary, double timeout_s) {
  PlanGuests cold = [&plan] { return plan({}); };
  if (!store || guests.size() != 1) return boot_guests_once_more(std::move(guests), cold, timeout_s);

  std::string key, note;
  try {
    key = snapshot_key(snapshot_key_inputs(*guests[0], qemu_binary));
  } catch (const Error& e) {
    note = std::string("no snapshot: ") + e.what();
  }
  bool may_take = !key.empty();
  if (!key.empty() && fs::exists(failed_marker(*store, key))) {
    may_take = false;
    note = "snapshot " + short_key(key) + " failed to restore before (" +
           failed_marker(*store, key).string() + "): booted cold";
  } else if (!key.empty()) {
    SnapshotStore::Lookup found = store->find(key);
    if (!found.problem.empty()) note = found.problem + ": booted cold";
    if (found.found) {
      guests.clear();  // the cold plan's QEMU never started
      RestoreTry tried = try_restore(plan, *store, key, std::move(*found.found), timeout_s);
      if (tried.booted) return std::move(*tried.booted);
      note = tried.failed;
      may_take = false;
      guests = plan({});
    }
  }

  BootedGuests out = boot_guests_once_more(std::move(guests), cold, timeout_s);
  nlohmann::json what = {{"cold", note.empty() ? "no snapshot yet" : note}};
  if (may_take && out.boots.size() == 1 && out.boots[0].step.status == Status::Passed &&
      out.boots[0].step.splats.empty()) {
    what.update(take_snapshot(*out.guests[0], *store, key, out.boots[0].step.seconds));
    out.snapshot = what.contains("taken") ? "taken " + short_key(key) + " (" +
                                                megabytes_in_seconds(what["bytes"].get<uint64_t>(),
                                                                     what["save_seconds"].get<double>()) +
                                                ")"
                                          : "snapshot not taken: " + what.value("not_taken", "");
    if (!note.empty()) out.snapshot = note + "; " + out.snapshot;
  } else if (!note.empty()) {
    out.snapshot = note;
  }
  for (auto& b : out.boots) b.step.data["snapshot"] = what;
  return out;
}

std::string restored_snapshot(const report::ScenarioResult& result) {
  for (const auto& step : result.steps) {
    if (step.action != "boot") continue;
    const auto it = step.data.find("snapshot");
    if (it != step.data.end() && it->is_object() && it->contains("restored") && (*it)["restored"].is_string())
      return (*it)["restored"].get<std::string>();
  }
  return "";
}

}  // namespace famlab::runner
