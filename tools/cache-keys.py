#!/usr/bin/env python3
"""Print the deploy kit's cache keys for an app, from its OpenAPI document.

    build/bin/items openapi | tools/cache-keys.py            # SAM: CacheKeyParameters=...
    build/bin/items openapi | tools/cache-keys.py --terraform  # cache_key_parameters = [...]

API Gateway's cache tells responses apart by the path (the kit makes the
greedy {proxy+} path a key, so path parameters are covered) and by the request
parameters declared as keys, and by nothing else. Every query parameter and
header that a GET operation declares is printed, as querystring.NAME or
header.NAME, in the order they first appear. On stderr, the GET operations
that declare a security requirement: a cached answer to one caller would be
served to the next, so leave caching off for such an app, or add the header
that carries the credential (header.Authorization) to the keys.

The kit takes the printed value as an explicit parameter (docs/deploy.md,
"The REST API's cost and protection knobs"): review it, and add the headers the
app varies on without declaring them (header.Accept-Encoding when it compresses).
"""
import argparse
import json
import sys

LOCATIONS = {"query": "querystring", "header": "header"}


def cache_keys(document):
    """(keys, secured): the cache keys of the GET operations, and the secured GET operations."""
    keys, secured = [], []
    global_security = document.get("security")
    for path, item in document.get("paths", {}).items():
        operation = item.get("get")
        if operation is None:
            continue
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            location = LOCATIONS.get(parameter.get("in"))
            key = f"{location}.{parameter['name']}" if location else None
            if key and key not in keys:
                keys.append(key)
        if operation.get("security", global_security):
            secured.append(f"GET {path}")
    return keys, secured


def main():
    parser = argparse.ArgumentParser(description="the deploy kit's cache keys from an OpenAPI document")
    parser.add_argument("document", nargs="?", help="the OpenAPI document (JSON); stdin without it")
    parser.add_argument("--terraform", action="store_true", help="print cache_key_parameters for a .tfvars file")
    args = parser.parse_args()
    if args.document:
        with open(args.document) as f:
            document = json.load(f)
    else:
        document = json.load(sys.stdin)
    keys, secured = cache_keys(document)
    if args.terraform:
        print("cache_key_parameters = [%s]" % ", ".join(json.dumps(k) for k in keys))
    else:
        print("CacheKeyParameters=" + ",".join(keys))
    for operation in secured:
        print(f"cache-keys.py: {operation} needs credentials: a cached answer would reach other callers "
              "(leave the cache off, or key it by header.Authorization)", file=sys.stderr)


if __name__ == "__main__":
    main()
