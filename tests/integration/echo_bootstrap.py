#!/usr/bin/env python3
"""A Lambda custom runtime for tests, standard library only. ECHO_MODE picks
what it does with each event:

    echo     answer 200 with the event itself as a JSON body (the default)
    invalid  answer a response no gateway accepts (statusCode as a string)
    error    POST /error for the event
    exit     exit with status 3 without answering
"""
import json
import os
import sys
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"


def post(path, payload):
    req = urllib.request.Request(API + path, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def main():
    mode = os.environ.get("ECHO_MODE", "echo")
    while True:
        with urllib.request.urlopen(API + "next") as r:
            request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            event = r.read().decode()
        print(f"echo_bootstrap: got {request_id}", file=sys.stderr, flush=True)
        if mode == "exit":
            sys.exit(3)
        if mode == "error":
            post(request_id + "/error", {"errorMessage": "failed on purpose", "errorType": "Function.Test"})
        elif mode == "invalid":
            post(request_id + "/response", {"statusCode": "200", "body": "x"})
        else:
            post(request_id + "/response", {"statusCode": 200, "headers": {"content-type": "application/json"},
                                            "body": event})


if __name__ == "__main__":
    main()
