// SPDX-License-Identifier: MIT
#include "server.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>

#include "event_loop.h"
#include "socket_owner.h"
#include "tls/cipher_catalog.h"

#ifndef TLSPOLICYD_VERSION  // the build defines it (daemon/CMakeLists.txt)
#define TLSPOLICYD_VERSION "unknown"
#endif

namespace tlspolicyd::daemon {
namespace {

timeval to_timeval(std::chrono::seconds s) { return timeval{static_cast<time_t>(s.count()), 0}; }

// Configuration error text for the log: the file is the administrator's, but a
// list file may hold anything, so control bytes are made visible.
std::string printable(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

// The first port an unprivileged process may bind (Linux: 1024 unless changed).
unsigned unprivileged_port_start() {
  std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
  unsigned port = 1024;
  if (f != nullptr) {
    if (std::fscanf(f, "%u", &port) != 1) port = 1024;
    std::fclose(f);
  }
  return port;
}

std::string_view signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "HUP";
    case SIGTERM: return "TERM";
    case SIGINT: return "INT";
    default: return "?";
  }
}

}  // namespace

Server::Server(ServeOptions options, std::shared_ptr<const config::Config> config, Logger logger)
    : options_(std::move(options)), config_(std::move(config)), logger_(std::move(logger)), base_(new_event_loop()) {}

Server::~Server() {
  route_libevent_log(nullptr);
  // Users before what they use, and every event before the loop.
  connections_.reset();
  responder_.reset();
  reloader_.reset();
  close_listeners();
  for (event* ev : signals_) event_free(ev);
  if (resume_accept_ != nullptr) event_free(resume_accept_);
  if (stop_timer_ != nullptr) event_free(stop_timer_);
  watchdog_.reset();
  log_flusher_.reset();
  history_.reset();
  metrics_server_.reset();
  if (base_ != nullptr) event_base_free(base_);
}

bool Server::add_signal(int sig) {
  event* ev = evsignal_new(base_, sig, &Server::signal_cb, this);
  if (ev == nullptr || event_add(ev, nullptr) != 0) {
    if (ev != nullptr) event_free(ev);
    return false;
  }
  signals_.push_back(ev);
  return true;
}

