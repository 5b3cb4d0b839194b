#!/usr/bin/env python3
"""Give the deploy kit's REST API per-route cache TTLs and API keys, from an
app's OpenAPI document.

    build/bin/items openapi > openapi.json
    tools/gateway-routes.py openapi.json --sam deploy/sam/template.yaml -o deploy/sam/template.routes.yaml
    tools/gateway-routes.py openapi.json --terraform deploy/terraform/gateway_routes.tf.json

The kit's REST API is `/` and `/{proxy+}`, ANY, to the function: one resource
for every route, so its cache TTL and API key apply to all of them. API Gateway
keeps cache TTLs (method settings) and key requirements per resource and
method, so a route that needs its own gets its own resource and method here:
an operation with `x-cgate-cache-ttl` (a route's `.cache_ttl`, seconds), or
whose `security` names an `apiKey` scheme. Each such method
  - requires the stack's API key when the route declares one and the kit's
    ApiKeyRequired / api_key_required is `declared` (or `true`: every route),
  - is cached for its TTL when the stage has a cache (0: not cached), keyed by
    the path, query and header parameters it declares (and each --cache-key),
  - goes to the same Lambda integration as `{proxy+}`.
Every resource made on the way (`/api`, `/api/items`, ...) also gets an ANY
method and a `{proxy+}` child, so that the requests under it that no
generated method takes still reach the app, as through the kit's `{proxy+}`
(API Gateway does not fall back to a parent's greedy path). Those carry the
kit's own cache settings (CacheTtlSeconds, CacheKeyParameters) and key rule.

SAM: a copy of the kit's template with the resources, methods and method
settings written in at its `# gateway-routes.py:` lines (JSON, which YAML
reads). Terraform: a `.tf.json` file for the module's directory, replacing the
kit's empty `gateway_routes.tf.json`. Python's standard library only.
"""
import argparse
import json
import re
import sys

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
KEY_PARAMETER = re.compile(r"^(querystring|header)\.[A-Za-z0-9._~-]+$")
SAM_MARKERS = {
    "resources": "# gateway-routes.py: per-route resources and methods",
    "depends_on": "# gateway-routes.py: per-route methods",
    "method_settings": "# gateway-routes.py: per-route method settings",
}


class Route:
    def __init__(self, method, path, ttl, api_key, parameters):
        self.method, self.path, self.ttl, self.api_key = method, path, ttl, api_key
        self.parameters = parameters  # ["path.item_id", "querystring.limit", ...], declared order


def api_key_schemes(document):
    schemes = document.get("components", {}).get("securitySchemes", {})
    return {name for name, s in schemes.items() if s.get("type") == "apiKey"}


def read_routes(document):
    """The operations that need a resource of their own, in the document's order."""
    keys = api_key_schemes(document)
    default_security = document.get("security", [])
    routes = []
    for path, item in document.get("paths", {}).items():
        if not path.startswith("/"):
            raise SystemExit(f"gateway-routes.py: {path!r} is not a path")
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            ttl = op.get("x-cgate-cache-ttl", 0)
            if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 3600:
                raise SystemExit(f"gateway-routes.py: {method.upper()} {path}: x-cgate-cache-ttl {ttl!r} is not "
                                 "0 to 3600 seconds (API Gateway's limit)")
            security = op.get("security", default_security)
            api_key = any(name in keys for requirement in security for name in requirement)
            if ttl == 0 and not api_key:
                continue
            parameters = []
            for p in item.get("parameters", []) + op.get("parameters", []):
                location = LOCATIONS.get(p.get("in"))
                name = f"{location}.{p['name']}" if location else None
                if name and name not in parameters:
                    parameters.append(name)
            for name in re.findall(r"\{([^}]+)\}", path):
                if f"path.{name}" not in parameters:
                    parameters.insert(0, f"path.{name}")
            if ttl and method not in ("get", "head"):
                print(f"gateway-routes.py: {method.upper()} {path} is cached for {ttl} s: API Gateway will serve "
                      "a stored answer instead of running it", file=sys.stderr)
            routes.append(Route(method.upper(), path, ttl, api_key, parameters))
    return routes


def logical_name(path):
    """/api/items/{item_id} -> ApiItemsItemId"""
    words = re.split(r"[^A-Za-z0-9]+", path)
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "Root"


