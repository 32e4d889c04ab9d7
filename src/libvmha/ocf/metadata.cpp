#include "libvmha/ocf/metadata.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

namespace vmha::ocf {
namespace {

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<char*>(v));
  xmlFree(v);
  return s;
}

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
  spec.name = attr(p, "name");
  spec.required = attr(p, "required") == "1";
  spec.unique = attr(p, "unique") == "1";
  xmlNode* content = child(p, "content");
  if (spec.name.empty() || !content)
    return make_error(Errc::kInternal, "metadata: parameter without name or content");
  std::string type = attr(content, "type");
  if (type == "integer") spec.type = ParamType::kInteger;
  else if (type == "boolean") spec.type = ParamType::kBoolean;
  else if (type == "string") spec.type = ParamType::kString;
  else return make_error(Errc::kInternal, "metadata: parameter " + spec.name + " has type " + type);
  spec.default_value = attr(content, "default");
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
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "metadata.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  if (!doc) return make_error(Errc::kInternal, "metadata: not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !is(root, "resource-agent"))
    return make_error(Errc::kInternal, "metadata: root is not <resource-agent>");
  AgentSpec spec;
  spec.name = attr(root, "name");
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
      spec.actions.push_back({attr(a, "name"), attr(a, "timeout"), attr(a, "interval"), attr(a, "depth")});
    }
  }
  return spec;
}

}  // namespace vmha::ocf
