#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Transport settings. Proxies: the [sync] proxy key, and, without it, the
# usual environment variable (http_proxy) that libcurl reads. Then the
# upload cap for metered links (max_send_speed). The recording server plays the
# proxy: a request for a host that does not resolve arrives there in
# absolute form (POST http://host/path), which only a proxy ever sees.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synclib import *  # noqa: E402,F403

t = tmpdir("proxy")
srv = RecordingServer()
st = srv.state
base = """[sync]
backoff_base_ms = 100
backoff_max = 1
%s
[sink.crm]
type = webhook
url = http://leads.example.invalid/proxied
batch_max_age = 0
"""
d = Daemon(t, base % ("proxy = " + srv.url + "\n"))
try:
    d.start()
    a = d.capture(mecard(1))["lead"]
    ok(wait_for(lambda: a["id"] in st.leads, 10), "[sync] proxy: delivered through the proxy")
    r = [x for x in st.requests if x["method"] == "POST"]
    ok(r and r[0]["path"] == "http://leads.example.invalid/proxied",
       "the proxy got the absolute-form request for the sink's host")
    d.stop()
    # Same config without the key: the environment decides.
    with open(d.conf) as f:
        conf = f.read().replace("proxy = " + srv.url + "\n", "")
    with open(d.conf, "w") as f:
        f.write(conf)
    d.env_extra = {"http_proxy": srv.url}
    d.start()
    b = d.capture(mecard(2))["lead"]
    ok(wait_for(lambda: b["id"] in st.leads, 10), "http_proxy from the environment is used")
    d.stop()
    # The upload cap: 40 uncompressed leads (~30 KB) at 6,000 bytes/s. The
    # batch goes when the 40th lead makes it full; no poll may look at the
    # outbox halfway through the 40 captures (poll_interval = 3600), since a
    # poll in the middle of a burst delays a full batch (checked below).
    with open(d.conf) as f:
        conf = f.read().replace("[sync]\n", "[sync]\nmax_send_speed = 6000\npoll_interval = 3600\n")
        conf = conf.replace("http://leads.example.invalid/proxied", srv.url + "/capped")
        conf = conf.replace("batch_max_age = 0\n", "batch_max_age = 60\nbatch_size = 40\n"
                            "gzip = false\n")
    with open(d.conf, "w") as f:
        f.write(conf)
    d.env_extra = {}
    st.requests.clear()
    d.start()
    batch = [d.capture(mecard(100 + i))["lead"] for i in range(40)]
    t0 = time.time()
    ok(wait_for(lambda: all(x["id"] in st.leads for x in batch), 30), "capped upload delivered")
    r = [x for x in st.requests if x["method"] == "POST"][-1]
    secs = r["time"] - t0
    rate = r["raw_len"] / secs
    ok(rate <= 6000 * 1.3, "max_send_speed holds: %d bytes in %.1f s (%.0f B/s)"
       % (r["raw_len"], secs, rate))
    d.stop()

    # A full batch goes at once even when a poll looked at the outbox while
    # it was filling: 10 leads, then the poll (every 5 s) finds them (not
    # yet full, not yet old), then 10 more make the batch of 20 full. The
    # poll's check used to reset the count of lead events, so the full batch
    # waited for the next poll (30 s by default): what made "capped upload
    # delivered" fail under load.
    with open(d.conf) as f:
        conf = f.read().replace("max_send_speed = 6000\npoll_interval = 3600\n",
                                "poll_interval = 5\n").replace("batch_size = 40\n",
                                                                "batch_size = 20\n")
    with open(d.conf, "w") as f:
        f.write(conf)
    d.start()
    started = time.time()
    burst = [d.capture(mecard(300 + i))["lead"] for i in range(10)]
    time.sleep(max(0, started + 5.7 - time.time()))  # the first poll has come and gone
    burst += [d.capture(mecard(310 + i))["lead"] for i in range(10)]
    t0 = time.time()
    ok(wait_for(lambda: all(x["id"] in st.leads for x in burst), 2),
       "a full batch goes at once, even after a poll saw it half full (%.1f s after the last "
       "capture)" % (time.time() - t0))
    wait_for(lambda: all(x["id"] in st.leads for x in burst), 10)
finally:
    d.stop()
    srv.close()
done()
