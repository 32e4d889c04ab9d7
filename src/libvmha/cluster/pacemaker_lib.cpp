#include "libvmha/cluster/pacemaker_lib.h"

#include <crm/common/results.h>
#include <crm/common/xml.h>
#include <crm/crm.h>

#include <cstring>
#include <mutex>

namespace vmha::cluster {

void prepare_pacemaker_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    crm_xml_init();
    // Requests carry it as their origin; Pacemaker frees it with free(), so
    // it must come from malloc.
    if (crm_system_name == nullptr) crm_system_name = strdup("vmha");
  });
}

std::string pcmk_rc_text(int rc) {
  return std::string(pcmk_rc_str(rc)) + " (" + std::to_string(rc) + ")";
}

}  // namespace vmha::cluster
