#include "lab/vm/domain_xml.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "lab/common/xml_escape.h"

namespace famlab::vm {
namespace {

constexpr const char* kQemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0";

// QEMU option values: pieces separated by single commas; ",," is a literal
// comma. raw=true keeps the escaping (for passing a piece on unchanged).
std::vector<std::string> split_value(const std::string& v, bool raw) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == ',' && i + 1 < v.size() && v[i + 1] == ',') {
      out.back() += raw ? ",," : ",";
      ++i;
    } else if (v[i] == ',') {
      out.emplace_back();
    } else {
      out.back() += v[i];
    }
  }
  return out;
}

struct Device {
  std::string driver;
  std::map<std::string, std::string> props;
  std::string raw;  // the -device value as written
};

Device parse_device(const std::string& value) {
  Device d;
  d.raw = value;
  auto pieces = split_value(value, false);
  d.driver = pieces[0];
  for (size_t i = 1; i < pieces.size(); ++i) {
    auto eq = pieces[i].find('=');
    if (eq == std::string::npos)
      d.props[pieces[i]] = "on";
    else
      d.props[pieces[i].substr(0, eq)] = pieces[i].substr(eq + 1);
  }
  return d;
}

std::string prop(const Device& d, const std::string& key) {
  auto it = d.props.find(key);
  return it == d.props.end() ? "" : it->second;
}

// QEMU's -m takes MiB when no unit is given.
uint64_t qemu_size(const std::string& text, const std::string& what) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    auto mib = parse_size(text + "M");
    if (mib) return *mib;
  }
  auto v = parse_size(text);
  if (!v) throw Error("domain XML: " + what + " '" + text + "' is not a size");
  return *v;
}

// "slot[.function]" in hex, as QEMU's addr= property takes it.
int parse_slot(const std::string& addr) {
  std::string s = addr.substr(0, addr.find('.'));
  try {
    return static_cast<int>(std::stoul(s, nullptr, 16));
  } catch (const std::exception&) {
    throw Error("domain XML: cannot read PCI address '" + addr + "'");
  }
}

// Everything make_domain_xml learns from the argv.
struct Plan {
  std::string domain_type = "qemu";
  std::string cpu_model;
  std::vector<std::pair<std::string, std::string>> cpu_features;  // (policy, name)
  std::string machine_type;
  std::vector<std::string> machine_props;  // per -machine: its key=value pieces, raw
  uint64_t memory = 0, maxmem = 0;
  int slots = 0;
  int cpus = 1;
  std::string kernel, initrd, append, bios;
  bool no_reboot = false;
  bool serial = false;
  int vser_slot = -1;      // the agent's virtio-serial controller on pcie.0
  std::string agent_name;  // virtserialport name=
  std::vector<std::pair<std::string, std::string>> passthrough;  // (option, value) for <qemu:commandline>
};

struct Arg {
  std::string option;
  std::string value;
  bool has_value = false;
};

const std::set<std::string> kWithValue = {"-accel",  "-cpu",     "-machine", "-M",       "-m",
                                          "-smp",    "-display", "-serial",  "-bios",    "-kernel",
                                          "-initrd", "-append",  "-device",  "-chardev", "-object"};
const std::set<std::string> kFlags = {"-nodefaults", "-no-user-config", "-no-reboot"};

std::vector<Arg> split_argv(const std::vector<std::string>& argv) {
  std::vector<Arg> args;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& o = argv[i];
    if (kFlags.count(o)) {
      args.push_back({o, "", false});
    } else if (kWithValue.count(o)) {
      if (i + 1 >= argv.size()) throw Error("domain XML: QEMU option " + o + " has no value");
      args.push_back({o, argv[++i], true});
    } else {
      throw Error("domain XML: no libvirt mapping for QEMU option '" + o + "'");
    }
  }
  return args;
}

