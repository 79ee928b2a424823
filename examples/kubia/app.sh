#!/bin/sh
# luksa/kubia: an HTTP server on 8080 that answers with the pod's hostname.
echo "Kubia server starting..."
# -vv logs each request's client address, as app.js logs "Received request from ...".
exec httpd -f -vv -p 8080 -h /app/www 2>&1
