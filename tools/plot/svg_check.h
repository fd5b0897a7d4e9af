#ifndef TCPLAB_TOOLS_PLOT_SVG_CHECK_H_
#define TCPLAB_TOOLS_PLOT_SVG_CHECK_H_

// For tests: reading back the plot's own SVG. It is a regular format (one
// element per mark, classes as time_sequence.h lists them), so counting
// and a small well-formedness check need no XML library.

#include <string>

namespace tcplab::plot {

// Elements whose class attribute is exactly `cls` (class="seg", not
// class="key seg").
int CountClass(const std::string& svg, const std::string& cls);

// The value of attribute `attr` on the first element that has
// `marker` (e.g. data-axis="main-time") in its start tag; "" if none.
std::string AttributeOf(const std::string& svg, const std::string& marker,
                        const std::string& attr);

// "" when well-formed XML as far as an SVG of ours needs: an optional
// <?xml ...?> declaration, one root element, every start tag closed in
// order, attribute values quoted, no '<' in attribute values, '&' only in
// the five predefined entities or numeric references. Else what is wrong
// and at which byte.
std::string WellFormedError(const std::string& xml);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_SVG_CHECK_H_
