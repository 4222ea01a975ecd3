#include "lab/runner/scripted_guest.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace famlab::runner::testing {

ScriptedBackend::ScriptedBackend(Script script, bool say_hello)
    : script_(std::move(script)), say_hello_(say_hello) {}

ScriptedBackend::~ScriptedBackend() { kill(); }

void ScriptedBackend::start(const vm::VmSpec& spec) {
  int p[2];
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) throw Error("scripted guest: pipe failed");
  console_read_.reset(p[0]);
  console_write_.reset(p[1]);
  if (crash_console_) {
    write_console(*crash_console_);
    exited_ = true;
    return;
  }
  UniqueFd listen_fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, spec.vm.agent.socket.c_str(), sizeof addr.sun_path - 1);
  ::unlink(spec.vm.agent.socket.c_str());
  if (bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd.get(), 1) != 0)
    throw Error("scripted guest: cannot listen on " + spec.vm.agent.socket.string());
  thread_ = std::thread([this, fd = listen_fd.release()] { serve(fd); });
}

std::optional<int> ScriptedBackend::exited() {
  if (exited_) return exit_status_;
  return std::nullopt;
}

void ScriptedBackend::crash_on_start(std::vector<std::string> console, int status) {
  crash_console_ = std::move(console);
  exit_status_ = status;
}

void ScriptedBackend::kill() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  exited_ = true;
}

std::vector<protocol::Request> ScriptedBackend::requests() const {
  std::lock_guard<std::mutex> lk(mu_);
  return requests_;
}

void ScriptedBackend::send(const protocol::Message& m) {
  std::string line = protocol::encode(m);
  std::lock_guard<std::mutex> lk(mu_);
  if (!client_) return;
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(client_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void ScriptedBackend::send_kmsg(const std::string& line) {
  protocol::Message k;
  k.event = protocol::Event::Kmsg;
  k.level = 4;
  k.seq = ++kmsg_seq_;
  k.text = line;
  send(k);
}

void ScriptedBackend::write_console(const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    std::string l = line + "\n";
    (void)!::write(console_write_.get(), l.data(), l.size());
  }
}

void ScriptedBackend::panic_now(const std::vector<std::string>& console) {
  write_console(console);
  exited_ = true;
}

void ScriptedBackend::answer(const protocol::Request& req) {
  Reply r = script_(req);
  protocol::Message started;
  started.event = protocol::Event::Started;
  started.id = req.id;
  send(started);
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(r.delay_s);
  while (!stop_ && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!r.output.empty()) {
    protocol::Message out;
    out.event = protocol::Event::Output;
    out.id = req.id;
    out.stream = "stdout";
    out.data = r.output;
    send(out);
  }
  for (const auto& line : r.kmsg) send_kmsg(line);
  if (!r.panic.empty()) {
    write_console(r.panic);
    exited_ = true;
    return;
  }
  if (r.vm_exits) {
    exited_ = true;
    return;
  }
  if (r.never_answer) return;
  protocol::Message fin;
  fin.event = protocol::Event::Finished;
  fin.id = req.id;
  fin.ok = r.ok;
  fin.exit_code = r.exit_code;
  fin.error = r.error;
  fin.result = r.result;
  send(fin);
}

void ScriptedBackend::serve(int fd) {
  UniqueFd listen_fd(fd);
  // Wait for the session to connect (it retries while pumping).
  while (!stop_) {
    pollfd p{listen_fd.get(), POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      client_.reset(accept4(listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
      break;
    }
  }
  if (stop_ || !client_) return;
  if (say_hello_) {
    protocol::Message hello;
    hello.event = protocol::Event::Hello;
    hello.kernel_release = "6.12.0-scripted";
    send(hello);
  }
  protocol::LineBuffer in;
  char buf[4096];
  while (!stop_ && !exited_) {
    pollfd p{client_.get(), POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    ssize_t n = ::recv(client_.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    in.feed(buf, static_cast<size_t>(n));
    while (auto line = in.next()) {
      protocol::Request req = protocol::decode_request(*line);
      {
        std::lock_guard<std::mutex> lk(mu_);
        requests_.push_back(req);
      }
      if (req.op == protocol::Op::Poweroff) {
        exited_ = true;
        return;
      }
      answer(req);
      if (exited_) return;
    }
  }
}

vm::QmpReply ScriptedQmp::execute(const std::string& command, const nlohmann::json&, double) {
  vm::QmpReply r;
  if (command == "query-commands") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : commands_) list.push_back({{"name", c}});
    r.value = list;
  } else if (command == "query-version") {
    int major = 0, minor = 0, micro = 0;
    std::sscanf(version_.c_str(), "%d.%d.%d", &major, &minor, &micro);
    r.value = {{"qemu", {{"major", major}, {"minor", minor}, {"micro", micro}}}, {"package", ""}};
  } else if (std::find(commands_.begin(), commands_.end(), command) != commands_.end()) {
    r.value = nlohmann::json::object();
  } else {
    r.error = vm::QmpErrorReply{"CommandNotFound", "The command " + command + " has not been found"};
  }
  return r;
}

}  // namespace famlab::runner::testing