int Server::open() {
  if (base_ == nullptr) {
    logger_->error("cannot create the event loop");
    return 70;
  }
  for (int sig : {SIGHUP, SIGTERM, SIGINT}) {
    if (!add_signal(sig)) {
      logger_->error("cannot handle signal {}", signal_name(sig));
      return 70;
    }
  }
  log_flusher_ = std::make_unique<LogFlusher>(base_, *logger_);
  route_libevent_log(logger_.get());
  resume_accept_ = evtimer_new(base_, &Server::resume_accept_cb, this);
  stop_timer_ = evtimer_new(base_, &Server::stop_timeout_cb, this);
  reloader_ = std::make_unique<Reloader>(base_, options_.config_path,
                                         [this](config::LoadResult r) { on_reloaded(std::move(r)); });
  if (resume_accept_ == nullptr || stop_timer_ == nullptr || !reloader_->ok()) {
    logger_->error("cannot set up the event loop");
    return 70;
  }

  // Spawned by Postfix (--stdio), one process per smtpd connection: listen: and
  // metrics: are the long-running daemon's (a second spawned process must not
  // fail on a busy port), and start-up lines are debug, not one per connection.
  if (config_->metrics && options_.stdio) {
    logger_->debug("metrics: not served under --stdio");
  } else if (config_->metrics) {
    metrics_ = std::make_unique<metrics::Metrics>();
    metrics_->started(TLSPOLICYD_VERSION, static_cast<std::int64_t>(std::time(nullptr)));
    if (!log_lines_dropped(*logger_).first.empty()) {
      metrics_->set_log_dropped([log = logger_] { return log_lines_dropped(*log); });
    }
    if (auto catalog = tls::CipherCatalog::load()) {
      metrics_->set_known_cipher([catalog](std::string_view name) { return catalog->find(name) != nullptr; });
    }
    metrics_server_ = std::make_unique<MetricsServer>(base_, *metrics_, *logger_);
    if (std::string err = metrics_server_->listen(*config_->metrics); !err.empty()) {
      // Metrics are not worth a mail server without its policy (a local user may
      // hold the port): serve without them, and say so.
      logger_->error("metrics on {}: {}; serving without metrics (restart once the port is free)",
                     config_->metrics->to_string(), err);
      metrics_server_.reset();
    } else {
      logger_->info("metrics on http://{}:{}/metrics", config_->metrics->host, config_->metrics->port);
    }
    const std::string& host = config_->metrics->host;
    if (metrics_server_ && (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]")) {
      logger_->warn("metrics on {}, every address of this host: anyone who can reach it reads the counters (rule "
                    "names, ciphers); prefer inet:127.0.0.1:PORT", config_->metrics->to_string());
    }
  }
  if (config_->downgrade) {
    const history::StoreAddress& store = config_->downgrade->store;
    if (store.kind == history::StoreAddress::Kind::Lmdb) {
      // LMDB opens its files by path, following symbolic links: as root, only in a directory no one else controls.
      if (std::string err = unsafe_lmdb_store(store.path, resolve_socket_owner(config_->process)); !err.empty()) {
        logger_->error("cannot open the history store {}: {}", store.to_string(), err);
        return 69;
      }
    }
    try {
      history_ = std::make_unique<HistoryService>(base_, *config_->downgrade, logger_, metrics_.get(),
                                                  HistoryService::Options{startup_level(), options_.stdio, {}});
    } catch (const history::StoreError& e) {
      logger_->error("cannot open the history store: {}", e.what());
      return 69;
    }
  }

  responder_ = std::make_unique<Responder>(config_, logger_.get(), metrics_.get(), history_.get());
  connections_ = std::make_unique<Connections>(base_, *responder_, *logger_, metrics_.get());
  connections_->set_on_empty([this] {
    if (stopping_ || options_.stdio) event_base_loopbreak(base_);
  });
  if (history_) history_->set_resume([this](std::uint64_t conn) { connections_->resume(conn); });
  if (options_.stdio) return connections_->add(STDIN_FILENO, STDOUT_FILENO, Peer{"stdio", "stdio", std::nullopt, std::nullopt, false}) ? 0 : 69;
  return open_listeners();
}

int Server::open_listeners() {
  // Sockets: --listen, else systemd's (socket activation), else the configuration's.
  std::vector<BoundSocket> sockets;
  if (options_.listen.empty()) {
    sockets = systemd::activated_sockets();
    if (!sockets.empty()) warn_if_activation_differs(sockets);
  }
  if (sockets.empty()) {
    std::vector<config::ListenAddress> addresses = options_.listen.empty() ? config_->listen : options_.listen;
    if (addresses.empty()) {
      addresses.push_back(std::get<config::ListenAddress>(config::parse_listen_address(config::DefaultListen)));
    }
    std::string warning;
    std::optional<gid_t> group = resolve_socket_group(config_->socket, warning);
    const std::optional<uid_t> owner = resolve_socket_owner(config_->process);
    if (!warning.empty()) logger_->warn("{}", warning);
    for (const auto& address : addresses) {
      auto opened = open_listener(address, config_->socket, group, owner);
      if (auto* err = std::get_if<std::string>(&opened)) {
        logger_->error("cannot listen on {}: {}", address.to_string(), *err);
        for (auto& s : sockets) {
          ::close(s.fd);
          (void)remove_socket_file(s);  // root's at start: it can
        }
        return 69;
      }
      sockets.push_back(std::get<BoundSocket>(std::move(opened)));
      if (address.kind == config::ListenAddress::Kind::Inet && address.port >= unprivileged_port_start()) {
        logger_->warn("{}: any local user can take this port while tlspolicyd is not running (a restart, an "
                      "upgrade) and answer Postfix in its place; prefer the unix socket, or let systemd hold the "
                      "port (tlspolicyd.socket), or use a port below {}",
                      address.to_string(), unprivileged_port_start());
      }
    }
  }
  bool inet = false;
  for (auto& socket : sockets) {
    Listener l{std::move(socket), nullptr};
    l.ev = evconnlistener_new(base_, &Server::accept_cb, this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0,
                              l.socket.fd);
    if (l.ev == nullptr) {
      ::close(l.socket.fd);
      (void)remove_socket_file(l.socket);
      logger_->error("cannot watch {}", l.socket.name);
      return 69;
    }
    evconnlistener_set_error_cb(l.ev, &Server::accept_error_cb);
    logger_->info("listening on {}", l.socket.name);
    if (l.socket.address.starts_with("inet:")) inet = true;
    listeners_.push_back(std::move(l));
  }
  if (std::string why = inet ? socket_owners_unknowable() : ""; !why.empty()) {
    logger_->warn("cannot ask the kernel which user a local connection is ({}): on inet listeners every local "
                  "process counts as its address, and limits.reserved_for's users are not recognised",
                  why);
  }
  return 0;
}

