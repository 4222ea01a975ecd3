#pragma once
// XML escaping for everything famlab writes as XML (junit.xml, libvirt
// domain XML and its metadata). One definition, so every writer drops the
// bytes XML 1.0 forbids and quotes the same way.
#include <string>
#include <string_view>

namespace famlab {

// For element text and attribute values: & < > " ' escaped, control bytes
// other than tab, newline and carriage return dropped.
std::string xml_escape(std::string_view text);

// For attribute values that must survive a round trip: also writes tab,
// newline and carriage return as character references, which attribute
// value normalization would otherwise turn into spaces.
std::string xml_attribute_escape(std::string_view text);

}  // namespace famlab
