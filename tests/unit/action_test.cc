// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <string>

#include "policy/action.h"

using namespace tlspolicyd::policy;
using tlspolicyd::protocol::Attr;
using tlspolicyd::protocol::Request;

namespace {

Action ok(std::string_view text) {
  auto r = Action::parse(text);
  if (auto* e = std::get_if<std::string>(&r)) FAIL("unexpected error: " << *e);
  return std::get<Action>(r);
}

std::string err(std::string_view text) {
  auto r = Action::parse(text);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(r), "accepted: " << text);
  return std::get<std::string>(r);
}

std::string render(const Action& a, const Request& r, std::string_view rule = "r1", const Failure* reason = nullptr) {
  return to_string(a.render(RenderContext{r, rule, reason}));
}

}  // namespace

TEST_CASE("actions: every access(5) word Postfix takes from a policy") {
  Request r;
  r.finalize();
  CHECK(render(ok("dunno"), r) == "DUNNO");
  CHECK(render(ok("DUNNO"), r) == "DUNNO");
  CHECK(render(ok("ok"), r) == "OK");
  CHECK(render(ok("reject"), r) == "REJECT");
  CHECK(render(ok("reject 5.7.1 Must use TLS"), r) == "REJECT 5.7.1 Must use TLS");
  CHECK(render(ok("Defer try later"), r) == "DEFER try later");
  CHECK(render(ok("defer_if_permit 4.7.1 soon"), r) == "DEFER_IF_PERMIT 4.7.1 soon");
  CHECK(render(ok("defer_if_reject"), r) == "DEFER_IF_REJECT");
  CHECK(render(ok("550 5.7.1 Must use TLS"), r) == "550 5.7.1 Must use TLS");
  CHECK(render(ok("450 Try again"), r) == "450 Try again");
  CHECK(render(ok("530 5.7.0 Authentication requires a TLS connection"), r) ==
        "530 5.7.0 Authentication requires a TLS connection");
  CHECK(render(ok("warn weak TLS"), r) == "WARN weak TLS");
  CHECK(render(ok("info seen"), r) == "INFO seen");
  CHECK(render(ok("hold"), r) == "HOLD");
  CHECK(render(ok("prepend X-TLS-Policy: checked"), r) == "PREPEND X-TLS-Policy: checked");
  CHECK(render(ok("  reject   spaced  "), r) == "REJECT spaced");
  CHECK(ok("defer").kind() == ActionKind::Defer);
  CHECK(ok("550 x").kind() == ActionKind::Numeric);
}

TEST_CASE("actions: what Postfix would misread is refused at load") {
  CHECK(err("550").find("alone means OK") != std::string::npos);
  CHECK(err("550 5.7.1").find("needs text") != std::string::npos);
  CHECK(err("250 fine").find("4xx or 5xx") != std::string::npos);
  CHECK(err("600 no").find("4xx or 5xx") != std::string::npos);
  CHECK(err("5500 no").find("4xx or 5xx") != std::string::npos);
  CHECK(err("550 4.7.1 mismatched").find("does not match reply code 550") != std::string::npos);
  CHECK(err("450 5.7.1 mismatched").find("does not match") != std::string::npos);
  CHECK(err("reject 4.7.1 no").find("5.x.x") != std::string::npos);
  CHECK(err("defer 5.7.1 no").find("4.x.x") != std::string::npos);
  CHECK(err("defer_if_permit 5.7.1 no").find("4.x.x") != std::string::npos);
  CHECK(err("dunno please") == "dunno takes no text");
  CHECK(err("ok fine") == "ok takes no text");
  CHECK(err("permit").find("unknown action") != std::string::npos);
  CHECK(err("reject_unauth_destination").find("unknown action") != std::string::npos);
  CHECK(err("").find("empty") != std::string::npos);
  CHECK(err("warn").find("needs text") != std::string::npos);
  CHECK(err("prepend no header").find("Name: value") != std::string::npos);
  CHECK(err("prepend : value").find("Name: value") != std::string::npos);
  CHECK(err("reject ${nope}").find("unknown template variable ${nope}") != std::string::npos);
  CHECK(err("reject ${sender").find("unclosed") != std::string::npos);
  CHECK(err("reject a\nb").find("one line") != std::string::npos);
  CHECK(err("reject " + std::string(400, 'x')).find("at most 400") != std::string::npos);
}

