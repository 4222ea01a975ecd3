#include "lab/common/xml_escape.h"

#include <gtest/gtest.h>

namespace famlab {
namespace {

TEST(XmlEscape, QuotesMarkupCharacters) {
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
}

TEST(XmlEscape, DropsBytesXmlForbidsAndKeepsWhitespace) {
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b\x1b"
                                   "c\td\ne\r",
                                   10)),
            "abc\td\ne\r");
}

TEST(XmlEscape, AttributesKeepWhitespaceAsReferences) {
  EXPECT_EQ(xml_attribute_escape("a\tb\nc\rd&"), "a&#9;b&#10;c&#13;d&amp;");
  EXPECT_EQ(xml_attribute_escape(std::string("x\x02y", 3)), "xy");
}

}  // namespace
}  // namespace famlab
