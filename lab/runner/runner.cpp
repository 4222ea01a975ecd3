#include "runner/runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "common/error.h"
#include "common/paths.h"
#include "plan/guest_plan.h"
#include "plan/qemu_args.h"
#include "report/json_report.h"
#include "report/junit.h"
#include "runner/artifacts.h"
#include "runner/step_executor.h"
#include "topology/load.h"
#include "vm/interrupt.h"
#include "vm/qemu_backend.h"

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

fs::path agent_binary() {
  if (const char* a = std::getenv("FAMLAB_AGENT"); a && *a) return a;
  // build/<cfg>/lab/famlab -> build/<cfg>/harness/agent/famlab-agent
  fs::path p = exe_dir().parent_path() / "harness" / "agent" / "famlab-agent";
  if (!fs::exists(p)) throw Error("the guest agent is not built: " + p.string() + " (run 'make build')");
  return p;
}

// The famfs tools and server, built with the lab (static: no libraries).
fs::path famfs_binary() {
  if (const char* f = std::getenv("FAMLAB_FAMFS"); f && *f) return f;
  fs::path p = exe_dir().parent_path() / "famfs" / "cli" / "famfs";
  if (!fs::exists(p)) throw Error("the famfs tools are not built: " + p.string() + " (run 'make build')");
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
  term.info("kernel " + sw.kernel.name + ": " + sw.kernel.release + (sw.kernel.cache_hit ? " (cached)" : " (built)") +
            " " + sw.kernel.image.string());
  image::ImageSpec spec = image::default_image_spec(sw.kernel);
  spec.agent = agent_binary();
  spec.payloads.push_back({"/usr/bin/famfs", famfs_binary()});
  sw.image = image::build_initramfs(spec, log);
  term.info("image " + sw.image.hash.substr(0, 12) + " " + std::to_string(sw.image.bytes / 1024) + " KiB" +
            (sw.image.cache_hit ? " (cached)" : " (built)"));
  return sw;
}

Runner::Runner(RunOptions options, report::Terminal& terminal) : options_(std::move(options)), term_(terminal) {}

const GuestSoftware& Runner::software(const kernel::KernelRequest& kreq) {
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

  for (const auto& kreq : options_.kernels) {
    for (const auto& sc : scenarios) {
      if (vm::interrupted()) break;
      std::string label = kernel_label(kreq);
      if (!sc.applies_to(label)) continue;
      report::ScenarioResult r = run_one(sc, kreq);
      run.scenarios.push_back(r);
      // Reports are rewritten after every scenario: an interrupted or killed
      // run still leaves valid files describing what finished.
      run.seconds = since(t0);
      report::write_junit(run, options_.report_dir / "junit.xml");
      report::write_json(run, options_.report_dir / "report.json");
    }
  }
  run.seconds = since(t0);
  report::write_junit(run, options_.report_dir / "junit.xml");
  report::write_json(run, options_.report_dir / "report.json");
  term_.summary(run, options_.report_dir);
  return run;
}

report::ScenarioResult Runner::run_one(const scenario::Scenario& sc, const kernel::KernelRequest& kreq) {
  auto t0 = std::chrono::steady_clock::now();
  report::ScenarioResult res;
  res.name = sc.name;
  res.file = sc.file.string();
  res.kernel = kernel_label(kreq);
  res.topology = sc.topology_file.stem().string();
  res.backend = "qemu";
  res.artifacts = options_.report_dir / artifact_dir_name(sc.name, res.kernel);
  term_.scenario_start(res);

  auto finish = [&](Status st, const std::string& msg) {
    res.status = st;
    if (res.message.empty()) res.message = msg;
    res.seconds = since(t0);
    term_.scenario_done(res);
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

    write_artifact(res.artifacts, "qemu-command.sh",
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
  vm::QemuBackend backend;
  vm::VmSpec spec{qemu.argv, qemu.agent_socket, false};
  vm::GuestSession session(backend, spec,
                           {res.artifacts / "serial.log", res.artifacts / "dmesg.log", res.artifacts / "agent.log"});

  // Boot is a step of its own: its time and any splat during boot show up.
  report::StepResult boot{"boot", "boot", Status::Passed, 0, "", "", {}, {}};
  vm::CallResult b = session.boot(options_.boot_timeout_s);
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
  term_.step_done(boot);
  res.steps.push_back(boot);
  if (boot.status != Status::Passed) {
    session.shutdown(1);
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
      std::string why = vm::interrupted()       ? "interrupted"
                        : out_of_time            ? "scenario timeout"
                                                   : "an earlier step failed";
      report::StepResult skipped{step.name, "", Status::Skipped, 0, "", why, {}, {}};
      res.steps.push_back(skipped);
      term_.step_done(skipped);
      if (out_of_time && worst == Status::Passed) {
        worst = Status::Failed;
        first_failure = "scenario exceeded its timeout of " + std::to_string(static_cast<int>(sc.timeout_s)) + " s";
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
    term_.step_done(o.result);
    res.steps.push_back(std::move(o.result));
  }
  session.shutdown(10);
  if (vm::interrupted()) return finish(Status::Error, "interrupted by signal " + std::to_string(vm::interrupt_signal()));
  return finish(worst, first_failure);
}

}  // namespace famlab::runner
