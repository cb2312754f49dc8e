// SPDX-License-Identifier: MIT
// answer_fuzz: the whole request-to-answer path. Input: a byte stream as a client
// would send it; every request parsed from it is answered under each shipped and
// golden configuration (every match key, requirement, action, template and mode)
// and counted by a TLS history tracker. Checks (fuzz_checks.h): every answer is
// one valid printable line, every log line printable, evaluation pure; and the
// compared form of a domain (util/domain.h) is an ASCII name's lower case, an
// accepted entry's (all ASCII) and an address's domain's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "fuzz_checks.h"
#include "history/tracker.h"
#include "protocol/request_parser.h"
#include "util/domain.h"
#include "util/text.h"

using namespace tlspolicyd;

namespace {

std::vector<std::shared_ptr<const config::Config>> load_all() {
  std::vector<std::string> paths = {TLSPOLICYD_SOURCE_DIR "/conf/tlspolicyd.yaml"};
  for (const char* dir : {TLSPOLICYD_SOURCE_DIR "/conf/examples", TLSPOLICYD_SOURCE_DIR "/tests/golden"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.path().extension() == ".yaml") paths.push_back(e.path());
    }
  }
  std::vector<std::shared_ptr<const config::Config>> out;
  for (const auto& p : paths) {
    auto r = config::load_config_file(p);
    fuzz::check(r.config != nullptr);  // the shipped and golden configurations load
    out.push_back(r.config);
  }
  return out;
}

void check_domain_form(std::string_view name) {
  const std::string form = util::normalize_domain(name);
  const bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii) fuzz::check(form == util::lower(name.ends_with('.') ? name.substr(0, name.size() - 1) : name));
  const auto [entry, error] = util::domain_entry(name);
  if (error.empty()) {
    fuzz::check(entry == form);
    fuzz::check(std::all_of(entry.begin(), entry.end(), [](char c) { return (c & 0x80) == 0; }));
  }
  if (!name.ends_with('.') && name.find('@') == std::string_view::npos) {
    fuzz::check(util::normalize_address("a@" + std::string(name)) == "a@" + form);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto configs = load_all();
  static history::Tracker tracker{history::Tracker::Settings{}};
  protocol::RequestParser parser;
  parser.append(std::string_view(reinterpret_cast<const char*>(data), size));
  protocol::Request request;
  std::int64_t now = 1'800'000'000;
  while (parser.next(request) == protocol::ParseStatus::Complete) {
    for (const auto& c : configs) fuzz::check_decision(c->policy, request);
    for (const auto attr : {protocol::Attr::HeloName, protocol::Attr::ClientName}) check_domain_form(request.get(attr));
    check_domain_form(request.sender_domain());
    if (auto finding = tracker.observe(request, ++now)) {
      fuzz::check(finding->reason.key == policy::RequirementKey::Downgrade &&
                  !policy::to_string(finding->reason).empty());
      for (const auto& c : configs) fuzz::check_decision(c->policy, request, &finding->reason);
    }
    for (const auto& key : tracker.take_loads()) tracker.loaded(key, std::nullopt);
    (void)tracker.take_dirty();
  }
  return 0;
}
