#!/bin/busybox sh
# /init of the stand-in KubeSolo OS the VM lane boots (test/vm). One script for every release;
# /etc/kubesolo-os/release names the version and, for the broken ones, the fault. It does what a
# node's init does around kubesolo-update: mounts KSOLODATA (kubesolo.data= on the command line)
# and the ESP (grubenv at /boot/grub/grubenv), runs the post-boot healthcheck, then the commands
# the harness left for this boot on the third virtio disk, and powers off or reboots.

/bin/busybox --install -s /bin
export PATH=/opt/agent/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /tmp /run /mnt/data /mnt/esp /opt/agent /var/lib /etc/kubesolo-os
. /etc/kubesolo-os/release

slot=$(sed -n 's/.*kubesolo\.slot=\([AB]\).*/\1/p' /proc/cmdline)
echo "kubesolo-os $VERSION: init on slot $slot, boot id $(cat /proc/sys/kernel/random/boot_id)"

case "$FAULT" in
  panic)
    # A release that really breaks: its init dies before any service or health check runs.
    echo "kubesolo-os $VERSION: cannot load kubesolo_fs.ko: no such module; init exits"
    exit 1 ;;
  hang)
    # A release that hangs: it waits for a device that never comes, and never powers off.
    echo "kubesolo-os $VERSION: waiting for the KSOLOROOT device"
    while [ ! -e /dev/disk/by-label/KSOLOROOT ]; do sleep 1; done ;;
esac

for m in $(cat /etc/kubesolo-os/modules); do insmod "/lib/modules/$m"; done

# The watchdog daemon: pets the harness's watchdog while userspace lives, with a line on the
# console that only it writes (the harness takes it out of the console it keeps).
(while :; do echo kubesolo-watchdog-pet; sleep 2; done) &

must_mount() {
  dev=$(findfs "LABEL=$1") || { echo "kubesolo-os: no partition labelled $1"; poweroff -f; }
  mount -t "$2" -o "$3" "$dev" "$4" || { echo "kubesolo-os: cannot mount $1 on $4"; poweroff -f; }
}
data=$(sed -n 's/.*kubesolo\.data=LABEL=\([A-Z]*\).*/\1/p' /proc/cmdline)
must_mount "${data:-KSOLODATA}" ext4 rw /mnt/data
must_mount KSOLOEFI vfat rw /mnt/esp
must_mount KSOLOAGENT ext4 ro /opt/agent
ln -s /mnt/esp/boot /boot
mkdir -p /mnt/data/var/lib/kubesolo /mnt/data/etc/kubesolo
ln -s /mnt/data/var/lib/kubesolo /var/lib/kubesolo
ln -s /mnt/data/etc/kubesolo /etc/kubesolo
# Node and blkid came with their libraries on the agent disk, as VM.md shows.
mkdir -p /lib64
ln -s /opt/agent/lib /lib/x86_64-linux-gnu
ln -s /opt/agent/lib/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up

# What the OS's own services would leave when up; the health check's command looks for it.
echo "$VERSION" >/run/kubesolo-os-ready

# Each agent command's exit code goes to the console, where the harness reads it.
ksu() {
  echo "kubesolo-vm: run: kubesolo-update $*"
  kubesolo-update "$@"
  echo "kubesolo-vm: exit $?: kubesolo-update $*"
}

next=poweroff
# As the boot unit runs it: a writer already running delays it instead of failing it.
ksu --wait 60 healthcheck
tr -d '\000' </dev/vdc >/tmp/this-boot.sh
. /tmp/this-boot.sh

sync
umount /mnt/esp /mnt/data
echo "kubesolo-vm: $next"
"$next" -f
