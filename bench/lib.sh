# Shared by the benchmarks' run.sh scripts (source it).
# free_port: a TCP port on 127.0.0.1 that nothing listens on, below the kernel's ephemeral range
# (32768 and up), where an outgoing connection could take it before the server binds it; the same
# range as the test harness's FreePort.
free_port() {
  local candidate
  while true; do
    candidate=$(( 20000 + RANDOM % 12768 ))
    # A refused connection means nothing listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return; fi
  done
}
