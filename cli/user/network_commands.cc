// sandnetctl network ls|create|inspect|rm|connect|disconnect
#include <cstdio>
#include <string>
#include <vector>

#include "cli/user/table_writer.h"
#include "cli/user/user_commands.h"

namespace sandnet::cli {
namespace {

void print_networks(const nlohmann::json& networks) {
  TableWriter table({"NETWORK ID", "NAME", "MEMBERS", "CREATED"});
  for (const auto& n : networks) table.add_row({cell_text(n, "id"), cell_text(n, "name"), cell_text(n, "member_count"), cell_text(n, "created_at")});
  table.print();
}

void print_network_details(const nlohmann::json& n) {
  std::printf("ID:       %s\nName:     %s\nCreated:  %s\nMembers:  %s\n", cell_text(n, "id").c_str(),
              cell_text(n, "name").c_str(), cell_text(n, "created_at").c_str(), cell_text(n, "member_count").c_str());
  if (!n.contains("members") || n["members"].empty()) return;
  std::printf("\n");
  // APPLIED (whether the member's host has applied it) comes with the host feed.
  const bool has_applied = n["members"][0].contains("applied");
  std::vector<std::string> headers{"SANDBOX ID", "NAME", "STATUS", "IP"};
  if (has_applied) headers.push_back("APPLIED");
  TableWriter table(headers);
  for (const auto& m : n["members"]) {
    std::vector<std::string> row{cell_text(m, "sandbox_id"), cell_text(m, "name"), cell_text(m, "status"), cell_text(m, "ip")};
    if (has_applied) row.push_back(cell_text(m, "applied"));
    table.add_row(row);
  }
  table.print();
}

// connect/disconnect answer {"ok":true} or, with --wait, whether every host applied it.
void report_membership_change(const UserContext& context, const nlohmann::json& answer, const std::string& done) {
  if (context.json()) return context.print_json(answer);
  std::printf("%s\n", done.c_str());
  if (answer.value("applied", true) == false)
    std::fprintf(stderr, "sandnetctl: not yet applied on: %s\n", answer.value("pending_hosts", nlohmann::json::array()).dump().c_str());
}

std::string wait_query(bool wait) { return wait ? "?wait=applied" : ""; }

}  // namespace

void add_network_commands(CLI::App& group, std::shared_ptr<UserContext> context) {
  auto* ls = group.add_subcommand("ls", "list your networks");
  ls->alias("list");
  ls->callback([context] {
    run_reporting_errors([&] {
      auto networks = list_all(context->client(), "/v1/networks");
      context->json() ? context->print_json(networks) : print_networks(networks);
    });
  });

  auto name = std::make_shared<std::string>();
  auto* create = group.add_subcommand("create", "create a network (prints its id)");
  create->add_option("NAME", *name, "network name (a DNS label, unique among your networks)")->required();
  create->callback([context, name] {
    run_reporting_errors([&] {
      auto network = context->client().post("/v1/networks", {{"name", *name}});
      context->json() ? context->print_json(network) : (void)std::printf("%s\n", cell_text(network, "id").c_str());
    });
  });

  auto network_ref = std::make_shared<std::string>();
  auto* inspect = group.add_subcommand("inspect", "show a network and its members");
  inspect->add_option("NETWORK", *network_ref, "network name or net-<ULID> id")->required();
  inspect->callback([context, network_ref] {
    run_reporting_errors([&] {
      auto network = context->client().get("/v1/networks/" + path_segment(*network_ref));
      context->json() ? context->print_json(network) : print_network_details(network);
    });
  });

  auto refs = std::make_shared<std::vector<std::string>>();
  auto* rm = group.add_subcommand("rm", "delete networks (they must have no members)");
  rm->alias("remove");
  rm->add_option("NETWORK", *refs, "network names or ids")->required();
  rm->callback([context, refs] {
    run_reporting_errors([&] {
      auto client = context->client();
      for (const auto& ref : *refs) {
        client.del("/v1/networks/" + path_segment(ref));
        if (!context->json()) std::printf("%s\n", ref.c_str());
      }
      if (context->json()) context->print_json({{"ok", true}, {"removed", *refs}});
    });
  });

  struct Membership {
    std::string network, sandbox;
    bool wait = false;
  };
  auto membership = std::make_shared<Membership>();
  auto* connect = group.add_subcommand("connect", "attach a sandbox to a network");
  connect->add_option("NETWORK", membership->network, "network name or id")->required();
  connect->add_option("SANDBOX", membership->sandbox, "sandbox name or sb_<ULID> id")->required();
  connect->add_flag("--wait", membership->wait, "return once every affected host has applied the change");
  connect->callback([context, membership] {
    run_reporting_errors([&] {
      auto answer = context->client().post(
          "/v1/sandboxes/" + path_segment(membership->sandbox) + "/networks" + wait_query(membership->wait),
          {{"id", membership->network}});
      report_membership_change(*context, answer, membership->sandbox + " connected to " + membership->network);
    });
  });

  auto* disconnect = group.add_subcommand("disconnect", "detach a sandbox from a network");
  disconnect->add_option("NETWORK", membership->network, "network name or id")->required();
  disconnect->add_option("SANDBOX", membership->sandbox, "sandbox name or sb_<ULID> id")->required();
  disconnect->add_flag("--wait", membership->wait, "return once every affected host has applied the change");
  disconnect->callback([context, membership] {
    run_reporting_errors([&] {
      auto answer = context->client().del("/v1/sandboxes/" + path_segment(membership->sandbox) + "/networks/" +
                                          path_segment(membership->network) + wait_query(membership->wait));
      report_membership_change(*context, answer, membership->sandbox + " disconnected from " + membership->network);
    });
  });
}

}  // namespace sandnet::cli
