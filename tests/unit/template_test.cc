// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include "policy/template.h"

using namespace tlspolicyd::policy;
using tlspolicyd::protocol::Attr;
using tlspolicyd::protocol::Request;

TEST_CASE("templates know every documented variable") {
  Request r;
  r.set(Attr::Sender, "s@sd.example");
  r.set(Attr::Recipient, "r@rd.example");
  r.set(Attr::ClientAddress, "192.0.2.1");
  r.set(Attr::ClientName, "cn.example");
  r.set(Attr::HeloName, "helo.example");
  r.set(Attr::SaslUsername, "user");
  r.set(Attr::EncryptionProtocol, "TLSv1.2");
  r.set(Attr::EncryptionCipher, "AES128-SHA");
  r.finalize();
  auto t = Template::parse(
      "${sender}|${sender_domain}|${recipient}|${recipient_domain}|${client_address}|${client_name}|"
      "${helo_name}|${sasl_username}|${encryption_protocol}|${encryption_cipher}|${rule}|${reason}|${client}");
  REQUIRE(std::holds_alternative<Template>(t));
  std::string out;
  const Failure why{RequirementKey::Aead, Unmet::NotAead, "AES128-SHA", {}};
  std::get<Template>(t).render(out, RenderContext{r, "rule1", &why});
  CHECK(out ==
        "s@sd.example|sd.example|r@rd.example|rd.example|192.0.2.1|cn.example|helo.example|user|TLSv1.2|"
        "AES128-SHA|rule1|cipher AES128-SHA not AEAD|cn.example[192.0.2.1]");
}

TEST_CASE("every template variable's name finds the variable") {
  for (std::size_t i = 0; i < TemplateVarCount; ++i) {
    const auto var = static_cast<TemplateVar>(i);
    CHECK(find_template_var(template_var_name(var)) == var);
  }
  CHECK(template_var_name(TemplateVar::Rule) == "rule");
  CHECK_FALSE(find_template_var("client_id"));
}

TEST_CASE("templates keep a lone '$' literal") {
  Request r;
  auto t = Template::parse("cost $5 and ${rule}$");
  REQUIRE(std::holds_alternative<Template>(t));
  std::string out;
  std::get<Template>(t).render(out, RenderContext{r, "x", nullptr});
  CHECK(out == "cost $5 and x$");
}

TEST_CASE("${client} is the client as Postfix logs it; an empty value leaves no double space") {
  auto render = [](std::string_view text, std::string_view name, std::string_view sender = "") {
    Request r;
    r.set(Attr::ClientName, name);
    r.set(Attr::ClientAddress, "192.0.2.7");
    r.set(Attr::Sender, sender);
    r.finalize();
    auto t = Template::parse(text);
    REQUIRE(std::holds_alternative<Template>(t));
    std::string out = "defer ";
    std::get<Template>(t).render(out, RenderContext{r, "x", nullptr});
    return out;
  };
  CHECK(render("TLS from ${client} before", "mx.example.net") == "defer TLS from mx.example.net[192.0.2.7] before");
  CHECK(render("TLS from ${client} before", "unknown") == "defer TLS from unknown[192.0.2.7] before");
  CHECK(render("TLS from ${client} before", "") == "defer TLS from unknown[192.0.2.7] before");
  CHECK(render("TLS from ${client_name} before", "") == "defer TLS from before");
  CHECK(render("${sender} needs TLS", "") == "defer needs TLS");
  CHECK(render("from ${sender} ${client_name} now", "") == "defer from now");
  CHECK(render("keeps  two  spaces ${rule}", "") == "defer keeps  two  spaces x");
}