class Tree:
    """The resources the routes need: every prefix of their paths, root excluded."""

    def __init__(self, routes):
        self.paths = []  # parents before children
        self.names = {}
        for route in routes:
            segments = route.path.strip("/").split("/") if route.path != "/" else []
            for i in range(1, len(segments) + 1):
                path = "/" + "/".join(segments[:i])
                if path not in self.names:
                    self.paths.append(path)
                    self.names[path] = self._unique("RestRoute" + logical_name(path))
        by_parent = {}
        for path in self.paths:
            parent, part = self.parent(path), self.part(path)
            if part.startswith("{"):
                by_parent.setdefault(parent, set()).add(part)
        for parent, params in by_parent.items():
            if len(params) > 1:
                raise SystemExit(f"gateway-routes.py: {parent or '/'} has path parameters {sorted(params)} at the "
                                 "same place; API Gateway allows one name there")

    def _unique(self, name):
        taken = set(self.names.values())
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}{n}", n + 1
        return candidate

    @staticmethod
    def parent(path):
        return path.rsplit("/", 1)[0] or "/"

    @staticmethod
    def part(path):
        return path.rsplit("/", 1)[1]

    def path_parameters(self, path):
        return [f"path.{name}" for name in re.findall(r"\{([^}]+)\}", path)]


def method_setting_path(path):
    """/api/items -> /~1api~1items (CloudFormation's ResourcePath; / is the root)."""
    return "/" + path.replace("~", "~0").replace("/", "~1") if path != "/" else "/"


def check_cache_keys(extra):
    for key in extra:
        if not KEY_PARAMETER.match(key):
            raise SystemExit(f"gateway-routes.py: --cache-key {key!r}: write querystring.NAME or header.NAME")


class CheckedDict(dict):
    """A dict that refuses a second entry of one name (a path /api/any beside /api's ANY method)."""

    def __setitem__(self, name, value):
        if name in self:
            raise SystemExit(f"gateway-routes.py: two resources would be named {name}; rename a path segment")
        super().__setitem__(name, value)


# ---- SAM ----

