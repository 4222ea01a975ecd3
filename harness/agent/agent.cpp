#include "harness/agent/agent.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "harness/agent/child_reaper.h"
#include "harness/agent/console_shell.h"
#include "harness/agent/dax_device.h"
#include "harness/agent/dax_mode.h"
#include "harness/agent/famfs_probe.h"
#include "harness/agent/memdev.h"
#include "harness/agent/pattern_io.h"
#include "harness/agent/poison_list.h"
#include "harness/agent/resume.h"
#include "harness/agent/system_info.h"
#include "harness/agent/tool_runner.h"

namespace famlab::agent {

using protocol::Event;
using protocol::Message;
using protocol::Op;
using protocol::Request;

namespace {

constexpr size_t kOutputChunk = 64 * 1024;
constexpr int kIdlePollMs = 250;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Agent::Agent(int port_fd, AgentOptions opts)
    : opts_(std::move(opts)), channel_(port_fd), trace_(opts_.roots.sys / "kernel/tracing") {
  // Opened before Hello so the boot log is forwarded from its first record.
  if (!opts_.kmsg_path.empty()) kmsg_ = std::make_unique<KmsgReader>(opts_.kmsg_path);
}

Agent::~Agent() = default;

void Agent::run() {
  Message hello;
  hello.event = Event::Hello;
  hello.kernel_release = kernel_release();
  hello.uptime = uptime_seconds();
  channel_.send(hello);
  forward_kmsg();
  while (!stop_) {
    if (auto line = channel_.next_line()) {
      if (line->find_first_not_of(" \t\r") != std::string::npos) handle_line(*line);
      continue;
    }
    int timeout = shell_pid_ ? 100 : kIdlePollMs;
    poll_once(timeout, nullptr);
    reap_children();  // PID 1 inherits every orphan in the guest
    check_console_shell();
  }
}

void Agent::poll_once(int timeout_ms, ChildProcess* child) {
  auto now = Channel::Clock::now();
  std::vector<pollfd> fds;
  short port_events = channel_.poll_events(now);
  if (port_events) fds.push_back({channel_.fd(), port_events, 0});
  if (kmsg_) fds.push_back({kmsg_->fd(), POLLIN, 0});
  if (child)
    for (Stream s : {Stream::Out, Stream::Err})
      if (child->fd(s) >= 0) fds.push_back({child->fd(s), POLLIN, 0});
  int backoff = channel_.backoff_ms(now);
  if (backoff >= 0 && (timeout_ms < 0 || backoff < timeout_ms)) timeout_ms = backoff;

  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n <= 0) return;
  for (const auto& p : fds) {
    if (!p.revents) continue;
    if (p.fd == channel_.fd()) {
      channel_.on_poll(p.revents);
    } else if (kmsg_ && p.fd == kmsg_->fd()) {
      forward_kmsg();
    } else if (child) {
      Stream s = p.fd == child->fd(Stream::Out) ? Stream::Out : Stream::Err;
      if (auto data = child->read_available(s); data && !data->empty())
        send_output(s == Stream::Out ? "stdout" : "stderr", *data);
    }
  }
}

void Agent::forward_kmsg() {
  if (!kmsg_) return;
  for (auto& r : kmsg_->read_available()) {
    Message m;
    m.event = Event::Kmsg;
    m.level = r.level;
    m.seq = r.seq;
    m.ts_us = r.ts_us;
    m.text = std::move(r.text);
    channel_.send(m);
  }
}

void Agent::send_output(const std::string& stream, const std::string& data) {
  for (size_t off = 0; off < data.size(); off += kOutputChunk) {
    Message m;
    m.event = Event::Output;
    m.id = current_id_;
    m.stream = stream;
    m.data = data.substr(off, kOutputChunk);
    channel_.send(m);
  }
}

void Agent::handle_line(const std::string& line) {
  Request req;
  try {
    req = protocol::decode_request(line);
  } catch (const std::exception& e) {
    reject(line, e.what());
    return;
  }
  current_id_ = req.id;
  double started_at = now_s();
  Message started;
  started.event = Event::Started;
  started.id = req.id;
  started.uptime = uptime_seconds();
  channel_.send(started);

  Message fin;
  fin.event = Event::Finished;
  fin.id = req.id;
  try {
    switch (req.op) {
      case Op::Bringup:
        do_bringup(req, fin);
        break;
      case Op::Exec:
        do_exec(req, fin);
        break;
      case Op::WritePattern:
      case Op::VerifyPattern:
        do_pattern(req, fin);
        break;
      case Op::Dmesg:
        do_dmesg(fin);
        break;
      case Op::Shell:
        do_shell(fin);
        break;
      case Op::FamfsMount:
        do_famfs_mount(req, fin);
        break;
      case Op::PoisonList:
        do_poison_list(fin);
        break;
      case Op::TraceEvents:
        do_trace_events(req, fin);
        break;
      case Op::DaxMode:
        do_dax_mode(req, fin);
        break;
      case Op::Resume:
        do_resume(req, fin);
        break;
      case Op::Poweroff:
        do_poweroff(fin);
        return;  // finished there, before the lights go out
    }
  } catch (const std::exception& e) {
    fin.ok = false;
    fin.error = std::string(protocol::to_string(req.op)) + ": " + e.what();
  }
  finish(fin, started_at);
}

// A line that is not a valid request still gets an answer, under its id if
// one can be read from it.
void Agent::reject(const std::string& line, const std::string& why) {
  Message fin;
  fin.event = Event::Finished;
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_object() && j.contains("id") && j["id"].is_number_unsigned()) fin.id = j["id"].get<uint64_t>();
  fin.ok = false;
  fin.exit_code = -1;
  fin.error = "bad request: " + why;
  finish(fin, now_s());
}

