"""A real WSGI origin for test/e2e/wsgi-origin.test.ts (Python standard library only).

Answers every request with JSON: the route it would serve (by PATH_INFO, as WSGI frameworks route),
the CGI-style environ the stack built (every HTTP_* key, so header folding shows), method and body.
Prints its port on the first line of stdout.
"""
import json
from wsgiref.simple_server import WSGIRequestHandler, make_server


def app(environ, start_response):
    length = int(environ.get('CONTENT_LENGTH') or 0)
    body = environ['wsgi.input'].read(length) if length else b''
    path = environ.get('PATH_INFO', '')
    out = {k: v for k, v in environ.items() if k.startswith('HTTP_')}
    out.update(route='api' if path.startswith('/api/') else 'other', PATH_INFO=path,
               REQUEST_METHOD=environ['REQUEST_METHOD'], body=body.decode('latin-1'))
    data = json.dumps(out).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
    return [data]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
