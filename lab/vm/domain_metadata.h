#pragma once
// Who started a libvirt domain: one element in famlab's own XML namespace
// under the domain's <metadata>. famlab writes it when it creates a domain;
// `famlab gc` reads it back to recognise leftovers of a crashed run and to
// tell them from domains of a run that is still going.
#include <optional>
#include <string>

namespace famlab::vm {

// Every famlab domain is named kDomainPrefix + run id + "-" + scenario.
inline constexpr const char* kDomainPrefix = "famlab-";
inline constexpr const char* kMetadataNamespace = "http://famlab.dev/xmlns/libvirt/1";
inline constexpr const char* kMetadataPrefix = "famlab";

struct DomainOwner {
  std::string run_id;                // unique per `famlab run`
  std::string controller;            // hostname of the machine famlab ran on
  std::string boot_id;               // that machine's boot id: a pid is only meaningful within one boot
  long pid = 0;                      // famlab's pid there
  unsigned long long pid_start = 0;  // its start time (clock ticks since boot): guards against pid reuse
  std::string run_dir;               // the private run directory (on the controller)
  std::string scenario;
  std::string kernel;
};

// The owner of the calling process: hostname, boot id, pid and its start time.
DomainOwner this_process_owner(const std::string& run_id);

// A fresh run id: 8 hex digits from the kernel's random source.
std::string new_run_id();

// <famlab:run xmlns:famlab="..." .../> (the element only, for <metadata>).
std::string owner_element(const DomainOwner& o);

// Reads what virDomainGetMetadata returns for our namespace (libvirt hands
// the element back without its namespace); nullopt when it is not a famlab
// run element.
std::optional<DomainOwner> parse_owner_element(const std::string& xml);

// Whether the owner is a live process on this machine (same host, same boot,
// same pid with the same start time).
bool owner_is_alive_here(const DomainOwner& o);

// Whether the owner ran on this machine (so its run directory is ours to
// look at).
bool owner_is_on_this_machine(const DomainOwner& o);

}  // namespace famlab::vm