void read_cpu(Plan& p, const std::string& value) {
  auto pieces = split_value(value, false);
  p.cpu_model = pieces[0];
  for (size_t i = 1; i < pieces.size(); ++i) {
    const std::string& f = pieces[i];
    if (f.empty()) continue;
    if (f[0] == '-')
      p.cpu_features.push_back({"disable", f.substr(1)});
    else if (f[0] == '+')
      p.cpu_features.push_back({"require", f.substr(1)});
    else if (f.ends_with("=off"))
      p.cpu_features.push_back({"disable", f.substr(0, f.size() - 4)});
    else if (f.ends_with("=on"))
      p.cpu_features.push_back({"require", f.substr(0, f.size() - 3)});
    else
      throw Error("domain XML: cannot express CPU option '" + f + "' in libvirt");
  }
}

// The type goes to <os><type machine=>; the properties of one -machine stay
// together (QEMU refuses cxl-fmw.N.* keys spread over several -machine).
void read_machine(Plan& p, const std::string& value) {
  auto pieces = split_value(value, true);
  std::string props;
  for (const auto& piece : pieces) {
    if (piece.find('=') == std::string::npos) {
      p.machine_type = piece;
    } else if (piece.starts_with("type=")) {
      p.machine_type = piece.substr(5);
    } else if (piece.starts_with("accel=")) {
      throw Error("domain XML: -machine accel= is not supported; use -accel");
    } else {
      props += (props.empty() ? "" : ",") + piece;
    }
  }
  if (!props.empty()) p.machine_props.push_back(props);
}

void read_memory(Plan& p, const std::string& value) {
  for (const auto& piece : split_value(value, false)) {
    if (piece.starts_with("maxmem="))
      p.maxmem = qemu_size(piece.substr(7), "-m maxmem");
    else if (piece.starts_with("slots="))
      p.slots = std::stoi(piece.substr(6));
    else if (piece.starts_with("size="))
      p.memory = qemu_size(piece.substr(5), "-m size");
    else
      p.memory = qemu_size(piece, "-m");
  }
  if (p.memory == 0) throw Error("domain XML: -m without a size");
}

