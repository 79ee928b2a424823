#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "You've hit $(hostname)"
