#include "lab/runner/runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <sstream>

#include "base/error.h"
#include "lab/common/paths.h"
#include "lab/plan/guest_plan.h"
#include "lab/plan/qemu_args.h"
#include "lab/report/json_report.h"
#include "lab/report/junit.h"
#include "lab/runner/artifacts.h"
#include "lab/runner/step_executor.h"
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

// A guest program built with the lab, next to famlab in the build tree
// (build/<cfg>/lab/famlab -> build/<cfg>/<relative>); `env`, when set,
// points at another build of it.
fs::path built_binary(const char* env, const fs::path& relative, const std::string& what) {
  if (const char* e = env ? std::getenv(env) : nullptr; e && *e) return e;
  fs::path p = exe_dir().parent_path() / relative;
  if (!fs::exists(p)) throw Error(what + " is not built: " + p.string() + " (run 'make build')");
  return p;
}

}  // namespace

std::string kernel_label(const kernel::KernelRequest& k) {
  if (!k.tree.empty()) return "tree:" + k.tree.string();
  return k.spec;
}

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

GuestSoftware prepare_guest(const kernel::KernelRequest& request, report::Terminal& term) {
  auto log = [&](const std::string& s) { term.info(s); };
  GuestSoftware sw;
  sw.kernel = kernel::resolve_kernel(request, log);
  term.info("kernel " + sw.kernel.name + ": " + sw.kernel.release +
            (sw.kernel.cache_hit ? " (cached)" : " (built)") + " " + sw.kernel.image.string());
  image::ImageSpec spec = image::default_image_spec(sw.kernel);
  spec.agent = built_binary("FAMLAB_AGENT", "harness/agent/famlab-agent", "the guest agent");
  // The famfs tools and server, and make bench's bandwidth tool (static).
  spec.payloads.push_back(
      {"/usr/bin/famfs", built_binary("FAMLAB_FAMFS", "famfs/cli/famfs", "the famfs tools")});
  spec.payloads.push_back(
      {"/usr/bin/famlab-bw", built_binary(nullptr, "harness/bench/guest/famlab-bw", "famlab-bw")});
  // The kernel scenarios' probe (mappings held across events, SIGBUS, msync).
  spec.payloads.push_back(
      {"/usr/bin/famlab-probe", built_binary(nullptr, "harness/probe/famlab-probe", "famlab-probe")});
  sw.image = image::build_initramfs(spec, log);
  term.info("image " + sw.image.hash.substr(0, 12) + " " + std::to_string(sw.image.bytes / 1024) + " KiB" +
            (sw.image.cache_hit ? " (cached)" : " (built)"));
  return sw;
}

Runner::Runner(RunOptions options, report::Terminal& terminal)
    : options_(std::move(options)), term_(terminal) {}

const GuestSoftware& Runner::software(const kernel::KernelRequest& kreq) {
  std::lock_guard<std::mutex> lk(software_mu_);
  std::string key = kernel_label(kreq) + "|" + kreq.modules.string();
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
  std::vector<scenario::Scenario> scenarios;
  for (const auto& f : files) scenarios.push_back(scenario::load_scenario(f));

  struct Job {
    const scenario::Scenario* sc;
    const kernel::KernelRequest* kreq;
  };
  std::vector<Job> jobs;
  for (const auto& kreq : options_.kernels)
    for (const auto& sc : scenarios)
      if (sc.applies_to(kernel_label(kreq))) jobs.push_back({&sc, &kreq});

  // Direct QEMU is a pool of one local slot; libvirt spreads over its hosts.
  const bool libvirt = options_.backend == "libvirt";
  std::vector<HostSpec> hosts =
      libvirt && !options_.hosts.empty() ? options_.hosts : std::vector<HostSpec>{{"", 1}};
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
      r = run_one(*jobs[j].sc, *jobs[j].kreq, term, where);
    } catch (const vm::HostError& e) {
      term_.info(std::string(e.kind() == vm::HostError::Kind::Down ? "host down: " : "host refused: ") +
                 e.what() + " (" + jobs[j].sc->name + " goes to another host if one can take it)");
      throw;
    }
    if (slots > 1) term_.raw(buffered.str());
    r.attempts = pool.attempts(j);
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