TEST_CASE("actions: templates are filled in and made safe for the wire") {
  Request r;
  r.set(Attr::Sender, "alice@partner-bank.com");
  r.set(Attr::ClientName, "mx.example.net");
  r.set(Attr::EncryptionProtocol, "TLSv1");
  r.finalize();
  Action a = ok("reject 5.7.1 Mail from ${sender_domain} via ${client_name} (${encryption_protocol}) needs TLS 1.2");
  CHECK(render(a, r) == "REJECT 5.7.1 Mail from partner-bank.com via mx.example.net (TLSv1) needs TLS 1.2");
  const Failure old{RequirementKey::MinProtocol, Unmet::OldProtocol, "TLSv1", "TLSv1.2"};
  CHECK(render(ok("reject rule ${rule}: ${reason}"), r, "strict", &old) ==
        "REJECT rule strict: protocol TLSv1 < TLSv1.2");

  Request hostile;
  std::string evil = "x\r\naction=OK\n\n\xc3\xa9";
  hostile.set(Attr::Sender, evil);
  std::string long_helo(10000, 'h');
  hostile.set(Attr::HeloName, long_helo);
  hostile.finalize();
  std::string out = render(ok("reject ${sender} ${helo_name}"), hostile);
  CHECK(out.size() == MaxActionBytes);
  CHECK(out.starts_with("REJECT x??action=OK???? hhh"));
  for (char c : out) {
    auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 && u <= 0x7e));
  }
}

TEST_CASE("actions: a numeric action whose text renders empty names the rule") {
  Request nullsender;
  nullsender.finalize();
  CHECK(render(ok("550 ${sender}"), nullsender, "partners") == "550 TLS policy rule partners");
  CHECK(render(ok("550 5.7.1 ${sender}"), nullsender, "partners") == "550 5.7.1 TLS policy rule partners");
  Request r;
  r.set(Attr::Sender, "a@b");
  r.finalize();
  CHECK(render(ok("550 ${sender}"), r, "partners") == "550 a@b");
  // A client's value of spaces and an enhanced code (review 6): still within the limit.
  Request spaces;
  const std::string user = std::string(391, ' ') + "5.7.1";
  spaces.set(Attr::SaslUsername, user);
  spaces.finalize();
  const std::string out = render(ok("550 ${sasl_username}"), spaces, "partners");
  CHECK(out.size() <= MaxActionBytes);
  CHECK(out.ends_with("5.7.1 TLS policy rule partners"));
}

TEST_CASE("action kinds: each word's name, parsed back in any case") {
  const std::pair<ActionKind, std::string_view> words[] = {
      {ActionKind::Dunno, "DUNNO"},   {ActionKind::Ok, "OK"},
      {ActionKind::Reject, "REJECT"}, {ActionKind::Defer, "DEFER"},
      {ActionKind::DeferIfPermit, "DEFER_IF_PERMIT"}, {ActionKind::DeferIfReject, "DEFER_IF_REJECT"},
      {ActionKind::Warn, "WARN"},     {ActionKind::Info, "INFO"},
      {ActionKind::Hold, "HOLD"},     {ActionKind::Prepend, "PREPEND"},
      {ActionKind::Discard, "DISCARD"}, {ActionKind::Redirect, "REDIRECT"},
      {ActionKind::Bcc, "BCC"},       {ActionKind::Filter, "FILTER"},
  };
  for (const auto& [kind, name] : words) {
    CHECK(to_string(kind) == name);
    CHECK(parse_action_kind(name) == kind);
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    CHECK(parse_action_kind(lower) == kind);
  }
  CHECK(to_string(ActionKind::Numeric) == "NNN");
  CHECK_FALSE(parse_action_kind("550"));
  CHECK_FALSE(parse_action_kind("NNN"));
  CHECK_FALSE(parse_action_kind("permit"));
  CHECK_FALSE(parse_action_kind("relay"));  // Postfix's undocumented OK
}

