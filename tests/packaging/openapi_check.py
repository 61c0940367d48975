#!/usr/bin/python3
"""Validates docs/openapi.yaml against the real sandnet-api: starts the server on loopback with
a temporary SQLite file, drives the seed scenario plus error cases, and checks that every
answer's status is documented for its operation and that its body matches the documented
schema (JSON Schema 2020-12, as OpenAPI 3.1 uses). Request bodies are checked against the
documented request schemas too, and every operation must be exercised at least once.
Usage: openapi_check.py SANDNET_API_BIN OPENAPI_YAML"""
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import jsonschema
import yaml


def main(api_bin, spec_path):
    spec = yaml.safe_load(open(spec_path))
    resolver = jsonschema.RefResolver.from_schema(spec)
    checker = jsonschema.FormatChecker()

    def resolve(obj):
        while "$ref" in obj:
            obj = resolver.resolve(obj["$ref"])[1]
        return obj

    def validate(schema, instance, what):
        jsonschema.Draft202012Validator(schema, resolver=resolver, format_checker=checker).validate(instance)

    failures, exercised = [], set()
    with tempfile.TemporaryDirectory(prefix="sandnet-openapi-") as tmp:
        db = tmp + "/api.db"
        key = subprocess.run([api_bin, "users", "create", "alice", "--db", db], check=True,
                             capture_output=True, text=True).stdout.strip()
        host_tokens = {h: subprocess.run([api_bin, "hosts", "create", h, "--db", db], check=True,
                                         capture_output=True, text=True).stdout.strip()
                       for h in ("h1", "h2")}
        server = subprocess.Popen([api_bin, "serve", "--listen", "127.0.0.1:0", "--db", db,
                                   "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().strip().removeprefix("listening on ")
            if not base.startswith("http"):
                raise SystemExit("server did not start: %r" % base)

            def call(method, template, path, body=None, status=200, key_header=True,
                     content_type="application/json", headers=None, host=False):
                data = None
                if body is not None:
                    data = body if isinstance(body, bytes) else json.dumps(body).encode()
                req = urllib.request.Request(base + path, data=data, method=method)
                if key_header:
                    token = host_tokens["h2" if host == "h2" else "h1"] if host else key
                    req.add_header("X-Host-Token" if host else "X-Api-Key", token)
                if data is not None:
                    req.add_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    req.add_header(name, value)
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        got, raw = resp.status, resp.read()
                except urllib.error.HTTPError as err:
                    got, raw = err.code, err.read()
                label = "%s %s -> %d" % (method, path, got)
                operation = spec["paths"][template][method.lower()]
                exercised.add((template, method.lower()))
                if got != status:
                    failures.append("%s: expected %d" % (label, status))
                    return None
                if isinstance(body, dict) and status == 200 and "requestBody" in operation:
                    try:
                        validate(resolve(operation["requestBody"])["content"]["application/json"]["schema"], body, label)
                    except jsonschema.ValidationError as err:
                        failures.append("%s: request body not in the spec: %s" % (label, err.message))
                documented = operation["responses"].get(str(got))
                if documented is None:
                    failures.append("%s: status not documented" % label)
                    return None
                document = json.loads(raw)
                try:
                    validate(resolve(documented)["content"]["application/json"]["schema"], document, label)
                    print("ok  ", label)
                except jsonschema.ValidationError as err:
                    failures.append("%s: %s at %s\n  body: %s" % (label, err.message, list(err.absolute_path), raw[:400]))
                return document

            N, NI, S, SI, M, MD = ("/v1/networks", "/v1/networks/{id}", "/v1/sandboxes", "/v1/sandboxes/{id}",
                                   "/v1/sandboxes/{id}/networks", "/v1/sandboxes/{id}/networks/{net}")
            call("GET", "/healthz", "/healthz", key_header=False)
            call("GET", N, "/v1/networks", status=401, key_header=False)
            call("GET", N, "/v1/networks?limit=0", status=400)
            call("GET", N, "/v1/networks")
            call("POST", N, "/v1/networks", {"name": "backend"}, headers={"Idempotency-Key": "k1"})
            call("POST", N, "/v1/networks", {"name": "backend"}, headers={"Idempotency-Key": "k1"})
            call("POST", N, "/v1/networks", {"name": "other"}, status=422, headers={"Idempotency-Key": "k1"})
            call("POST", N, "/v1/networks", {"name": "backend"}, status=400)
            call("POST", N, "/v1/networks", {"name": "Bad_Name"}, status=400)
            call("POST", N, "/v1/networks", {"name": "x", "extra": 1}, status=400)
            call("POST", N, "/v1/networks", b"name=x", status=415, content_type="text/plain")
            call("POST", N, "/v1/networks", b"{" * 70000, status=413)
            call("POST", S, "/v1/sandboxes", {"name": "brave-otter", "networks": [{"id": "backend"}]})
            call("POST", S, "/v1/sandboxes", {"name": "lost", "networks": [{"id": "missing"}]}, status=404)
            call("POST", S, "/v1/sandboxes", {"name": "clever-fox"})
            call("POST", M, "/v1/sandboxes/clever-fox/networks", {"id": "backend"})
            call("POST", M, "/v1/sandboxes/clever-fox/networks", {"id": "no such"}, status=400)
            call("POST", M, "/v1/sandboxes/nobody/networks", {"id": "backend"}, status=404)
            net = call("GET", NI, "/v1/networks/backend")
            call("GET", NI, "/v1/networks/" + net["data"]["id"])
            call("GET", NI, "/v1/networks/missing", status=404)
            call("GET", N, "/v1/networks?limit=1&offset=0")
            call("DELETE", NI, "/v1/networks/backend", status=409)
            call("GET", S, "/v1/sandboxes")
            call("GET", S, "/v1/sandboxes?offset=abc", status=400)
            fox = call("GET", SI, "/v1/sandboxes/clever-fox")
            call("GET", SI, "/v1/sandboxes/" + fox["data"]["id"])
            call("GET", SI, "/v1/sandboxes/missing", status=404)
            # The host feed: a snapshot, a plug, the change it makes, applied, unplug.
            F, P, U, A = ("/v1/hosts/{host}/feed", "/v1/hosts/{host}/sandboxes/{sb}/plug",
                          "/v1/hosts/{host}/sandboxes/{sb}/unplug", "/v1/hosts/{host}/applied")
            otter = call("GET", SI, "/v1/sandboxes/brave-otter")["data"]["id"]
            snap = call("GET", F, "/v1/hosts/h1/feed", host=True)
            call("GET", F, "/v1/hosts/h1/feed", status=401)  # a user key on a host route
            call("GET", F, "/v1/hosts/h2/feed", status=404, host=True)  # another host's path
            call("POST", P, "/v1/hosts/h1/sandboxes/%s/plug" % otter, {"mac": "02:00:0a:2a:00:02"}, host=True)
            call("POST", P, "/v1/hosts/h1/sandboxes/sb_01ZZZZZZZZZZZZZZZZZZZZZZZZ/plug", {}, status=404, host=True)
            call("DELETE", SI, "/v1/sandboxes/brave-otter", status=409)  # plugged on h1
            call("POST", P, "/v1/hosts/h2/sandboxes/%s/plug" % otter, {}, status=409, host="h2")
            call("POST", U, "/v1/hosts/h2/sandboxes/%s/unplug" % otter, status=409, host="h2")
            changes = call("GET", F, "/v1/hosts/h1/feed?since=%d&timeout=1" % snap["data"]["revision"], host=True)
            call("POST", A, "/v1/hosts/h1/applied", {"revision": changes["data"]["revision"]}, host=True)
            call("POST", A, "/v1/hosts/h1/applied", {"revision": "x"}, status=400, host=True)
            call("POST", M, "/v1/sandboxes/clever-fox/networks?wait=applied&timeout=1", {"id": "backend"})
            call("GET", NI, "/v1/networks/backend")  # members now carry `applied`
            call("POST", U, "/v1/hosts/h1/sandboxes/%s/unplug" % otter, host=True)
            call("DELETE", MD, "/v1/sandboxes/clever-fox/networks/backend?wait=applied&timeout=1")
            call("POST", M, "/v1/sandboxes/clever-fox/networks", {"id": "backend"})
            call("DELETE", MD, "/v1/sandboxes/clever-fox/networks/backend")
            call("DELETE", MD, "/v1/sandboxes/clever-fox/networks/backend", status=404)
            call("DELETE", SI, "/v1/sandboxes/brave-otter")
            call("DELETE", SI, "/v1/sandboxes/brave-otter", status=404)
            call("DELETE", NI, "/v1/networks/backend")
            call("DELETE", NI, "/v1/networks/backend", status=404)
        finally:
            server.terminate()
            server.wait(timeout=30)

    for template, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "delete", "put", "patch") and (template, method) not in exercised:
                failures.append("operation never exercised: %s %s" % (method.upper(), template))
    for failure in failures:
        print("FAIL", failure)
    print("# %d operations exercised, %d failures" % (len(exercised), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
