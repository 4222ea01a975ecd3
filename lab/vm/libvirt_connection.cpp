#include "lab/vm/libvirt_connection.h"

#include <libvirt/virterror.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/error.h"

namespace famlab::vm {
namespace {

void silent_error(void*, virErrorPtr) {}

// libvirt's default event loop in a thread of its own for the life of the
// process. The destructor wakes it with a timer and joins it.
class EventLoop {
 public:
  EventLoop() {
    if (virEventRegisterDefaultImpl() < 0)
      throw Error("libvirt: cannot register its event loop: " + libvirt_error());
    thread_ = std::thread([this] {
      while (!stop_.load()) virEventRunDefaultImpl();
    });
  }
  ~EventLoop() {
    stop_.store(true);
    int timer = virEventAddTimeout(
        0, [](int id, void*) { virEventRemoveTimeout(id); }, nullptr, nullptr);
    if (timer >= 0 && thread_.joinable())
      thread_.join();
    else if (thread_.joinable())
      thread_.detach();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string short_name(const std::string& host) { return host.substr(0, host.find('.')); }

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

std::string libvirt_error() {
  const char* m = virGetLastErrorMessage();
  if (!m || std::string(m) == "no error") return "";
  return m;
}

int libvirt_error_code() {
  virErrorPtr e = virGetLastError();
  return e ? e->code : 0;
}

bool libvirt_error_is_connection() {
  virErrorPtr e = virGetLastError();
  return e && (e->domain == VIR_FROM_RPC || e->code == VIR_ERR_RPC || e->code == VIR_ERR_NO_CONNECT);
}

void libvirt_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virInitialize() < 0) throw Error("libvirt: initialization failed");
    virSetErrorFunc(nullptr, silent_error);
    static EventLoop loop;
  });
}

LibvirtConnection::LibvirtConnection(const std::string& uri) : uri_(uri) {
  libvirt_init();
  conn_ = virConnectOpen(uri.empty() ? nullptr : uri.c_str());
  if (!conn_) {
    throw HostError(HostError::Kind::Down, "libvirt " + (uri.empty() ? std::string("(default URI)") : uri) +
                                               ": cannot connect: " + libvirt_error());
  }
  if (uri_.empty()) {
    if (char* u = virConnectGetURI(conn_)) {
      uri_ = u;
      free(u);
    }
  }
  // A host that stops answering is noticed within ~20 s instead of never.
  virConnectSetKeepAlive(conn_, 5, 3);
}

LibvirtConnection::~LibvirtConnection() {
  if (conn_) virConnectClose(conn_);
}

bool LibvirtConnection::alive() const { return virConnectIsAlive(conn_) == 1; }

std::string LibvirtConnection::hostname() const {
  char* h = virConnectGetHostname(conn_);
  if (!h) return "";
  std::string out = h;
  free(h);
  return out;
}

std::string LibvirtConnection::versions() const {
  auto dotted = [](unsigned long v) {
    return std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
           std::to_string(v % 1000);
  };
  unsigned long lib = 0, hv = 0;
  std::string out = "libvirt " + (virConnectGetLibVersion(conn_, &lib) == 0 ? dotted(lib) : "?");
  out += ", QEMU " + (virConnectGetVersion(conn_, &hv) == 0 ? dotted(hv) : "?");
  return out;
}

bool LibvirtConnection::same_machine() const {
  std::string here = local_hostname(), there = hostname();
  return !here.empty() && !there.empty() && (here == there || short_name(here) == short_name(there));
}

std::optional<std::pair<uid_t, gid_t>> dac_base_label(const std::string& caps,
                                                      const std::string& domain_type) {
  // <secmodel><model>dac</model>...<baselabel type='qemu'>+64055:+64055</baselabel></secmodel>
  size_t model = caps.find("<model>dac</model>");
  if (model == std::string::npos) return std::nullopt;
  size_t end = caps.find("</secmodel>", model);
  std::string block = caps.substr(model, end == std::string::npos ? std::string::npos : end - model);
  for (const char* quote : {"'", "\""}) {
    std::string tag = std::string("<baselabel type=") + quote + domain_type + quote + ">";
    size_t p = block.find(tag);
    if (p == std::string::npos) continue;
    p += tag.size();
    std::string label = block.substr(p, block.find('<', p) - p);  // "+64055:+64055"
    size_t colon = label.find(':');
    if (colon == std::string::npos) return std::nullopt;
    auto num = [](std::string s) -> std::optional<unsigned long> {
      if (!s.empty() && s[0] == '+') s.erase(0, 1);
      if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      return std::stoul(s);
    };
    auto u = num(label.substr(0, colon)), g = num(label.substr(colon + 1));
    if (!u || !g) return std::nullopt;
    return std::make_pair(static_cast<uid_t>(*u), static_cast<gid_t>(*g));
  }
  return std::nullopt;
}

std::optional<std::pair<uid_t, gid_t>> LibvirtConnection::qemu_owner(const std::string& domain_type) const {
  std::lock_guard<std::mutex> lk(caps_mu_);
  if (!caps_) {
    char* caps = virConnectGetCapabilities(conn_);
    if (!caps) return std::nullopt;
    caps_ = caps;
    free(caps);
  }
  return dac_base_label(*caps_, domain_type);
}

std::string LibvirtConnection::message(const std::string& what) const {
  std::string m = libvirt_error();
  return "libvirt " + uri_ + ": " + what + (m.empty() ? "" : ": " + m);
}

std::string LibvirtDomain::name() const {
  const char* n = dom_ ? virDomainGetName(dom_) : nullptr;
  return n ? n : "";
}

bool LibvirtDomain::persistent() const { return dom_ && virDomainIsPersistent(dom_) == 1; }

std::optional<std::string> LibvirtDomain::metadata(const std::string& ns) const {
  if (!dom_) return std::nullopt;
  char* m = virDomainGetMetadata(dom_, VIR_DOMAIN_METADATA_ELEMENT, ns.c_str(), 0);
  if (!m) return std::nullopt;
  std::string out = m;
  free(m);
  return out;
}

void LibvirtDomain::reset() {
  if (dom_) virDomainFree(dom_);
  dom_ = nullptr;
}

std::vector<LibvirtDomain> list_active_domains(const LibvirtConnection& c) {
  virDomainPtr* doms = nullptr;
  int n = virConnectListAllDomains(c.get(), &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0) throw HostError(HostError::Kind::Down, c.message("cannot list domains"));
  std::vector<LibvirtDomain> out;
  for (int i = 0; i < n; ++i) out.emplace_back(doms[i]);
  free(doms);
  return out;
}

}  // namespace famlab::vm