// systemd's sockets (tlspolicyd.socket) replace listen:. When they are not the
// same addresses, the postmaster edited one and not the other: say so, since
// Postfix is told one of them.
void Server::warn_if_activation_differs(const std::vector<BoundSocket>& sockets) const {
  std::vector<std::string> configured;
  for (const auto& a : config_->listen) configured.push_back(a.to_string());
  if (configured.empty()) configured.emplace_back(config::DefaultListen);
  std::vector<std::string> activated;
  for (const auto& s : sockets) activated.push_back(s.address);
  std::sort(configured.begin(), configured.end());
  std::sort(activated.begin(), activated.end());
  if (configured == activated) return;
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  };
  logger_->warn(
      "systemd passed socket(s) {} (tlspolicyd.socket), which replace the configuration's listen: {}; serving "
      "systemd's. Make them agree: change listen: in {} or ListenStream= with systemctl edit tlspolicyd.socket, "
      "and tell Postfix the same",
      join(activated), join(configured), options_.config_path);
}

spdlog::level::level_enum Server::startup_level() const {
  return options_.stdio ? spdlog::level::debug : spdlog::level::info;
}

int Server::run() {
  logger_->log(startup_level(), "ready: configuration generation {} from {} ({} rules)", generation_,
               options_.config_path, config_->policy.rules().size());
  watchdog_ = std::make_unique<systemd::Watchdog>(base_);
  systemd::notify("READY=1\nSTATUS=serving, configuration generation " + std::to_string(generation_));
  if (event_base_dispatch(base_) < 0) {
    logger_->error("event loop failed");
    return 70;
  }
  if (history_) history_->shutdown();  // writes what is unwritten
  logger_->log(startup_level(), "stopped");
  return 0;
}

void Server::accept_cb(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len, void* arg) {
  static_cast<Server*>(arg)->connections_->accept(fd, identify_peer(fd, addr, len));
}

void Server::accept_error_cb(evconnlistener*, void* arg) { static_cast<Server*>(arg)->on_accept_error(); }

void Server::on_accept_error() {
  const int err = EVUTIL_SOCKET_ERROR();
  logger_->warn("cannot accept connections: {}; pausing for a second", evutil_socket_error_to_string(err));
  for (auto& l : listeners_) evconnlistener_disable(l.ev);
  timeval one{1, 0};
  evtimer_add(resume_accept_, &one);
}

void Server::resume_accept_cb(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  for (auto& l : self->listeners_) evconnlistener_enable(l.ev);
}

void Server::signal_cb(evutil_socket_t sig, short, void* arg) { static_cast<Server*>(arg)->on_signal(sig); }

