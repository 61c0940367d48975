// sandnetctl sandbox ls|create|inspect|rm
#include <cstdio>
#include <string>
#include <vector>

#include "cli/user/table_writer.h"
#include "cli/user/user_commands.h"

namespace sandnet::cli {
namespace {

// "backend,frontend" from [{"id","name"}…] (or "-").
std::string network_names(const nlohmann::json& sandbox) {
  std::string names;
  for (const auto& n : sandbox.value("networks", nlohmann::json::array())) {
    if (!names.empty()) names += ",";
    names += n.is_object() ? cell_text(n, "name") : n.dump();
  }
  return names.empty() ? "-" : names;
}

void print_sandboxes(const nlohmann::json& sandboxes) {
  TableWriter table({"SANDBOX ID", "NAME", "STATUS", "IP", "NETWORKS"});
  for (const auto& s : sandboxes)
    table.add_row({cell_text(s, "id"), cell_text(s, "name"), cell_text(s, "status"), cell_text(s, "ip"), network_names(s)});
  table.print();
}

void print_sandbox_details(const nlohmann::json& s) {
  std::printf("ID:        %s\nName:      %s\nStatus:    %s\nIP:        %s\nCreated:   %s\nNetworks:  %s\n",
              cell_text(s, "id").c_str(), cell_text(s, "name").c_str(), cell_text(s, "status").c_str(), cell_text(s, "ip").c_str(),
              cell_text(s, "created_at").c_str(), network_names(s).c_str());
}

}  // namespace

void add_sandbox_commands(CLI::App& group, std::shared_ptr<UserContext> context) {
  auto* ls = group.add_subcommand("ls", "list your sandboxes");
  ls->alias("list");
  ls->callback([context] {
    run_reporting_errors([&] {
      auto sandboxes = list_all(context->client(), "/v1/sandboxes");
      context->json() ? context->print_json(sandboxes) : print_sandboxes(sandboxes);
    });
  });

  struct CreateArgs {
    std::string name;
    std::vector<std::string> networks;
  };
  auto args = std::make_shared<CreateArgs>();
  auto* create = group.add_subcommand("create", "create a sandbox record (prints its id)");
  create->add_option("NAME", args->name, "sandbox name (a DNS label: its host name in its networks)")->required();
  create->add_option("--network", args->networks, "attach at creation (repeatable)");
  create->callback([context, args] {
    run_reporting_errors([&] {
      nlohmann::json body = {{"name", args->name}};
      if (!args->networks.empty()) {
        body["networks"] = nlohmann::json::array();
        for (const auto& n : args->networks) body["networks"].push_back({{"id", n}});
      }
      auto sandbox = context->client().post("/v1/sandboxes", body);
      context->json() ? context->print_json(sandbox) : (void)std::printf("%s\n", cell_text(sandbox, "id").c_str());
    });
  });

  auto ref = std::make_shared<std::string>();
  auto* inspect = group.add_subcommand("inspect", "show one sandbox");
  inspect->add_option("SANDBOX", *ref, "sandbox name or sb_<ULID> id")->required();
  inspect->callback([context, ref] {
    run_reporting_errors([&] {
      auto sandbox = context->client().get("/v1/sandboxes/" + path_segment(*ref));
      context->json() ? context->print_json(sandbox) : print_sandbox_details(sandbox);
    });
  });

  auto refs = std::make_shared<std::vector<std::string>>();
  auto* rm = group.add_subcommand("rm", "delete sandboxes (detaches them from every network; refused while a host has one plugged)");
  rm->alias("remove");
  rm->add_option("SANDBOX", *refs, "sandbox names or ids")->required();
  rm->callback([context, refs] {
    run_reporting_errors([&] {
      auto client = context->client();
      for (const auto& r : *refs) {
        client.del("/v1/sandboxes/" + path_segment(r));
        if (!context->json()) std::printf("%s\n", r.c_str());
      }
      if (context->json()) context->print_json({{"ok", true}, {"removed", *refs}});
    });
  });
}

}  // namespace sandnet::cli
