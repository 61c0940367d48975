// sandnet-api: the control plane. `serve` runs the REST API; `users`, `keys`, `hosts` (tokens,
// and releasing a gone host's plugs) and `changelog` administer the database file directly
// (safe while the server runs); `migrate` copies a SQLite store into PostgreSQL.
#include <cstdio>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/host_auth.h"
#include "api/host_registry.h"
#include "api/placement.h"
#include "api/serve.h"
#include "api/open_store.h"
#ifdef SANDNET_HAVE_PG
#include "api/sqlite_to_pg.h"
#endif
#include "common/dns_label.h"

using namespace sandnet::api;

namespace {

constexpr const char* kDbHelp = "SQLite database file, or a postgresql:// URI (default sandnet.db)";

// Flag values that override the config file; they must outlive parsing.
struct ServeFlags {
  std::string config_file, cert, key, pool, log_level;
  int threads = 8;
  int wait_threads = 64;
};

void add_serve(CLI::App& app, ServeConfig& config, ServeFlags& f, int& rc) {
  CLI::App* serve = app.add_subcommand("serve", "serve the REST API");
  auto* listen = serve->add_option("--listen", config.listen, "ADDR:PORT (default 127.0.0.1:8080)");
  auto* db = serve->add_option("--db", config.db, kDbHelp);
  serve->add_option("--config", f.config_file, "JSON config file (flags override it)")
      ->check(CLI::ExistingFile);
  auto* cert_opt = serve->add_option("--tls-cert", f.cert, "PEM certificate: serve HTTPS");
  auto* key_opt = serve->add_option("--tls-key", f.key, "PEM private key for --tls-cert");
  auto* pool_opt =
      serve->add_option("--ip-pool", f.pool, "overlay pool CIDR (default 10.42.0.0/16)");
  auto* level_opt = serve->add_option("--log-level", f.log_level, "trace|debug|info|warn|error");
  auto* threads_opt = serve->add_option("--threads", f.threads, "HTTP worker threads (default 8)");
  auto* wait_opt = serve->add_option(
      "--wait-threads", f.wait_threads,
      "extra HTTP workers for long-polls and ?wait=applied (default 64)");
  serve->callback([&config, &f, &rc, listen, db, cert_opt, key_opt, pool_opt, level_opt,
                   threads_opt, wait_opt] {
    // Flags win over the file: remember them, load the file, re-apply the flags.
    ServeConfig flags = config;
    if (!f.config_file.empty()) apply_config_file(f.config_file, config);
    if (listen->count()) config.listen = flags.listen;
    if (db->count()) config.db = flags.db;
    if (cert_opt->count()) config.server.tls_cert = f.cert;
    if (key_opt->count()) config.server.tls_key = f.key;
    if (level_opt->count()) config.log_level = f.log_level;
    if (threads_opt->count()) config.server.threads = f.threads;
    if (wait_opt->count()) config.server.wait_threads = f.wait_threads;
    if (pool_opt->count()) {
      auto parsed = parse_ipv4_pool(f.pool);
      if (!parsed) throw CLI::ValidationError("--ip-pool", "must be a CIDR from /8 to /29");
      config.server.ipam.pool = *parsed;
    }
    rc = run_serve(config);
  });
}

// Admin positional arguments; they must outlive parsing.
struct AdminArgs {
  std::string db_path = "sandnet.db";
  std::string name, user, key_id, host;
  std::optional<std::string> underlay;  // hosts create
  std::string from, to;  // migrate
  int64_t keep = 100000;
};

void add_admin(CLI::App& app, AdminArgs& a) {
  std::string& db_path = a.db_path;
  CLI::App* users = app.add_subcommand("users", "manage users")->require_subcommand(1);
  users->add_option("--db", db_path, kDbHelp);
  users->fallthrough();  // "users create NAME --db F" as well as "users --db F create NAME"
  CLI::App* create = users->add_subcommand("create", "create a user and print a new API key");
  create->add_option("NAME", a.name, "user name (DNS label)")->required();
  create->fallthrough();
  create->callback([&a] {
    if (!sandnet::is_dns_label(a.name)) throw CLI::ValidationError("NAME", "must be a DNS label");
    std::unique_ptr<Store> store = open_store(a.db_path);
    UserId id = store->create_user(a.name);
    std::cout << issue_api_key(*store, id).token << std::endl;
  });
  users->add_subcommand("list", "list users")->fallthrough()->callback([&db_path] {
    std::unique_ptr<Store> store = open_store(db_path);
    for (const User& u : store->list_users()) {
      std::cout << u.name << "\tcreated " << u.created_at << "\tactive keys " << u.active_keys
                << "\n";
    }
  });

  CLI::App* keys = app.add_subcommand("keys", "manage API keys")->require_subcommand(1);
  keys->add_option("--db", db_path, kDbHelp);
  keys->fallthrough();
  CLI::App* kcreate = keys->add_subcommand("create", "print a new API key for USER");
  kcreate->add_option("USER", a.user)->required();
  kcreate->fallthrough();
  kcreate->callback([&a] {
    std::unique_ptr<Store> store = open_store(a.db_path);
    std::optional<User> u = store->find_user(a.user);
    if (!u) throw std::runtime_error("no user '" + a.user + "'");
    std::cout << issue_api_key(*store, u->id).token << std::endl;
  });
  CLI::App* revoke = keys->add_subcommand("revoke", "revoke a key by its id (sk_<KEYID>_...)");
  revoke->add_option("KEYID", a.key_id)->required();
  revoke->fallthrough();
  revoke->callback([&a] {
    std::unique_ptr<Store> store = open_store(a.db_path);
    if (!store->revoke_api_key(a.key_id)) {
      throw std::runtime_error("no active key '" + a.key_id + "'");
    }
    std::cout << "revoked " << a.key_id << std::endl;
  });
}

void add_host_admin(CLI::App& app, AdminArgs& a) {
  std::string& db_path = a.db_path;
  CLI::App* hosts = app.add_subcommand("hosts", "manage host-agent tokens")->require_subcommand(1);
  hosts->add_option("--db", db_path, kDbHelp);
  hosts->fallthrough();
  CLI::App* create = hosts->add_subcommand(
      "create", "register HOST_ID (or change its underlay) and print a new host token for it");
  create->add_option("HOST_ID", a.host, "host id (DNS label)")->required();
  create->add_option("--underlay", a.underlay,
                     "its underlay IPv4 address: where other hosts send its overlay traffic");
  create->fallthrough();
  create->callback([&a] {
    if (!sandnet::is_dns_label(a.host)) {
      throw CLI::ValidationError("HOST_ID", "must be a DNS label");
    }
    std::string underlay = a.underlay ? parse_underlay(*a.underlay) : "";
    std::unique_ptr<Store> store = open_store(a.db_path);
    HostRegistration r = register_host(*store, a.host, underlay);
    std::string token = issue_host_token(*store, a.host);
    // stdout carries only the token (scripts read it); the rest goes to stderr.
    std::cerr << "host " << a.host << ": number " << r.host.number << ", underlay "
              << (r.host.underlay.empty() ? "none" : r.host.underlay) << std::endl;
    std::cout << token << std::endl;
  });
  hosts->add_subcommand("list", "list registered hosts")->fallthrough()->callback([&db_path] {
    std::unique_ptr<Store> store = open_store(db_path);
    for (const HostInfo& h : store->list_hosts()) {
      std::cout << h.host_id << "\tnumber " << h.number << "\tunderlay "
                << (h.underlay.empty() ? "none" : h.underlay) << "\t"
                << (h.live ? "live" : "lost") << "\tactive tokens " << h.active_tokens
                << "\tapplied revision " << h.applied_revision << "\n";
    }
  });
  CLI::App* revoke = hosts->add_subcommand("revoke", "revoke every token of HOST_ID");
  revoke->add_option("HOST_ID", a.host)->required();
  revoke->fallthrough();
  revoke->callback([&a] {
    std::unique_ptr<Store> store = open_store(a.db_path);
    if (!store->revoke_host(a.host)) {
      throw std::runtime_error("no active token for '" + a.host + "'");
    }
    std::cout << "revoked " << a.host << std::endl;
  });
  // The explicit way out when the host holding a plug cannot unplug it any more (gone,
  // reinstalled): then its sandbox may move to another host or be deleted.
  CLI::App* unplug = hosts->add_subcommand(
      "unplug", "mark SANDBOX_ID stopped on HOST_ID, as if that host had unplugged it");
  unplug->add_option("HOST_ID", a.host)->required();
  unplug->add_option("SANDBOX_ID", a.name, "sb_<ULID>")->required();
  unplug->fallthrough();
  unplug->callback([&a] {
    std::unique_ptr<Store> store = open_store(a.db_path);
    store->write([&](WriteTx& tx) { unplug_on(tx, a.host, a.name); });
    std::cout << "unplugged " << a.name << " from " << a.host << std::endl;
  });

  CLI::App* log = app.add_subcommand("changelog", "the change log hosts follow")
                      ->require_subcommand(1);
  log->add_option("--db", db_path, kDbHelp);
  log->fallthrough();
  CLI::App* compact = log->add_subcommand(
      "compact", "drop all but the newest KEEP revisions (older feeds resync from a snapshot)");
  compact->add_option("--keep", a.keep, "revisions to keep (default 100000)")
      ->check(CLI::NonNegativeNumber);
  compact->fallthrough();
  compact->callback([&a] {
    std::unique_ptr<Store> store = open_store(a.db_path);
    std::cout << "log floor " << store->compact_change_log(a.keep) << std::endl;
  });
}

// The one-way move from the embedded store to PostgreSQL (docs/operator-guide.md).
void add_migrate(CLI::App& app, AdminArgs& a) {
  CLI::App* migrate = app.add_subcommand(
      "migrate", "copy a SQLite store (stopped) into an empty PostgreSQL database");
  migrate->add_option("--from", a.from, "SQLite database file")
      ->required()
      ->check(CLI::ExistingFile);
  migrate->add_option("--to", a.to, "postgresql:// URI of an empty database")->required();
  migrate->callback([&a] {
    if (!is_postgres_uri(a.to)) throw CLI::ValidationError("--to", "must be a postgresql:// URI");
#ifdef SANDNET_HAVE_PG
    StoreCopyReport report = copy_sqlite_to_pg(a.from, a.to);
    for (const auto& [table, rows] : report.rows_per_table) {
      std::cout << table << "\t" << rows << " rows\n";
    }
    std::cout << "copied " << a.from << " into " << db_for_log(a.to) << " at revision "
              << report.revision << " (schema version " << report.schema_version << ")"
              << std::endl;
#else
    throw std::runtime_error("this sandnet-api was built without PostgreSQL (-DSANDNET_PG=ON)");
#endif
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sandnet-api: the sandnet control plane"};
  app.set_version_flag("--version", std::string(SANDNET_VERSION));
  app.require_subcommand(1);
  ServeConfig config;
  ServeFlags flags;
  AdminArgs admin;
  int rc = 0;
  add_serve(app, config, flags, rc);
  add_admin(app, admin);
  add_host_admin(app, admin);
  add_migrate(app, admin);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandnet-api: %s\n", e.what());
    return 1;
  }
  return rc;
}
