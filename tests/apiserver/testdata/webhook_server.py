#!/usr/bin/env python3
"""A tiny TLS admission webhook for the local API server's tests.

usage: webhook_server.py CERT KEY [HOST [PORT]]   -> prints the port it listens on
       (default 127.0.0.1 and port 0, a free one; e.g. a Service's ClusterIP and 443)

Paths:
  /mutate  allows, and patches the object: label mutated=yes, annotations echoing what the
           AdmissionReview carried (operation, namespace, name, dryRun, kind) and the address
           the call reached (seen/address, HOST:PORT)
  /deny    refuses objects named "bad*" with a message, allows the rest
  /slow    answers after 3 seconds (timeouts)
"""
import base64
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        review = json.loads(self.rfile.read(length))
        request = review["request"]
        path = self.path.split("?")[0]
        response = {"uid": request["uid"], "allowed": True}
        obj = request.get("object") or {}
        name = obj.get("metadata", {}).get("name", "")
        if path == "/slow":
            time.sleep(3)
        elif path == "/deny":
            if name.startswith("bad"):
                response = {"uid": request["uid"], "allowed": False,
                            "status": {"code": 403, "message": "pods named bad are not allowed"}}
        elif path == "/mutate":
            ops = []
            meta = obj.get("metadata", {})
            if "labels" not in meta:
                ops.append({"op": "add", "path": "/metadata/labels", "value": {}})
            if "annotations" not in meta:
                ops.append({"op": "add", "path": "/metadata/annotations", "value": {}})
            ops.append({"op": "add", "path": "/metadata/labels/mutated", "value": "yes"})
            seen = {
                "seen/operation": request["operation"],
                "seen/namespace": request.get("namespace", ""),
                "seen/kind": request["kind"]["kind"],
                "seen/resource": request["resource"]["resource"],
                "seen/dry-run": str(request.get("dryRun", False)).lower(),
                "seen/user": request["userInfo"]["username"],
                "seen/groups": ",".join(request["userInfo"].get("groups", [])),
                "seen/address": "%s:%d" % self.connection.getsockname()[:2],
            }
            for key, value in seen.items():
                ops.append({"op": "add", "path": "/metadata/annotations/" + key.replace("/", "~1"), "value": value})
            response["patchType"] = "JSONPatch"
            response["patch"] = base64.b64encode(json.dumps(ops).encode()).decode()
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "response": response}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    server = ThreadingHTTPServer((host, port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
