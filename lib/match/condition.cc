// SPDX-License-Identifier: MIT
#include "match/condition.h"

#include <algorithm>

namespace tlspolicyd::match {

Condition Condition::all(std::vector<Condition> children) {
  if (children.size() == 1) return std::move(children.front());  // the same, one call shorter
  Condition c;
  c.kind_ = Kind::All;
  c.children_ = std::move(children);
  return c;
}

Condition Condition::any(std::vector<Condition> children) {
  Condition c;
  c.kind_ = Kind::Any;
  c.children_ = std::move(children);
  return c;
}

Condition Condition::negate(Condition child) {
  Condition c;
  c.kind_ = Kind::Not;
  c.children_.push_back(std::move(child));
  return c;
}

Condition Condition::key(std::shared_ptr<const KeyMatcher> matcher) {
  Condition c;
  c.kind_ = Kind::Key;
  c.key_ = std::move(matcher);
  return c;
}

Found Condition::matches(const protocol::Request& request) const {
  switch (kind_) {
    case Kind::All: {
      Found out = Found::of(true);
      for (const auto& c : children_) {
        out = match::all_of(out, c.matches(request));
        if (out.no()) break;
      }
      return out;
    }
    case Kind::Any: {
      Found out = Found::of(false);
      for (const auto& c : children_) {
        out = match::any_of(out, c.matches(request));
        if (out.yes()) break;
      }
      return out;
    }
    case Kind::Not: return match::negate(children_.front().matches(request));
    case Kind::Key: return key_->matches(request);
  }
  return Found::of(false);
}

bool Condition::uses(Field field) const {
  if (kind_ == Kind::Key) return key_->field() == field;
  return std::any_of(children_.begin(), children_.end(), [&](const Condition& c) { return c.uses(field); });
}

std::string Condition::explain(const protocol::Request& request) const {
  switch (kind_) {
    case Kind::All: {
      if (children_.empty()) return "no match keys";
      for (const auto& c : children_) {
        if (c.matches(request).no()) return c.explain(request);
      }
      for (const auto& c : children_) {
        if (c.matches(request).error()) return c.explain(request);
      }
      if (children_.size() == 1) return children_.front().explain(request);
      std::string out;
      for (const auto& c : children_) out += (out.empty() ? "" : ", ") + c.explain(request);
      return out;
    }
    case Kind::Any: {
      for (const auto& c : children_) {
        if (c.matches(request).yes()) return "any: " + c.explain(request);
      }
      for (const auto& c : children_) {
        if (c.matches(request).error()) return "any: " + c.explain(request);
      }
      return "any: none of " + std::to_string(children_.size()) + " alternatives";
    }
    case Kind::Not: return "not (" + children_.front().explain(request) + ")";
    case Kind::Key: {
      const Found m = key_->matches(request);
      std::string out = std::string(field_name(key_->field())) + " " + key_->shown_value(request) +
                        (m.yes() ? " matches " : m.no() ? " does not match " : " cannot be matched against ") +
                        key_->source();
      if (m.error()) out += " (" + error_text(m) + ")";
      return out;
    }
  }
  return {};
}

}  // namespace tlspolicyd::match
