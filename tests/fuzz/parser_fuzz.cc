// SPDX-License-Identifier: MIT
// parser_fuzz: the request parser fed arbitrary bytes in arbitrary chunks.
//
// Input: the stream itself (so real requests are seeds as they are), parsed under
// the default limits and under small ones that every input can reach, whole and
// in chunks of 1, 3 and a size taken from the input, each chunk copied in
// (append) or parsed where it is (borrow, from a buffer scribbled over after
// release, as a connection's read buffer is). Checks that neither the chunking
// nor the feeding ever changes the outcome (the same requests, the same error),
// that no value holds LF or NUL, and that the buffer stays within the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

using namespace tlspolicyd::protocol;

namespace {

struct Outcome {
  std::vector<std::vector<std::string>> requests;
  ParseError error = ParseError::None;
  bool operator==(const Outcome&) const = default;
};

void check(bool ok) {
  if (!ok) std::abort();
}

Outcome parse(std::string_view input, std::size_t chunk, const Limits& limits, bool borrow) {
  RequestParser parser(limits);
  Outcome out;
  Request request;
  std::string scratch;
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    if (borrow) {
      parser.release();
      scratch.assign(scratch.size(), '\xaa');
      scratch.assign(input.substr(pos, chunk));
      parser.borrow(scratch);
    } else {
      parser.append(input.substr(pos, chunk));
    }
    ParseStatus status;
    while ((status = parser.next(request)) == ParseStatus::Complete) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i < AttrCount; ++i) {
        const std::string_view v = request.get(static_cast<Attr>(i));
        check(v.find('\n') == std::string_view::npos && v.find('\0') == std::string_view::npos);
        values.emplace_back(v);
      }
      out.requests.push_back(std::move(values));
    }
    if (status == ParseStatus::Error) break;
    // What is held is one unfinished request at most (plus the CR a line may end in).
    check(parser.buffered() <= limits.request_bytes + 1 + chunk);
  }
  out.error = parser.error();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const Limits& limits : {Limits{}, Limits{32, 256, 8}}) {
    const Outcome whole = parse(input, input.size() + 1, limits, false);
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{3}, 1 + size % 61}) {
      check(parse(input, chunk, limits, false) == whole);
      check(parse(input, chunk, limits, true) == whole);
    }
    check(parse(input, input.size() + 1, limits, true) == whole);
  }
  return 0;
}
