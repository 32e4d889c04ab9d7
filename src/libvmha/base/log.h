// The one logger. Lines go to stderr (Pacemaker's executor captures an agent's
// stderr into its log) and to syslog. Secrets must never be passed in.
#pragma once

#include <string>
#include <string_view>

namespace vmha::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// ident is the program or agent name; tag an instance ("VirtualMachine(vm1)").
void init(std::string ident, std::string tag = "");
void set_debug(bool on);
void set_stderr(bool on);
// Prefix stderr lines with the wall-clock time in ms (daemons writing a log
// file; agents' lines are timestamped by Pacemaker's executor).
void set_timestamps(bool on);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warning(std::string_view m) { write(Level::kWarning, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace vmha::log