void Agent::finish(Message& fin, double started_at) {
  // Kernel messages the request caused must reach the host before its
  // Finished, so the host can pin a splat on the step that ran.
  forward_kmsg();
  fin.seconds = now_s() - started_at;
  fin.uptime = uptime_seconds();
  channel_.send(fin);
  current_id_ = 0;
}

void Agent::do_bringup(const Request& req, Message& fin) {
  if (!req.plan) throw Error("the request carries no plan");
  BringupEnv env;
  env.roots = opts_.roots;
  env.modules_dir = opts_.modules_dir;
  env.device_timeout_s = opts_.device_timeout_s;
  env.idle = [this] { pump(); };
  env.info = [this](const std::string& line) { info(line); };
  env.run_tool = [this](const std::vector<std::string>& argv, double timeout_s) {
    return run_tool(argv, timeout_s, [this] { pump(); });
  };
  BringupOutcome out = run_bringup(*req.plan, env);
  // Merged, not replaced: a failed second bringup must not forget devices
  // an earlier one made.
  for (const auto& [index, target] : out.regions) region_dax_[index] = target;
  for (const auto& [index, target] : out.pmem) pmem_dax_[index] = target;
  fin.ok = out.ok;
  fin.error = out.error;
  fin.result = protocol::encode(out.result);
}

void Agent::do_exec(const Request& req, Message& fin) {
  std::vector<std::string> argv = req.argv;
  if (!req.shell.empty()) argv = {"/bin/sh", "-c", req.shell};
  if (argv.empty()) throw Error("neither argv nor shell given");
  ChildProcess child(argv);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(req.timeout_s);
  for (;;) {
    poll_once(20, &child);
    if (auto st = child.exit_status()) {
      drain_child(child);
      fin.ok = true;  // it ran; the host judges the exit code
      fin.exit_code = *st;
      return;
    }
    if (req.timeout_s > 0 && std::chrono::steady_clock::now() >= deadline) {
      child.kill_group();
      fin.exit_code = child.wait();
      drain_child(child);
      fin.ok = false;
      fin.error = "timed out after " + format_seconds(req.timeout_s) + " s: " + command_line(argv);
      return;
    }
  }
}

void Agent::drain_child(ChildProcess& child) {
  for (Stream s : {Stream::Out, Stream::Err})
    while (auto data = child.read_available(s)) {
      if (data->empty()) break;
      send_output(s == Stream::Out ? "stdout" : "stderr", *data);
    }
}

