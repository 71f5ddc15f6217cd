"""gunicorn settings for the registry; every value can be overridden from the environment."""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# One worker per core plus one, to use a core while another worker waits on the
# database. On 2 cores under 32 clients, 3 workers served 519-526 submissions/s with p99
# 72-76 ms; 4 workers 486-503/s, p99 75-82 ms; 5 (the common "2 x cores + 1") 446-476/s,
# p99 85-95 ms; 6 about 430/s, p99 97-100 ms: each extra process only adds switching.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# Two threads per worker: one request's database round trips overlap another's Python
# work. More threads only queue for the GIL (every round trip re-acquires it behind the
# thread that is running), which adds CPU and lengthens the latency tail; processes
# (workers) are what spread the work over the cores.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# A worker takes a connection only when one of its threads is free, and answers each
# request on its own connection ("Connection: close"). A kept-alive connection stays with
# the worker that accepted it, and the kernel hands new connections to workers unevenly:
# under 32 persistent clients one worker held most of them (it served 3,157 requests,
# another none), so their requests queued behind its two threads while other workers
# idled, and the slowest worker set the latency tail. Accepting per request, the idle
# workers take the work. (Clients on the internet reach gunicorn through a TLS proxy,
# which keeps its own connections to them; GUNICORN_KEEPALIVE=N turns keep-alive back on.)
worker_connections = threads
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers rarely: a fresh worker starts with cold statement caches (SQLAlchemy's
# compiled SQL, psycopg's prepared statements).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# Load the app once, in the master, and fork workers from it: a worker (re)starting then
# costs a fork, not the ~1.6 s of CPU that importing and building the app takes. Under
# load a booting worker took that CPU from the others (in the API bench a worker recycled
# in the middle of the 32-client rounds). Building the app opens no database connection
# (the pool connects on first use, in a worker), so no connection is shared across a fork.
preload_app = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:
    """Keep the loaded app out of the garbage collector's full sweeps.

    A worker holds ~170,000 long-lived objects (modules, SQLAlchemy, marshmallow, the
    app); each full collection walked all of them, stopping every thread of the worker
    for ~100 ms on a busy 2-core host. Frozen, they are never scanned again; objects made
    by requests still are.
    """
    gc.freeze()
