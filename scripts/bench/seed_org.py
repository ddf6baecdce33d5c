"""Seeds a moto server with an AWS Organization of N accounts (the management account
123456789012 plus N-1 created ones) for scripts/bench-org.

Every third account passes CIS 1.17 (AWSSupportAccess attached to a role), every third has
it attached to a user only (fail), the rest have nothing (fail). Seeding goes through each
member account's IAM (AssumeRole, then CreateRole/CreateUser), so moto has built every
account's IAM backend before cisrun runs: that is the warm-up.

Usage: seed_org.py ENDPOINT N  -> prints {"accounts": [...ids...]} as JSON on stdout.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT, N = sys.argv[1], int(sys.argv[2])
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
POLICY = "arn:aws:iam::aws:policy/AWSSupportAccess"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "sts:AssumeRole"}]})

org = boto3.client("organizations", **KW)
sts = boto3.client("sts", **KW)
org.create_organization(FeatureSet="ALL")
ids = ["123456789012"]
for i in range(1, N):
    out = org.create_account(AccountName=f"bench-{i:04d}", Email=f"bench-{i}@example.com")
    ids.append(out["CreateAccountStatus"]["AccountId"])


def seed(index_and_id):
    index, account = index_and_id
    if account == "123456789012":
        iam = boto3.client("iam", **KW)
    else:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                RoleSessionName="seed")["Credentials"]
        iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
    if index % 3 == 0:
        iam.create_role(RoleName="Support", AssumeRolePolicyDocument=TRUST)
        iam.attach_role_policy(RoleName="Support", PolicyArn=POLICY)
    elif index % 3 == 1:
        iam.create_user(UserName="helpdesk")
        iam.attach_user_policy(UserName="helpdesk", PolicyArn=POLICY)
    else:
        iam.list_roles()  # builds the account's IAM state, nothing attached


with ThreadPoolExecutor(4) as pool:
    list(pool.map(seed, enumerate(ids)))
json.dump({"accounts": ids}, sys.stdout)
