#!/bin/sh
# luksa/kubia-unhealthy: healthy for five requests, then 500 on every request after.
n=$(cat /tmp/requests 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >/tmp/requests
if [ "$n" -gt 5 ]; then
  printf 'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n'
  echo "I'm not well. Please restart me!"
  exit 0
fi
printf 'Content-Type: text/plain\r\n\r\n'
echo "You've hit $(hostname)"
