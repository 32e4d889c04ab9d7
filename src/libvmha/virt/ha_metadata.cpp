#include "libvmha/virt/ha_metadata.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "libvmha/base/strings.h"
#include "libvmha/base/xml.h"

namespace vmha::virt {

std::optional<ResumeBehavior> parse_resume_behavior(std::string_view s) {
  if (s == "auto_resume") return ResumeBehavior::kAutoResume;
  if (s == "leave_paused") return ResumeBehavior::kLeavePaused;
  if (s == "kill") return ResumeBehavior::kKill;
  return std::nullopt;
}

const char* to_string(ResumeBehavior b) {
  switch (b) {
    case ResumeBehavior::kAutoResume: return "auto_resume";
    case ResumeBehavior::kLeavePaused: return "leave_paused";
    case ResumeBehavior::kKill: return "kill";
  }
  return "kill";
}

std::optional<GuestShutdown> parse_guest_shutdown(std::string_view s) {
  if (s == "restart") return GuestShutdown::kRestart;
  if (s == "stop") return GuestShutdown::kStop;
  return std::nullopt;
}

const char* to_string(GuestShutdown g) { return g == GuestShutdown::kStop ? "stop" : "restart"; }

std::string to_xml(const HaPolicy& p) {
  return "<ha resource=\"" + xml_escape(p.resource) + "\" resume-behavior=\"" +
         to_string(p.resume) + "\" kill-paused-after=\"" + std::to_string(p.kill_paused_after_s) +
         "\" guest-shutdown=\"" + to_string(p.guest_shutdown) + "\" paused-since=\"" +
         std::to_string(p.paused_since) + "\"" +
         (p.rescue_since ? " rescue-since=\"" + std::to_string(p.rescue_since) + "\"" : "") + "/>";
}

Result<HaPolicy> parse_ha_policy(std::string_view xml) {
  XmlDoc doc = parse_xml(xml, "ha.xml");
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!root || xmlStrcmp(root->name, reinterpret_cast<const xmlChar*>("ha")) != 0)
    return make_error(Errc::kInvalidArgument, "vmha metadata is not an <ha> element");
  HaPolicy p;
  p.resource = xml_prop(root, "resource");
  auto rb = parse_resume_behavior(xml_prop(root, "resume-behavior"));
  auto gs = parse_guest_shutdown(xml_prop(root, "guest-shutdown"));
  auto kp = parse_int(xml_prop(root, "kill-paused-after"));
  if (!rb || !gs || !kp)
    return make_error(Errc::kInvalidArgument, "vmha metadata has a missing or bad attribute");
  p.resume = *rb;
  p.guest_shutdown = *gs;
  p.kill_paused_after_s = *kp;
  p.paused_since = parse_int(xml_prop(root, "paused-since")).value_or(0);
  p.rescue_since = parse_int(xml_prop(root, "rescue-since")).value_or(0);
  return p;
}

}  // namespace vmha::virt
