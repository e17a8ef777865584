"""py_server.py: a gRPC health server on grpcio (Debian's python3-grpcio).

Debian ships no grpc_health module, so the servicer is written over
grpcio's generic handlers with the two tiny protobuf messages encoded by
hand. Usage: py_server.py [--no-health] SERVICE=STATUS ...; it prints its
port, then reads lines "SERVICE=STATUS" from stdin to change a status
(STATUS: UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN). An unknown
service is NOT_FOUND, as in grpc's own health servicer.
"""
import sys
import threading
from concurrent import futures

import grpc

CODES = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2, "SERVICE_UNKNOWN": 3}


def decode_request(data):
    """HealthCheckRequest: field 1 (service), a length-delimited string."""
    i, service = 0, b""
    while i < len(data):
        tag = data[i]
        i += 1
        if tag == 0x0A:
            n, shift = 0, 0
            while True:
                b = data[i]
                i += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if b < 0x80:
                    break
            service = data[i:i + n]
            i += n
        else:
            raise ValueError("unexpected field")
    return service.decode()


def encode_response(status):
    """HealthCheckResponse: field 1 (status), a varint; 0 is left out."""
    return b"\x08" + bytes([status]) if status else b""


def main():
    args = sys.argv[1:]
    health = "--no-health" not in args
    statuses = {}
    for a in args:
        if "=" in a:
            k, v = a.split("=", 1)
            statuses[k] = CODES[v]
    lock = threading.Lock()

    def check(service, context):
        with lock:
            if service not in statuses:
                context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
            return statuses[service]

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    if health:
        handler = grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health",
            {"Check": grpc.unary_unary_rpc_method_handler(
                check, request_deserializer=decode_request,
                response_serializer=encode_response)})
        server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    for line in sys.stdin:
        k, v = line.strip().split("=", 1)
        with lock:
            statuses[k] = CODES[v]
        print("ok", flush=True)
    server.stop(0)


if __name__ == "__main__":
    main()