report::ScenarioResult Runner::run_one(const scenario::Scenario& sc, const kernel::KernelRequest& kreq,
                                       report::Terminal& term, const Placement& where) {
  auto t0 = std::chrono::steady_clock::now();
  report::ScenarioResult res;
  res.name = sc.name;
  res.file = sc.file.string();
  res.kernel = kernel_label(kreq);
  res.topology = sc.topology_file.stem().string();
  res.backend = where.backend;
  res.host = where.host;
  res.artifacts = options_.report_dir / artifact_dir_name(sc.name, res.kernel);
  term.scenario_start(res);

  auto finish = [&](Status st, const std::string& msg) {
    res.status = st;
    if (res.message.empty()) res.message = msg;
    res.seconds = since(t0);
    term.scenario_done(res);
    return res;
  };

  std::unique_ptr<RunDir> run_dir;
  topology::Topology topo;
  plan::QemuPlan qemu;
  protocol::GuestPlan guest;
  const GuestSoftware* sw = nullptr;
  try {
    fs::remove_all(res.artifacts);
    fs::create_directories(res.artifacts);
    topo = topology::load_topology(sc.topology_file);
    sw = &software(kreq);
    res.kernel_release = sw->kernel.release;
    run_dir = std::make_unique<RunDir>();
    if (options_.keep_run_dirs) run_dir->keep();
    plan::QemuInputs in;
    in.kernel = sw->kernel.image;
    in.initrd = sw->image.cpio;
    in.run_dir = run_dir->path();
    qemu = plan::make_qemu_plan(topo, in);
    guest = plan::make_guest_plan(topo);

    write_artifact(
        res.artifacts, "qemu-command.sh",
        "#!/bin/sh\n# The exact command famlab ran. File backends and the agent socket live in the\n"
        "# run directory, which is removed after the run (--keep-run-dir keeps it).\n" +
            shell_command(qemu.argv));
    write_artifact(res.artifacts, "guest-plan.json", nlohmann::json(guest).dump(2) + "\n");
    write_artifact(res.artifacts, "kernel-version", sw->kernel.release + "\n" + sw->kernel.provenance + "\n");
    write_artifact(res.artifacts, "image", sw->image.cpio.string() + "\nsha256 " + sw->image.hash + "\n");
    copy_artifact(res.artifacts, "kernel-config", sw->kernel.config);
    copy_artifact(res.artifacts, "topology.toml", sc.topology_file);
    copy_artifact(res.artifacts, "scenario.toml", sc.file);
  } catch (const Error& e) {
    return finish(Status::Error, e.what());
  }

  // The scenario's timeout covers the guest (boot and steps), not building
  // the kernel or the image before it.
  const auto guest_start = std::chrono::steady_clock::now();
  std::unique_ptr<vm::Backend> backend;
  if (where.connection) {
    vm::LibvirtBackend::Options lv;
    lv.connection = where.connection;
    lv.domain.name = vm::kDomainPrefix + run_id_ + "-" + artifact_dir_name(sc.name, res.kernel);
    lv.domain.owner = vm::this_process_owner(run_id_);
    lv.domain.owner.scenario = sc.name;
    lv.domain.owner.kernel = res.kernel;
    lv.artifacts = res.artifacts;
    res.domain = lv.domain.name;
    backend = std::make_unique<vm::LibvirtBackend>(std::move(lv));
  } else {
    backend = std::make_unique<vm::QemuBackend>();
  }
  vm::VmSpec spec{qemu.argv, qemu.agent_socket, false, run_dir->path()};
  vm::GuestSession session(
      *backend, spec,
      {res.artifacts / "serial.log", res.artifacts / "dmesg.log", res.artifacts / "agent.log"});
  // A host that went away mid-run says nothing about the guest: the pool
  // runs the scenario again elsewhere (and records why).
  auto check_host = [&] {
    if (auto why = backend->host_failure()) throw vm::HostError(vm::HostError::Kind::Down, *why);
  };

  // Boot is a step of its own: its time and any splat during boot show up.
  report::StepResult boot{"boot", "boot", Status::Passed, 0, "", "", {}, {}};
  vm::CallResult b;
  try {
    b = session.boot(options_.boot_timeout_s);
  } catch (const vm::HostError&) {
    throw;
  } catch (const Error& e) {
    boot.status = Status::Error;
    boot.message = e.what();
    term.step_done(boot);
    res.steps.push_back(boot);
    return finish(Status::Error, "boot: " + boot.message);
  }
  boot.seconds = b.seconds;
  for (const auto& s : b.splats) boot.splats.push_back({s.kind, s.title, s.text});
  if (b.outcome != vm::Outcome::Finished) {
    boot.status = b.outcome == vm::Outcome::Interrupted ? Status::Error : Status::Failed;
    boot.message = std::string(vm::to_string(b.outcome)) + ": " + b.detail;
  } else if (!boot.splats.empty()) {
    boot.status = Status::Failed;
    boot.message = "kernel " + boot.splats[0].kind + " during boot: " + boot.splats[0].title;
  } else {
    boot.data = {{"kernel", session.hello().kernel_release}, {"guest_uptime", session.hello().uptime}};
  }
  term.step_done(boot);
  res.steps.push_back(boot);
  if (boot.status != Status::Passed) {
    session.shutdown(1);
    check_host();
    // QEMU refusing its arguments is the lab's problem, not the kernel's.
    Status st = boot.status;
    if (b.outcome == vm::Outcome::VmExited && session.panic_text().empty()) st = Status::Error;
    return finish(st, "boot: " + boot.message);
  }

  StepContext ctx{session, topo, qemu, guest, res.kernel, {}};
  bool alive = true;
  std::string first_failure;
  Status worst = Status::Passed;
  for (const auto& step : sc.steps) {
    bool stop_after_failure = worst != Status::Passed && !sc.keep_going;
    bool out_of_time = since(guest_start) > sc.timeout_s;
    if (!alive || stop_after_failure || vm::interrupted() || out_of_time) {
      std::string why = vm::interrupted() ? "interrupted"
                        : out_of_time     ? "scenario timeout"
                                          : "an earlier step failed";
      report::StepResult skipped{step.name, "", Status::Skipped, 0, "", why, {}, {}};
      res.steps.push_back(skipped);
      term.step_done(skipped);
      if (out_of_time && worst == Status::Passed) {
        worst = Status::Failed;
        first_failure =
            "scenario exceeded its timeout of " + std::to_string(static_cast<int>(sc.timeout_s)) + " s";
      }
      continue;
    }
    StepOutcome o = execute_step(step, ctx);
    if (step.action == scenario::Action::Bringup && o.result.status == Status::Passed)
      res.boot_to_ready = session.elapsed();
    alive = o.vm_alive;
    if (o.result.status != Status::Passed) {
      if (worst == Status::Passed) {
        worst = o.result.status;
        first_failure = "step '" + step.name + "': " + o.result.message;
      } else if (sc.keep_going) {
        first_failure += "; step '" + step.name + "': " + o.result.message;
      }
    }
    term.step_done(o.result);
    res.steps.push_back(std::move(o.result));
  }
  session.shutdown(10);
  check_host();
  if (vm::interrupted())
    return finish(Status::Error, "interrupted by signal " + std::to_string(vm::interrupt_signal()));
  return finish(worst, first_failure);
}

}  // namespace famlab::runner