void Agent::do_pattern(const Request& req, Message& fin) {
  // Regions by their topology index; memmap pmem ranges by their position
  // in the plan when no CXL region has that index.
  const DaxTarget* target = nullptr;
  if (auto it = region_dax_.find(req.region); it != region_dax_.end())
    target = &it->second;
  else if (auto jt = pmem_dax_.find(req.region); jt != pmem_dax_.end())
    target = &jt->second;
  if (!target) {
    std::string known;
    for (const auto& [i, t] : region_dax_) known += " " + std::to_string(i) + "=" + t.path;
    for (const auto& [i, t] : pmem_dax_) known += " pmem" + std::to_string(i) + "=" + t.path;
    throw Error("no devdax device for region " + std::to_string(req.region) +
                " (did bringup run? known:" + (known.empty() ? std::string(" none") : known) + ")");
  }
  // A famfs step before may have left the device in famfs mode; patterns
  // go through the raw device, so device_dax takes it back.
  protocol::PatternResult result;
  std::string name = fs::path(target->path).filename().string();
  if (DaxDevice(dax_bus_devices(opts_.roots.sys) / name).driver() == "famfs_dax")
    result.dax_mode = set_dax_mode(opts_.roots, name, "devdax", opts_.device_timeout_s, [this] { pump(); });
  PatternJob job{target->path, target->size, target->align, req.bytes, req.seed, req.timeout_s};
  bool verify = req.op == Op::VerifyPattern;
  PatternRun run = verify ? verify_pattern(job, [this] { pump(); }) : write_pattern(job, [this] { pump(); });
  result.dax = target->path;
  result.bytes = run.bytes;
  result.seconds = run.seconds;
  result.mb_per_s = run.mb_per_s;
  result.mismatches = run.mismatches;
  result.first_mismatches = run.first_mismatches;
  fin.result = protocol::encode(result);
  fin.ok = run.mismatches == 0;
  if (!fin.ok) {
    std::string offsets;
    for (uint64_t off : run.first_mismatches) offsets += " " + hex(off);
    fin.error = std::to_string(run.mismatches) + " of " + std::to_string(run.bytes / 8) + " words in " +
                target->path + " differ from the pattern (seed " + std::to_string(req.seed) +
                "); first at offsets" + offsets;
  }
}

const DaxTarget& Agent::region_target(int region) const {
  auto it = region_dax_.find(region);
  if (it == region_dax_.end())
    throw Error("no devdax device for region " + std::to_string(region) + " (did bringup run?)");
  return it->second;
}

// famfs files are served over dax only from a device bound to famfs_dax
// (the lab's famfs kernels); elsewhere the device stays devdax and the
// server falls back to READ/WRITE anyway.
protocol::DaxModeChange Agent::put_in_mode(const DaxTarget& target, const std::string& mode) {
  std::string name = fs::path(target.path).filename().string();
  if (mode == "famfs" && !famfs_dax_available(opts_.roots.sys)) {
    std::string driver = DaxDevice(dax_bus_devices(opts_.roots.sys) / name).driver();
    return {name, driver, driver, "devdax", false, "no famfs_dax driver in this kernel"};
  }
  return set_dax_mode(opts_.roots, name, mode, opts_.device_timeout_s, [this] { pump(); });
}

void Agent::do_dax_mode(const Request& req, Message& fin) {
  if (req.dax_mode != "famfs" && req.dax_mode != "devdax")
    throw Error("dax_mode must be famfs or devdax, not '" + req.dax_mode + "'");
  protocol::DaxModeChange mode = put_in_mode(region_target(req.region), req.dax_mode);
  fin.ok = mode.mode == req.dax_mode;
  if (!fin.ok) fin.error = mode.device + " cannot be in " + req.dax_mode + " mode: " + mode.why;
  fin.result = protocol::encode(mode);
}

void Agent::do_famfs_mount(const Request& req, Message& fin) {
  const DaxTarget& target = region_target(req.region);
  protocol::DaxModeChange mode = put_in_mode(target, "famfs");
  std::string name = mode.device;
  info(name + ": " + protocol::encode(mode).dump());
  FamfsProbeJob job;
  job.device = target.path;
  job.client = req.famfs_role == "client";
  job.mount_args = req.famfs_args;
  job.files = req.famfs_files;
  if (req.bytes) job.probe_bytes = req.bytes;
  job.seed = req.seed;
  job.tag = std::to_string(req.id);
  job.timeout_s = req.timeout_s;
  FamfsProbeResult r = run_famfs_probe(
      job,
      [this](const std::vector<std::string>& argv, double t) {
        return run_tool(argv, t, [this] { pump(); });
      },
      [this] { pump(); });
  r.result.dax_mode = mode;
  fin.ok = r.ok;
  fin.error = r.error;
  fin.result = protocol::encode(r.result);
}

void Agent::do_dmesg(Message& fin) {
  if (opts_.kmsg_path.empty()) throw Error("this agent has no kernel log");
  std::string log = read_kernel_log(opts_.kmsg_path);
  send_output("stdout", log);
  fin.ok = true;
  fin.result = protocol::encode(protocol::DmesgResult{log.size()});
}

std::string Agent::dax_banner() const {
  std::string s = "\r\nfamlab shell: exit it to power the guest off.\r\ndax devices:";
  bool any = false;
  for (const auto& d : DaxDevice::all(opts_.roots.sys)) {
    any = true;
    std::string size;
    try {
      size = format_size(d.size());
    } catch (const std::exception&) {
      size = "?";
    }
    s += "\r\n  " + d.char_device(opts_.roots.dev).string() + "  " + size + "  " + d.mode();
  }
  if (!any) s += " none";
  return s + "\r\n\r\n";
}

