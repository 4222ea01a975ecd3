#include "protocol/guest_plan.h"

namespace famlab::protocol {

using nlohmann::json;

void to_json(json& j, const PlannedMemdev& v) {
  j = {{"id", v.id}, {"serial", v.serial}, {"ram_size", v.ram_size}, {"pmem_size", v.pmem_size}};
}
void from_json(const json& j, PlannedMemdev& v) {
  j.at("id").get_to(v.id);
  j.at("serial").get_to(v.serial);
  v.ram_size = j.value("ram_size", uint64_t{0});
  v.pmem_size = j.value("pmem_size", uint64_t{0});
}

void to_json(json& j, const PlannedRegion& v) {
  j = {{"index", v.index},     {"window", v.window},           {"type", v.type},
       {"targets", v.targets}, {"granularity", v.granularity}, {"size", v.size},
       {"mode", v.mode}};
}
void from_json(const json& j, PlannedRegion& v) {
  j.at("index").get_to(v.index);
  j.at("window").get_to(v.window);
  v.type = j.value("type", std::string("ram"));
  j.at("targets").get_to(v.targets);
  j.at("granularity").get_to(v.granularity);
  j.at("size").get_to(v.size);
  v.mode = j.value("mode", std::string("devdax"));
}

void to_json(json& j, const PlannedPmem& v) {
  j = {{"start", v.start}, {"size", v.size}, {"align", v.align}};
}
void from_json(const json& j, PlannedPmem& v) {
  j.at("start").get_to(v.start);
  j.at("size").get_to(v.size);
  v.align = j.value("align", uint64_t{2} << 20);
}

void to_json(json& j, const GuestPlan& v) {
  j = {{"modules", v.modules}, {"memdevs", v.memdevs}, {"regions", v.regions}, {"pmem", v.pmem}};
}
void from_json(const json& j, GuestPlan& v) {
  v.modules = j.value("modules", std::vector<std::string>{});
  v.memdevs = j.value("memdevs", std::vector<PlannedMemdev>{});
  v.regions = j.value("regions", std::vector<PlannedRegion>{});
  v.pmem = j.value("pmem", std::vector<PlannedPmem>{});
}

}  // namespace famlab::protocol
