// SPDX-License-Identifier: MIT
#include "doctor/placement.h"

#include <algorithm>
#include <set>

namespace tlspolicyd::doctor {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

bool is_table_lookup(std::string_view item) { return item.starts_with("check_") && item.ends_with("_access"); }

struct TableLookup {
  std::string text;                  // "check_recipient_access hash:/etc/postfix/protected"
  std::vector<std::string> before;   // what is evaluated before it
};

class Walker {
 public:
  Walker(const PostfixConfig& pf, const Service* svc) : pf_(pf), svc_(svc), params_(pf.params(svc)) {
    if (auto v = pf.get("smtpd_restriction_classes", svc)) {
      for (auto& c : split_list(*v, params_)) classes_.insert(c);
    }
  }

  std::vector<Placement> run() {
    std::vector<std::pair<std::string, std::vector<TableLookup>>> tables;
    for (const char* list : RestrictionLists) {
      auto value = pf_.get(list, svc_);
      if (!value) continue;
      std::vector<TableLookup> found;
      walk(list, split_list_traced(*value, params_, list), {}, "", "", 0, &found);
      if (!found.empty()) tables.emplace_back(list, std::move(found));
    }
    // Classes that no list names can still be returned by a table lookup.
    for (const auto& [list, lookups] : tables) {
      std::string via;
      for (const auto& t : lookups) via += (via.empty() ? "" : " or ") + t.text;
      for (const std::string& c : classes_) {
        if (named_.count(c) == 0) walk(list, class_items(c), lookups.front().before, c, via, 1, nullptr);
      }
    }
    return std::move(out_);
  }

 private:
  std::vector<ListItem> class_items(const std::string& name) const {
    auto v = pf_.get(name, svc_);
    return v ? split_list_traced(*v, params_, name) : std::vector<ListItem>{};
  }

  // Classes that name other classes can expand without end in practice
  // (c1 = c2 c2, c2 = c3 c3, ...: 2^depth items) though depth is bounded: past
  // this many items, class names are no longer expanded.
  static constexpr std::size_t ItemBudget = 20000;

  // Takes one item from the budget; false once it is spent.
  bool spend() {
    if (budget_ == 0) return false;
    --budget_;
    return true;
  }

  // The restrictions `items` stands for, classes expanded.
  void flatten(const std::vector<ListItem>& items, int depth, std::vector<std::string>& out) {
    for (const auto& i : items) {
      if (classes_.count(i.text) != 0 && depth < 20 && spend()) {
        flatten(class_items(i.text), depth + 1, out);
      } else {
        out.push_back(i.text);
      }
    }
  }

  void walk(const std::string& list, const std::vector<ListItem>& items, std::vector<std::string> before,
            const std::string& via_class, const std::string& via_table, int depth, std::vector<TableLookup>* tables) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string& t = items[i].text;
      if (t == "check_policy_service" && i + 1 < items.size()) {
        out_.push_back(placement(list, items[i + 1], before, via_class, via_table));
        before.push_back(t);
        before.push_back(items[++i].text);
      } else if (classes_.count(t) != 0 && depth < 20 && spend()) {
        if (via_table.empty()) named_.insert(t);
        walk(list, class_items(t), before, t, via_table, depth + 1, tables);
        flatten(class_items(t), depth + 1, before);
      } else if (takes_argument(t) && i + 1 < items.size()) {
        if (tables != nullptr && is_table_lookup(t)) tables->push_back({t + " " + items[i + 1].text, before});
        before.push_back(t);
        before.push_back(items[++i].text);
      } else {
        before.push_back(t);
      }
    }
  }

  static Placement placement(const std::string& list, const ListItem& arg, std::vector<std::string> before,
                             const std::string& via_class, const std::string& via_table) {
    Placement p;
    p.list = list;
    p.item = arg;
    p.before = std::move(before);
    p.via_class = via_class;
    p.via_table = via_table;
    std::string body = arg.text;
    if (body.size() >= 2 && body.front() == '{' && body.back() == '}') body = body.substr(1, body.size() - 2);
    bool first = true;
    for (const std::string& part : split_list(body)) {
      if (first) {
        p.endpoint = parse_endpoint(part);
        first = false;
        continue;
      }
      auto eq = part.find('=');
      if (eq != std::string::npos) p.settings[trim(part.substr(0, eq))] = trim(part.substr(eq + 1));
    }
    return p;
  }

  const PostfixConfig& pf_;
  const Service* svc_;
  std::map<std::string, std::string> params_;
  std::set<std::string> classes_;
  std::set<std::string> named_;  // classes a list names (not only a table)
  std::vector<Placement> out_;
  std::size_t budget_ = ItemBudget;
};

}  // namespace

bool takes_argument(std::string_view item) {
  return is_table_lookup(item) || item == "check_policy_service" || item == "reject_rbl_client" ||
         item.starts_with("reject_rhsbl_") || item == "permit_dnswl_client" || item == "permit_rhswl_client";
}

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::Connect: return "CONNECT";
    case Stage::Helo: return "HELO/EHLO";
    case Stage::Mail: return "MAIL";
    case Stage::Rcpt: return "RCPT";
    case Stage::Data: return "DATA";
    case Stage::EndOfMessage: return "END-OF-MESSAGE";
  }
  return "RCPT";
}

Stage stage_of(std::string_view list, bool delay_reject) {
  if (list == "smtpd_data_restrictions") return Stage::Data;
  if (list == "smtpd_end_of_data_restrictions") return Stage::EndOfMessage;
  if (delay_reject) return Stage::Rcpt;
  if (list == "smtpd_client_restrictions") return Stage::Connect;
  if (list == "smtpd_helo_restrictions") return Stage::Helo;
  if (list == "smtpd_sender_restrictions") return Stage::Mail;
  return Stage::Rcpt;
}

std::vector<Placement> find_placements(const PostfixConfig& postfix, const Service* service) {
  return Walker(postfix, service).run();
}

std::vector<std::string> policy_hosts(const PostfixConfig& postfix) {
  std::vector<const Service*> scopes = {nullptr};
  for (const auto& s : postfix.services) {
    if (s.is_smtpd()) scopes.push_back(&s);
  }
  std::vector<std::string> out;
  for (const Service* s : scopes) {
    for (const auto& p : find_placements(postfix, s)) {
      if (p.endpoint.kind == PolicyEndpoint::Kind::Inet &&
          std::find(out.begin(), out.end(), p.endpoint.host) == out.end()) {
        out.push_back(p.endpoint.host);
      }
    }
  }
  return out;
}

}  // namespace tlspolicyd::doctor
