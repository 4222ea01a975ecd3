#include "lab/runner/launch.h"

#include <fstream>
#include <optional>
#include <thread>

#include "base/error.h"
#include "lab/plan/guest_plan.h"
#include "lab/runner/artifacts.h"
#include "lab/topology/load.h"

namespace famlab::runner {

std::unique_ptr<Guest> plan_guest(const GuestSetup& setup, const BackendFactory& make_backend) {
  if (!setup.software) throw Error("plan_guest: no kernel and image for guest '" + setup.name + "'");
  auto g = std::make_unique<Guest>();
  g->name = setup.name;
  g->run_dir = setup.run_dir;
  g->artifacts = setup.artifacts;
  std::filesystem::create_directories(setup.artifacts);
  g->topology = topology::load_topology(setup.topology_file);
  plan::VmInputs in;
  in.kernel = setup.software->kernel.image;
  in.initrd = setup.software->image.cpio;
  in.run_dir = setup.run_dir;
  in.interactive = setup.interactive;
  in.shared_volatile = setup.shared_volatile;
  in.restore_state = setup.restore_state;
  g->qemu = plan::make_qemu_plan(g->topology, in);
  g->guest_plan = plan::make_guest_plan(g->topology);

  write_artifact(
      setup.artifacts, "qemu-command.sh",
      "#!/bin/sh\n# The exact command famlab ran. File backends and the agent socket live in the\n"
      "# run directory, which is removed after the run (--keep-run-dir keeps it).\n" +
          std::string(setup.restore_state.empty()
                          ? ""
                          : "# It restores a snapshot (-incoming) and waits, paused, for 'cont' on its\n"
                            "# monitor; famlab run --cold writes the command that boots instead.\n") +
          shell_command(g->qemu.argv));
  write_artifact(setup.artifacts, "guest-plan.json", nlohmann::json(g->guest_plan).dump(2) + "\n");
  copy_artifact(setup.artifacts, "topology.toml", setup.topology_file);

  g->backend = make_backend(setup);
  g->session = std::make_unique<vm::GuestSession>(
      *g->backend, vm::VmSpec{g->qemu.vm, setup.interactive, setup.run_dir, setup.shared_dir},
      vm::SessionLogs{
          setup.artifacts / "serial.log", setup.artifacts / "dmesg.log", setup.artifacts / "agent.log",
          setup.restore_state.empty() ? std::filesystem::path{} : setup.restore_state.parent_path()});
  return g;
}

void open_qmp(Guest& guest) {
  auto transcript =
      std::make_shared<vm::QmpTranscript>(guest.artifacts.empty() ? "" : guest.artifacts / "qmp.log");
  try {
    auto transport = guest.backend->qmp_transport(transcript);
    if (!transport) {
      guest.qmp_problem = guest.backend->describe() + " offers no QMP";
      transcript->note(guest.qmp_problem);
      return;
    }
    auto client = std::make_unique<vm::QmpClient>(std::move(transport), transcript);
    client->connect(10);
    guest.qmp = std::move(client);
  } catch (const Error& e) {
    guest.qmp_problem = e.what();
  }
}

namespace {

// The boot step of a started guest: waits for its hello and judges it.
BootOutcome await_boot(Guest& guest, double timeout_s) {
  BootOutcome out;
  report::StepResult& boot = out.step;
  boot.name = "boot";
  boot.action = "boot";
  boot.guest = guest.name;
  boot.status = report::Status::Passed;
  vm::CallResult b = guest.session->wait_for_hello(timeout_s);
  boot.seconds = b.seconds;
  for (const auto& s : b.splats) boot.splats.push_back({s.kind, s.title, s.text});
  if (b.outcome != vm::Outcome::Finished) {
    boot.status = b.outcome == vm::Outcome::Interrupted ? report::Status::Error : report::Status::Failed;
    boot.message = std::string(vm::to_string(b.outcome)) + ": " + b.detail;
    // QEMU refusing its arguments is the lab's problem, not the kernel's.
    bool exited_without_panic = b.outcome == vm::Outcome::VmExited && guest.session->panic_text().empty();
    out.infrastructure = b.outcome == vm::Outcome::Interrupted || exited_without_panic;
    auto status = guest.session->exit_status();
    out.qemu_crashed = exited_without_panic && status && *status > 128;
  } else if (!boot.splats.empty()) {
    boot.status = report::Status::Failed;
    boot.message = "kernel " + boot.splats[0].kind + " during boot: " + boot.splats[0].title;
  } else {
    boot.data = {{"kernel", guest.session->hello().kernel_release},
                 {"guest_uptime", guest.session->hello().uptime}};
    open_qmp(guest);
    boot.data["qmp"] = guest.qmp ? "QEMU " + guest.qmp->qemu_version() + " over " + guest.qmp->describe()
                                 : "none: " + guest.qmp_problem;
  }
  if (!guest.name.empty() && !boot.message.empty())
    boot.message = "guest " + guest.name + ": " + boot.message;
  return out;
}

// A VM that could not even be started (QEMU not found, a backend error).
BootOutcome start_failed(const Guest& guest, const std::string& why) {
  BootOutcome out;
  out.step.name = "boot";
  out.step.action = "boot";
  out.step.guest = guest.name;
  out.step.status = report::Status::Error;
  out.step.message = (guest.name.empty() ? "" : "guest " + guest.name + ": ") + why;
  out.infrastructure = true;
  return out;
}

}  // namespace

BootOutcome boot_guest(Guest& guest, double timeout_s) {
  try {
    guest.session->start();
  } catch (const vm::HostError&) {
    throw;
  } catch (const Error& e) {
    return start_failed(guest, e.what());
  }
  return await_boot(guest, timeout_s);
}

std::vector<BootOutcome> boot_guests(const std::vector<std::unique_ptr<Guest>>& guests, double timeout_s) {
  // Every VM starts from this thread (see GuestSession::boot), then each
  // hello is awaited in turn: they boot side by side all the same.
  std::vector<std::optional<BootOutcome>> failed(guests.size());
  for (size_t i = 0; i < guests.size(); ++i) {
    try {
      guests[i]->session->start();
    } catch (const vm::HostError&) {
      shutdown_guests(guests, 1);
      throw;  // the pool takes the scenario to another host
    } catch (const Error& e) {
      failed[i] = start_failed(*guests[i], e.what());
    }
  }
  std::vector<BootOutcome> boots;
  for (size_t i = 0; i < guests.size(); ++i)
    boots.push_back(failed[i] ? *failed[i] : await_boot(*guests[i], timeout_s));
  return boots;
}

BootedGuests boot_guests_once_more(std::vector<std::unique_ptr<Guest>> guests, const PlanGuests& replan,
                                   double timeout_s) {
  BootedGuests out;
  out.guests = std::move(guests);
  out.boots = boot_guests(out.guests, timeout_s);
  std::string why;
  for (size_t i = 0; i < out.boots.size(); ++i) {
    if (!out.boots[i].qemu_crashed) continue;
    why += (why.empty() ? "" : "; ") + out.boots[i].step.message;
    const auto& dir = out.guests[i]->artifacts;
    std::error_code ec;  // the console stays in serial.log when it cannot move
    if (!dir.empty()) std::filesystem::rename(dir / "serial.log", dir / "serial.qemu-crash.log", ec);
  }
  if (why.empty()) return out;
  shutdown_guests(out.guests, 1);
  std::vector<std::unique_ptr<Guest>> fresh;
  try {
    fresh = replan();
  } catch (const Error& e) {
    for (auto& b : out.boots)
      if (b.qemu_crashed) b.step.message += "; planning the guests again failed: " + std::string(e.what());
    return out;
  }
  out.guests.clear();  // the crashed set goes before the fresh one starts
  out.guests = std::move(fresh);
  out.boots = boot_guests(out.guests, timeout_s);
  out.retried = why +
                " (QEMU crashed, not the kernel: all guests booted once more; the crashed console is "
                "serial.qemu-crash.log)";
  return out;
}

void shutdown_guests(const std::vector<std::unique_ptr<Guest>>& guests, double timeout_s) {
  std::vector<std::thread> stops;
  for (const auto& g : guests) stops.emplace_back([&g, timeout_s] { g->session->shutdown(timeout_s); });
  for (auto& t : stops) t.join();
}

std::map<std::string, std::filesystem::path> make_shared_memory(const scenario::Scenario& sc,
                                                                const std::filesystem::path& dir) {
  std::map<std::string, std::filesystem::path> files;
  for (const auto& id : sc.shared_devices) {
    uint64_t size = 0;
    for (const auto& g : sc.guests) {
      topology::Topology t = topology::load_topology(g.topology_file);
      for (const auto& d : t.devices)
        if (d.id == id) size = d.volatile_size;
      if (size) break;
    }
    std::filesystem::path file = dir / ("shared-" + id + ".mem");
    // Sparse, at the device's size, before any QEMU maps it: every guest
    // then maps this one inode.
    std::ofstream(file, std::ios::binary).close();
    std::filesystem::resize_file(file, size);
    files[id] = file;
  }
  return files;
}

}  // namespace famlab::runner
