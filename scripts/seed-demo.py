"""Seeds a sample account in a local moto server for the demo (endpoint in argv[1]).

The account looks like many real ones: admins and read-only roles, a service-linked
support role, and AWSSupportAccess attached to a *user* instead of a role, which
CIS AWS Foundations 1.17 (v3.0.0) counts as a failure.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client(
    "iam",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)


def trust(principal):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


account_root = {"AWS": "arn:aws:iam::123456789012:root"}
iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=trust(account_root))
iam.attach_role_policy(RoleName="Admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.create_role(RoleName="ReadOnly", AssumeRolePolicyDocument=trust(account_root))
iam.attach_role_policy(RoleName="ReadOnly", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
iam.create_role(
    RoleName="AWSServiceRoleForSupport",
    Path="/aws-service-role/support.amazonaws.com/",
    AssumeRolePolicyDocument=trust({"Service": "support.amazonaws.com"}),
)
iam.attach_role_policy(
    RoleName="AWSServiceRoleForSupport",
    PolicyArn="arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
)
iam.create_user(UserName="alice")
iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
print("seeded account 123456789012: roles Admin, ReadOnly, AWSServiceRoleForSupport; user alice has AWSSupportAccess")
