#include "lab/runner/runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "lab/common/hash.h"
#include "lab/common/kernel_flavour.h"
#include "lab/common/paths.h"
#include "lab/plan/guest_plan.h"
#include "lab/plan/qemu_args.h"
#include "lab/report/json_report.h"
#include "lab/report/junit.h"
#include "lab/runner/artifacts.h"
#include "lab/runner/cold_confirmation.h"
#include "lab/runner/launch.h"
#include "lab/runner/scenario_run.h"
#include "lab/runner/snapshot_boot.h"
#include "lab/topology/load.h"
#include "lab/vm/domain_metadata.h"
#include "lab/vm/interrupt.h"
#include "lab/vm/libvirt_backend.h"
#include "lab/vm/qemu_backend.h"

namespace fs = std::filesystem;

namespace famlab::runner {
namespace {

using report::Status;

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::vector<fs::path> expand_scenario_args(const std::vector<std::string>& args) {
  std::vector<fs::path> out;
  for (const auto& a : args) {
    fs::path p(a);
    if (fs::is_directory(p)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".toml") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      if (found.empty()) throw Error(Location{a}, "no scenario files (*.toml) in this directory");
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p)) {
      out.push_back(p);
    } else {
      throw Error(Location{a}, "no such scenario file or directory");
    }
  }
  return out;
}

Runner::Runner(RunOptions options, report::Terminal& terminal)
    : options_(std::move(options)), term_(terminal) {}

const GuestSoftware& Runner::software(const kernel::KernelRequest& kreq) {
  std::lock_guard<std::mutex> lk(software_mu_);
  std::string key = kernel_label(kreq) + "|" + kreq.modules.string();
  for (const auto& [patch, text] : kreq.patch_texts) key += "|" + patch.string() + "=" + sha256_hex(text);
  auto it = software_.find(key);
  if (it == software_.end()) it = software_.emplace(key, prepare_guest(kreq, term_)).first;
  return it->second;
}

