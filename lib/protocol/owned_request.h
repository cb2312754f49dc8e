// SPDX-License-Identifier: MIT
// owned_request: a Request together with the bytes it views, for a request that
// must outlive the buffer it was parsed from (one waiting for the TLS history
// while its connection's parser moves on).
//
// Copies every attribute's value into one string once; the copy is then as cheap
// to read as the original. Not copyable (the views point into its own string).
#pragma once

#include <string>

#include "protocol/request.h"

namespace tlspolicyd::protocol {

class OwnedRequest {
 public:
  OwnedRequest() = default;
  OwnedRequest(const OwnedRequest&) = delete;
  OwnedRequest& operator=(const OwnedRequest&) = delete;

  // Becomes a copy of `request` (finalized, as the original is).
  void assign(const Request& request);
  [[nodiscard]] const Request& request() const { return request_; }

 private:
  std::string bytes_;
  Request request_;
};

}  // namespace tlspolicyd::protocol