void Server::on_signal(int sig) {
  if (sig == SIGHUP) {
    if (stopping_) return;
    logger_->info("reloading configuration from {} (signal HUP)", options_.config_path);
    systemd::notify("RELOADING=1\nSTATUS=reloading");
    reloader_->request();
    return;
  }
  stop(std::string("signal ") + std::string(signal_name(sig)));
}

void Server::on_reloaded(config::LoadResult result) {
  apply_reload(std::move(result));
  // Done either way: the old configuration stays if the new one is bad.
  systemd::notify("READY=1\nSTATUS=serving, configuration generation " + std::to_string(generation_));
}

void Server::apply_reload(config::LoadResult result) {
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) logger_->error("{}", printable(e.to_string()));
    logger_->error("reload failed with {} error(s); keeping configuration generation {}", result.errors.size(),
                   generation_);
    if (metrics_) metrics_->reloaded(false, generation_, static_cast<std::int64_t>(std::time(nullptr)));
    return;
  }
  const bool listen_changed = options_.listen.empty() && result.config->listen != config_->listen;
  const bool socket_changed = result.config->socket.mode != config_->socket.mode ||
                              result.config->socket.group != config_->socket.group;
  const bool metrics_changed = result.config->metrics != config_->metrics;
  const bool log_changed = result.config->log.facility != config_->log.facility ||
                           result.config->log.ident != config_->log.ident;
  if (history_ && result.config->downgrade) {
    if (result.config->downgrade->store != history_->store()) {  // config_ may have no downgrade: now
      logger_->warn("downgrade.store or its password changed; the new store or password is used after a restart");
    }
    history_->reconfigure(*result.config->downgrade);
  } else if (result.config->downgrade && !history_) {
    logger_->warn("downgrade: was added; TLS history starts after a restart");
  } else if (history_ && config_->downgrade && !result.config->downgrade) {
    logger_->warn("downgrade: was removed; TLS history is neither checked nor counted until it is back");
  }
  config_ = std::move(result.config);
  responder_->set_config(config_);
  ++generation_;
  set_level(*logger_, options_.log_level.value_or(config_->log.level));
  if (metrics_) metrics_->reloaded(true, generation_, static_cast<std::int64_t>(std::time(nullptr)));
  logger_->info("configuration generation {} loaded from {} ({} rules)", generation_, options_.config_path,
                config_->policy.rules().size());
  if (listen_changed || socket_changed) logger_->warn("listen and socket settings changed; they apply after a restart");
  if (metrics_changed) logger_->warn("metrics settings changed; they apply after a restart");
  if (log_changed) logger_->warn("log.syslog settings changed; they apply after a restart");
}

void Server::stop(std::string_view why) {
  if (stopping_) return;
  stopping_ = true;
  systemd::notify("STOPPING=1\nSTATUS=stopping");
  logger_->info("stopping ({}): closing {} connection(s)", why, connections_->size());
  close_listeners();
  if (history_) history_->stop_waiting();  // requests waiting for their history are answered now
  if (connections_->shutdown()) {
    event_base_loopbreak(base_);
    return;
  }
  timeval tv = to_timeval(StopTimeout);
  evtimer_add(stop_timer_, &tv);
}

void Server::stop_timeout_cb(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  self->logger_->warn("{} connection(s) still busy after {}s; closing them", self->connections_->size(),
                      StopTimeout.count());
  self->connections_->close_all();
  event_base_loopbreak(self->base_);
}

void Server::close_listeners() {
  for (auto& l : listeners_) {
    if (l.ev != nullptr) evconnlistener_free(l.ev);  // closes the socket
    if (std::string err = remove_socket_file(l.socket); !err.empty()) {
      logger_->warn("{}: the directory is not writable by the user the daemon runs as; the next start replaces "
                    "the file (Postfix sees a refused connection meanwhile)", err);
    }
  }
  listeners_.clear();
}

}  // namespace tlspolicyd::daemon
