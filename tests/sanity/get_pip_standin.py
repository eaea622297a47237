"""Stand-in for pip's get-pip.py, which ansible-test downloads from a host
this project's machines cannot reach. It does the same job with what Python
ships: bootstrap the bundled pip, then install what ansible-test asked for
(pip at its pinned version) from PyPI.

ansible-test runs pip with PIP_CONFIG_FILE=/dev/null and a scrubbed
environment, so a machine whose HTTPS goes through a private CA (pip.conf
`cert = ...`) would fail every later install. Where the system CA bundle
exists we pass it explicitly now and add it to the CA file of the pip we
install, so ansible-test's own pip calls that follow trust it too.
"""
import glob
import ensurepip
import os
import subprocess
import sys

SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"

ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if os.path.exists(SYSTEM_CA):
    args = ["--cert", SYSTEM_CA] + args
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
if os.path.exists(SYSTEM_CA):
    with open(SYSTEM_CA, "rb") as handle:
        extra = handle.read()
    pattern = os.path.join(sys.prefix, "lib", "python*", "site-packages", "pip", "_vendor", "certifi", "cacert.pem")
    for bundle in glob.glob(pattern):
        with open(bundle, "ab") as handle:
            handle.write(b"\n" + extra)
