// SPDX-License-Identifier: MIT
// list_compiler: turns the values of match keys, named lists (`lists:`) and
// `file:` lists into compiled key matchers.
//
// A key's value is a scalar or a list whose items are entries, "list:NAME" or
// "file:PATH", each optionally negated with a leading '!'. A named list may hold
// entries and files; a file holds one entry a line (surrounding whitespace
// trimmed, blank lines and '#' comments at line start or after whitespace
// skipped; relative paths are relative to the configuration's directory). Every
// file is read once per load, and every named list or file is compiled once per
// set kind and shared by the keys that use it. Errors carry the YAML position, or
// FILE:LINE:COLUMN for a bad line of a file (at most MaxErrorsPerFile of them),
// quoting at most a short escaped prefix of the line (util::quoted). A list file
// is read only when it is a regular file, not a symbolic link, owned by one of
// set_owners() and writable by its owner alone (util::read_file): a file that
// is not the postmaster's is refused whole, before a byte of it is read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <sys/types.h>

#include <any>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.h"
#include "match/key_matcher.h"

namespace tlspolicyd::config {

class ListCompiler {
 public:
  static constexpr int MaxErrorsPerFile = 20;

  ListCompiler(YamlReader& reader, std::string base_dir) : r_(reader), base_dir_(std::move(base_dir)) {}

  // Who may own list files (root, the loading user, the configured user:); set
  // before any list is read. Without it, any owner is accepted.
  void set_owners(std::vector<uid_t> owners) { owners_ = std::move(owners); }

  // Reads the `lists:` section (and the files it names).
  void define_lists(const YAML::Node& lists);

  // The matcher for `key: values`; nullptr after reporting errors.
  [[nodiscard]] std::shared_ptr<const match::KeyMatcher> compile_key(match::Field field, const YAML::Node& key,
                                                                     const YAML::Node& values);

  // The text of a scalar list item, checked for YAML surprises (an unquoted
  // "!value" is a tag, an unquoted null is no value); nullopt after an error.
  [[nodiscard]] std::optional<std::string> item_text(const YAML::Node& item, std::string_view what);

 private:
  struct File {
    std::string path;
    std::string content;
    std::string error;  // why it could not be read
  };

  template <class Set>
  std::shared_ptr<const match::KeyMatcher> compile(match::Field field, const YAML::Node& values);
  template <class Set>
  const match::SetParts<Set>* named(const std::string& name, const YAML::Node& where);
  template <class Set>
  const match::SetParts<Set>* file_parts(const std::string& path, const YAML::Node& where);
  template <class Set>
  void add_file_entries(const File& file, Set& plain, Set& negated, bool& has_plain, bool& has_negated);

  const File* read_file(const std::string& path, const YAML::Node& where);
  std::string resolve(const std::string& path) const;

  YamlReader& r_;
  std::string base_dir_;
  std::optional<std::vector<uid_t>> owners_;
  std::map<std::string, YAML::Node> lists_;
  std::map<std::string, File> files_;
  std::map<std::pair<std::string, match::SetKind>, std::any> compiled_;  // SetParts<Set>, by list or file
};

}  // namespace tlspolicyd::config
