"""Seeds a moto server with an AWS Organization of N accounts (the management account
123456789012 plus N-1 created ones) for scripts/bench-regions, and warms every account.

Regions stay empty (no resources anywhere): the 100-account run measures the cost of reading
17 regions per account, not of resources. Per account (through sts:AssumeRole of
OrganizationAccountAccessRole for members, 4 threads): iam:ListRoles, which builds the
account's IAM state, then the credential report generated until COMPLETE and fetched once,
so that no audit waits on moto's STARTED state; then one ec2:GetEbsEncryptionByDefault in
each of REGIONS (the 17 of scripts/bench-regions), which builds the account's EC2 backend
in every region (moto's costly one: default VPC, subnets, security groups, AMIs).

Usage: seed_org_regions.py ENDPOINT N REGION [REGION ...] -> prints {"accounts": [...ids...]} as JSON on stdout.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT, N, REGIONS = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")

org = boto3.client("organizations", **KW)
sts = boto3.client("sts", **KW)
org.create_organization(FeatureSet="ALL")
ids = ["123456789012"]
for i in range(1, N):
    out = org.create_account(AccountName=f"bench-{i:04d}", Email=f"bench-{i}@example.com")
    ids.append(out["CreateAccountStatus"]["AccountId"])


def warm(account):
    if account == "123456789012":
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    else:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                RoleSessionName="seed")["Credentials"]
        session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"])
    iam = session.client("iam", endpoint_url=ENDPOINT, region_name="us-east-1")
    iam.list_roles()
    while iam.generate_credential_report()["State"] != "COMPLETE":
        time.sleep(0.1)
    iam.get_credential_report()
    for region in REGIONS:
        session.client("ec2", endpoint_url=ENDPOINT, region_name=region).get_ebs_encryption_by_default()


with ThreadPoolExecutor(4) as pool:
    list(pool.map(warm, ids))
json.dump({"accounts": ids}, sys.stdout)
