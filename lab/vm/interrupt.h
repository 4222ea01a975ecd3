#pragma once
// SIGINT/SIGTERM/SIGHUP turn into a flag that every wait loop checks, so a
// run stops through the same teardown path as a timeout: the VM is killed,
// the report says "interrupted", nothing is left running.
namespace famlab::vm {

void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();  // the signal that interrupted, 0 if none

}  // namespace famlab::vm
