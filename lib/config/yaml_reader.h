// SPDX-License-Identifier: MIT
// yaml_reader: typed reads from yaml-cpp nodes that collect errors instead of
// throwing, each error with the file and the node's line and column.
//
// Every accessor reports what is wrong and returns nullopt/false; the caller goes
// on, so one pass over a file reports every error at once. check_map() rejects
// keys that are unknown or repeated (yaml-cpp itself keeps duplicates silently).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.h"

namespace tlspolicyd::config {

class YamlReader {
 public:
  YamlReader(std::string file, ConfigErrors& errors) : file_(std::move(file)), errors_(errors) {}

  [[nodiscard]] const std::string& file() const { return file_; }
  // Where errors are collected (also errors found in other files).
  [[nodiscard]] ConfigErrors& errors() { return errors_; }

  void error(const YAML::Mark& mark, std::string message);
  void error(const YAML::Node& node, std::string message) { error(node.Mark(), std::move(message)); }

  // True when `node` is a map whose keys are all in `allowed`, each once. Reports
  // every unknown or repeated key; false (and an error) when it is not a map.
  bool check_map(const YAML::Node& node, std::string_view what, std::initializer_list<std::string_view> allowed);
  // True when `node` is a map whose keys are words, each once; reports the others.
  bool check_unique_keys(const YAML::Node& node, std::string_view what);

  // A scalar's text. A null or non-scalar node is an error.
  std::optional<std::string> scalar(const YAML::Node& node, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  std::optional<std::uint64_t> number(const YAML::Node& node, std::string_view what, std::uint64_t min,
                                      std::uint64_t max);
  std::optional<std::chrono::seconds> duration(const YAML::Node& node, std::string_view what);
  // The same, where milliseconds are allowed too ("200ms").
  std::optional<std::chrono::milliseconds> duration_ms(const YAML::Node& node, std::string_view what);

 private:
  std::string file_;
  ConfigErrors& errors_;
};

// Calls f(item) for each item of a sequence, or once for any other node: the
// "a value or a list of values" that most keys take.
template <class F>
void for_each_item(const YAML::Node& node, F&& f) {
  if (node.IsSequence()) {
    for (const auto& item : node) f(item);
  } else {
    f(node);
  }
}

// The whole of a file read as YAML: its single document, or errors.
[[nodiscard]] std::optional<YAML::Node> load_yaml(std::string_view text, YamlReader& reader);

}  // namespace tlspolicyd::config
