#pragma once
// The Shell op (`famlab shell`): an interactive /bin/sh on the serial
// console. It becomes a session leader with the console as its controlling
// terminal, so job control and Ctrl-C work.
#include <sys/types.h>

#include <string>

namespace famlab::agent {

// Writes `banner` to `tty`, then starts `/bin/sh -i` there. The pid is
// tracked (child_exit_status tells when it ended). Throws Error.
pid_t start_console_shell(const std::string& tty, const std::string& banner);

}  // namespace famlab::agent