Plan read_plan(const std::vector<std::string>& argv) {
  if (argv.empty()) throw Error("domain XML: empty QEMU command");
  Plan p;
  auto args = split_argv(argv);

  // The agent channel: a virtserialport and the chardev and virtio-serial
  // controller it hangs off become libvirt's <channel> and <controller>.
  std::set<std::string> agent_chardevs;
  std::string vser_id;
  for (const auto& a : args) {
    if (a.option != "-device") continue;
    Device d = parse_device(a.value);
    if (d.driver != "virtserialport") continue;
    if (!p.agent_name.empty()) throw Error("domain XML: more than one virtio-serial port");
    p.agent_name = prop(d, "name");
    agent_chardevs.insert(prop(d, "chardev"));
    std::string bus = prop(d, "bus");
    vser_id = bus.substr(0, bus.rfind('.'));
  }

  // Slots on pcie.0 as QEMU hands them out: explicit addr= first, then the
  // lowest free slot from 1 (0 is the host bridge) in argv order.
  std::set<int> used = {0};
  for (const auto& a : args) {
    if (a.option != "-device") continue;
    Device d = parse_device(a.value);
    if (prop(d, "bus") == "pcie.0" && !prop(d, "addr").empty()) used.insert(parse_slot(prop(d, "addr")));
  }
  auto next_slot = [&] {
    int s = 1;
    while (used.count(s)) ++s;
    if (s > 0x1f) throw Error("domain XML: no free slot left on pcie.0");
    used.insert(s);
    return s;
  };

  for (const auto& a : args) {
    const std::string& o = a.option;
    const std::string& v = a.value;
    if (o == "-accel") {
      if (v == "tcg")
        p.domain_type = "qemu";
      else if (v == "kvm")
        p.domain_type = "kvm";
      else
        throw Error("domain XML: accelerator '" + v + "' has no libvirt domain type");
    } else if (o == "-cpu") {
      read_cpu(p, v);
    } else if (o == "-machine" || o == "-M") {
      read_machine(p, v);
    } else if (o == "-m") {
      read_memory(p, v);
    } else if (o == "-smp") {
      std::string n = v.starts_with("cpus=") ? v.substr(5) : v;
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos)
        throw Error("domain XML: cannot express -smp '" + v + "' in libvirt");
      p.cpus = std::stoi(n);
    } else if (o == "-display") {
      if (v != "none")
        throw Error("domain XML: -display " + v + " is not supported (libvirt: no <graphics>)");
    } else if (o == "-serial") {
      if (v != "stdio" && v != "mon:stdio") throw Error("domain XML: -serial " + v + " is not supported");
      if (p.serial) throw Error("domain XML: more than one -serial");
      p.serial = true;
    } else if (o == "-bios") {
      p.bios = v;
    } else if (o == "-kernel") {
      p.kernel = v;
    } else if (o == "-initrd") {
      p.initrd = v;
    } else if (o == "-append") {
      p.append = v;
    } else if (o == "-no-reboot") {
      p.no_reboot = true;
    } else if (o == "-nodefaults" || o == "-no-user-config") {
      // libvirt always passes both.
    } else if (o == "-chardev") {
      auto pieces = split_value(v, false);
      std::string id;
      for (const auto& piece : pieces)
        if (piece.starts_with("id=")) id = piece.substr(3);
      if (!agent_chardevs.count(id)) p.passthrough.push_back({o, v});
    } else if (o == "-device") {
      Device d = parse_device(v);
      bool on_root = prop(d, "bus") == "pcie.0";
      if (d.driver == "virtserialport") continue;
      if (d.driver == "virtio-serial-pci" && prop(d, "id") == vser_id) {
        if (!on_root) throw Error("domain XML: the agent's virtio-serial controller must be on pcie.0");
        p.vser_slot = prop(d, "addr").empty() ? next_slot() : parse_slot(prop(d, "addr"));
        continue;
      }
      std::string value = v;
      if (on_root && prop(d, "addr").empty()) value += ",addr=" + hex(next_slot(), 2);
      p.passthrough.push_back({o, value});
    } else if (o == "-object") {
      p.passthrough.push_back({o, v});
    }
  }
  if (p.machine_type.empty()) throw Error("domain XML: no -machine type");
  if (p.memory == 0) throw Error("domain XML: no -m");
  if (p.kernel.empty()) throw Error("domain XML: no -kernel (famlab boots a kernel directly)");
  if (!p.agent_name.empty() && p.vser_slot < 0)
    throw Error("domain XML: virtio-serial port without its controller '" + vser_id + "'");
  return p;
}

}  // namespace

std::string agent_channel_name(const std::vector<std::string>& qemu_argv) {
  Plan p = read_plan(qemu_argv);
  if (p.agent_name.empty()) throw Error("domain XML: the QEMU command has no agent channel");
  return p.agent_name;
}

