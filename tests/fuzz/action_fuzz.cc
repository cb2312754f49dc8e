// SPDX-License-Identifier: MIT
// action_fuzz: action and template parsing and rendering. Input: the first line
// is an action as written in a configuration; the rest is a request stream whose
// values fill the templates (empty: a request without attributes). A parsed
// action must render, for any request, to an answer Postfix reads as written
// (fuzz_checks.h); a refused one must say why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_checks.h"
#include "protocol/request_parser.h"

using namespace tlspolicyd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t lf = input.find('\n');
  const std::string_view source = input.substr(0, lf);
  auto parsed = policy::Action::parse(source);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    fuzz::check(!why->empty());
    return 0;
  }
  const auto& action = std::get<policy::Action>(parsed);
  const protocol::Request empty;
  fuzz::check_answer(action.render(policy::RenderContext{empty, "rule", nullptr}));
  if (lf == std::string_view::npos) return 0;
  protocol::RequestParser parser;
  parser.append(input.substr(lf + 1));
  protocol::Request request;
  while (parser.next(request) == protocol::ParseStatus::Complete) {
    // ${reason} from the request's bytes, as a failure that shows what was seen.
    const policy::Failure reason{policy::RequirementKey::Ciphers, policy::Unmet::CipherNotAllowed,
                                 std::string(request.get(protocol::Attr::Sender)),
                                 std::string(request.get(protocol::Attr::Recipient))};
    fuzz::check_answer(action.render(policy::RenderContext{request, request.get(protocol::Attr::HeloName), &reason}));
  }
  return 0;
}