void Agent::do_shell(Message& fin) {
  if (shell_pid_) throw Error("a console shell is already running (pid " + std::to_string(*shell_pid_) + ")");
  shell_pid_ = start_console_shell(opts_.console, dax_banner());
  fin.ok = true;
  fin.result = protocol::encode(protocol::ShellResult{opts_.console, *shell_pid_});
}

void Agent::check_console_shell() {
  if (!shell_pid_) return;
  if (!child_exit_status(*shell_pid_)) return;
  forget_child(*shell_pid_);
  shell_pid_.reset();
  channel_.flush();
  if (opts_.power_off) opts_.power_off();
}

void Agent::do_poweroff(Message& fin) {
  fin.ok = true;
  finish(fin, now_s());
  // Give the host up to 2 s to take the reply; the guest stops either way.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (channel_.pending_bytes() > 0 && std::chrono::steady_clock::now() < deadline) poll_once(50, nullptr);
  if (opts_.power_off) opts_.power_off();
}

void Agent::do_resume(const protocol::Request& req, Message& fin) {
  protocol::ResumeResult r;
  r.kernel = kernel_release();
  reseed_crng(opts_.roots.dev / "urandom", entropy_bytes(req.entropy));
  r.reseeded = true;
  if (req.clock_ns) r.clock_step_s = set_clock(req.clock_ns);
  double t0 = now_s();
  ReprobeResult probe = reprobe_cxl(opts_.roots, opts_.device_timeout_s, [this] { pump(); });
  r.reprobe_seconds = now_s() - t0;
  r.host_bridges = probe.host_bridges;
  r.memdevs = probe.memdevs;
  r.uptime = uptime_seconds();
  info("resumed: CRNG reseeded, clock moved " + std::to_string(r.clock_step_s) + " s, " +
       std::to_string(r.host_bridges.size()) + " CXL host bridge(s) re-probed, " + std::to_string(r.memdevs) +
       " memdev(s) bound");
  fin.ok = true;
  fin.result = protocol::encode(r);
}

void Agent::do_poison_list(Message& fin) {
  PoisonListJob job;
  for (const auto& m : Memdev::all(opts_.roots.sys)) job.memdevs.push_back(m.name());
  job.trigger = [this](const std::string& memdev) {
    fs::path file = cxl_bus_devices(opts_.roots.sys) / memdev / "trigger_poison_list";
    if (!fs::exists(file))
      throw Error(memdev +
                  " has no trigger_poison_list (the device does not support Get Poison List, or the "
                  "kernel lacks CXL poison support)");
    write_attr(file, "1");
  };
  job.idle = [this] { pump(); };
  protocol::PoisonListResult r = collect_poison_list(trace_, job);
  info("poison list: " + std::to_string(r.records.size()) + " record(s) from " +
       std::to_string(r.triggered.size()) + " memdev(s)");
  fin.ok = true;
  fin.result = protocol::encode(r);
}

// Enables the named events, waits until the awaited ones arrived (or the
// request's timeout passed) and returns every record of the named events.
// The host judges what arrived; a missing event is a fact, not a failure
// here.
void Agent::do_trace_events(const Request& req, Message& fin) {
  trace_.ensure_mounted();
  protocol::TraceEventsResult r;
  r.tracefs = trace_.root().string();
  r.awaited = req.await_events;
  std::vector<std::string> names = req.trace_events;
  for (const auto& [name, n] : req.await_events)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  for (const auto& name : names) {
    auto was_off = trace_.enable(name);
    if (!was_off)
      r.missing.push_back(name);
    else if (*was_off)
      r.enabled.push_back(name);
  }
  // An awaited event this kernel lacks will never come: no waiting then.
  bool can_wait = true;
  for (const auto& [name, n] : req.await_events)
    if (std::find(r.missing.begin(), r.missing.end(), name) != r.missing.end()) can_wait = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(req.timeout_s);
  for (;;) {
    trace_.pump();
    bool all = true;
    for (const auto& [name, n] : req.await_events)
      if (trace_.count(name) < static_cast<size_t>(n)) all = false;
    if (all) {
      r.complete = true;
      break;
    }
    if (!can_wait || std::chrono::steady_clock::now() >= deadline) break;
    poll_once(50, nullptr);
  }
  for (const auto& name : names)
    for (auto& e : trace_.take(name)) r.events.push_back(std::move(e));
  std::stable_sort(r.events.begin(), r.events.end(),
                   [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  std::string missing;
  for (const auto& x : r.missing) missing += " " + x;
  info("trace events: " + std::to_string(r.events.size()) + " record(s)" +
       (missing.empty() ? std::string() : "; not in this kernel:" + missing));
  fin.ok = true;
  fin.result = protocol::encode(r);
}

}  // namespace famlab::agent