def sam_uri():
    return {"Fn::Sub": ["arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                        "${Alias}/invocations", {"Alias": {"Ref": "Function.Alias"}}]}


SAM_SKIP = {"checkov": {"skip": [{"id": "CKV_AWS_59", "comment": "the app authorises its own requests; API Gateway "
                                   "checks only the stack's API key where the route declares one"}]}}


def sam_catch_all(resource_ref, path_keys):
    """ANY on a generated resource: the kit's rules, as RestApiProxyMethod has them."""
    declared = {f"method.request.{k}": True for k in path_keys}
    with_kit_keys = dict(declared)
    with_kit_keys["Fn::ForEach::CacheKeys"] = ["Key", {"Ref": "CacheKeyParameters"}, {"method.request.${Key}": False}]
    prefix = "".join(f"method.request.{k}," for k in path_keys)
    return {
        "Type": "AWS::ApiGateway::Method", "Condition": "IsRest", "Metadata": SAM_SKIP,
        "Properties": {
            "RestApiId": {"Ref": "RestApi"}, "ResourceId": resource_ref, "HttpMethod": "ANY",
            "AuthorizationType": "NONE",
            "ApiKeyRequired": {"Fn::If": ["RestApiKeysEverywhere", True, False]},
            "RequestParameters": {"Fn::If": ["RestCacheKeys", with_kit_keys,
                                             declared if declared else {"Ref": "AWS::NoValue"}]},
            "Integration": {
                "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": sam_uri(),
                "CacheKeyParameters": {"Fn::If": [
                    "RestCacheKeys",
                    {"Fn::Split": [",", {"Fn::Join": ["", [prefix + "method.request.",
                                                           {"Fn::Join": [",method.request.",
                                                                         {"Ref": "CacheKeyParameters"}]}]]}]},
                    [f"method.request.{k}" for k in path_keys] if path_keys else {"Ref": "AWS::NoValue"}]},
            },
        },
    }


def sam_route_method(resource_ref, route, extra_keys):
    keys = route.parameters + [k for k in extra_keys if k not in route.parameters]
    params = {f"method.request.{k}": k.startswith("path.") for k in keys}
    integration = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": sam_uri()}
    if route.ttl and keys:
        integration["CacheKeyParameters"] = [f"method.request.{k}" for k in keys]
    properties = {
        "RestApiId": {"Ref": "RestApi"}, "ResourceId": resource_ref, "HttpMethod": route.method,
        "AuthorizationType": "NONE",
        "ApiKeyRequired": {"Fn::If": ["RestApiKeys" if route.api_key else "RestApiKeysEverywhere", True, False]},
        "Integration": integration,
    }
    if params:
        properties["RequestParameters"] = params
    return {"Type": "AWS::ApiGateway::Method", "Condition": "IsRest", "Metadata": SAM_SKIP, "Properties": properties}


def sam_parts(routes, extra_keys):
    """(resources, method ids, method settings) for the template."""
    tree = Tree(routes)
    resources, methods = CheckedDict(), []

    def ref(path):
        if path == "/":
            return {"Fn::GetAtt": ["RestApi", "RootResourceId"]}
        return {"Ref": tree.names[path]}

    for path in tree.paths:
        name = tree.names[path]
        resources[name] = {"Type": "AWS::ApiGateway::Resource", "Condition": "IsRest",
                           "Properties": {"RestApiId": {"Ref": "RestApi"}, "ParentId": ref(tree.parent(path)),
                                          "PathPart": tree.part(path)}}
        resources[name + "Any"] = sam_catch_all(ref(path), tree.path_parameters(path))
        resources[name + "Proxy"] = {"Type": "AWS::ApiGateway::Resource", "Condition": "IsRest",
                                     "Properties": {"RestApiId": {"Ref": "RestApi"}, "ParentId": ref(path),
                                                    "PathPart": "{proxy+}"}}
        resources[name + "ProxyAny"] = sam_catch_all({"Ref": name + "Proxy"},
                                                     tree.path_parameters(path) + ["path.proxy"])
        methods += [name + "Any", name + "ProxyAny"]
    settings = []
    for route in routes:
        name = (tree.names[route.path] if route.path != "/" else "RestRouteRoot") + route.method.capitalize()
        resources[name] = sam_route_method(ref(route.path), route, extra_keys)
        methods.append(name)
        settings.append({"ResourcePath": method_setting_path(route.path), "HttpMethod": route.method,
                         "CachingEnabled": route.ttl > 0, "CacheTtlInSeconds": route.ttl,
                         "CacheDataEncrypted": True})
    return resources, methods, settings


def write_sam(template_text, routes, extra_keys):
    resources, methods, settings = sam_parts(routes, extra_keys)
    pieces = {
        "resources": [f"{name}: {json.dumps(body)}" for name, body in resources.items()],
        "depends_on": [f"- {name}" for name in methods],
        "method_settings": [f"- {json.dumps(s)}" for s in settings],
    }
    lines = template_text.splitlines(keepends=True)
    out = []
    found = set()
    for line in lines:
        out.append(line)
        for kind, marker in SAM_MARKERS.items():
            if line.strip() == marker:
                if kind in found:
                    raise SystemExit(f"gateway-routes.py: the template has '{marker}' twice")
                found.add(kind)
                indent = line[:len(line) - len(line.lstrip())]
                out += [f"{indent}{piece}\n" for piece in pieces[kind]]
    missing = [SAM_MARKERS[k] for k in SAM_MARKERS if k not in found]
    if missing:
        raise SystemExit(f"gateway-routes.py: the template has no '{missing[0]}' line (is it the kit's "
                         "deploy/sam/template.yaml?)")
    return "".join(out)


# ---- Terraform ----

def tf_catch_all(resource_ref, path_keys, extra_path_keys=()):
    keys = [f"method.request.{k}" for k in list(path_keys) + list(extra_path_keys)]
    return (
        {"count": "${local.rest}", "rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}",
         "resource_id": resource_ref, "http_method": "ANY", "authorization": "NONE",
         "api_key_required": '${var.api_key_required == "true"}',
         "request_parameters": "${merge(%s, {for k in local.cache_keys : k => false})}" % json.dumps(
             {k: True for k in keys})},
        "${concat(%s, local.cache_keys)}" % json.dumps(keys),
    )


def write_terraform(routes, extra_keys):
    tree = Tree(routes)
    resource_blocks = {"aws_api_gateway_resource": CheckedDict(), "aws_api_gateway_method": CheckedDict(),
                       "aws_api_gateway_integration": CheckedDict(), "aws_api_gateway_method_settings": CheckedDict()}
    redeploy = []

    def tf_name(logical):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", logical[len("Rest"):]).lower()

    def ref(path):
        if path == "/":
            return "${aws_api_gateway_rest_api.rest[0].root_resource_id}"
        return "${aws_api_gateway_resource.%s[0].id}" % tf_name(tree.names[path])

    def add_method(name, method, integration_keys):
        method["count"] = "${local.rest}"
        resource_blocks["aws_api_gateway_method"][name] = method
        resource_blocks["aws_api_gateway_integration"][name] = {
            "count": "${local.rest}", "rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}",
            "resource_id": method["resource_id"], "http_method": "${aws_api_gateway_method.%s[0].http_method}" % name,
            "type": "AWS_PROXY", "integration_http_method": "POST",
            "uri": "${aws_lambda_function.app.invoke_arn}", "cache_key_parameters": integration_keys}
        redeploy.extend(["${aws_api_gateway_method.%s[0]}" % name, "${aws_api_gateway_integration.%s[0]}" % name])

    for path in tree.paths:
        name = tf_name(tree.names[path])
        resource_blocks["aws_api_gateway_resource"][name] = {
            "count": "${local.rest}", "rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}",
            "parent_id": ref(tree.parent(path)), "path_part": tree.part(path)}
        resource_blocks["aws_api_gateway_resource"][name + "_proxy"] = {
            "count": "${local.rest}", "rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}",
            "parent_id": ref(path), "path_part": "{proxy+}"}
        add_method(name + "_any", *tf_catch_all(ref(path), tree.path_parameters(path)))
        add_method(name + "_proxy_any", *tf_catch_all("${aws_api_gateway_resource.%s_proxy[0].id}" % name,
                                                      tree.path_parameters(path), ["path.proxy"]))
    for route in routes:
        base = tf_name(tree.names[route.path]) if route.path != "/" else "route_root"
        name = f"{base}_{route.method.lower()}"
        keys = route.parameters + [k for k in extra_keys if k not in route.parameters]
        method = {"rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}", "resource_id": ref(route.path),
                  "http_method": route.method, "authorization": "NONE",
                  "api_key_required": ("${local.rest_api_keys == 1}" if route.api_key
                                       else '${var.api_key_required == "true"}'),
                  "request_parameters": {f"method.request.{k}": k.startswith("path.") for k in keys}}
        add_method(name, method, [f"method.request.{k}" for k in keys] if route.ttl else [])
        # The provider writes the path's slashes as ~1 itself: {resource_path}/{method}, no leading slash.
        resource_blocks["aws_api_gateway_method_settings"][name] = {
            "count": "${local.rest_cache}", "rest_api_id": "${aws_api_gateway_rest_api.rest[0].id}",
            "stage_name": "${aws_api_gateway_stage.rest[0].stage_name}",
            "method_path": f"{route.path.lstrip('/')}/{route.method}",
            "settings": {"caching_enabled": route.ttl > 0, "cache_ttl_in_seconds": route.ttl,
                         "cache_data_encrypted": True},
            "depends_on": ["aws_api_gateway_method_settings.cache"]}
    for method in resource_blocks["aws_api_gateway_method"].values():
        method["//"] = ("authorization NONE, as the kit's methods (CKV_AWS_59): the app authorises its own "
                        "requests; API Gateway checks only the stack's API key where the route declares one")
    document = {
        "//": "Written by tools/gateway-routes.py from the app's OpenAPI document (docs/deploy.md); regenerate, "
              "do not edit.",
        "locals": {"gateway_routes": redeploy},
        "resource": {k: v for k, v in resource_blocks.items() if v},
    }
    return json.dumps(document, indent=2) + "\n"


def main():
    parser = argparse.ArgumentParser(
        description="per-route cache TTLs and API keys for the deploy kit's REST API, from an OpenAPI document")
    parser.add_argument("document", help="the app's OpenAPI document (JSON; `APP openapi` prints it); - for stdin")
    parser.add_argument("--sam", metavar="TEMPLATE", help="the kit's SAM template (deploy/sam/template.yaml)")
    parser.add_argument("--terraform", metavar="FILE", help="write this .tf.json file (the module's "
                        "gateway_routes.tf.json)")
    parser.add_argument("-o", "--output", help="the SAM template to write (stdout without it)")
    parser.add_argument("--cache-key", action="append", default=[], metavar="KEY",
                        help="another cache key of every cached route, querystring.NAME or header.NAME "
                             "(header.Accept-Encoding); repeat")
    args = parser.parse_args()
    if not args.sam and not args.terraform:
        parser.error("say --sam TEMPLATE, --terraform FILE, or both")
    check_cache_keys(args.cache_key)
    if args.document == "-":
        document = json.load(sys.stdin)
    else:
        with open(args.document) as f:
            document = json.load(f)
    routes = read_routes(document)
    for route in routes:
        what = [f"cached {route.ttl} s" if route.ttl else "not cached"] + (["API key"] if route.api_key else [])
        print(f"gateway-routes.py: {route.method} {route.path}: {', '.join(what)}", file=sys.stderr)
    if args.terraform:
        with open(args.terraform, "w") as f:
            f.write(write_terraform(routes, args.cache_key))
    if args.sam:
        with open(args.sam) as f:
            text = write_sam(f.read(), routes, args.cache_key)
        if args.output:
            with open(args.output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)


if __name__ == "__main__":
    main()
