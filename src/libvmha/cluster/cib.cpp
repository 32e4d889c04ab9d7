#include "libvmha/cluster/cib.h"

#include <crm/cib.h>
#include <crm/common/xml.h>
#include <libxml/tree.h>

#include <cstring>

#include "libvmha/base/xml.h"

namespace vmha::cluster {
namespace {

cib_t* as_cib(void* p) { return static_cast<cib_t*>(p); }

const char* set_tag(AttrSet s) { return s == AttrSet::kUtilization ? "utilization" : "meta_attributes"; }

bool named(xmlNode* n, const char* tag) {
  return n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), tag) == 0;
}

// Where an attribute lives now: its set's id and the nvpair (if any).
struct Location {
  std::string set_id;
  std::string nvpair_id;
  std::optional<std::string> value;
};

Location locate(xmlNode* primitive, AttrSet set, const std::string& name) {
  Location loc;
  for (xmlNode* s = primitive->children; s; s = s->next) {
    if (!named(s, set_tag(set))) continue;
    if (loc.set_id.empty()) loc.set_id = xml_prop(s, "id");
    for (xmlNode* nv = s->children; nv; nv = nv->next) {
      if (named(nv, "nvpair") && xml_prop(nv, "name") == name) {
        loc.set_id = xml_prop(s, "id");
        loc.nvpair_id = xml_prop(nv, "id");
        loc.value = xml_prop(nv, "value");
        return loc;
      }
    }
  }
  return loc;
}

Error cib_error(const std::string& what, int rc) {
  return make_error(rc == -ENOTCONN || rc == -ECONNREFUSED ? Errc::kUnreachable : Errc::kInternal,
                    what + ": " + pcmk_strerror(rc));
}

}  // namespace

Result<Cib> Cib::connect(int timeout_s) {
  // Loads the schemas; the file backend validates against them at sign-on.
  static const bool xml_ready = (crm_xml_init(), true);
  (void)xml_ready;
  cib_t* cib = cib_new();
  if (!cib) return make_error(Errc::kInternal, "cannot allocate a CIB connection");
  cib->call_timeout = timeout_s;
  int rc = cib->cmds->signon(cib, "vmha", cib_command);
  if (rc != pcmk_ok) {
    cib_delete(cib);
    return make_error(Errc::kUnreachable, std::string("cannot connect to the CIB: ") + pcmk_strerror(rc));
  }
  return Cib(cib);
}

Cib::Cib(Cib&& other) noexcept : cib_(other.cib_) { other.cib_ = nullptr; }

Cib::~Cib() {
  if (!cib_) return;
  as_cib(cib_)->cmds->signoff(as_cib(cib_));
  cib_delete(as_cib(cib_));
}

namespace {

Result<Location> query(cib_t* cib, const std::string& rsc, AttrSet set, const std::string& name) {
  std::string xpath = "//primitive[@id='" + rsc + "']";
  xmlNode* out = nullptr;
  int rc = cib->cmds->query(cib, xpath.c_str(), &out, cib_xpath | cib_sync_call | cib_scope_local);
  if (rc == -ENXIO) return make_error(Errc::kNotFound, "resource " + rsc + " is not in the CIB");
  if (rc != pcmk_ok) return cib_error("query resource " + rsc, rc);
  Location loc = locate(out, set, name);
  free_xml(out);
  return loc;
}

}  // namespace

Result<std::optional<std::string>> Cib::get(const std::string& rsc, AttrSet set,
                                            const std::string& name) {
  auto loc = query(as_cib(cib_), rsc, set, name);
  if (!loc) return loc.error();
  return loc->value;
}

Result<ResourceAgent> Cib::agent(const std::string& rsc) {
  std::string xpath = "//primitive[@id='" + rsc + "']";
  xmlNode* out = nullptr;
  int rc = as_cib(cib_)->cmds->query(as_cib(cib_), xpath.c_str(), &out,
                                     cib_xpath | cib_sync_call | cib_scope_local);
  if (rc == -ENXIO) return make_error(Errc::kNotFound, "resource " + rsc + " is not in the CIB");
  if (rc != pcmk_ok) return cib_error("query resource " + rsc, rc);
  ResourceAgent a{xml_prop(out, "class"), xml_prop(out, "provider"), xml_prop(out, "type")};
  free_xml(out);
  return a;
}

Result<bool> Cib::set(const std::string& rsc, AttrSet set, const std::string& name,
                      const std::string& value) {
  auto loc = query(as_cib(cib_), rsc, set, name);
  if (!loc) return loc.error();
  if (loc->value == value) return false;
  // Reuse the ids already there so that no second nvpair of the same name
  // appears; otherwise use the ids pcs would choose.
  std::string set_id = loc->set_id.empty() ? rsc + "-" + set_tag(set) : loc->set_id;
  std::string nv_id = loc->nvpair_id.empty() ? set_id + "-" + name : loc->nvpair_id;
  xmlNode* prim = create_xml_node(nullptr, "primitive");
  crm_xml_add(prim, "id", rsc.c_str());
  xmlNode* s = create_xml_node(prim, set_tag(set));
  crm_xml_add(s, "id", set_id.c_str());
  xmlNode* nv = create_xml_node(s, "nvpair");
  crm_xml_add(nv, "id", nv_id.c_str());
  crm_xml_add(nv, "name", name.c_str());
  crm_xml_add(nv, "value", value.c_str());
  int rc = as_cib(cib_)->cmds->modify(as_cib(cib_), "resources", prim, cib_sync_call);
  free_xml(prim);
  if (rc != pcmk_ok) return cib_error("set " + name + " of " + rsc, rc);
  return true;
}

Result<std::string> Cib::xml() {
  xmlNode* out = nullptr;
  int rc = as_cib(cib_)->cmds->query(as_cib(cib_), nullptr, &out, cib_sync_call | cib_scope_local);
  if (rc != pcmk_ok) return cib_error("read the CIB", rc);
  xmlBufferPtr buf = xmlBufferCreate();
  xmlNodeDump(buf, out->doc, out, 0, 0);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buf)), xmlBufferLength(buf));
  xmlBufferFree(buf);
  free_xml(out);
  return text;
}

Result<bool> Cib::create(const std::string& section, const std::string& element_xml) {
  XmlDoc doc = parse_xml(element_xml, "element.xml");
  xmlNode* el = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!el) return make_error(Errc::kInvalidArgument, "not an XML element: " + element_xml);
  int rc = as_cib(cib_)->cmds->create(as_cib(cib_), section.c_str(), el, cib_sync_call);
  // The CIB manager refuses an id it has already (a concurrent creator, or
  // an earlier call): what the caller wanted is there.
  if (rc == -ENOTUNIQ || rc == -EEXIST) return false;
  if (rc != pcmk_ok) return cib_error("add " + xml_prop(el, "id") + " to " + section, rc);
  return true;
}

}  // namespace vmha::cluster
