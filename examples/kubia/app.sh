#!/bin/sh
# luksa/kubia: an HTTP server on 8080 that answers with the pod's hostname.
echo "Kubia server starting..."
# The book's app is node as PID 1 with no SIGTERM handler: a stop ends in SIGKILL (exit code 137).
trap '' TERM
# -vv logs each request's client address, as app.js logs "Received request from ...".
exec httpd -f -vv -p 8080 -h /app/www 2>&1
