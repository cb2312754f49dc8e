// SPDX-License-Identifier: MIT
// template: action texts with ${name} placeholders filled in per request.
//
// Known names: sender, sender_domain, recipient, recipient_domain, client_address,
// client_name, helo_name, sasl_username, encryption_protocol, encryption_cipher,
// rule, reason, client (the request's names come from protocol/; rule, reason
// and client are the template's own: ${client} is the client as Postfix logs it,
// "mx.example.net[192.0.2.1]", or "unknown[192.0.2.1]" without a verified name).
// An unknown name or an unclosed "${" is a load-time error; a '$' not followed
// by '{' is literal. render() copies values as they are (${reason}: the
// failure's text), except that a value that is empty leaves no double space
// behind; making the result safe for the wire is Action's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/failure.h"
#include "protocol/request.h"

namespace tlspolicyd::policy {

enum class TemplateVar : std::uint8_t {
  Sender,
  SenderDomain,
  Recipient,
  RecipientDomain,
  ClientAddress,
  ClientName,
  HeloName,
  SaslUsername,
  EncryptionProtocol,
  EncryptionCipher,
  Rule,
  Reason,
  Client,
};
inline constexpr std::size_t TemplateVarCount = static_cast<std::size_t>(TemplateVar::Client) + 1;

// The variable named `name` (what goes between "${" and "}"), or nullopt.
[[nodiscard]] std::optional<TemplateVar> find_template_var(std::string_view name);
// Its name: a request attribute's (protocol::attr_name), a derived value's
// (protocol::SenderDomainName, ...), or "rule" / "reason".
[[nodiscard]] std::string_view template_var_name(TemplateVar var);

// What a template is filled in from.
struct RenderContext {
  const protocol::Request& request;
  std::string_view rule;
  const Failure* reason = nullptr;  // nullptr: none (${reason} is empty)
};

class Template {
 public:
  // The template for `text`, or a message saying what is wrong with it.
  [[nodiscard]] static std::variant<Template, std::string> parse(std::string_view text);

  void render(std::string& out, const RenderContext& ctx) const;
  [[nodiscard]] bool empty() const { return parts_.empty(); }
  // Whether ${var} appears in it.
  [[nodiscard]] bool uses(TemplateVar var) const {
    for (const Part& p : parts_) {
      if (p.is_var && p.var == var) return true;
    }
    return false;
  }
  // The text as written in the configuration.
  [[nodiscard]] const std::string& source() const { return source_; }

 private:
  struct Part {
    std::string literal;  // used when is_var is false
    TemplateVar var = TemplateVar::Sender;
    bool is_var = false;
  };
  std::vector<Part> parts_;
  std::string source_;
};

}  // namespace tlspolicyd::policy
