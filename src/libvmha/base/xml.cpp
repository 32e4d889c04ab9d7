#include "libvmha/base/xml.h"

namespace vmha {

XmlDoc parse_xml(std::string_view text, const char* name) {
  return XmlDoc(xmlReadMemory(text.data(), static_cast<int>(text.size()), name, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
                xmlFreeDoc);
}

std::string xml_prop(const xmlNode* n, const char* name) {
  if (!n) return {};
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<char*>(v));
  xmlFree(v);
  return s;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace vmha