report::RunResult Runner::run(const std::vector<fs::path>& files) {
  report::RunResult run;
  run.started_at = now_iso8601();
  auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(options_.report_dir);

  // Parse everything first: a typo in the last file should not cost a boot.
  // A file listed twice (scenarios/ and scenarios/x.toml) runs once.
  std::vector<scenario::Scenario> scenarios;
  std::set<fs::path> seen;
  for (const auto& f : files) {
    if (!seen.insert(fs::weakly_canonical(f)).second) {
      term_.info(f.string() + " is listed twice: it runs once");
      continue;
    }
    scenarios.push_back(scenario::load_scenario(f));
  }

  struct Job {
    const scenario::Scenario* sc;
    const kernel::KernelRequest* kreq;
    std::string folder;  // its artifact folder (and libvirt domain) name, unique in the run
  };
  std::vector<Job> jobs;
  std::map<std::string, int> folders;
  for (const auto& kreq : options_.kernels)
    for (const auto& sc : scenarios) {
      if (!sc.applies_to(kernel_label(kreq))) continue;
      // Two files may give their scenarios one name: the second gets -2.
      std::string folder = artifact_dir_name(sc.name, kernel_label(kreq));
      if (int n = ++folders[folder]; n > 1) folder += "-" + std::to_string(n);
      jobs.push_back({&sc, &kreq, folder});
    }

  // Direct QEMU is a pool of one local host with -j slots; libvirt spreads
  // over its hosts.
  const bool libvirt = options_.backend == "libvirt";
  std::vector<HostSpec> hosts =
      libvirt && !options_.hosts.empty()
          ? options_.hosts
          : std::vector<HostSpec>{{"", libvirt ? 1 : std::max(1, options_.local_jobs)}};
  HostPool pool(hosts, jobs.size());
  std::vector<std::shared_ptr<vm::LibvirtConnection>> connections(hosts.size());
  size_t slots = 0;
  for (const auto& h : hosts) slots += static_cast<size_t>(h.slots);
  if (libvirt) {
    run_id_ = vm::new_run_id();
    term_.info("run " + run_id_ + ": libvirt domains " + vm::kDomainPrefix + run_id_ + "-*");
  }

  // Results in job order; the reports are rewritten after every scenario:
  // an interrupted or killed run still leaves valid files describing what
  // finished.
  std::vector<std::optional<report::ScenarioResult>> results(jobs.size());
  std::mutex results_mu;
  auto write_reports = [&] {
    run.scenarios.clear();
    for (const auto& r : results)
      if (r) run.scenarios.push_back(*r);
    run.seconds = since(t0);
    report::write_junit(run, options_.report_dir / "junit.xml");
    report::write_json(run, options_.report_dir / "report.json");
  };

  auto open = [&](size_t h) {
    if (!libvirt) return;
    try {
      connections[h] = std::make_shared<vm::LibvirtConnection>(hosts[h].uri);
    } catch (const Error& e) {
      term_.info(std::string("host unavailable: ") + e.what());
      throw;
    }
    term_.info("host " + connections[h]->uri() + ": " + std::to_string(hosts[h].slots) +
               " guest(s) at a time");
  };
  auto work = [&](size_t j, size_t h) {
    if (vm::interrupted()) {
      pool.stop();
      return;
    }
    Placement where{libvirt ? "libvirt" : "qemu", libvirt ? connections[h]->uri() : "", connections[h]};
    // With several guests at once each scenario's lines come out in one block.
    std::ostringstream buffered;
    report::Terminal job_term(buffered);
    report::Terminal& term = slots > 1 ? job_term : term_;
    if (slots > 1)
      term_.info("start " + jobs[j].sc->name + " [" + kernel_label(*jobs[j].kreq) + "] on " + where.host);
    report::ScenarioResult r;
    try {
      r = run_confirmed(*jobs[j].sc, *jobs[j].kreq, jobs[j].folder, term, where);
    } catch (const vm::HostError& e) {
      term_.info(std::string(e.kind() == vm::HostError::Kind::Down ? "host down: " : "host refused: ") +
                 e.what() + " (" + jobs[j].sc->name + " goes to another host if one can take it)");
      throw;
    }
    if (slots > 1) term_.raw(buffered.str());
    std::vector<std::string> before = pool.attempts(j);
    r.attempts.insert(r.attempts.begin(), before.begin(), before.end());
    std::lock_guard<std::mutex> lk(results_mu);
    results[j] = std::move(r);
    write_reports();
  };
  run_on_pool(pool, open, work);

  // Jobs that never ran: interrupted, or no host could take them. Never lost.
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (results[j]) continue;
    report::ScenarioResult r;
    r.name = jobs[j].sc->name;
    r.file = jobs[j].sc->file.string();
    r.kernel = kernel_label(*jobs[j].kreq);
    r.topology = jobs[j].sc->topology_file.stem().string();
    r.backend = libvirt ? "libvirt" : "qemu";
    r.attempts = pool.attempts(j);
    if (vm::interrupted() || pool.stopped()) {
      r.status = Status::Skipped;
      r.message = "not run: interrupted";
    } else {
      // Every host either failed this job or was down before it came up.
      std::vector<std::string> why = r.attempts;
      for (size_t h = 0; h < hosts.size(); ++h) {
        auto down = pool.down_reason(h);
        bool named = false;
        for (const auto& a : r.attempts)
          named = named || (!hosts[h].uri.empty() && a.find(hosts[h].uri) != std::string::npos);
        if (down && !named) why.push_back(*down);
      }
      r.status = Status::Error;
      r.message = "no host could run it";
      for (size_t i = 0; i < why.size(); ++i) r.message += (i ? "; " : ": ") + why[i];
      term_.scenario_done(r);
    }
    results[j] = std::move(r);
  }
  if (libvirt) {
    for (size_t h = 0; h < hosts.size(); ++h) {
      report::HostSummary hs;
      hs.uri = connections[h] ? connections[h]->uri() : (hosts[h].uri.empty() ? "(default)" : hosts[h].uri);
      hs.slots = hosts[h].slots;
      hs.down = pool.down_reason(h).value_or("");
      for (size_t j : pool.ran_on(h))
        if (results[j] && results[j]->host == hs.uri)
          hs.scenarios.push_back(jobs[j].sc->name + " [" + kernel_label(*jobs[j].kreq) + "]");
      run.hosts.push_back(std::move(hs));
    }
  }
  write_reports();
  term_.summary(run, options_.report_dir);
  return run;
}

