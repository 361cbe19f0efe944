#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""enrol.t — first boot through the real binary: `matchbooth enrol` finds the
file on the boot partition (under --root), refuses a bad one without touching
anything, installs a good one and deletes it; the running daemon reports
"enrolled" in `matchbooth status` (top level and the "enrolment" member the
kiosk UI reads for its banner)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mbtest

t = mbtest.TAP()
root = tempfile.mkdtemp(prefix="mb-enrol-")
boot = os.path.join(root, "boot", "firmware")
etc = os.path.join(root, "etc", "matchbooth")
os.makedirs(boot)
os.makedirs(etc)
dest = os.path.join(etc, "matchbooth.conf")
OLD = "[kiosk]\nshow = demo\ndemo = true\n[show.demo]\nname = Demo\n"
with open(dest, "w") as f:
    f.write(OLD)

rc, out, err = mbtest.run(["enrol", "--root", root, "--config", dest])
t.ok(rc == 0 and "nothing to do" in out, "no enrolment file: nothing to do, exit 0")

src = os.path.join(boot, "matchbooth.conf")
with open(src, "w") as f:
    f.write("[kiosk]\ndevice_id = booth-9\nshow = fair\n[show.fair]\nform = fair.json\n")
rc, out, err = mbtest.run(["enrol", "--root", root, "--config", dest])
t.ok(rc == 1 and "fair.json" in err and "nothing was changed" in err,
     "a file naming a missing form is refused: " + err.strip())
t.is_(open(dest).read(), OLD, "the device config is untouched")
t.ok(os.path.exists(src), "the enrolment file stays for the next try")

with open(os.path.join(boot, "fair.json"), "w") as f:
    f.write('{"questions": []}')
rc, out, err = mbtest.run(["enrol", "--root", root, "--config", dest])
t.ok(rc == 0 and "enrolled" in out, "a good file is applied: " + (out.splitlines() or [""])[0])
t.ok("booth-9" in open(dest).read(), "installed as the device config")
t.ok(os.path.exists(os.path.join(etc, "fair.json")), "its form installed beside it")
t.ok(not os.path.exists(src), "and removed from the boot partition")

# The command's paths under valgrind: applied, refused, nothing to do.
if shutil.which("valgrind"):
    import subprocess
    vg = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
          "--error-exitcode=99", mbtest.BIN, "enrol", "--root", root, "--config", dest]
    with open(src, "w") as f:
        f.write("[kiosk]\ndevice_id = booth-10\nshow = fair\n[show.fair]\nform = fair.json\n")
    rcs = [subprocess.run(vg, capture_output=True).returncode]
    with open(src, "w") as f:
        f.write("[kiosk]\nshow = fair\n")
    rcs.append(subprocess.run(vg, capture_output=True).returncode)
    os.unlink(src)
    rcs.append(subprocess.run(vg, capture_output=True).returncode)
    t.is_(rcs, [0, 1, 0], "enrol under valgrind: no memory errors or leaks on any path")
shutil.rmtree(root)

with mbtest.Daemon() as d:
    st = d.request({"cmd": "status"})
    t.is_(st.get("enrolled"), False, "demo daemon without device_id: enrolled false")
    t.is_((st.get("enrolment") or {}).get("enrolled"), False, "bus member enrolment says so too")
    t.ok((st.get("enrolment") or {}).get("device_id"), "device id falls back to the host name")
    rc, out, err = d.cli("status")
    t.ok("enrolment" in out and '"enrolled":false' in out,
         "human status shows the enrolment line")
    t.ok("not enrolled" in d.read_log(), "the daemon logs that it is not enrolled")

with mbtest.Daemon(kiosk="device_id = booth-9") as d:
    st = d.request({"cmd": "status"})
    t.is_(st.get("enrolled"), True, "with a device_id and no demo: enrolled")
    t.is_(st["enrolment"]["device_id"], "booth-9", "status names the device")
t.done()
