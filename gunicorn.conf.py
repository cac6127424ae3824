"""gunicorn's settings for the app servers, read by `gunicorn wsgi:app` started in this folder
(arguments on the command line win; `WEB_CONCURRENCY` sets the number of workers).

Sync workers, one request at a time each, two per core plus one. With threads (gthread) the
request threads of one worker take turns for Python's interpreter lock: each SQL query
hands it over and waits up to 5 ms to get it back, and one worker could hold most of a
client's keep-alive connections while the other idled. Measured with the benchmark's varied
searches at 100,000 entries on two cores: 2 workers x 4 threads answered 38 to 125 searches
a second from run to run (p99 up to 6 s); 5 sync workers 120 (p99 120 ms). Sync workers
need a buffering proxy in front (the load balancer), as gunicorn's documentation says.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
timeout = 30


def post_worker_init(worker) -> None:
    """Build what the register's pages read from memory before the first request, so no
    reader waits for it (a second or two per worker at 100,000 entries)."""
    import wsgi

    wsgi.warm_up()