report::ScenarioResult Runner::run_confirmed(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                             const std::string& folder, report::Terminal& term,
                                             const Placement& where) {
  report::ScenarioResult first = run_one(sc, kreq, folder, term, where);
  if (first.status == Status::Passed || first.status == Status::Skipped || vm::interrupted()) return first;
  const std::string why = needs_a_cold_confirmation(first);
  if (why.empty()) return first;
  term.info("   " + why + ": running it once more from a cold boot");
  // The first run's folder waits beside the report while the cold run
  // fills the scenario's; it goes inside afterwards, or away if the host is
  // lost meanwhile (the pool runs the scenario again).
  const fs::path kept = options_.report_dir / (folder + ".first-run");
  std::error_code ec;
  fs::remove_all(kept, ec);
  fs::rename(first.artifacts, kept, ec);
  const bool have_kept = !ec;
  report::ScenarioResult cold;
  try {
    cold = run_one(sc, kreq, folder, term, where, /*cold=*/true);
  } catch (const vm::HostError&) {
    fs::remove_all(kept, ec);
    throw;
  }
  if (have_kept) {
    fs::rename(kept, cold.artifacts / "first-run", ec);
    if (ec) fs::remove_all(kept, ec);
  }
  cold.attempts.push_back("first run" + std::string(have_kept ? " (artifacts in first-run/)" : "") + ": " +
                          why + "; " + report::to_string(first.status) + ": " + first.message);
  if (cold.status == Status::Passed)
    term.info("   WARNING: " + sc.name + " failed once (" + why +
              ") and passed from a cold boot; the cold result stands (first-run/ has the other)");
  return cold;
}

report::ScenarioResult Runner::run_one(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                       const std::string& folder, report::Terminal& term,
                                       const Placement& where, bool cold) {
  auto t0 = std::chrono::steady_clock::now();
  report::ScenarioResult res;
  res.name = sc.name;
  res.file = sc.file.string();
  res.kernel = kernel_label(kreq);
  res.topology = sc.topology_file.stem().string();
  for (const auto& g : sc.guests)
    if (!g.name.empty()) res.guests.push_back(g.name + " (" + g.topology_file.stem().string() + ")");
  res.backend = where.backend;
  res.host = where.host;
  res.artifacts = options_.report_dir / folder;
  term.scenario_start(res);

  auto finish = [&](Status st, const std::string& msg) {
    res.status = st;
    if (res.message.empty()) res.message = msg;
    res.seconds = since(t0);
    term.scenario_done(res);
    return res;
  };

  // A multi-guest scenario's guests share its private directory: each has
  // its own folder there, and the shared devices' files sit beside them.
  std::unique_ptr<RunDir> run_dir;
  std::vector<std::unique_ptr<Guest>> guests;
  PlanGuestsWith replan;
  bool leak_check = false;  // debug kernels (kmemleak) also check what the scenario leaked
  try {
    fs::remove_all(res.artifacts);
    fs::create_directories(res.artifacts);
    const GuestSoftware& sw = software(kreq);
    res.kernel_release = sw.kernel.release;
    leak_check = split_kernel_name(sw.kernel.name).debug;
    run_dir = std::make_unique<RunDir>();
    if (options_.keep_run_dirs) run_dir->keep();
    write_artifact(res.artifacts, "kernel-version", sw.kernel.release + "\n" + sw.kernel.provenance + "\n");
    write_artifact(res.artifacts, "image", sw.image.cpio.string() + "\nsha256 " + sw.image.hash + "\n");
    copy_artifact(res.artifacts, "kernel-config", sw.kernel.config);
    copy_artifact(res.artifacts, "scenario.toml", sc.file);
    replan = [this, &sc, sw = &sw, &run_dir, &res, &where](const fs::path& restore) {
      return plan_guests(sc, *sw, run_dir->path(), res.artifacts, backend_factory(sc, res, where), restore);
    };
    guests = replan({});
    if (where.connection)
      for (const auto& g : guests)
        res.domain +=
            (res.domain.empty() ? "" : ", ") + static_cast<vm::LibvirtBackend&>(*g->backend).domain_name();
  } catch (const Error& e) {
    return finish(Status::Error, e.what());
  }
  // A host that went away mid-run says nothing about the guests: the pool
  // runs the scenario again elsewhere (and records why).
  auto check_host = [&] {
    for (auto& g : guests)
      if (auto why = g->backend->host_failure()) throw vm::HostError(vm::HostError::Kind::Down, *why);
  };

  // Guests boot side by side; each boot is a step of its own, so its time
  // and any splat during boot show up. The scenario's timeout counts from here.
  const auto guests_start = std::chrono::steady_clock::now();
  // A HostError from here goes up: the pool takes the scenario back.
  SnapshotStore* store = snapshot_store(sc, kreq, cold);
  fs::path qemu_binary;
  try {
    if (store) qemu_binary = find_program("qemu-system-x86_64");
  } catch (const Error&) {
    store = nullptr;  // the boot says QEMU is missing
  }
  BootedGuests booted_guests =
      boot_with_snapshots(std::move(guests), replan, store, qemu_binary, options_.boot_timeout_s);
  guests = std::move(booted_guests.guests);
  if (!booted_guests.snapshot.empty()) term.info("   snapshot: " + booted_guests.snapshot);
  std::vector<BootOutcome>& boots = booted_guests.boots;
  if (!booted_guests.retried.empty()) {
    term.info("   RETRY boot: " + booted_guests.retried);
    for (auto& b : boots) b.step.data["retried"] = booted_guests.retried;
  }
  Status boot_status = Status::Passed;
  std::string boot_message;
  for (size_t i = 0; i < boots.size(); ++i) {
    report::StepResult& step = boots[i].step;
    if (!guests[i]->name.empty()) step.name = "boot@" + guests[i]->name;
    term.step_done(step);
    if (step.status != Status::Passed && boot_status == Status::Passed) {
      boot_status = boots[i].infrastructure ? Status::Error : step.status;
      boot_message = "boot: " + step.message;
    }
    res.steps.push_back(step);
  }
  if (boot_status != Status::Passed) {
    shutdown_guests(guests, 1);
    check_host();
    return finish(boot_status, boot_message);
  }

  std::vector<Guest*> booted;
  for (auto& g : guests) booted.push_back(g.get());
  StepLoopResult loop = run_steps({sc, res.kernel, booted, guests_start, leak_check}, term);
  for (auto& s : loop.steps) res.steps.push_back(std::move(s));
  res.boot_to_ready = loop.ready_at;
  shutdown_guests(guests, 10);
  check_host();
  if (vm::interrupted())
    return finish(Status::Error, "interrupted by signal " + std::to_string(vm::interrupt_signal()));
  return finish(loop.status, loop.message);
}

