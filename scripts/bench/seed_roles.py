"""Seeds ONE moto account (123456789012) with N IAM roles for scripts/bench-memory.

Usage: seed_roles.py ENDPOINT N [THREADS]  -> prints a JSON summary on stdout.

Role i (`role-000000` ...): every 20th has AWSSupportAccess attached (1.17 passes, with N/20
entities); every 100th has a customer-managed policy of its own attached (`policy-i`),
which allows "*:*" for every 200th role (1.16 fails on N/200 policies) and s3:GetObject
otherwise. The rest have no policy. THREADS (default 8) clients in threads; moto serves one
request at a time, so more threads only hide the client's own latency.
"""
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT, N = sys.argv[1], int(sys.argv[2])
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 8
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "sts:AssumeRole"}]})
FULL_ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]})
S3_READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
local = threading.local()


def iam():
    if not hasattr(local, "iam"):
        local.iam = boto3.client("iam", **KW)
    return local.iam


def call(method, **kwargs):
    """One request, retried: moto 5.2.5's IAM is not thread-safe and now and then answers a
    concurrent request with a 500 (after or before doing it), so an EntityAlreadyExists on
    a retry means the first try did it. Returns the number of requests sent."""
    for attempt in range(1, 6):
        try:
            getattr(iam(), method)(**kwargs)
            return attempt
        except Exception as error:  # noqa: BLE001
            if attempt > 1 and "EntityAlreadyExists" in str(error):
                return attempt
            if attempt == 5:
                raise
            time.sleep(0.05 * attempt)


def seed(i):
    name = f"role-{i:06d}"
    requests = call("create_role", RoleName=name, AssumeRolePolicyDocument=TRUST)
    if i % 20 == 0:
        requests += call("attach_role_policy", RoleName=name,
                         PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    if i % 100 == 0:
        requests += call("create_policy", PolicyName=f"policy-{i:06d}",
                         PolicyDocument=FULL_ADMIN if i % 200 == 0 else S3_READ)
        requests += call("attach_role_policy", RoleName=name,
                         PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:06d}")
    return requests


start = time.time()
boto3.client("iam", **KW).list_roles(MaxItems=1)  # builds the account's IAM state
with ThreadPoolExecutor(THREADS) as pool:
    sent = sum(pool.map(seed, range(N), chunksize=64))
json.dump({"roles": N, "support_roles": (N + 19) // 20, "customer_policies": (N + 99) // 100,
           "full_admin_policies": (N + 199) // 200, "requests": sent + 1,
           "seconds": round(time.time() - start, 1)}, sys.stdout)
