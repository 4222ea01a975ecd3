#include "harness/agent/region_builder.h"

#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "harness/agent/cxl_port.h"
#include "harness/agent/decoder.h"
#include "harness/agent/memdev.h"
#include "harness/agent/region.h"

namespace famlab::agent {
namespace {

constexpr uint64_t kDpaAlign = 256u << 20;  // the kernel's DPA and HPA allocation unit

// One interleave position: which memdev, and the endpoint decoder that will
// map its share.
struct Member {
  uint64_t serial;
  Memdev memdev;
  Decoder decoder;
};

Decoder find_root_decoder(const protocol::PlannedRegion& plan, const fs::path& sys) {
  Decoder root = Decoder::named(sys, "decoder0." + std::to_string(plan.window));
  if (!root.exists())
    throw Error("root decoder " + root.name() + " (window " + std::to_string(plan.window) +
                ") does not exist; is the fixed memory window configured?");
  if (root.port_name().rfind("root", 0) != 0)
    throw Error(root.name() + " belongs to " + root.port_name() + ", not to the CXL root");
  auto cap = try_read_attr(root.dir() / ("cap_" + plan.type));
  if (cap && *cap != "1")
    throw Error(root.name() + " cannot map " + plan.type + " (cap_" + plan.type + " is 0)");
  return root;
}

std::vector<Member> pick_members(const protocol::PlannedRegion& plan, const Decoder& root,
                                 const fs::path& sys) {
  std::vector<int> hbs = root.target_list();
  if (hbs.empty()) throw Error(root.name() + " has no targets");
  if (plan.targets.size() % hbs.size() != 0)
    throw Error(std::to_string(plan.targets.size()) + " targets cannot spread evenly over the " +
                std::to_string(hbs.size()) + " host bridges of " + root.name());
  CxlPort root_port(sys, root.port_name());
  std::vector<Member> members;
  std::set<uint64_t> seen;
  for (size_t pos = 0; pos < plan.targets.size(); ++pos) {
    uint64_t serial = plan.targets[pos];
    std::string t = "target " + std::to_string(pos) + " (serial " + hex(serial) + ")";
    if (!seen.insert(serial).second) throw Error(t + " appears twice");
    auto memdev = Memdev::by_serial(sys, serial);
    if (!memdev) throw Error(t + ": no memdev has this serial");
    t = "target " + std::to_string(pos) + " (" + memdev->name() + ", serial " + hex(serial) + ")";
    // Position p must sit below root target p mod N: the kernel refuses
    // anything else with a bare ENXIO.
    int hb_id = hbs[pos % hbs.size()];
    auto hb = root_port.dport_device(hb_id);
    if (!hb) throw Error(root_port.name() + " has no dport" + std::to_string(hb_id));
    if (!is_below(memdev->real_dir(), *hb))
      throw Error(t + " is not below host bridge " + hb->filename().string() + " (id " +
                  std::to_string(hb_id) + "), which " + root.name() + " puts at position " +
                  std::to_string(pos % hbs.size()) +
                  "; the region's target order does not match the window's targets");
    auto ep = CxlPort::endpoint_of(sys, *memdev);
    if (!ep) throw Error(t + " has no endpoint port (is cxl_mem bound?)");
    auto dec = ep->first_free_decoder();
    if (!dec) throw Error(t + ": " + ep->name() + " has no free decoder");
    members.push_back({serial, *memdev, *dec});
  }
  return members;
}

void check_sizes(const protocol::PlannedRegion& plan, const Decoder& root,
                 const std::vector<Member>& members) {
  uint64_t ways = members.size();
  if (plan.size == 0 || plan.size % (ways * kDpaAlign) != 0)
    throw Error("size " + format_size(plan.size) + " is not a multiple of " + std::to_string(ways) +
                " x 256M");
  uint64_t share = plan.size / ways;
  for (const auto& m : members) {
    uint64_t cap = plan.type == "pmem" ? m.memdev.pmem_size() : m.memdev.ram_size();
    if (share > cap)
      throw Error(m.memdev.name() + " has " + format_size(cap) + " of " + plan.type + ", the region needs " +
                  format_size(share) + " from each member");
  }
  if (root.interleave_ways() > 1 && plan.granularity != root.interleave_granularity())
    throw Error("granularity " + std::to_string(plan.granularity) + " differs from " + root.name() + "'s " +
                std::to_string(root.interleave_granularity()) +
                "; across host bridges the kernel needs them equal");
}

// Best effort: leave no half-built region that would hold the decoders.
void tear_down(const Region& region, const Decoder& root, const std::vector<Member>& members) {
  auto quietly = [](auto&& f) {
    try {
      f();
    } catch (const std::exception&) {
    }
  };
  if (region.committed()) quietly([&] { region.uncommit(); });
  quietly([&] { root.delete_region(region.name()); });
  for (const auto& m : members) quietly([&] { m.decoder.set_dpa_size(0); });
}

}  // namespace

std::string random_uuid() {
  std::random_device rd;
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(rd());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char s[40];
  std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return s;
}

std::string build_region(const protocol::PlannedRegion& plan, const BringupEnv& env) {
  const std::string where = "region " + std::to_string(plan.index) + ": ";
  const fs::path& sys = env.roots.sys;
  Decoder root("");
  std::vector<Member> members;
  try {
    if (plan.type != "ram" && plan.type != "pmem")
      throw Error("type '" + plan.type + "' is neither ram nor pmem");
    if (plan.targets.empty()) throw Error("no targets");
    root = find_root_decoder(plan, sys);
    members = pick_members(plan, root, sys);
    check_sizes(plan, root, members);
  } catch (const Error& e) {
    throw Error(where + e.what());
  }

  std::string name;
  try {
    name = root.create_region(plan.type);
  } catch (const Error& e) {
    throw Error(where + "cannot create a region on " + root.name() + ": " + e.what());
  }
  Region region(sys, name);
  auto ways = static_cast<uint32_t>(members.size());
  uint64_t share = plan.size / ways;
  std::string list;
  for (const auto& m : members) list += " " + m.memdev.name() + "/" + m.decoder.name();
  env.say(where + name + " on " + root.name() + ": " + plan.type + ", " + format_size(plan.size) + ", " +
          std::to_string(ways) + " ways, granularity " + std::to_string(plan.granularity) + ", targets" +
          list);
  try {
    if (!region.exists()) throw Error(region.dir().string() + " did not appear");
    if (plan.type == "pmem") region.set_uuid(random_uuid());
    region.set_interleave_granularity(plan.granularity);
    region.set_interleave_ways(ways);
    for (const auto& m : members) {
      m.decoder.set_mode(plan.type);
      m.decoder.set_dpa_size(share);
    }
    region.set_size(plan.size);
    for (uint32_t i = 0; i < ways; ++i) region.set_target(i, members[i].decoder.name());
    region.commit();
    if (!region.bound()) region.bind();
  } catch (const Error& e) {
    tear_down(region, root, members);
    throw Error(where + "building " + name + " failed: " + e.what() + " (the kernel log may say why)");
  }
  return name;
}

}  // namespace famlab::agent
