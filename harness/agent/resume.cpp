#include "harness/agent/resume.h"

#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"

namespace famlab::agent {

std::vector<uint8_t> entropy_bytes(const std::string& hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Error("entropy: '" + std::string(1, c) + "' is not a hex digit");
  };
  if (hex.size() % 2) throw Error("entropy: odd number of hex digits (" + std::to_string(hex.size()) + ")");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

void reseed_crng(const fs::path& random_dev, const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) throw Error("entropy: no bytes from the host");
  UniqueFd fd(open(random_dev.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) throw Error(random_dev.string() + ": " + std::strerror(errno));
  // struct rand_pool_info ends in a flexible array: one buffer holds both.
  std::vector<int> buf(2 + (bytes.size() + sizeof(int) - 1) / sizeof(int));
  auto* info = reinterpret_cast<rand_pool_info*>(buf.data());
  info->entropy_count = static_cast<int>(bytes.size() * 8);
  info->buf_size = static_cast<int>(bytes.size());
  std::memcpy(info->buf, bytes.data(), bytes.size());
  if (ioctl(fd.get(), RNDADDENTROPY, info) != 0)
    throw Error(random_dev.string() + ": RNDADDENTROPY: " + std::strerror(errno));
  if (ioctl(fd.get(), RNDRESEEDCRNG) != 0)
    throw Error(random_dev.string() + ": RNDRESEEDCRNG: " + std::strerror(errno));
}

double set_clock(int64_t host_ns) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  timespec to{static_cast<time_t>(host_ns / 1000000000), static_cast<long>(host_ns % 1000000000)};
  if (clock_settime(CLOCK_REALTIME, &to) != 0)
    throw Error(std::string("clock_settime: ") + std::strerror(errno));
  return static_cast<double>(to.tv_sec - now.tv_sec) + static_cast<double>(to.tv_nsec - now.tv_nsec) / 1e9;
}

std::vector<fs::path> cxl_host_bridge_buses(const SystemRoots& roots) {
  std::vector<fs::path> buses;
  const fs::path acpi = roots.sys / "bus/acpi/devices";
  for (const auto& name : list_names(acpi, "ACPI0016:")) {
    fs::path node = acpi / name / "physical_node";
    if (fs::exists(node)) buses.push_back(real_path(node));
  }
  return buses;
}

namespace {

bool is_pci_function(const std::string& name) {
  // 0000:0c:00.0
  return name.size() == 12 && name[4] == ':' && name[7] == ':' && name[10] == '.';
}

// PCI functions below the host bridges that cxl_pci drives.
int cxl_pci_functions(const std::vector<fs::path>& buses) {
  int n = 0;
  for (const auto& bus : buses) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(bus, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_symlink(ec)) {
        it.disable_recursion_pending();
        continue;
      }
      if (is_pci_function(it->path().filename().string()) && link_name(it->path() / "driver") == "cxl_pci")
        ++n;
    }
  }
  return n;
}

int bound_memdevs(const SystemRoots& roots) {
  int n = 0;
  for (const auto& m : list_names(cxl_bus_devices(roots.sys), "mem"))
    if (link_name(cxl_bus_devices(roots.sys) / m / "driver") == "cxl_mem") ++n;
  return n;
}

}  // namespace

ReprobeResult reprobe_cxl(const SystemRoots& roots, double timeout_s, const std::function<void()>& idle) {
  ReprobeResult r;
  std::vector<fs::path> buses = cxl_host_bridge_buses(roots);
  if (buses.empty()) return r;
  const fs::path acpi_driver = roots.sys / "bus/platform/drivers/cxl_acpi";
  std::vector<std::string> roots_bound = list_names(acpi_driver, "ACPI0017:");
  for (const auto& dev : roots_bound) write_attr(acpi_driver / "unbind", dev);
  for (const auto& bus : buses) {
    r.host_bridges.push_back(bus.filename().string());
    for (const auto& name : list_names(bus, "0000:"))
      if (is_pci_function(name) && fs::exists(bus / name / "remove")) write_attr(bus / name / "remove", "1");
  }
  write_attr(roots.sys / "bus/pci/rescan", "1");
  for (const auto& dev : roots_bound) write_attr(acpi_driver / "bind", dev);

  const int want = cxl_pci_functions(buses);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    r.memdevs = bound_memdevs(roots);
    if (r.memdevs >= want) return r;
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error("after the re-probe " + std::to_string(r.memdevs) + " of " + std::to_string(want) +
                  " CXL memdevs are bound to cxl_mem within " + std::to_string(static_cast<int>(timeout_s)) +
                  " s");
    if (idle) idle();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace famlab::agent