TEST_CASE("actions: each kind renders to a typed answer: kind, verb, text; the wire joins them") {
  Request r;
  r.set(Attr::Sender, "a@b.example");
  r.finalize();
  struct Case {
    std::string_view source;
    Answer answer;
    std::string_view wire;
  };
  const Case cases[] = {
      {"dunno", {ActionKind::Dunno, "DUNNO", ""}, "DUNNO"},
      {"ok", {ActionKind::Ok, "OK", ""}, "OK"},
      {"reject", {ActionKind::Reject, "REJECT", ""}, "REJECT"},
      {"reject 5.7.1 no ${sender}", {ActionKind::Reject, "REJECT", "5.7.1 no a@b.example"},
       "REJECT 5.7.1 no a@b.example"},
      {"defer later", {ActionKind::Defer, "DEFER", "later"}, "DEFER later"},
      {"defer_if_permit 4.7.1 x", {ActionKind::DeferIfPermit, "DEFER_IF_PERMIT", "4.7.1 x"}, "DEFER_IF_PERMIT 4.7.1 x"},
      {"Defer_If_Reject", {ActionKind::DeferIfReject, "DEFER_IF_REJECT", ""}, "DEFER_IF_REJECT"},
      {"550 5.7.1 no", {ActionKind::Numeric, "550", "5.7.1 no"}, "550 5.7.1 no"},
      {"450 ${recipient}", {ActionKind::Numeric, "450", "TLS policy rule r1"}, "450 TLS policy rule r1"},
      {"warn weak", {ActionKind::Warn, "WARN", "weak"}, "WARN weak"},
      {"info seen", {ActionKind::Info, "INFO", "seen"}, "INFO seen"},
      {"hold", {ActionKind::Hold, "HOLD", ""}, "HOLD"},
      {"prepend X-TLS: ${sender}", {ActionKind::Prepend, "PREPEND", "X-TLS: a@b.example"},
       "PREPEND X-TLS: a@b.example"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.source);
    const Answer answer = ok(c.source).render(RenderContext{r, "r1", nullptr});
    CHECK(answer.kind == c.answer.kind);
    CHECK(answer.verb == c.answer.verb);
    CHECK(answer.text == c.answer.text);
    CHECK(to_string(answer) == c.wire);
    std::string wire = "action=";
    append_wire(wire, answer);
    CHECK(wire == "action=" + std::string(c.wire));
  }
}

TEST_CASE("actions: discard, redirect, bcc and filter, checked where they route mail (issue 20)") {
  for (const char* good : {"discard", "DISCARD plaintext from ${client}", "redirect quarantine@example.org",
                           "bcc compliance+tls@archive.example.org", "filter smtp-amavis:[127.0.0.1]:10024",
                           "FILTER lmtp:unix:private/dovecot-lmtp"}) {
    CAPTURE(good);
    (void)ok(good);
  }
  const Action redirect = ok("Redirect quarantine@example.org");
  CHECK(redirect.kind() == ActionKind::Redirect);
  CHECK(redirect.verb() == "REDIRECT");
  CHECK(err("redirect").find("needs one address user@domain") != std::string::npos);
  CHECK(err("redirect quarantine").find("needs one address") != std::string::npos);
  CHECK(err("redirect a@b c@d").find("needs one address") != std::string::npos);
  CHECK(err("redirect <q@example.org>").find("needs one address") != std::string::npos);
  CHECK(err("redirect q@.example.org").find("needs one address") != std::string::npos);
  CHECK(err("bcc @example.org").find("needs one address") != std::string::npos);
  // A client's value never chooses where mail goes.
  CHECK(err("redirect ${sender}") == "redirect takes no ${...}: a client's value must not choose where mail goes");
  CHECK(err("bcc x@${sender_domain}").find("takes no ${...}") != std::string::npos);
  CHECK(err("filter smtp:${helo_name}").find("takes no ${...}") != std::string::npos);
  CHECK(err("filter").find("needs transport:destination") != std::string::npos);
  CHECK(err("filter :[127.0.0.1]").find("needs transport:destination") != std::string::npos);
  CHECK(err("filter smtp amavis").find("needs transport:destination") != std::string::npos);
  // No empty next hop: Postfix would take the recipient's domain, the client's choice (review 15).
  CHECK(err("filter relay:").find("needs transport:destination") != std::string::npos);
  CHECK(err("redirect " + std::string(65, 'q') + "@example.org").find("needs one address") != std::string::npos);
  CHECK(err("redirect q@" + std::string(64, 'd') + ".example").find("needs one address") != std::string::npos);
  CHECK(err("redirect q..r@example.org").find("needs one address") != std::string::npos);
  // Restrictions are not actions.
  CHECK(err("permit_mynetworks").find("unknown action") != std::string::npos);
  CHECK(err("permit_sasl_authenticated, reject").find("unknown action") != std::string::npos);
}
