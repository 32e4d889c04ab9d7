#include "libvmha/ocf/metadata.h"

#include "libvmha/base/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

namespace vmha::ocf {
namespace {

bool is(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

xmlNode* child(xmlNode* parent, const char* name) {
  for (xmlNode* c = parent->children; c; c = c->next)
    if (is(c, name)) return c;
  return nullptr;
}

Result<ParamSpec> parse_param(xmlNode* p) {
  ParamSpec spec;
  spec.name = xml_prop(p, "name");
  spec.required = xml_prop(p, "required") == "1";
  spec.unique = xml_prop(p, "unique") == "1";
  xmlNode* content = child(p, "content");
  if (spec.name.empty() || !content)
    return make_error(Errc::kInternal, "metadata: parameter without name or content");
  std::string type = xml_prop(content, "type");
  if (type == "integer") spec.type = ParamType::kInteger;
  else if (type == "boolean") spec.type = ParamType::kBoolean;
  else if (type == "string") spec.type = ParamType::kString;
  else return make_error(Errc::kInternal, "metadata: parameter " + spec.name + " has type " + type);
  spec.default_value = xml_prop(content, "default");
  return spec;
}

}  // namespace

const ParamSpec* AgentSpec::find_param(std::string_view n) const {
  for (const auto& p : params)
    if (p.name == n) return &p;
  return nullptr;
}

bool AgentSpec::has_action(std::string_view n) const {
  for (const auto& a : actions)
    if (a.name == n) return true;
  return false;
}

Result<AgentSpec> parse_metadata(std::string_view xml) {
  // XML_PARSE_NONET: never fetch the DTD named in the DOCTYPE.
  XmlDoc doc = parse_xml(xml, "metadata.xml");
  if (!doc) return make_error(Errc::kInternal, "metadata: not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !is(root, "resource-agent"))
    return make_error(Errc::kInternal, "metadata: root is not <resource-agent>");
  AgentSpec spec;
  spec.name = xml_prop(root, "name");
  if (xmlNode* params = child(root, "parameters")) {
    for (xmlNode* p = params->children; p; p = p->next) {
      if (!is(p, "parameter")) continue;
      auto ps = parse_param(p);
      if (!ps) return ps.error();
      spec.params.push_back(std::move(*ps));
    }
  }
  if (xmlNode* actions = child(root, "actions")) {
    for (xmlNode* a = actions->children; a; a = a->next) {
      if (!is(a, "action")) continue;
      spec.actions.push_back({xml_prop(a, "name"), xml_prop(a, "timeout"), xml_prop(a, "interval"), xml_prop(a, "depth")});
    }
  }
  return spec;
}

}  // namespace vmha::ocf
