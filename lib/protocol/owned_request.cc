// SPDX-License-Identifier: MIT
#include "protocol/owned_request.h"

#include <array>

namespace tlspolicyd::protocol {

void OwnedRequest::assign(const Request& request) {
  std::size_t size = 0;
  for (std::size_t i = 0; i < AttrCount; ++i) size += request.get(static_cast<Attr>(i)).size();
  bytes_.clear();
  bytes_.reserve(size);  // no reallocation below: the views stay valid
  std::array<std::size_t, AttrCount> offsets{};
  for (std::size_t i = 0; i < AttrCount; ++i) {
    offsets[i] = bytes_.size();
    bytes_ += request.get(static_cast<Attr>(i));
  }
  request_.clear();
  const std::string_view all = bytes_;
  for (std::size_t i = 0; i < AttrCount; ++i) {
    const auto attr = static_cast<Attr>(i);
    request_.set(attr, all.substr(offsets[i], request.get(attr).size()));
  }
  request_.finalize();
}

}  // namespace tlspolicyd::protocol
