// SPDX-License-Identifier: MIT
#include "policy/template.h"

#include <algorithm>
#include <array>
#include <utility>

#include "util/enum_table.h"

namespace tlspolicyd::policy {
namespace {

using protocol::Attr;

// One entry per TemplateVar, in enum order (checked below).
struct VarInfo {
  TemplateVar var;
  std::string_view name;
};

constexpr std::array<VarInfo, TemplateVarCount> Vars = {{
    {TemplateVar::Sender, protocol::attr_name(Attr::Sender)},
    {TemplateVar::SenderDomain, protocol::SenderDomainName},
    {TemplateVar::Recipient, protocol::attr_name(Attr::Recipient)},
    {TemplateVar::RecipientDomain, protocol::RecipientDomainName},
    {TemplateVar::ClientAddress, protocol::attr_name(Attr::ClientAddress)},
    {TemplateVar::ClientName, protocol::attr_name(Attr::ClientName)},
    {TemplateVar::HeloName, protocol::attr_name(Attr::HeloName)},
    {TemplateVar::SaslUsername, protocol::attr_name(Attr::SaslUsername)},
    {TemplateVar::EncryptionProtocol, protocol::attr_name(Attr::EncryptionProtocol)},
    {TemplateVar::EncryptionCipher, protocol::attr_name(Attr::EncryptionCipher)},
    {TemplateVar::Rule, "rule"},
    {TemplateVar::Reason, "reason"},
    {TemplateVar::Client, "client"},
}};
static_assert(util::indexed_by(Vars, &VarInfo::var, TemplateVarCount));

std::string_view value_of(TemplateVar var, const RenderContext& ctx) {
  const protocol::Request& r = ctx.request;
  switch (var) {
    case TemplateVar::Sender: return r.get(Attr::Sender);
    case TemplateVar::SenderDomain: return r.sender_domain();
    case TemplateVar::Recipient: return r.get(Attr::Recipient);
    case TemplateVar::RecipientDomain: return r.recipient_domain();
    case TemplateVar::ClientAddress: return r.get(Attr::ClientAddress);
    case TemplateVar::ClientName: return r.get(Attr::ClientName);
    case TemplateVar::HeloName: return r.get(Attr::HeloName);
    case TemplateVar::SaslUsername: return r.get(Attr::SaslUsername);
    case TemplateVar::EncryptionProtocol: return r.get(Attr::EncryptionProtocol);
    case TemplateVar::EncryptionCipher: return r.get(Attr::EncryptionCipher);
    case TemplateVar::Rule: return ctx.rule;
    case TemplateVar::Reason:
    case TemplateVar::Client: break;  // written by render() in parts
  }
  return {};
}

}  // namespace

std::optional<TemplateVar> find_template_var(std::string_view name) {
  const auto* found = std::find_if(Vars.begin(), Vars.end(), [&](const VarInfo& v) { return v.name == name; });
  return found == Vars.end() ? std::nullopt : std::optional<TemplateVar>(found->var);
}

std::string_view template_var_name(TemplateVar var) { return Vars[static_cast<std::size_t>(var)].name; }

std::variant<Template, std::string> Template::parse(std::string_view text) {
  Template t;
  t.source_ = std::string(text);
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal.push_back(text[i]);
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) return std::string("unclosed \"${\" in \"") + std::string(text) + "\"";
    std::string_view name = text.substr(i + 2, close - i - 2);
    const auto var = find_template_var(name);
    if (!var) return "unknown template variable ${" + std::string(name) + "}";
    if (!literal.empty()) t.parts_.push_back(Part{std::move(literal), {}, false});
    literal.clear();
    t.parts_.push_back(Part{{}, *var, true});
    i = close;
  }
  if (!literal.empty()) t.parts_.push_back(Part{std::move(literal), {}, false});
  return t;
}

void Template::render(std::string& out, const RenderContext& ctx) const {
  const std::size_t start = out.size();
  bool gap = false;  // the last part was a variable with an empty value
  for (const Part& p : parts_) {
    const std::size_t before = out.size();
    if (!p.is_var) {
      // "from ${client_name} used" with no name: one space, not two.
      const bool skip = gap && p.literal.front() == ' ' && (out.size() == start || out.back() == ' ');
      out.append(std::string_view(p.literal).substr(skip ? 1 : 0));
    } else if (p.var == TemplateVar::Reason) {
      if (ctx.reason != nullptr) {
        for (const std::string_view part : text_parts(*ctx.reason)) out.append(part);
      }
    } else if (p.var == TemplateVar::Client) {
      const std::string_view name = ctx.request.get(Attr::ClientName);
      out.append(name.empty() ? "unknown" : name);
      out.push_back('[');
      out.append(ctx.request.get(Attr::ClientAddress));
      out.push_back(']');
    } else {
      out.append(value_of(p.var, ctx));
    }
    gap = p.is_var && out.size() == before;
  }
}

}  // namespace tlspolicyd::policy
