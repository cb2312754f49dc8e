// SPDX-License-Identifier: MIT
// doctor: runs postconf for the default Postfix instance and for each one of
// its multi_instance_directories (postconf -c DIR), gathers the facts
// doctor::diagnose() needs (doctor_facts), and prints its findings (SPEC 2).
// Exit 0 when there is no warning or error, 1 otherwise, 78 for a bad
// tlspolicyd configuration, 69 when postconf cannot be run for the default
// instance (an other instance that cannot be read is a finding).
#include <iostream>

#include "commands.h"
#include "privileges.h"
#include "config/config_loader.h"
#include "doctor/doctor.h"
#include "doctor/placement.h"
#include "doctor_facts.h"
#include "postconf_reader.h"

namespace tlspolicyd::daemon {
namespace {

std::vector<doctor::RuleFacts> rule_facts(const config::Config& cfg) {
  std::vector<doctor::RuleFacts> out;
  for (const auto& rule : cfg.policy.rules()) {
    doctor::RuleFacts r;
    r.name = rule.name;
    const bool refuses = policy::refuses(rule.action.kind());
    r.refuses_plaintext = rule.mode == policy::Mode::Enforce && refuses &&
                          (rule.require != nullptr || rule.match.uses(match::Field::Tls));
    r.uses_recipient = rule.match.uses(match::Field::Recipient) || rule.match.uses(match::Field::RecipientDomain);
    r.uses_sasl = rule.match.uses(match::Field::Sasl) || rule.match.uses(match::Field::SaslUsername) ||
                  rule.match.uses(match::Field::SaslMethod);
    r.needs_transaction = r.uses_recipient || r.uses_sasl || rule.match.uses(match::Field::Sender) ||
                          rule.match.uses(match::Field::SenderDomain) || rule.match.uses(match::Field::CcertSubject) ||
                          rule.match.uses(match::Field::CcertFingerprint) ||
                          rule.match.uses(match::Field::CcertPubkeyFingerprint);
    r.needs_helo = rule.match.uses(match::Field::HeloName);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int run_doctor(const DoctorArgs& args) {
  config::LoadResult loaded = config::load_config_file(args.config_path, file_owners());
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n';
  if (!loaded.config) return exit_code::Config;
  const config::Config& cfg = *loaded.config;

  doctor::Inputs in;
  in.instances = read_instances(args.postconf);
  if (!in.instances.front().unreadable.empty()) {
    std::cerr << "tlspolicyd doctor: cannot run \"" << args.postconf << " -n\" and \"" << args.postconf
              << " -M\" (is Postfix installed? try --postconf)\n";
    return exit_code::Unavailable;
  }
  in.listen = cfg.listen;
  if (in.listen.empty()) in.listen.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));
  in.rules = rule_facts(cfg);
  std::vector<std::string> hosts;
  for (const auto& inst : in.instances) {
    for (auto& h : doctor::policy_hosts(inst.postfix)) hosts.push_back(std::move(h));
  }
  for (const auto& a : in.listen) {
    if (a.kind == config::ListenAddress::Kind::Inet) hosts.push_back(a.host);
  }
  in.resolved = resolve_hosts(hosts);
  const std::string mail_owner = postconf_value(args.postconf, "", "mail_owner").value_or("postfix");
  for (const auto& a : in.listen) in.sockets.push_back(socket_facts(a, mail_owner.empty() ? "postfix" : mail_owner));

  const auto findings = doctor::diagnose(in);
  int errors = 0, warnings = 0;
  for (const auto& f : findings) {
    std::cout << doctor::to_string(f.severity) << ": " << f.message << '\n';
    if (!f.fix.empty()) std::cout << "  fix: " << f.fix << '\n';
    errors += f.severity == doctor::Severity::Error;
    warnings += f.severity == doctor::Severity::Warning;
  }
  if (errors + warnings == 0) {
    std::cout << "doctor: no problems found" << (findings.empty() ? "" : " (see the notes above)") << '\n';
    return exit_code::Ok;
  }
  std::cout << "doctor: " << errors << " error(s), " << warnings << " warning(s)\n";
  return 1;
}

}  // namespace tlspolicyd::daemon
