#!/bin/sh
# Runs the command given as arguments (tcplab run|sweep FILE ...) from the
# test's runfiles directory; its exit code is the test's verdict.
exec "$@"
