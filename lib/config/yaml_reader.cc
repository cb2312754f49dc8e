// SPDX-License-Identifier: MIT
#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "config/duration.h"

namespace tlspolicyd::config {

void YamlReader::error(const YAML::Mark& mark, std::string message) {
  // yaml-cpp counts from 0 and uses -1 for "no position".
  errors_.push_back(ConfigError{file_, mark.line < 0 ? 0 : mark.line + 1, mark.column < 0 ? 0 : mark.column + 1,
                                std::move(message)});
}

bool YamlReader::check_unique_keys(const YAML::Node& node, std::string_view what) {
  if (!node.IsMap()) {
    error(node, std::string(what) + " must be a map");
    return false;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(key, std::string("the keys of ") + std::string(what) + " must be words");
    } else if (!seen.insert(key.Scalar()).second) {
      error(key, "duplicate key \"" + key.Scalar() + "\" in " + std::string(what));
    }
  }
  return true;
}

bool YamlReader::check_map(const YAML::Node& node, std::string_view what,
                           std::initializer_list<std::string_view> allowed) {
  if (!check_unique_keys(node, what)) return false;
  std::set<std::string, std::less<>> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar() || !seen.insert(key.Scalar()).second) continue;
    if (std::find(allowed.begin(), allowed.end(), key.Scalar()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(key, "unknown key \"" + key.Scalar() + "\" in " + std::string(what) + " (expected one of: " + list + ")");
    }
  }
  return true;
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + (node.IsNull() ? " must not be empty" : " must be a single value"));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  if (node.Tag() == "?") {
    if (*text == "true") return true;
    if (*text == "false") return false;
  }
  error(node, std::string(what) + " must be true or false");
  return std::nullopt;
}

std::optional<std::uint64_t> YamlReader::number(const YAML::Node& node, std::string_view what, std::uint64_t min,
                                                 std::uint64_t max) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || value < min || value > max) {
    error(node, std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::seconds> YamlReader::duration(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) error(node, std::string(what) + " must be a duration such as 1000s, 30m, 12h or 90d");
  return d;
}

std::optional<std::chrono::milliseconds> YamlReader::duration_ms(const YAML::Node& node, std::string_view what) {
  auto text = scalar(node, what);
  if (!text) return std::nullopt;
  auto d = parse_duration_ms(*text);
  if (!d) error(node, std::string(what) + " must be a duration such as 200ms, 2s or 1m");
  return d;
}

namespace {

// Notes where each document starts, and nothing else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::optional<YAML::Node> load_yaml(std::string_view text, YamlReader& reader) {
  try {
    const std::string input(text);
    // Count the documents, stopping at the second: yaml-cpp 0.7's LoadAll() loops
    // for ever on some malformed input (e.g. a line holding only ","), where each
    // document it reports is empty.
    std::istringstream stream(input);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    if (starts.marks.size() > 1) {
      // A second document where the first began: the parser could not move on.
      const bool stuck = starts.marks[1].pos == starts.marks[0].pos;
      reader.error(starts.marks[1], stuck ? "YAML syntax: unexpected character" : "the file must hold one YAML document");
      return std::nullopt;
    }
    YAML::Node doc = YAML::Load(input);
    if (doc.IsNull()) {
      reader.error(YAML::Mark::null_mark(), "the file holds no configuration");
      return std::nullopt;
    }
    return doc;
  } catch (const YAML::Exception& e) {
    reader.error(e.mark, "YAML syntax: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace tlspolicyd::config
