"""Seeds a sample account in a local moto server for the demo (endpoint in argv[1]).

The account looks like many real ones: admins and read-only roles, a service-linked
support role, and findings across the IAM section of CIS AWS Foundations v3.0.0:
AWSSupportAccess attached to a *user* instead of a role (1.17), a weak password policy
(1.8, 1.9), a console user without MFA (1.10) who got an access key at setup (1.11), a
user with two active keys (1.13), policies attached to users directly (1.15), a
customer-managed `*:*` policy attached (1.16) and an expired server certificate (1.19).
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

# 1.8, 1.9: a password policy, but a weak one.
iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=3)
# 1.10, 1.11: bob signs in to the console without MFA, and got an access key at setup that
# he never used.
iam.create_user(UserName="bob")
iam.create_login_profile(UserName="bob", Password="Demo-password-1234")
iam.create_access_key(UserName="bob")
# 1.13, 1.15: the deploy user has two active keys and its own policy.
iam.create_user(UserName="deploy")
iam.create_access_key(UserName="deploy")
iam.create_access_key(UserName="deploy")
iam.put_user_policy(
    UserName="deploy",
    PolicyName="deploy-artifacts",
    PolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}],
        }
    ),
)
# 1.16: a customer-managed policy granting "*" on "*", attached to a group.
admin = iam.create_policy(
    PolicyName="LegacyFullAccess",
    PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ),
)
iam.create_group(GroupName="ops")
iam.attach_group_policy(GroupName="ops", PolicyArn=admin["Policy"]["Arn"])
# 1.19: an uploaded certificate (moto dates every one 2012-05-08: expired).
iam.upload_server_certificate(
    ServerCertificateName="legacy-www",
    CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    PrivateKey="-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
)
print(
    "seeded account 123456789012: roles Admin, ReadOnly, AWSServiceRoleForSupport; user alice"
    " has AWSSupportAccess; a weak password policy; bob (console, no MFA, unused key); deploy"
    " (two active keys, inline policy); group ops with a *:* policy; an expired certificate"
)
