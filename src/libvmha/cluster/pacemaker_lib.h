// One-time preparation of libcrmcommon for the IPC clients in this folder:
// libxml2 initialised before any thread builds XML, and a client name that
// Pacemaker's daemons log ("vmha" unless the program already set one).
// Safe to call from any thread, any number of times.
#pragma once

#include <string>

namespace vmha::cluster {

void prepare_pacemaker_library();

// A standard Pacemaker return code (pcmk_rc_*, errno) for a message:
// "Connection refused (111)".
std::string pcmk_rc_text(int rc);

}  // namespace vmha::cluster
