#include "libvmha/fence/metadata_xml.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>

#include "embedded_metadata.h"

namespace vmha::fence {
namespace {

std::string content_of(xmlNode* n) {
  xmlChar* t = xmlNodeGetContent(n);
  std::string out = t != nullptr ? reinterpret_cast<const char*>(t) : "";
  xmlFree(t);
  return out;
}

// Compares our element with libxml2's, field by field, children included;
// `where` grows into a path so that a difference names its element.
void expect_same(const XmlElement& ours, xmlNode* theirs, const std::string& where, int& elements) {
  ++elements;
  ASSERT_EQ(ours.name, reinterpret_cast<const char*>(theirs->name)) << where;
  size_t i = 0;
  for (xmlAttr* a = theirs->properties; a != nullptr; a = a->next, ++i) {
    ASSERT_LT(i, ours.attributes.size()) << where << " misses attribute " << a->name;
    EXPECT_EQ(ours.attributes[i].first, reinterpret_cast<const char*>(a->name)) << where;
    xmlChar* v = xmlNodeListGetString(theirs->doc, a->children, 1);
    EXPECT_EQ(ours.attributes[i].second, reinterpret_cast<const char*>(v))
        << where << "@" << a->name;
    xmlFree(v);
  }
  EXPECT_EQ(i, ours.attributes.size()) << where << " has extra attributes";
  EXPECT_EQ(ours.text, content_of(theirs)) << where;
  size_t k = 0;
  for (xmlNode* c = theirs->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    ASSERT_LT(k, ours.children.size()) << where << " misses <" << c->name << ">";
    expect_same(ours.children[k], c, where + "/" + ours.children[k].name + "[" +
                                         std::to_string(k) + "]", elements);
    ++k;
  }
  EXPECT_EQ(k, ours.children.size()) << where << " has extra children";
}

void compare_with_libxml2(std::string_view text, int min_elements) {
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(text.data(), static_cast<int>(text.size()), "metadata.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  ASSERT_TRUE(doc) << "libxml2 cannot read it";
  auto ours = parse_metadata_xml(text);
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  int elements = 0;
  expect_same(*ours, xmlDocGetRootElement(doc.get()), ours->name, elements);
  // The walk saw the whole document, not just its root.
  EXPECT_GE(elements, min_elements);
}

TEST(MetadataXml, ReadsTheIpmiAgentsMetadataAsLibxml2Does) {
  compare_with_libxml2(embedded::fence_vmha_ipmi_xml(), 100);
}

TEST(MetadataXml, ReadsTheDiskAgentsMetadataAsLibxml2Does) {
  compare_with_libxml2(embedded::fence_vmha_disk_xml(), 50);
}

TEST(MetadataXml, EntitiesReferencesCommentsAndCdataAsLibxml2) {
  std::string doc =
      "<?xml version=\"1.0\"?>\n<!-- before -->\n"
      "<a x='1 &amp; &lt;2&gt;' y=\"&quot;q&quot; &apos;s&apos;\tz\">"
      "t&#65;&#x42;&#xe9;&#x20AC;<!-- c --><b>in<c/>ner</b><![CDATA[<raw&>]]><?pi x?>tail</a>\n"
      "<!-- after -->\n";
  compare_with_libxml2(doc, 3);
  auto a = parse_metadata_xml(doc);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a->attribute("x"), "1 & <2>");
  EXPECT_EQ(a->text, "tAB\xc3\xa9\xe2\x82\xacinner<raw&>tail");
}

TEST(MetadataXml, RefusesWhatItDoesNotReadNamingTheByte) {
  for (const char* bad : {"<a><b></a>", "<a>&nbsp;</a>", "<!DOCTYPE a><a/>", "<a x=1/>",
                          "<a x='1' x='2'/>", "<a>", "<a/><b/>", "<a>&#0;</a>", "<a y='<'/>",
                          "<a><!-- open</a>", ""}) {
    auto r = parse_metadata_xml(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInternal) << bad;
    EXPECT_NE(r.error().message.find("not well-formed XML at byte"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace vmha::fence
