"""Prometheus metrics (issue 13): what every process exposes about itself.

Names carry their unit and labels stay bounded (routes as templates, topics, statuses,
links): never an account id, a message id or a phone number. Each process has one
registry, the library's default; a process serving several uvicorn workers would need
prometheus-client's multiprocess mode, so in the cluster a pod runs one worker and
scales by replicas."""
