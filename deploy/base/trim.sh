#!/bin/sh
# Second step of rootfs.sh: runs on the host with the root filesystem's path and
# the flavour; makes what maintainer scripts would have made, and removes what an image does not need.
set -eu
root="$1"; flavour="$2"
# CA bundle and OpenSSL's default paths, as update-ca-certificates and the openssl package would make them.
if [ -d "$root/usr/share/ca-certificates/mozilla" ]; then
  mkdir -p "$root/etc/ssl/certs" "$root/usr/lib/ssl"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt > "$root/etc/ssl/certs/ca-certificates.crt"
  ln -sfn /etc/ssl/certs "$root/usr/lib/ssl/certs"
  ln -sfn /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"
fi
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
case "$flavour" in
  runtime)
    printf 'app:x:1654:1654:app:/home/app:/usr/sbin/nologin\n' >> "$root/etc/passwd"
    printf 'app:x:1654:\n' >> "$root/etc/group"
    mkdir -p "$root/home/app"; chown 1654:1654 "$root/home/app"
    # No shell, no package manager, no tools: only what the runtime loads.
    rm -rf "$root"/bin/* "$root"/sbin/* "$root"/usr/bin/* "$root"/usr/sbin/* "$root"/usr/lib/x86_64-linux-gnu/perl* \
      "$root"/usr/share/perl* "$root"/usr/share/debconf "$root"/etc/debconf.conf "$root"/usr/share/ca-certificates \
      "$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/usr/share/gdb
    ;;
  redis)
    printf 'redis:x:999:999:redis:/data:/usr/sbin/nologin\n' >> "$root/etc/passwd"
    printf 'redis:x:999:\n' >> "$root/etc/group"
    mkdir -p "$root/data"; chown 999:999 "$root/data"
    ;;
  probe)
    printf 'probe:x:1000:1000:probe:/tmp:/bin/sh\n' >> "$root/etc/passwd"
    printf 'probe:x:1000:\n' >> "$root/etc/group"
    [ -e "$root/bin/sh" ] || ln -s dash "$root/bin/sh"
    ;;
esac
mkdir -p "$root/tmp"; chmod 1777 "$root/tmp"
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian \
  "$root"/usr/share/locale/* "$root"/var/cache/* "$root"/var/lib/apt/* "$root"/var/log/* "$root"/etc/apt
