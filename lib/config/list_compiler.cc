// SPDX-License-Identifier: MIT
#include "config/list_compiler.h"

#include <cstring>

#include "util/read_file.h"

namespace tlspolicyd::config {
namespace {

using match::SetKind;
using match::SetParts;

template <class Set>
constexpr SetKind kind_of();
template <>
constexpr SetKind kind_of<match::AddressSet>() { return SetKind::Address; }
template <>
constexpr SetKind kind_of<match::DomainSet>() { return SetKind::Domain; }
template <>
constexpr SetKind kind_of<match::NetworkSet>() { return SetKind::Network; }
template <>
constexpr SetKind kind_of<match::TextSet<false>>() { return SetKind::Text; }
template <>
constexpr SetKind kind_of<match::TextSet<true>>() { return SetKind::TextCaseless; }
template <>
constexpr SetKind kind_of<match::PortSet>() { return SetKind::Port; }
template <>
constexpr SetKind kind_of<match::FingerprintSet>() { return SetKind::Fingerprint; }
template <>
constexpr SetKind kind_of<match::ProtocolSet>() { return SetKind::Protocol; }

// Short text of a key's configured values, for explanations.
std::string source_text(const YAML::Node& values) {
  std::string out;
  if (values.IsScalar()) {
    out = values.Scalar();
  } else if (values.IsSequence()) {
    out = "[";
    for (const auto& item : values) {
      out += (out.size() > 1 ? ", " : "") + (item.IsScalar() ? item.Scalar() : std::string("..."));
      if (out.size() > 60) break;
    }
    out += "]";
  }
  if (out.size() > 64) out = out.substr(0, 60) + "...]";
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

std::string ListCompiler::resolve(const std::string& path) const {
  if (path.empty() || path.front() == '/' || base_dir_.empty()) return path;
  return base_dir_ + "/" + path;
}

std::optional<std::string> ListCompiler::item_text(const YAML::Node& item, std::string_view what) {
  const std::string& tag = item.Tag();
  if (!tag.empty() && tag != "?" && tag != "!") {
    r_.error(item, "an unquoted value starting with '!' is read by YAML as a tag: write \"" + tag +
                       (item.IsScalar() && !item.Scalar().empty() ? " " + item.Scalar() : std::string()) + "\"");
    return std::nullopt;
  }
  if (item.IsNull()) {
    r_.error(item, std::string(what) + " has an empty value (quote \"null\" if you mean the word)");
    return std::nullopt;
  }
  if (!item.IsScalar()) {
    r_.error(item, std::string(what) + " takes single values here, not a map or a nested list");
    return std::nullopt;
  }
  return item.Scalar();
}

void ListCompiler::define_lists(const YAML::Node& lists) {
  if (!lists.IsMap()) {
    r_.error(lists, "lists must be a map of NAME: [entries]");
    return;
  }
  r_.check_unique_keys(lists, "lists");
  for (const auto& entry : lists) {
    const std::string name = entry.first.Scalar();
    if (lists_.count(name) != 0) continue;  // repeated: reported above
    lists_.emplace(name, entry.second);
    const YAML::Node& items = entry.second;
    auto visit = [&](const YAML::Node& item) {
      auto text = item_text(item, "list \"" + name + "\"");
      if (!text) return;
      std::string_view t = *text;
      if (t.starts_with('!')) t.remove_prefix(1);
      if (t.starts_with("file:")) {
        read_file(std::string(t.substr(5)), item);
      } else if (t.starts_with("list:")) {
        r_.error(item, "list \"" + name + "\" refers to another list; lists cannot nest");
      }
    };
    for_each_item(items, visit);
  }
}

const ListCompiler::File* ListCompiler::read_file(const std::string& written, const YAML::Node& where) {
  const std::string path = resolve(written);
  auto it = files_.find(path);
  if (it == files_.end()) {
    File f;
    f.path = path;
    if (written.empty()) {
      f.error = "file: needs a path";
    } else {
      std::string err =
          util::read_file(path, f.content, util::ReadOptions{.owners = owners_ ? &*owners_ : nullptr});
      if (!err.empty()) f.error = "cannot read list file " + path + ": " + err;
    }
    it = files_.emplace(path, std::move(f)).first;
    if (!it->second.error.empty()) r_.error(where, it->second.error);
  }
  return it->second.error.empty() ? &it->second : nullptr;
}

template <class Set>
void ListCompiler::add_file_entries(const File& file, Set& plain, Set& negated, bool& has_plain, bool& has_negated) {
  int errors = 0;
  int first_unreported = 0;  // line of the first error not shown
  const std::string_view content = file.content;
  int line_no = 0;
  for (std::size_t pos = 0; pos < content.size();) {
    ++line_no;
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    // A comment starts with '#' at the line start or after whitespace.
    for (std::size_t h = line.find('#'); h != std::string_view::npos; h = line.find('#', h + 1)) {
      if (h == 0 || is_space(line[h - 1])) {
        line = line.substr(0, h);
        break;
      }
    }
    std::size_t first = 0;
    while (first < line.size() && is_space(line[first])) ++first;
    std::size_t last = line.size();
    while (last > first && is_space(line[last - 1])) --last;
    if (first == last) continue;
    std::string_view text = line.substr(first, last - first);
    const bool neg = text.front() == '!';
    if (neg) text.remove_prefix(1);
    std::string err = (neg ? negated : plain).add(text);
    if (err.empty()) {
      (neg ? has_negated : has_plain) = true;
      continue;
    }
    if (++errors <= MaxErrorsPerFile) {
      r_.errors().push_back(ConfigError{file.path, line_no, static_cast<int>(first) + 1, err});
    } else if (first_unreported == 0) {
      first_unreported = line_no;
    }
  }
  if (errors > MaxErrorsPerFile) {
    r_.errors().push_back(ConfigError{file.path, first_unreported, 1,
                                      std::to_string(errors - MaxErrorsPerFile) + " more bad entries from here on"});
  }
}

template <class Set>
const SetParts<Set>* ListCompiler::file_parts(const std::string& written, const YAML::Node& where) {
  const File* file = read_file(written, where);
  if (file == nullptr) return nullptr;
  const auto key = std::make_pair("file:" + file->path, kind_of<Set>());
  auto it = compiled_.find(key);
  if (it == compiled_.end()) {
    auto plain = std::make_shared<Set>();
    auto negated = std::make_shared<Set>();
    bool has_plain = false, has_negated = false;
    add_file_entries(*file, *plain, *negated, has_plain, has_negated);
    SetParts<Set> parts;
    if (has_plain) parts.plain.push_back(std::move(plain));
    if (has_negated) parts.negated.push_back(std::move(negated));
    it = compiled_.emplace(key, std::move(parts)).first;
  }
  return std::any_cast<SetParts<Set>>(&it->second);
}

template <class Set>
const SetParts<Set>* ListCompiler::named(const std::string& name, const YAML::Node& where) {
  auto def = lists_.find(name);
  if (def == lists_.end()) {
    std::string known;
    for (const auto& [n, node] : lists_) known += (known.empty() ? "" : ", ") + n;
    r_.error(where, "unknown list \"" + name + "\"" + (known.empty() ? " (no lists are defined)" : " (defined: " + known + ")"));
    return nullptr;
  }
  const auto key = std::make_pair("list:" + name, kind_of<Set>());
  auto it = compiled_.find(key);
  if (it == compiled_.end()) {
    auto plain = std::make_shared<Set>();
    auto negated = std::make_shared<Set>();
    bool has_plain = false, has_negated = false;
    SetParts<Set> parts;
    auto visit = [&](const YAML::Node& item) {
      if (!item.IsScalar() || (!item.Tag().empty() && item.Tag() != "?" && item.Tag() != "!")) return;  // reported
      std::string_view text = item.Scalar();
      const bool neg = text.starts_with('!');
      if (neg) text.remove_prefix(1);
      if (text.starts_with("list:")) return;  // reported by define_lists
      if (text.starts_with("file:")) {
        const File* file = read_file(std::string(text.substr(5)), item);
        if (file == nullptr) return;
        if (neg) {
          r_.error(item, "write '!' entries inside the file instead of negating a file in a list");
          return;
        }
        add_file_entries(*file, *plain, *negated, has_plain, has_negated);
        return;
      }
      if (std::string err = (neg ? *negated : *plain).add(text); !err.empty()) {
        r_.error(item, "list \"" + name + "\": " + err);
        return;
      }
      (neg ? has_negated : has_plain) = true;
    };
    for_each_item(def->second, visit);
    if (has_plain) parts.plain.push_back(std::move(plain));
    if (has_negated) parts.negated.push_back(std::move(negated));
    it = compiled_.emplace(key, std::move(parts)).first;
  }
  return std::any_cast<SetParts<Set>>(&it->second);
}

template <class Set>
std::shared_ptr<const match::KeyMatcher> ListCompiler::compile(match::Field field, const YAML::Node& values) {
  const std::string what(match::field_name(field));
  auto plain = std::make_shared<Set>();
  auto negated = std::make_shared<Set>();
  bool has_plain = false, has_negated = false, ok = true;
  SetParts<Set> parts;
  auto visit = [&](const YAML::Node& item) {
    auto text = item_text(item, what);
    if (!text) {
      ok = false;
      return;
    }
    std::string_view t = *text;
    const bool neg = t.starts_with('!');
    if (neg) t.remove_prefix(1);
    const SetParts<Set>* ref = nullptr;
    const std::size_t errors_before = r_.errors().size();
    if (t.starts_with("list:")) {
      ref = named<Set>(std::string(t.substr(5)), item);
    } else if (t.starts_with("file:")) {
      ref = file_parts<Set>(std::string(t.substr(5)), item);
    } else {
      if (std::string err = (neg ? *negated : *plain).add(t); !err.empty()) {
        r_.error(item, what + ": " + err);
        ok = false;
        return;
      }
      (neg ? has_negated : has_plain) = true;
      return;
    }
    if (ref == nullptr) {
      ok = false;
      return;
    }
    if (neg && !ref->negated.empty()) {
      r_.error(item, what + ": \"" + *text + "\" negates a list that has '!' entries of its own");
      ok = false;
      return;
    }
    auto& into = neg ? parts.negated : parts.plain;
    into.insert(into.end(), ref->plain.begin(), ref->plain.end());
    parts.negated.insert(parts.negated.end(), ref->negated.begin(), ref->negated.end());
    if (!neg && ref->plain.empty() && ref->negated.empty() && r_.errors().size() == errors_before) {
      r_.error(item, what + ": \"" + *text + "\" is empty");
      ok = false;
    }
  };
  if (values.IsSequence() && values.size() == 0) {
    r_.error(values, what + " has an empty list");
    return nullptr;
  }
  for_each_item(values, visit);
  if (!ok) return nullptr;
  if (has_plain) parts.plain.push_back(std::move(plain));
  if (has_negated) parts.negated.push_back(std::move(negated));
  return std::make_shared<match::ListMatcher<Set>>(field, source_text(values), std::move(parts));
}

std::shared_ptr<const match::KeyMatcher> ListCompiler::compile_key(match::Field field, const YAML::Node& key,
                                                                   const YAML::Node& values) {
  switch (match::set_kind(field)) {
    case SetKind::Bool: {
      auto b = r_.boolean(values, std::string(match::field_name(field)));
      if (!b) return nullptr;
      return std::make_shared<match::BoolMatcher>(field, *b);
    }
    case SetKind::Address: return compile<match::AddressSet>(field, values);
    case SetKind::Domain: return compile<match::DomainSet>(field, values);
    case SetKind::Network: return compile<match::NetworkSet>(field, values);
    case SetKind::Text: return compile<match::TextSet<false>>(field, values);
    case SetKind::TextCaseless: return compile<match::TextSet<true>>(field, values);
    case SetKind::Port: return compile<match::PortSet>(field, values);
    case SetKind::Fingerprint: return compile<match::FingerprintSet>(field, values);
    case SetKind::Protocol: return compile<match::ProtocolSet>(field, values);
  }
  r_.error(key, "internal error: no compiler for this key");
  return nullptr;
}

}  // namespace tlspolicyd::config
