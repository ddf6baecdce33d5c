"""Seeds ONE moto account (123456789012) with N IAM users and M roles for scripts/bench-iam.

Usage: seed_iam.py ENDPOINT USERS ROLES  -> prints a JSON summary of what it made on stdout.

The mix makes every Level 1 IAM control that moto can drive produce findings on both sides
(per user, by index i):

* console password (CreateLoginProfile): every 2nd user; of those, every 2nd also has an
  enabled virtual MFA device (1.10 fails for the rest);
* access keys: every 3rd user one active key, every 15th a second active one (1.13), every
  30th a second one made Inactive; keys are never used (1.11 fails for console users with a
  key);
* permissions: every 5th user a managed policy attached directly, every 7th an inline policy
  (1.15); the rest get theirs through one of two groups (Developers, ReadOnly);
* roles: role-0000 has AWSSupportAccess (1.17 passes), role-0001 the customer-managed
  `FullAdmin` policy allowing "*:*" (1.16 fails), role-0002 AWS AdministratorAccess, every
  10th role an inline policy, the rest ReadOnlyAccess or nothing; plus the service-linked
  AWSServiceRoleForSupport;
* a password policy that passes 1.8 and 1.9 (length 14, reuse 24);
* one uploaded server certificate (moto reports every certificate as expired in 2012: 1.19).

Every call goes to the same account through one client per thread (4 threads): a few
thousand requests, a few seconds. The first call builds the account's IAM state in moto.
"""
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT, USERS, ROLES = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
KW = dict(endpoint_url=ENDPOINT, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ACCOUNT = "123456789012"
AWS_POLICY = "arn:aws:iam::aws:policy/"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "sts:AssumeRole"}]})
S3_READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})
FULL_ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]})

local = threading.local()


def iam():
    if not hasattr(local, "iam"):
        local.iam = boto3.client("iam", **KW)
    return local.iam


# Account-wide objects first (one thread).
c = iam()
c.list_roles()  # builds the account's IAM state (the first call into an account is slow)
c.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24,
                                 RequireSymbols=True, RequireNumbers=True,
                                 RequireUppercaseCharacters=True, RequireLowercaseCharacters=True)
full_admin = c.create_policy(PolicyName="FullAdmin", PolicyDocument=FULL_ADMIN)["Policy"]["Arn"]
s3_read = c.create_policy(PolicyName="S3Read", PolicyDocument=S3_READ)["Policy"]["Arn"]
c.create_group(GroupName="Developers")
c.attach_group_policy(GroupName="Developers", PolicyArn=AWS_POLICY + "PowerUserAccess")
c.create_group(GroupName="ReadOnly")
c.attach_group_policy(GroupName="ReadOnly", PolicyArn=AWS_POLICY + "ReadOnlyAccess")
c.create_role(RoleName="AWSServiceRoleForSupport",
              Path="/aws-service-role/support.amazonaws.com/",
              AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                  "Effect": "Allow", "Principal": {"Service": "support.amazonaws.com"},
                  "Action": "sts:AssumeRole"}]}))
c.upload_server_certificate(
    ServerCertificateName="legacy-www",
    CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----")

counts = {"console": 0, "console_mfa": 0, "keys": 0, "two_active_keys": 0,
          "direct_managed": 0, "inline": 0}
lock = threading.Lock()


def bump(key):
    with lock:
        counts[key] += 1


def seed_user(i):
    c = iam()
    name = f"user-{i:04d}"
    c.create_user(UserName=name)
    if i % 2 == 0:
        c.create_login_profile(UserName=name, Password="Bench-Passw0rd-123!")
        bump("console")
        if i % 4 == 0:
            serial = c.create_virtual_mfa_device(VirtualMFADeviceName=name)[
                "VirtualMFADevice"]["SerialNumber"]
            c.enable_mfa_device(UserName=name, SerialNumber=serial,
                                AuthenticationCode1="123456", AuthenticationCode2="654321")
            bump("console_mfa")
    if i % 3 == 0:
        c.create_access_key(UserName=name)
        bump("keys")
        if i % 15 == 0:
            c.create_access_key(UserName=name)
            bump("two_active_keys")
        elif i % 30 == 3:
            key = c.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
            c.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
    if i % 5 == 0:
        c.attach_user_policy(UserName=name, PolicyArn=s3_read)
        bump("direct_managed")
    if i % 7 == 0:
        c.put_user_policy(UserName=name, PolicyName="inline-s3", PolicyDocument=S3_READ)
        bump("inline")
    c.add_user_to_group(GroupName="Developers" if i % 2 else "ReadOnly", UserName=name)


def seed_role(i):
    c = iam()
    name = f"role-{i:04d}"
    c.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    if i == 0:
        c.attach_role_policy(RoleName=name, PolicyArn=AWS_POLICY + "AWSSupportAccess")
    elif i == 1:
        c.attach_role_policy(RoleName=name, PolicyArn=full_admin)
    elif i == 2:
        c.attach_role_policy(RoleName=name, PolicyArn=AWS_POLICY + "AdministratorAccess")
    elif i % 10 == 0:
        c.put_role_policy(RoleName=name, PolicyName="inline-s3", PolicyDocument=S3_READ)
    elif i % 2:
        c.attach_role_policy(RoleName=name, PolicyArn=AWS_POLICY + "ReadOnlyAccess")


with ThreadPoolExecutor(4) as pool:
    list(pool.map(seed_user, range(USERS)))
    list(pool.map(seed_role, range(ROLES)))

json.dump({"account": ACCOUNT, "users": USERS, "roles": ROLES + 1, **counts}, sys.stdout)
print()