// Every guest of the scenario planned: its own folder in the run directory
// and in the artifacts (a single guest uses them directly), the shared
// devices' files beside them.
std::vector<std::unique_ptr<Guest>> Runner::plan_guests(const scenario::Scenario& sc, const GuestSoftware& sw,
                                                        const fs::path& run_dir, const fs::path& artifacts,
                                                        const BackendFactory& make_backend,
                                                        const fs::path& restore_state) {
  std::map<std::string, fs::path> shared = make_shared_memory(sc, run_dir);
  std::vector<std::unique_ptr<Guest>> guests;
  for (const auto& spec : sc.guests) {
    GuestSetup setup;
    setup.name = spec.name;
    setup.topology_file = spec.topology_file;
    setup.software = &sw;
    setup.run_dir = spec.name.empty() ? run_dir : run_dir / spec.name;
    setup.artifacts = spec.name.empty() ? artifacts : artifacts / spec.name;
    setup.shared_volatile = shared;
    if (!spec.name.empty()) setup.shared_dir = run_dir;
    setup.restore_state = restore_state;
    fs::create_directories(setup.run_dir);
    guests.push_back(plan_guest(setup, make_backend));
  }
  return guests;
}

SnapshotStore* Runner::snapshot_store(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                      bool cold) {
  // A mutant kernel is built once and thrown away: its snapshots would only
  // fill the cache. Several guests share memory files that a restore would
  // overwrite with the snapshot's view.
  if (cold || options_.cold || !kreq.patch_texts.empty() || sc.guests.size() != 1) return nullptr;
  std::lock_guard lock(software_mu_);
  if (!snapshots_) snapshots_ = std::make_unique<SnapshotStore>(cache_dir() / "snapshots");
  return snapshots_.get();
}

BackendFactory Runner::backend_factory(const scenario::Scenario& sc, const report::ScenarioResult& res,
                                       const Placement& where) {
  if (!where.connection) return [](const GuestSetup&) { return std::make_unique<vm::QemuBackend>(); };
  return [this, &sc, &res, where](const GuestSetup& g) -> std::unique_ptr<vm::Backend> {
    vm::LibvirtBackend::Options lv;
    lv.connection = where.connection;
    lv.domain.name = vm::kDomainPrefix + run_id_ + "-" + res.artifacts.filename().string() +
                     (g.name.empty() ? "" : "-" + g.name);
    lv.domain.owner = vm::this_process_owner(run_id_);
    lv.domain.owner.scenario = sc.name;
    lv.domain.owner.kernel = res.kernel;
    lv.artifacts = g.artifacts;
    return std::make_unique<vm::LibvirtBackend>(std::move(lv));
  };
}

}  // namespace famlab::runner