std::string make_domain_xml(const std::vector<std::string>& qemu_argv, const DomainOptions& options) {
  Plan p = read_plan(qemu_argv);
  if (options.name.empty()) throw Error("domain XML: a domain needs a name");
  const uint64_t mem_kib = p.memory / KiB;

  std::ostringstream x;
  x << "<domain type='" << p.domain_type << "' xmlns:qemu='" << kQemuNamespace << "'>\n";
  x << "  <name>" << xml_escape(options.name) << "</name>\n";
  x << "  <metadata>\n    " << owner_element(options.owner) << "\n  </metadata>\n";
  if (p.maxmem > 0) {
    x << "  <maxMemory slots='" << (p.slots > 0 ? p.slots : 1) << "' unit='KiB'>" << p.maxmem / KiB
      << "</maxMemory>\n";
  }
  x << "  <memory unit='KiB'>" << mem_kib << "</memory>\n";
  x << "  <vcpu placement='static'>" << p.cpus << "</vcpu>\n";
  x << "  <os>\n";
  x << "    <type arch='x86_64' machine='" << xml_escape(p.machine_type) << "'>hvm</type>\n";
  if (!p.bios.empty()) x << "    <loader readonly='yes' type='rom'>" << xml_escape(p.bios) << "</loader>\n";
  x << "    <kernel>" << xml_escape(p.kernel) << "</kernel>\n";
  if (!p.initrd.empty()) x << "    <initrd>" << xml_escape(p.initrd) << "</initrd>\n";
  if (!p.append.empty()) x << "    <cmdline>" << xml_escape(p.append) << "</cmdline>\n";
  x << "  </os>\n";
  // Without <acpi/> libvirt passes acpi=off: no CEDT, no CXL.
  x << "  <features>\n    <acpi/>\n    <apic/>\n  </features>\n";
  {
    x << "  <cpu mode='custom' match='exact' check='none'>\n";
    if (!p.cpu_model.empty()) x << "    <model fallback='forbid'>" << xml_escape(p.cpu_model) << "</model>\n";
    // QEMU's -smp N is N cores in one socket; libvirt would make N sockets.
    x << "    <topology sockets='1' dies='1' clusters='1' cores='" << p.cpus << "' threads='1'/>\n";
    for (const auto& [policy, name] : p.cpu_features)
      x << "    <feature policy='" << policy << "' name='" << xml_escape(name) << "'/>\n";
    // libvirt needs a NUMA cell for memory slots (maxMemory).
    if (p.maxmem > 0) {
      x << "    <numa>\n      <cell id='0' cpus='0-" << p.cpus - 1 << "' memory='" << mem_kib
        << "' unit='KiB'/>\n    </numa>\n";
    }
    x << "  </cpu>\n";
  }
  x << "  <clock offset='utc'/>\n";
  x << "  <on_poweroff>destroy</on_poweroff>\n";
  x << "  <on_reboot>" << (p.no_reboot ? "destroy" : "restart") << "</on_reboot>\n";
  x << "  <on_crash>destroy</on_crash>\n";
  x << "  <devices>\n";
  x << "    <controller type='usb' model='none'/>\n";
  if (p.vser_slot >= 0) {
    x << "    <controller type='virtio-serial' index='0'>\n";
    x << "      <address type='pci' domain='0x0000' bus='0x00' slot='" << hex(p.vser_slot, 2)
      << "' function='0x0'/>\n";
    x << "    </controller>\n";
  }
  if (p.serial) {
    x << "    <serial type='pty'>\n      <target type='isa-serial' port='0'>\n"
      << "        <model name='isa-serial'/>\n      </target>\n    </serial>\n";
    x << "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n";
  }
  if (!p.agent_name.empty()) {
    // No path: libvirt puts the socket in its own channel directory, on the
    // host that runs QEMU; famlab reaches it through virDomainOpenChannel.
    x << "    <channel type='unix'>\n      <source mode='bind'/>\n"
      << "      <target type='virtio' name='" << xml_escape(p.agent_name) << "'/>\n"
      << "      <address type='virtio-serial' controller='0' bus='0' port='1'/>\n    </channel>\n";
  }
  x << "    <memballoon model='none'/>\n";
  x << "  </devices>\n";
  if (!p.machine_props.empty() || !p.passthrough.empty()) {
    x << "  <qemu:commandline>\n";
    auto arg = [&](const std::string& a) { x << "    <qemu:arg value='" << xml_escape(a) << "'/>\n"; };
    for (const auto& prop : p.machine_props) {
      arg("-machine");
      arg(prop);
    }
    for (const auto& [o, v] : p.passthrough) {
      arg(o);
      arg(v);
    }
    x << "  </qemu:commandline>\n";
  }
  x << "</domain>\n";
  return x.str();
}

}  // namespace famlab::vm
